"""Recording the ICO report, and correcting when the organisation became aware.

Both stop or move the regulatory clocks, so both stop or re-plan the deadline alerts in the same
transaction, with a timeline event saying who did it and why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.clock import earliest_due, format_local, require_aware
from bot.errors import BreachbotError
from bot.services.alerts import ico_regimes, replan, stop_alerts
from bot.services.incidents import LONDON, get_incident
from bot.services.timeline import append_event
from bot.store.models import Incident, Status

CASE_REF_LIMIT = 60
REASON_LIMIT = 20_000


class ReportingProblem(BreachbotError):
    pass


def record_ico_report(
    session: Session,
    ref: str,
    *,
    ico_case_ref: str | None,
    actor: str,
    now: datetime,
    reported_at: datetime | None = None,
) -> Incident:
    """The ICO has been notified: keep when and its case reference, mark the incident reported, and
    stop the alerts of every clock that ends in a report to the ICO.

    Pressing the button twice, or repeating `/breach reported` with the same case reference, changes
    nothing; a different reference for an incident already reported is refused rather than overwritten.
    """
    incident = get_incident(session, ref, lock=True)
    case_ref = (ico_case_ref or "").strip() or None
    if case_ref is not None and len(case_ref) > CASE_REF_LIMIT:
        raise ReportingProblem(f"an ICO case reference is at most {CASE_REF_LIMIT} characters")
    when = require_aware(reported_at or now)
    if when > now:
        raise ReportingProblem("the report time is in the future: give the moment it was submitted")
    if when < incident.aware_at:
        raise ReportingProblem("the report time is before the organisation became aware: check it")
    if incident.ico_reported_at is not None:
        if case_ref in (None, incident.ico_case_ref):
            return incident
        if incident.ico_case_ref is None:
            before = {"ico_case_ref": None}
            incident.ico_case_ref = case_ref
            incident.updated_at = now
            append_event(
                session,
                incident,
                actor=actor,
                kind="ico_case_ref",
                summary=f"ICO case reference recorded: {case_ref}",
                at=now,
                before=before,
                after={"ico_case_ref": case_ref},
            )
            return incident
        raise ReportingProblem(
            f"{incident.ref} was already recorded as reported with ICO case reference "
            f"{incident.ico_case_ref}; record a follow-up as an update instead"
        )
    before = {"status": incident.status, "ico_reported_at": None, "ico_case_ref": None}
    incident.ico_reported_at = when
    incident.ico_case_ref = case_ref
    if incident.status != Status.CLOSED.value:
        incident.status = Status.REPORTED.value
    incident.updated_at = now
    due = earliest_due(ico_regimes(incident), incident.aware_at)
    late = due is not None and when > due
    # Lateness is a fact of the report: once late, the register and summary must keep asking for reasons.
    incident.late = incident.late or late
    summary = f"Reported to the ICO{f' (case {case_ref})' if case_ref else ''} at {format_local(when, LONDON)}"
    if late:
        summary += ", after the deadline"
        if not incident.delay_reasons:
            summary += ": record the reasons for the delay (Art 33(1)) with `/breach delay-reasons`"
    append_event(
        session,
        incident,
        actor=actor,
        kind="ico_reported",
        summary=summary,
        at=now,
        before=before,
        after={"status": incident.status, "ico_reported_at": when, "ico_case_ref": case_ref, "late": late},
    )
    regimes = ico_regimes(incident)
    if regimes:
        stop_alerts(session, incident, regimes, reason="reported to the ICO", actor=actor, now=now)
    return incident


def change_awareness(
    session: Session, ref: str, *, aware_at: datetime, reason: str, actor: str, now: datetime
) -> Incident:
    """Correct when the organisation became aware (the privacy team's call, with a reason): the
    deadlines move, the lateness is reassessed, and the alerts are planned again from the new time.

    Who may do this is the face's job (the Slack listener checks the privacy team)."""
    incident = get_incident(session, ref, lock=True)
    if incident.status == Status.CLOSED.value:
        raise ReportingProblem(f"{incident.ref} is closed, so its awareness time is part of the final record")
    text = (reason or "").replace("\x00", "").strip()
    if not text:
        raise ReportingProblem("changing the awareness time needs a reason: say what was learnt")
    if len(text) > REASON_LIMIT:
        raise ReportingProblem(f"the reason is {len(text):,} characters; the most Breachbot keeps is {REASON_LIMIT:,}")
    new_aware = require_aware(aware_at)
    if new_aware > now:
        raise ReportingProblem("the awareness time is in the future: give the moment you became aware")
    if incident.occurred_at is not None and incident.occurred_at > new_aware:
        raise ReportingProblem("it cannot have happened after you became aware of it: check both times")
    if new_aware == incident.aware_at:
        return incident
    before = {
        "aware_at": incident.aware_at,
        "next_deadline_at": incident.next_deadline_at,
        "late": incident.late,
    }
    due = earliest_due(incident.regimes, new_aware)
    incident.aware_at = new_aware
    incident.next_deadline_at = due
    # Late is judged against when the report was made, or now while it has not been.
    incident.late = due is not None and (incident.ico_reported_at or now) > due
    incident.updated_at = now
    append_event(
        session,
        incident,
        actor=actor,
        kind="aware_at_changed",
        summary=(
            f"Awareness time changed from {format_local(before['aware_at'], LONDON)} to "
            f"{format_local(new_aware, LONDON)}: {text}"
        ),
        at=now,
        before=before,
        after={"aware_at": new_aware, "next_deadline_at": due, "late": incident.late, "reason": text},
    )
    if incident.late and not before["late"] and not incident.delay_reasons:
        append_event(
            session,
            incident,
            actor="breachbot",
            kind="late",
            summary=(
                "With the corrected awareness time the report is late. UK GDPR Art 33(1) requires the "
                f"reasons for the delay: `breachbot incident delay-reasons {incident.ref} --reason ...`."
            ),
            at=now,
            after={"deadline": due},
        )
    replan(session, incident, now=now)
    return incident
