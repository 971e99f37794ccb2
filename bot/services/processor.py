"""The processor path (UK GDPR Art 33(2)): a processor tells its controller without undue delay, often
within a deadline its contract sets (Art 28(3)(f)). Recording that the controller was told stops the
processor clock's alerts; a contractual deadline gives that clock a fixed deadline and its alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.clock import format_local, require_aware
from bot.services.alerts import replan, stop_alerts
from bot.services.incidents import LONDON, TEXT_LIMIT, InvalidIncident, checked_contract_hours, get_incident
from bot.services.timeline import append_event
from bot.store.models import Incident, Status

PROCESSOR_REGIME = "processor"


def _require_processor(incident: Incident) -> None:
    if not incident.is_processor and PROCESSOR_REGIME not in incident.regimes:
        raise InvalidIncident(
            f"{incident.ref} is not recorded as processed for another controller: open it with --processor "
            "--controller NAME for the processor path"
        )


def contract_deadline(incident: Incident) -> datetime | None:
    if not incident.contract_hours:
        return None
    return incident.aware_at + timedelta(hours=incident.contract_hours)


def set_contract_hours(session: Session, ref: str, hours: int, *, actor: str, now: datetime) -> Incident:
    """The controller's contract sets a deadline, in hours from awareness: the processor clock gets it,
    and its alerts are planned again."""
    incident = get_incident(session, ref, lock=True)
    _require_processor(incident)
    value = checked_contract_hours(hours)
    if incident.contract_hours == value:
        return incident
    if incident.status == Status.CLOSED.value:
        raise InvalidIncident(f"{incident.ref} is closed, so its deadlines are part of the final record")
    before = {"contract_hours": incident.contract_hours}
    incident.contract_hours = value
    incident.updated_at = now
    due = contract_deadline(incident)
    append_event(
        session,
        incident,
        actor=actor,
        kind="contract_deadline",
        summary=(
            f"Contractual deadline to tell the controller: {value} hours from awareness, "
            f"by {format_local(due, LONDON) if due else 'not set'} (UK GDPR Art 28(3)(f))"
        ),
        at=now,
        before=before,
        after={"contract_hours": value, "deadline": due},
    )
    if incident.controller_told_at is None:
        replan(session, incident, now=now)
    return incident


def record_controller_told(
    session: Session, ref: str, *, told_at: datetime, how: str, actor: str, now: datetime
) -> Incident:
    """The controller has been told (Art 33(2)): keep when and how, stop the processor clock's alerts,
    and put it on the timeline. The same record again changes nothing; a different one is a correction."""
    incident = get_incident(session, ref, lock=True)
    _require_processor(incident)
    when = require_aware(told_at)
    if when > now:
        raise InvalidIncident("the time the controller was told is in the future: give the moment it was told")
    if when < incident.aware_at:
        raise InvalidIncident("the controller cannot have been told before you became aware: check the time")
    text = " ".join((how or "").replace("\x00", "").split())
    if not text:
        raise InvalidIncident("say how the controller was told, e.g. 'email to their DPO, dpo@controller.example'")
    if len(text) > TEXT_LIMIT:
        raise InvalidIncident(f"how the controller was told is too long (at most {TEXT_LIMIT:,} characters)")
    if incident.controller_told_at == when and incident.controller_told_how == text:
        return incident
    before = {"controller_told_at": incident.controller_told_at, "controller_told_how": incident.controller_told_how}
    incident.controller_told_at = when
    incident.controller_told_how = text
    incident.updated_at = now
    controller = incident.controller_name or "the controller"
    summary = f"{controller} told at {format_local(when, LONDON)}: {text}"
    due = contract_deadline(incident)
    late = due is not None and when > due
    if due is not None and late:
        summary += f" (after the contractual deadline of {format_local(due, LONDON)})"
    if before["controller_told_at"] is not None:
        summary = f"Correction: {summary}"
    append_event(
        session,
        incident,
        actor=actor,
        kind="controller_told",
        summary=summary,
        at=now,
        before=before,
        after={"controller_told_at": when, "controller_told_how": text, "late_under_contract": late},
    )
    if PROCESSOR_REGIME in incident.regimes:
        stop_alerts(session, incident, [PROCESSOR_REGIME], reason="the controller was told", actor=actor, now=now)
    return incident
