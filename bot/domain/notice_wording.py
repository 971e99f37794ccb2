"""The words of the notices, kept as data so they change in one place: labels for the ICO form's
categories, plain-English phrasings for the people affected, and the advice that fits each kind of data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    "identification_data": "Identification data (e.g. usernames, passwords)",
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
    "identification_data": "your account details, such as your username",
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
PROTECTION = {"none": "No encryption or other protection of the data", "encrypted": "Encrypted",
              "hashed": "Hashed", "pseudonymised": "Pseudonymised"}
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
           "nis": "NIS Regulations 2018", "processor": "UK GDPR Art 33(2) (processor)"}
_SPECIAL = ("special_racial_ethnic", "special_political", "special_religious", "special_trade_union",
            "special_sex_life", "special_sexual_orientation", "special_health", "genetic_biometric",
            "criminal_offence")
_PHISHING = ("Be careful with emails, texts and calls that mention this or ask for your details.",
             "Do not click links or open files in messages you did not expect.")
ADVICE: dict[str, tuple[str, ...]] = {
    "credentials": ("Change your password for your account with us now.",
                    "If you use the same password anywhere else, change it there too.",
                    "Turn on two-step sign-in where you can."),
    "identification_data": ("Change your password for your account with us.", *_PHISHING),
    "economic_financial": ("Check your bank and card statements for payments you do not know about.",
                           "If you see anything wrong, tell your bank straight away.",
                           "Your bank will never ask you for your PIN or your full password."),
    "official_documents": (
        "Check your credit file for loans or accounts you did not open. You can do this for free.",
        "If you think someone is using your details, tell the police and the office that issued the paper."),
    "basic_identifiers": _PHISHING,
    "location": ("If you are worried about your safety, tell the police. In an emergency, call 999.",),
} | dict.fromkeys(_SPECIAL, ("If this news has upset you, please talk to us. We are here to help.",))
HARMS: dict[str, str] = {
    "credentials": "account takeover, including other accounts that share the password",
    "identification_data": "access to accounts and identity fraud",
    "economic_financial": "fraud and financial loss", "official_documents": "identity theft and fraud",
    "basic_identifiers": "phishing, scams and unwanted contact",
    "location": "risk to physical safety, such as stalking",
    "genetic_biometric": "identity fraud that cannot be undone, and discrimination",
    "criminal_offence": "discrimination and damage to reputation",
} | dict.fromkeys(_SPECIAL[:7], "discrimination, distress and damage to reputation")
_CONFIDENTIALITY = {
    "trusted": "{some} were sent by mistake to an organisation that must keep them private.",
    "known": "{some} were sent to or seen by people who should not have had them.",
    "none": "{some} were left open to people who should not see them. "
            "We have found no sign that anyone looked at them."}
# fmt: on


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def advice_for(categories: Sequence[str]) -> list[str]:
    """Concrete steps for the people affected that fit the data involved; phishing advice always fits."""
    steps = [step for key in categories if isinstance(key, str) for step in ADVICE.get(key, ())]
    return _unique([*steps, *_PHISHING[:1]])


def harms_for(categories: Sequence[str]) -> list[str]:
    return _unique([HARMS[key] for key in categories if key in HARMS])


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
