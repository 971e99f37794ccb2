"""The organisation's profile: read, change, and propose from a privacy policy."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.clock import get_regime
from bot.domain.eu_authorities import InvalidCountries, country_code, german_authority
from bot.domain.plaintext import clean_text
from bot.domain.policy import PolicyProposal, read_policy
from bot.domain.triage import QUESTIONS
from bot.errors import BreachbotError
from bot.store.models import Organisation

TEXT_FIELDS = {
    "name": 200,
    "ico_registration": 40,
    "address": 1000,
    "dpo_name": 200,
    "dpo_email": 320,
    "dpo_phone": 40,
    "dpo_address": 1000,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s()-]{7,20}$")
# The ICO registration (data protection fee) reference: two letters then digits, e.g. ZA123456.
_ICO_REGISTRATION = re.compile(r"^[A-Z]{1,2}\d{6,8}$")
POLICY_LIMIT = 2_000_000


class InvalidProfile(BreachbotError):
    pass


def _categories() -> tuple[str, ...]:
    question = next(q for q in QUESTIONS if q.key == "data_categories")
    return tuple(value for value, _ in question.options)


EMPTY_PROFILE: dict[str, Any] = {
    "id": 1,
    "regimes": ["uk-gdpr"],
    "is_processor": False,
    "data_categories": [],
    "processors": [],
}


def get_profile(session: Session) -> Organisation:
    """The stored profile, or an empty unsaved one (so callers never branch on None)."""
    return session.get(Organisation, 1) or Organisation(**EMPTY_PROFILE)


def profile_dict(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "ico_registration": org.ico_registration,
        "address": org.address,
        "dpo_name": org.dpo_name,
        "dpo_email": org.dpo_email,
        "dpo_phone": org.dpo_phone,
        "dpo_address": org.dpo_address,
        "regimes": list(org.regimes or ["uk-gdpr"]),
        "is_processor": bool(org.is_processor),
        "data_categories": list(org.data_categories or []),
        "processors": list(org.processors or []),
        "eu_gdpr": org.eu_gdpr,
        "eu_main_establishment": org.eu_main_establishment,
        "eu_representative": org.eu_representative,
        "eu_de_authority": org.eu_de_authority,
        "updated_at": org.updated_at.isoformat() if org.updated_at else None,
    }


def _validated(changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key in TEXT_FIELDS:
            text = (
                " ".join(str(value).replace("\x00", "").split())
                if key not in ("address", "dpo_address")
                else ("\n".join(line.strip() for line in str(value).replace("\x00", "").splitlines() if line.strip()))
            )
            if len(text) > TEXT_FIELDS[key]:
                raise InvalidProfile(f"{key}: at most {TEXT_FIELDS[key]} characters")
            if key == "dpo_email" and text and not _EMAIL.match(text):
                raise InvalidProfile(f"dpo_email: {text!r} is not an email address")
            if key == "dpo_phone" and text and not _PHONE.match(text):
                raise InvalidProfile(f"dpo_phone: {text!r} is not a phone number")
            if key == "ico_registration" and text:
                text = text.upper().replace(" ", "")
                if not _ICO_REGISTRATION.match(text):
                    raise InvalidProfile(
                        f"ico_registration: {text!r} does not look like an ICO registration number (e.g. ZA123456)"
                    )
            clean[key] = text or None
        elif key == "regimes":
            regimes = list(dict.fromkeys(value))
            for regime in regimes:
                get_regime(regime)
            clean[key] = regimes or ["uk-gdpr"]
        elif key == "is_processor":
            clean[key] = bool(value)
        elif key == "data_categories":
            known = _categories()
            unknown = [c for c in value if c not in known]
            if unknown:
                raise InvalidProfile(f"data_categories: unknown {', '.join(unknown)} (use one of {', '.join(known)})")
            clean[key] = list(dict.fromkeys(value))
        elif key == "eu_gdpr":
            clean[key] = bool(value)
        elif key == "eu_main_establishment":
            # "" or "none" clears it: the organisation has no establishment in the EEA.
            text = str(value).strip()
            clean[key] = None if text.lower() in ("", "none") else _eea_code(text)
        elif key in ("eu_representative", "eu_de_authority"):
            text = " ".join(str(value).replace("\x00", "").split())
            limit = 1000 if key == "eu_representative" else 200
            if len(text) > limit:
                raise InvalidProfile(f"{key}: at most {limit} characters")
            clean[key] = (german_authority(text) if key == "eu_de_authority" else text) or None
        elif key == "processors":
            clean[key] = [" ".join(str(p).split())[:200] for p in value if str(p).strip()]
        else:
            raise InvalidProfile(f"unknown profile field {key!r}")
    return clean


def _eea_code(text: str) -> str:
    try:
        return country_code(text)
    except InvalidCountries as problem:
        raise InvalidProfile(f"eu_main_establishment: {problem}") from None


def update_profile(session: Session, changes: dict[str, Any], *, now: datetime) -> Organisation:
    clean = _validated(changes)
    # Insert-if-absent, then lock: two first saves at once both succeed, the second applied after the
    # first, where a plain INSERT made the second fail on the primary key.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(Organisation).values(**EMPTY_PROFILE).on_conflict_do_nothing())
    org = session.get(Organisation, 1, with_for_update=True, populate_existing=True)
    assert org is not None  # inserted above when absent
    for key, value in clean.items():
        setattr(org, key, value)
    org.updated_at = now
    session.flush()
    return org


def read_policy_text(data: bytes) -> str:
    if len(data) > POLICY_LIMIT:
        raise InvalidProfile("that file is too large to be a privacy policy (over 2 MB of text)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Policies pasted from Word are often Windows-1252; a wrong guess only affects odd characters.
        text = data.decode("cp1252", errors="replace")
    return clean_text(text)


def propose_from_policy(text: str) -> list[PolicyProposal]:
    proposals = read_policy(text)
    if not proposals:
        raise InvalidProfile("no organisation details found in that text: is it a privacy policy?")
    return proposals


def proposal_changes(proposal: PolicyProposal) -> dict[str, Any]:
    """The profile fields a proposal would set (only those it found)."""
    changes: dict[str, Any] = {}
    if proposal.name:
        changes["name"] = proposal.name.value
    if proposal.emails:
        changes["dpo_email"] = proposal.emails[0].value
    if proposal.phones:
        changes["dpo_phone"] = proposal.phones[0].value
    if proposal.postal_address:
        changes["address"] = proposal.postal_address.value.replace(", ", "\n")
    if proposal.dpo_named and ":" in proposal.dpo_named.value:
        changes["dpo_name"] = proposal.dpo_named.value.split(":", 1)[1].strip()
    if proposal.data_categories:
        changes["data_categories"] = [f.value for f in proposal.data_categories]
    if proposal.third_parties:
        changes["processors"] = [f.value for f in proposal.third_parties]
    return changes
