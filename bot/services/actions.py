"""Remedial actions, recorded as they happen and shown in the timeline, register and notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.clock import format_local, require_aware
from bot.services.incidents import LONDON, TEXT_LIMIT, InvalidIncident, get_incident
from bot.services.timeline import append_event
from bot.store.models import Incident, RemedialAction


def add_action(
    session: Session,
    ref: str,
    text: str,
    *,
    actor: str,
    now: datetime,
    planned: bool = False,
    happened_at: datetime | None = None,
    reason: str | None = None,
) -> RemedialAction:
    """Record an action; `happened_at` is when it was done, when that was before it was typed in."""
    incident = get_incident(session, ref, lock=True)
    if happened_at is not None:
        happened_at = require_aware(happened_at)
        if happened_at > now:
            raise InvalidIncident("when the action was done is in the future: record it once it is done, or --planned")
    cleaned = " ".join((text or "").replace("\x00", "").split())
    if not cleaned:
        raise InvalidIncident("say what was done, e.g. 'Reset the passwords of the 40 affected accounts'")
    if len(cleaned) > TEXT_LIMIT:
        raise InvalidIncident(f"the action is too long (at most {TEXT_LIMIT:,} characters)")
    why = " ".join((reason or "").replace("\x00", "").split()) or None
    if why is not None and len(why) > TEXT_LIMIT:
        raise InvalidIncident(f"the reason for the action is too long (at most {TEXT_LIMIT:,} characters)")
    action = RemedialAction(
        incident_id=incident.id,
        text=cleaned,
        planned=planned,
        reason=why,
        recorded_by=actor,
        created_at=now,
        happened_at=happened_at,
    )
    session.add(action)
    session.flush()
    incident.updated_at = now
    when = f" (done {format_local(happened_at, LONDON)})" if happened_at is not None else ""
    append_event(
        session,
        incident,
        actor=actor,
        kind="action_planned" if planned else "action",
        summary=f"{'Planned' if planned else 'Remedial'} action: {cleaned}{when}" + (f" (why: {why})" if why else ""),
        at=now,
        after={"action_id": action.id, "text": cleaned, "planned": planned}
        | ({"happened_at": happened_at} if happened_at is not None else {})
        | ({"why": why} if why else {}),
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
        {"text": a.text, "at": a.happened_at or a.created_at, "by": a.recorded_by, "planned": a.planned}
        for a in actions_for(session, incident)
    )
