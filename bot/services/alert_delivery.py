"""Handing due alerts to sweepers exactly once, and recording what Slack accepted.

The claim runs in one short transaction. It reads live alerts in next_attempt_at order (the partial
index ix_planned_alert_ready), locks their incidents with FOR UPDATE SKIP LOCKED on PostgreSQL (on
SQLite the whole transaction is BEGIN IMMEDIATE, so claims are serial), and flips the chosen rows to
"claimed" with an UPDATE that re-checks their state: two sweepers can never both claim one row, and a
sweeper skips an incident another sweeper is working on instead of waiting for it.

A claim is a lease: next_attempt_at becomes the moment it lapses, so a sweeper killed mid-sweep loses
its claims to the next sweeper after the lease, with no clean-up step.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.alert_plan import (
    UPDATE_REMINDER,
    AlertContext,
    deadline_of,
    most_urgent,
    next_repeat,
    spec_for,
    starts_repeats,
    urgency_order,
)
from bot.domain.clock import get_regime
from bot.services.alerts import plan_for_incident
from bot.services.status_updates import last_update_at
from bot.services.timeline import append_event
from bot.store.models import AlertPlan, AlertState, Incident, PlannedAlert, Status, SweeperHeartbeat
from bot.store.models.alerts import LIVE_STATES, is_live

log = logging.getLogger(__name__)

# An incident opened in Slack gets its channel a moment after it is stored; its first alert waits
# this long for the channel rather than going only to the privacy team.
CHANNEL_GRACE = timedelta(minutes=2)
HEARTBEAT_KEEP = timedelta(days=30)
# Core statements on the table for the per-alert records: the ORM's bulk-update path costs more than
# the database round trip.
ALERTS: Table = PlannedAlert.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Claimed:
    context: AlertContext
    incident_id: int
    attempts: int
    channel_id: str | None  # the incident's channel, if it has one
    channel_ts: str | None  # already posted there on an earlier attempt
    privacy_ts: str | None


@dataclass
class ClaimResult:
    alerts: list[Claimed] = field(default_factory=list)
    examined: int = 0
    missed: int = 0
    cancelled: int = 0

    @property
    def progressed(self) -> bool:
        return bool(self.alerts or self.missed or self.cancelled)


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(PlannedAlert).on_conflict_do_nothing(), rows)


def schedule_repeat(session: Session, alert: PlannedAlert | Any, plan: AlertPlan, now: datetime) -> None:
    """After the plan's last alert (and after each repeat), the next reminder, while the clock runs."""
    if not starts_repeats(alert.regime, alert.kind) or alert.regime in plan.stopped:
        return
    if alert.generation != plan.generation:
        return
    # A processor's clock may carry a contractual deadline, which moves its repeats.
    contract_hours = session.scalar(select(Incident.contract_hours).where(Incident.id == alert.incident_id))
    nxt = next_repeat(alert.regime, plan.aware_at, now, contract_hours)
    row = {
        "incident_id": alert.incident_id,
        "generation": plan.generation,
        "regime": alert.regime,
        "kind": nxt.key,
        "step": nxt.step,
        "due_at": nxt.due_at,
        "next_attempt_at": nxt.due_at,
        "state": AlertState.PENDING.value,
        "attempts": 0,
    }
    _insert_ignoring_duplicates(session, [row])


def _alert_context(row: PlannedAlert, incident: Incident, **specific: Any) -> AlertContext:
    """What every alert message says of its incident, plus what its kind adds (`specific`)."""
    return AlertContext(
        alert_id=row.id,
        ref=incident.ref,
        title=incident.title,
        status=incident.status,
        regime=row.regime,
        kind=row.kind,
        due_at=row.due_at,
        lead=incident.lead_user_id,
        **specific,
    )


def _context(row: PlannedAlert, incident: Incident, plan: AlertPlan, missed: list[dict[str, Any]]) -> AlertContext:
    running = [key for key in incident.regimes if key not in plan.stopped and key != row.regime]
    hours = incident.contract_hours
    others = tuple((key, due) for key in running if (due := deadline_of(key, plan.aware_at, hours)) is not None)
    return _alert_context(
        row,
        incident,
        deadline=deadline_of(row.regime, plan.aware_at, hours),
        aware_at=plan.aware_at,
        other_deadlines=others,
        missed=tuple(missed),
    )


