"""Which EU authority drafts an incident needs, and what each draft knows about its authority.

One draft per authority (kind `eu_authority_report_CC`, so each is stored, versioned and written to its
own file), on the EU GDPR Art 33(3) elements; drafts are in English, and each says plainly where the
authority asks for another language. Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.clock import deadline_for
from bot.domain.eu_authorities import LANGUAGE_NAMES, authority, clock_country, clock_key, german_authorities

EU_DRAFT_PREFIX = "eu_authority_report_"
EU_TEMPLATE = "eu_authority_report.md.j2"


def eu_kind(country: str) -> str:
    return f"{EU_DRAFT_PREFIX}{country}"


def kind_country(kind: str) -> str | None:
    return kind[len(EU_DRAFT_PREFIX) :] if kind.startswith(EU_DRAFT_PREFIX) else None


def eu_kinds(regimes: Sequence[str]) -> list[str]:
    """One draft kind per EU authority's clock the incident runs, in the clocks' order."""
    return [eu_kind(code) for key in regimes if (code := clock_country(key))]


def eu_title(kind: str) -> str:
    found = authority(kind_country(kind) or "")
    return f"Breach notification to the {found.short} ({found.country})"


def _language_note(languages: Sequence[str], names: Sequence[str]) -> str:
    if "en" in languages:
        return "This authority accepts notifications in English (check the note below if it is marked unconfirmed)."
    return (
        f"This draft is in English. The authority works in {' or '.join(names)}: submit the notification in "
        f"{'one of those languages' if len(names) > 1 else names[0]}, or ask the authority first whether it "
        "accepts English. Have the draft translated before the deadline; do not let translation delay a "
        "phased first notification."
    )


def template_variables(kind: str, eu: Mapping[str, Any] | None, aware_at: Any) -> dict[str, Any]:
    """The `authority` and `eu` variables the EU draft's template reads."""
    code = kind_country(kind) or ""
    found = authority(code)
    eu = eu or {}
    countries: Mapping[str, Any] = eu.get("countries") or {}
    report = (eu.get("reports") or {}).get(code) or {}
    de_choice = eu.get("de_authority") if code == "DE" else None
    names = [LANGUAGE_NAMES.get(lang, lang) for lang in found.languages]
    return {
        "authority": {
            **found.to_dict(),
            "addressed": f"the {de_choice}" if de_choice else found.addressed,
            "addressed_short": f"the {de_choice}" if de_choice else f"the {found.short}",
            "language_names": names,
            "language_note": _language_note(found.languages, names),
            "deadline": deadline_for(clock_key(code), aware_at).due_at,
            "people_here": countries.get(code),
            "country_listed": code in countries,
            "reported_at": report.get("reported_at"),
            "case_ref": report.get("case_ref"),
            "de_choice": de_choice,
            "german_authorities": german_authorities() if code == "DE" and not de_choice else {},
        },
        "eu": {
            "representative": eu.get("representative"),
            "main_establishment": eu.get("main_establishment"),
            "basis": eu.get("basis"),
            "countries": [
                {"code": c, "name": authority(c).country, "count": countries[c]}
                for c in sorted(countries, key=lambda c: authority(c).country)
            ],
            "other_authorities": [
                authority(c).addressed for k in eu.get("regimes", ()) if (c := clock_country(k)) and c != code
            ],
        },
    }


def people_languages_warning(countries: Mapping[str, Any] | None) -> str | None:
    """For the notice to people: those living in the EEA may need it in their own languages."""
    if not countries:
        return None
    # By country name: the stored order is not kept by every database (PostgreSQL's JSONB sorts keys).
    ordered = sorted(countries, key=lambda code: authority(code).country)
    langs: list[str] = []
    for code in ordered:
        for lang in authority(code).languages:
            name = LANGUAGE_NAMES.get(lang, lang)
            if name not in langs and name != "English":
                langs.append(name)
    where = ", ".join(authority(code).country for code in ordered)
    return (
        f"Some of the people affected live in {where}. Art 34(2) asks for clear and plain language: people who "
        f"do not read English may need this notice in their own language ({', '.join(langs) or 'check'}). "
        "Have it translated for them before sending."
    )
