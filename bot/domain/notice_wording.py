"""The words of the notices, kept as data so they change in one place: labels for the ICO form's
categories, plain-English phrasings for the people affected, and the advice that fits each kind of data."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

# fmt: off
KIND_TITLES = {"ico_report": "ICO breach report", "individuals_notice": "Notice to the people affected",
               "controller_notice": "Notice to the controller",
               "pecr_subscriber_notice": "PECR notice to subscribers and users",
               "public_communication": "Public communication"}
ICO_HELPLINE = "0303 123 1113"
# The ICO online form's data categories, plus credentials (contracts.md).
CATEGORY_LABELS = {
    "basic_identifiers": "Basic personal identifiers (e.g. name, contact details)",
    "identification_data": "Identification data (e.g. date of birth, National Insurance or NHS number)",
    "economic_financial": "Economic and financial data (e.g. card numbers, bank details)",
    "official_documents": "Official documents (e.g. driving licences, passports)",
    "location": "Location data", "genetic_biometric": "Genetic or biometric data",
    "criminal_offence": "Criminal convictions and offences",
    "credentials": "Credentials that open other systems (e.g. passwords, keys)",
    "special_racial_ethnic": "Data revealing racial or ethnic origin",
    "special_political": "Political opinions", "special_religious": "Religious or philosophical beliefs",
    "special_trade_union": "Trade union membership",
    "special_sex_life": "Sex life data", "special_sexual_orientation": "Sexual orientation data",
    "special_health": "Health data", "other": "Other"}
PLAIN_CATEGORIES = {
    "basic_identifiers": "your name and contact details",
    "identification_data": "details that identify you, such as your date of birth or your National Insurance "
                           "or NHS number",
    "economic_financial": "your bank or payment card details",
    "official_documents": "details from official papers, such as your passport or driving licence",
    "location": "details of where you are or have been",
    "genetic_biometric": "genetic or biometric details, such as fingerprints",
    "criminal_offence": "details of criminal offences or convictions",
    "credentials": "your username and password", "special_racial_ethnic": "your racial or ethnic origin",
    "special_political": "your political views", "special_religious": "your religious or other beliefs",
    "special_trade_union": "whether you are in a trade union",
    "special_sex_life": "details of your sex life", "special_sexual_orientation": "your sexual orientation",
    "special_health": "details of your health", "other": "other personal details"}
SUBJECT_LABELS = {
    "employees": "Employees", "users": "Users", "subscribers": "Subscribers", "students": "Students",
    "customers": "Customers", "prospective_customers": "Prospective customers", "patients": "Patients",
    "children": "Children", "vulnerable_adults": "Vulnerable adults", "other": "Other"}
PLAIN_SUBJECTS = {k: v.lower() for k, v in SUBJECT_LABELS.items()} | {"other": "other people"}
_ADDRESSEES = {"customers": "customer", "patients": "patient", "employees": "colleague",
               "students": "student", "subscribers": "customer", "users": "customer"}
BREACH_TYPES = {"confidentiality": "Confidentiality: personal data disclosed or accessed without authority",
                "integrity": "Integrity: personal data altered without authority",
                "availability": "Availability: personal data lost, destroyed or not accessible"}
CAUSES = {"malicious": "Deliberate (malicious)", "accidental": "Accidental"}
# What the triage's "protection" answer says, and only that: "none" means the data were not encrypted,
# hashed or pseudonymised, not that there was no security at all (that is the measures in place).
PROTECTION = {"none": "The data were not encrypted", "encrypted": "The data were encrypted",
              "hashed": "The data were hashed", "pseudonymised": "The data were pseudonymised"}
INTACT = {True: " (state of the art; key or salt not compromised)",
          False: " (key or salt may be compromised)"}
EXPOSURE = {"none": "No one unauthorised saw the data (access and copying ruled out)",
            "trusted": "A known recipient bound by confidentiality",
            "known": "Identified recipients not bound by confidentiality",
            "unknown": "An attacker, the public, or access by others cannot be ruled out"}
AVAILABILITY = {"not_affected": "Data and systems stayed available",
                "restored_quickly": "Data were unavailable for a short time and restored quickly from backup",
                "delayed": "Access to the data was delayed in a way that affects people",
                "lost": "Data were lost and cannot be restored"}
EXEMPTIONS = {
    "art34_3_a": "Art 34(3)(a): the data were unintelligible to anyone unauthorised "
                 "(e.g. encrypted with the key safe)",
    "art34_3_b": "Art 34(3)(b): measures taken since mean the high risk is no longer likely to materialise",
    "art34_3_c": "Art 34(3)(c): telling each person would take disproportionate effort, so a public "
                 "communication is made instead"}
# The triage engine's risk levels (bot/domain/triage.py), as the ICO form's likelihood question reads.
RISK_LEVELS = {"none": "no risk to people identified", "unlikely": "unlikely to result in a risk to people",
               "risk": "likely to result in a risk to people, but not a high risk",
               "high": "likely to result in a high risk to people"}
REGIMES = {"uk-gdpr": "UK GDPR", "pecr": "PECR reg 5A", "eidas": "UK eIDAS Art 19 (24 hours)",
           "nis": "NIS Regulations 2018", "processor": "UK GDPR Art 33(2) (processor)",
           "eu-gdpr": "EU GDPR Art 33 (each EEA authority notified separately)"}
_CONFIDENTIALITY = {
    "trusted": "{some} were sent by mistake to an organisation that must keep them private.",
    "known": "{some} were sent to or seen by people who should not have had them.",
    "none": "{some} were left open to people who should not see them. "
            "We have found no sign that anyone looked at them."}
# fmt: on


@cache
def _rules(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("bot.rules").joinpath(name).read_text("utf-8"))


def _advice_row(category: str) -> Mapping[str, Any]:
    rules = _rules("advice.toml")
    if category in rules["special"]["categories"]:
        return rules["special"]
    return rules["categories"].get(category, {})


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def advice_for(categories: Sequence[str]) -> list[str]:
    """Concrete steps for the people affected that fit the data involved (rules/advice.toml); guarding
    against scams that use the breach always fits."""
    rules = _rules("advice.toml")
    order = rules["order"]

    def rank(key: str) -> int:
        group = "special" if key in rules["special"]["categories"] else key
        return order.index(group) if group in order else len(order)

    ranked = sorted((key for key in categories if isinstance(key, str)), key=rank)
    steps = [step for key in ranked for step in _advice_row(key).get("steps", ())]
    return _unique([*steps, *rules["always"]["steps"]])


def harms_for(categories: Sequence[str]) -> list[str]:
    """The harms to consider for the ICO form, third person."""
    return _unique([row["harm"] for key in categories if "harm" in (row := _advice_row(key))])


def consequences_for(categories: Sequence[str]) -> list[str]:
    """What the breach could mean for a person, in the second person, from the kinds of data involved."""
    said = []
    special = [PLAIN_CATEGORIES[k] for k in categories if k in _rules("advice.toml")["special"]["categories"]]
    for key in categories:
        row = _advice_row(key)
        if "to_you" not in row:
            continue
        said.append(row["to_you"].format(what=_join_plain([s.removeprefix("your ") for s in special])))
    return _unique(said)


def _join_plain(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1] if items else ""


def ico_likelihood(risk: str | None) -> str | None:
    """The ICO form's answer to "how likely are significant consequences", from the risk level."""
    return _rules("ico_form.toml")["likelihood"].get(str(risk)) if risk else None