def _reminder_context(session: Session, row: PlannedAlert, incident: Incident) -> AlertContext:
    return _alert_context(
        row,
        incident,
        deadline=None,
        aware_at=incident.aware_at,
        last_update_at=last_update_at(session, incident.id),
    )


def claim_due(session: Session, *, worker_id: str, now: datetime, lease: timedelta, limit: int) -> ClaimResult:
    """Claim up to `limit` incidents' worth of due alerts: per incident the most urgent one, with the
    others marked missed (the catch-up rule). The caller commits; then the claims are the caller's."""
    result = ClaimResult()
    # SKIP LOCKED here too: a second sweeper passes over the rows the first is claiming and takes the
    # next ones, instead of finding them all taken and giving up its sweep.
    candidates = session.scalars(
        select(PlannedAlert.incident_id)
        .where(is_live(), PlannedAlert.next_attempt_at <= now)
        .order_by(PlannedAlert.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    result.examined = len(candidates)
    incident_ids = list(dict.fromkeys(candidates))
    if not incident_ids:
        return result
    incidents = {
        incident.id: incident
        for incident in session.scalars(
            select(Incident).where(Incident.id.in_(incident_ids)).with_for_update(skip_locked=True)
        )
    }
    if not incidents:
        return result
    plans = {p.incident_id: p for p in session.scalars(select(AlertPlan).where(AlertPlan.incident_id.in_(incidents)))}
    rows = session.scalars(
        select(PlannedAlert)
        .where(
            PlannedAlert.incident_id.in_(incidents),
            PlannedAlert.state.in_(LIVE_STATES),
            PlannedAlert.due_at <= now,
        )
        .order_by(PlannedAlert.id)
    ).all()
    result.examined += len(rows)
    by_incident: dict[int, list[PlannedAlert]] = defaultdict(list)
    for row in rows:
        by_incident[row.incident_id].append(row)

    cancel_ids: list[int] = []
    claim_rows: list[PlannedAlert] = []
    missed_notes: dict[int, list[dict[str, Any]]] = {}
    closed_ids: list[int] = []
    for incident_id, due in by_incident.items():
        incident, plan = incidents[incident_id], plans.get(incident_id)
        if incident.status == Status.CLOSED.value:
            closed_ids.append(incident_id)
            continue
        if any(r.state == AlertState.CLAIMED.value and r.next_attempt_at > now for r in due):
            continue  # another sweeper is sending this incident's alert: decide after it has finished
        # Update reminders are not a clock's alerts: never stale by plan, never folded in by the catch-up rule.
        reminders = [r for r in due if r.regime == UPDATE_REMINDER]
        due = [r for r in due if r.regime != UPDATE_REMINDER]
        if reminders:
            latest = max(reminders, key=lambda r: (r.due_at, r.id))
            cancel_ids.extend(r.id for r in reminders if r is not latest)
            if incident.slack_channel_id is None:
                cancel_ids.append(latest.id)
            elif latest.next_attempt_at <= now:
                claim_rows.append(latest)
                missed_notes[latest.id] = []
        stale = [
            r
            for r in due
            if plan is None
            or r.generation != plan.generation
            or r.regime in plan.stopped
            # Reported by a path that bypassed record_ico_report: its ICO clocks are stopped all the same.
            or (incident.ico_reported_at is not None and get_regime(r.regime).report_to == "the ICO")
        ]
        cancel_ids.extend(r.id for r in stale)
        due = [r for r in due if r not in stale]
        if not due or plan is None:
            continue
        if incident.slack_channel_id is None and now - incident.created_at < CHANNEL_GRACE:
            continue
        chosen, missed = most_urgent(due, lambda r: urgency_order(spec_for(r.regime, r.kind), r.due_at))
        notes = list(chosen.missed or [])
        if missed:
            notes = _mark_missed(session, incident, plan, chosen, missed, now)
            result.missed += len(missed)
        if chosen.next_attempt_at <= now:
            claim_rows.append(chosen)
            missed_notes[chosen.id] = notes

    if cancel_ids or closed_ids:
        # A closed incident's alerts all stop, the future ones too; close_incident does not know of them.
        result.cancelled = session.execute(
            update(PlannedAlert)
            .where(
                or_(PlannedAlert.id.in_(cancel_ids), PlannedAlert.incident_id.in_(closed_ids)),
                PlannedAlert.state.in_(LIVE_STATES),
            )
            .values(state=AlertState.CANCELLED.value, claimed_by=None, last_error="clock stopped or incident closed")
            .execution_options(synchronize_session=False)
        ).rowcount
    if not claim_rows:
        return result
    claimed_ids = set(
        session.scalars(
            update(PlannedAlert)
            .where(
                PlannedAlert.id.in_([r.id for r in claim_rows]),
                PlannedAlert.state.in_(LIVE_STATES),
                PlannedAlert.next_attempt_at <= now,
            )
            .values(
                state=AlertState.CLAIMED.value,
                claimed_by=worker_id,
                claimed_at=now,
                next_attempt_at=now + lease,
                attempts=PlannedAlert.attempts + 1,
            )
            .returning(PlannedAlert.id)
            .execution_options(synchronize_session=False)
        ).all()
    )
    for row in claim_rows:
        if row.id in claimed_ids:
            incident = incidents[row.incident_id]
            context = (
                _reminder_context(session, row, incident)
                if row.regime == UPDATE_REMINDER
                else _context(row, incident, plans[row.incident_id], missed_notes[row.id])
            )
            result.alerts.append(
                Claimed(
                    context=context,
                    incident_id=row.incident_id,
                    attempts=row.attempts + 1,
                    channel_id=incident.slack_channel_id,
                    channel_ts=row.channel_ts,
                    privacy_ts=row.privacy_ts,
                )
            )
    return result


def _mark_missed(
    session: Session,
    incident: Incident,
    plan: AlertPlan,
    chosen: PlannedAlert,
    missed: list[PlannedAlert],
    now: datetime,
) -> list[dict[str, Any]]:
    """Mark the alerts the catch-up rule passed over; returns the note for the one being sent."""
    notes = [{"regime": r.regime, "kind": r.kind, "due_at": r.due_at.isoformat()} for r in missed]
    # Guarded by state: a row whose lapsed sweeper finished it meanwhile keeps what really happened.
    done = set(
        session.scalars(
            update(PlannedAlert)
            .where(PlannedAlert.id.in_([r.id for r in missed]), PlannedAlert.state.in_(LIVE_STATES))
            .values(
                state=AlertState.MISSED.value,
                claimed_by=None,
                last_error=f"missed: alert {chosen.id} was more urgent by the time they could be sent",
            )
            .returning(PlannedAlert.id)
            .execution_options(synchronize_session=False)
        ).all()
    )
    notes = [note for note, row in zip(notes, missed, strict=True) if row.id in done]
    if not notes:
        return list(chosen.missed or [])
    combined = [*(chosen.missed or []), *notes]
    session.execute(
        update(PlannedAlert)
        .where(PlannedAlert.id == chosen.id)
        .values(missed=combined)
        .execution_options(synchronize_session=False)
    )
    for row in missed:
        if row.id in done:
            schedule_repeat(session, row, plan, now)
    names = ", ".join(
        f"{get_regime(n['regime']).label} \u201c{spec_for(n['regime'], n['kind']).headline}\u201d" for n in notes
    )
    append_event(
        session,
        incident,
        actor="breachbot",
        kind="alerts_missed",
        summary=(
            f"Alerts not sent on time (Breachbot or Slack was unavailable): {names}. Only the most urgent, "
            f"\u201c{spec_for(chosen.regime, chosen.kind).headline}\u201d, is sent, with a note of these."
        ),
        at=now,
        after={"sent_instead": chosen.id, "missed": notes},
    )
    return combined


def record_posted(session: Session, alert_id: int, destination: str, channel: str, ts: str) -> None:
    """Slack accepted one destination's message: record it before anything else can go wrong, so a
    retry after a crash posts only where the message is still missing."""
    values = (
        {"channel_id": channel, "channel_ts": ts}
        if destination == "channel"
        else {
            "privacy_channel_id": channel,
            "privacy_ts": ts,
        }
    )
    session.execute(ALERTS.update().where(ALERTS.c.id == alert_id).values(**values))


def record_done(
    session: Session,
    alert_id: int,
    incident_id: int,
    *,
    worker_id: str,
    now: datetime,
    error: str | None = None,
    failed: bool = False,
) -> bool:
    """Every destination has the alert (or refused it for good): finish it and chain the next reminder.

    False when this sweeper's claim had lapsed and the row moved on without it."""
    incident = None
    if error:
        # Incident first, then its alert rows: the order every other writer (the claim, snooze, stop)
        # takes these locks in, so two sweepers can never deadlock on them.
        incident = session.scalars(select(Incident).where(Incident.id == incident_id).with_for_update()).one()
    row = session.execute(
        ALERTS.update()
        .where(
            ALERTS.c.id == alert_id,
            ALERTS.c.state == AlertState.CLAIMED.value,
            ALERTS.c.claimed_by == worker_id,
        )
        .values(
            state=(AlertState.FAILED if failed else AlertState.SENT).value,
            sent_at=None if failed else now,
            claimed_by=None,
            last_error=error,
        )
        .returning(ALERTS.c.incident_id, ALERTS.c.generation, ALERTS.c.regime, ALERTS.c.kind)
    ).first()
    if row is None:
        log.warning("alert %s: claim lapsed before it was recorded; its Slack ts is kept", alert_id)
        return False
    if starts_repeats(row.regime, row.kind):
        plan = session.get(AlertPlan, row.incident_id)
        incident_status = session.scalar(select(Incident.status).where(Incident.id == row.incident_id))
        if plan is not None and incident_status != Status.CLOSED.value:
            schedule_repeat(session, row, plan, now)
    if incident is not None:
        append_event(
            session,
            incident,
            actor="breachbot",
            kind="alert_undeliverable",
            summary=(
                f"Alert \u201c{spec_for(row.regime, row.kind).headline}\u201d could not be posted: {error}. "
                "Invite Breachbot to the channel or fix BREACHBOT_PRIVACY_CHANNEL; `breachbot doctor` checks."
            ),
            at=now,
            after={"alert": alert_id, "error": error},
        )
    return True


def record_retry(
    session: Session, alert_id: int, *, worker_id: str, retry_at: datetime, error: str, undo_attempt: bool = False
) -> None:
    """Sending failed, or was never tried: hand the alert back, to be tried again at `retry_at`."""
    values: dict[str, Any] = {
        "state": AlertState.PENDING.value,
        "claimed_by": None,
        "next_attempt_at": retry_at,
        "last_error": error,
    }
    if undo_attempt:
        values["attempts"] = PlannedAlert.attempts - 1
    session.execute(
        update(PlannedAlert)
        .where(
            PlannedAlert.id == alert_id,
            PlannedAlert.state == AlertState.CLAIMED.value,
            PlannedAlert.claimed_by == worker_id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def plan_missing(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Plan the open incidents that have no plan yet (opened by a face that did not plan them)."""
    unplanned = session.scalars(
        select(Incident.id)
        .outerjoin(AlertPlan, AlertPlan.incident_id == Incident.id)
        .where(AlertPlan.incident_id.is_(None), Incident.status != Status.CLOSED.value)
        .order_by(Incident.id)
        .limit(limit)
    ).all()
    if not unplanned:
        return 0
    planned = 0
    for incident in session.scalars(
        select(Incident).where(Incident.id.in_(unplanned)).with_for_update(skip_locked=True)
    ):
        if session.get(AlertPlan, incident.id) is None and plan_for_incident(session, incident, now) is not None:
            planned += 1
    return planned


def beat(session: Session, *, worker_id: str, started_at: datetime, now: datetime, stats: dict[str, Any]) -> None:
    row = session.get(SweeperHeartbeat, worker_id)
    if row is None:
        session.add(SweeperHeartbeat(worker_id=worker_id, started_at=started_at, last_run_at=now, last_stats=stats))
    else:
        row.last_run_at = now
        row.last_stats = stats
    # One row per process ever started would grow without end; a month is plenty for doctor.
    session.execute(delete(SweeperHeartbeat).where(SweeperHeartbeat.last_run_at < now - HEARTBEAT_KEEP))
