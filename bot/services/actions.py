"""Remedial actions, recorded as they happen and shown in the timeline, register and notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.incidents import TEXT_LIMIT, InvalidIncident, get_incident
from bot.services.timeline import append_event
from bot.store.models import Incident, RemedialAction


def add_action(
    session: Session, ref: str, text: str, *, actor: str, now: datetime, planned: bool = False
) -> RemedialAction:
    incident = get_incident(session, ref, lock=True)
    cleaned = " ".join((text or "").replace("\x00", "").split())
    if not cleaned:
        raise InvalidIncident("say what was done, e.g. 'Reset the passwords of the 40 affected accounts'")
    if len(cleaned) > TEXT_LIMIT:
        raise InvalidIncident(f"the action is too long (at most {TEXT_LIMIT:,} characters)")
    action = RemedialAction(incident_id=incident.id, text=cleaned, planned=planned, recorded_by=actor, created_at=now)
    session.add(action)
    session.flush()
    incident.updated_at = now
    append_event(
        session,
        incident,
        actor=actor,
        kind="action_planned" if planned else "action",
        summary=f"{'Planned' if planned else 'Remedial'} action: {cleaned}",
        at=now,
        after={"action_id": action.id, "text": cleaned, "planned": planned},
    )
    return action


def actions_for(session: Session, incident: Incident) -> list[RemedialAction]:
    return list(
        session.scalars(
            select(RemedialAction).where(RemedialAction.incident_id == incident.id).order_by(RemedialAction.id)
        )
    )


def action_dicts(session: Session, incident: Incident) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"text": a.text, "at": a.created_at, "by": a.recorded_by, "planned": a.planned}
        for a in actions_for(session, incident)
    )
