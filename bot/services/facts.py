"""Facts about an incident beyond the triage answers: what the ICO form and the register ask for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.causes import UnknownCause, get_cause
from bot.domain.clock import format_local, require_aware
from bot.services.incidents import LONDON, TEXT_LIMIT, InvalidIncident, get_incident
from bot.services.timeline import append_event
from bot.store.models import Incident

TEXT_FACTS = {
    "likely_consequences": "the likely consequences",
    "staff_involved": "staff involvement",
    "staff_training": "the data protection training of the staff involved",
    "discovered_how": "how it was discovered",
    "reasons_not_told": "the reasons for not telling the people affected",
    "others_told": "who else has been told (police, other regulators, media)",
    "individuals_told_how": "how the people affected were told",
    "measures_in_place": "the security measures in place before the breach",
    "public_description": "what happened, in plain words for the people affected",
    "public_consequences": "what it could mean for the people affected, in plain words",
    "public_measures": "what was done about it, in plain words for the people affected",
}


def set_facts(
    session: Session,
    ref: str,
    changes: dict[str, Any],
    *,
    actor: str,
    now: datetime,
    happened_at: datetime | None = None,
) -> Incident:
    """Update any of the facts; each change is one timeline event with before and after values.
    `happened_at` is when the facts given came true (others were told, say), when not just now."""
    incident = get_incident(session, ref, lock=True)
    if happened_at is not None:
        happened_at = require_aware(happened_at)
        if happened_at > now:
            raise InvalidIncident("when it happened is in the future: give the moment it happened")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    # Every value is checked before any is applied: a refused change leaves the record as it was.
    for key, value in _validated(changes, now).items():
        current = getattr(incident, key)
        if current != value:
            before[key] = current
            after[key] = value
            setattr(incident, key, value)
    if not after:
        return incident
    incident.updated_at = now
    described = "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in after.items())
    if happened_at is not None:
        times = dict(incident.fact_times or {})  # a new dict, so the JSON column is seen as changed
        times.update(dict.fromkeys(after, happened_at.isoformat()))
        incident.fact_times = times
        after["happened_at"] = happened_at
        described += f" (as of {format_local(happened_at, LONDON)})"
    append_event(
        session, incident, actor=actor, kind="facts", summary=f"Facts recorded: {described}", at=now, before=before,
        after=after,
    )  # fmt: skip
    return incident


def _validated(changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key in TEXT_FACTS:
            cleaned = " ".join(str(value).replace("\x00", "").split())
            if len(cleaned) > TEXT_LIMIT:
                raise InvalidIncident(f"{TEXT_FACTS[key]} is too long (at most {TEXT_LIMIT:,} characters)")
            value = cleaned or None
        elif key == "cause_category":
            try:
                value = get_cause(str(value)).key
            except UnknownCause as problem:
                raise InvalidIncident(str(problem)) from None
        elif key == "cyber_incident":
            if not isinstance(value, bool):
                raise InvalidIncident("cyber_incident must be yes or no")
        elif key == "individuals_told_at":
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise InvalidIncident("when the people were told must be a date and time")
            if value > now:
                raise InvalidIncident("when the people were told cannot be in the future")
        else:
            raise InvalidIncident(f"unknown fact {key!r}")
        clean[key] = value
    return clean