_RISK_ORDER = ("none", "unlikely", "risk", "high")


def severity_against_risk(band: str | None, risk: str | None) -> int:
    """0 when the ENISA band suggests the same risk level as the decision; 1 when it suggests a higher
    one, -1 a lower one."""
    suggested = _rules("ico_form.toml")["enisa_as_risk"].get(str(band))
    if suggested is None or risk not in _RISK_ORDER:
        return 0
    level = max(_RISK_ORDER.index(str(risk)), 1)  # "no risk" and "unlikely" both read as a low band
    return (_RISK_ORDER.index(suggested) > level) - (_RISK_ORDER.index(suggested) < level)


def people(count: int) -> str:
    """'1 person', '1,200 people'."""
    return f"{count:,} {'person' if count == 1 else 'people'}"


def up_to_people(count: int) -> str:
    """'Up to 1,200 people', but '1 person': a most of one is one."""
    return people(count) if count == 1 else f"Up to {people(count)}"


def addressee(subject_types: Sequence[str]) -> str:
    kinds = _unique([_ADDRESSEES[s] for s in subject_types if s in _ADDRESSEES])
    return f"Dear {kinds[0]}," if len(kinds) == 1 else "Hello,"


def plain_nature(answers: Mapping[str, Any], some: str = "Some of your personal details") -> str:
    """What happened, in words the people affected use, from the triage answers."""
    types, said = str_list(answers.get("breach_types")), []
    if "confidentiality" in types:
        unsure = "{some} may have been seen or taken by someone who should not have them."
        said.append(_CONFIDENTIALITY.get(str(answers.get("exposure")), unsure))
    if "integrity" in types:
        said.append("{some} were changed without permission.")
    if "availability" in types and answers.get("availability") == "lost":
        said.append("{some} have been lost.")
    elif "availability" in types:
        said.append("For a time, we could not reach {lower}.")
    text = " ".join(said) or "{some} were affected by a problem with our security."
    return text.format(some=some, lower=some[:1].lower() + some[1:])


def str_list(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return []
    return [str(v) for v in value if v]
