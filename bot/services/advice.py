"""Advice received about a breach (who gave it, when, what it was): the ICO audit toolkit expects the
register to hold it beside the decisions it informed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.incidents import TEXT_LIMIT, InvalidIncident, get_incident
from bot.services.timeline import append_event
from bot.store.models import AdviceReceived

ADVISER_LIMIT = 200


def _clean(text: str | None) -> str:
    return " ".join((text or "").replace("\x00", "").split())


def record_advice(
    session: Session, ref: str, *, adviser: str, given_at: datetime, advice: str, actor: str, now: datetime
) -> AdviceReceived:
    incident = get_incident(session, ref, lock=True)
    who, what = _clean(adviser), _clean(advice)
    if not who:
        raise InvalidIncident("say who gave the advice, e.g. --from 'Our DPO' or --from 'ICO helpline'")
    if len(who) > ADVISER_LIMIT:
        raise InvalidIncident(f"who gave the advice is too long (at most {ADVISER_LIMIT} characters)")
    if not what:
        raise InvalidIncident("say what the advice was")
    if len(what) > TEXT_LIMIT:
        raise InvalidIncident(f"the advice is too long (at most {TEXT_LIMIT:,} characters)")
    if given_at.tzinfo is None:
        raise InvalidIncident("when the advice was given must be a date and time")
    if given_at > now:
        raise InvalidIncident("when the advice was given cannot be in the future")
    row = AdviceReceived(
        incident_id=incident.id, adviser=who, given_at=given_at, advice=what, recorded_by=actor, created_at=now
    )
    session.add(row)
    session.flush()
    incident.updated_at = now
    append_event(
        session,
        incident,
        actor=actor,
        kind="advice",
        summary=f"Advice from {who}: {what}",
        at=now,
        after={"advice_id": row.id, "from": who, "given_at": given_at.isoformat(), "advice": what},
    )
    return row


def record_advice_once(
    session: Session, ref: str, *, adviser: str, given_at: datetime, advice: str, actor: str, now: datetime
) -> bool:
    """Record the advice unless the same advice (who, when, what) is already on the incident, as a retried or
    double-clicked submission would make it; True when it was recorded."""
    incident = get_incident(session, ref, lock=True)
    who, what = _clean(adviser), _clean(advice)
    seen = session.scalar(
        select(AdviceReceived.id).where(
            AdviceReceived.incident_id == incident.id,
            AdviceReceived.adviser == who,
            AdviceReceived.given_at == given_at,
            AdviceReceived.advice == what,
        )
    )
    if seen is not None:
        return False
    record_advice(session, ref, adviser=adviser, given_at=given_at, advice=advice, actor=actor, now=now)
    return True
