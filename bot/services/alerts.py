"""Planning deadline alerts, and what people do to them: stop a clock's alerts, re-plan after the
awareness time changes, snooze. Each change writes its timeline event in the caller's transaction,
and each expects the incident row locked by the caller (incidents.get_incident(..., lock=True)).

Delivery (claiming due alerts, recording what Slack accepted) is in alert_delivery.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.alert_plan import (
    UPDATE_REMINDER,
    PlannedTime,
    deadline_of,
    plan_alerts,
    snoozed_due,
    spec_for,
    superseded_at_planning,
)
from bot.domain.clock import get_regime
from bot.domain.eu_authorities import clock_key, is_eu_clock
from bot.errors import BreachbotError, NotFound
from bot.services.timeline import append_event
from bot.store.models import (
    AlertPlan,
    AlertState,
    Incident,
    PlannedAlert,
    Status,
    SweeperHeartbeat,
)
from bot.store.models.alerts import LIVE_STATES


class AlertProblem(BreachbotError):
    pass


def ico_regimes(incident: Incident) -> list[str]:
    """The incident's clocks that end in a report to the ICO (as incidents.describe counts them)."""
    return [key for key in incident.regimes if get_regime(key).report_to == "the ICO"]


def eu_regimes(incident: Incident) -> list[str]:
    """The incident's EU authorities' clocks not yet notified (a notified one stays stopped)."""
    notified = {clock_key(code) for code in (incident.eu_reports or {})}
    return [key for key in incident.regimes if is_eu_clock(key) and key not in notified]


def _rows(
    incident: Incident, plan: AlertPlan, now: datetime, regimes: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The alert rows of these clocks (by default every running one)."""
    incident_id = incident.id
    planned: list[PlannedTime] = []
    for regime in _running(incident, plan) if regimes is None else regimes:
        planned.extend(plan_alerts(regime, plan.aware_at, incident.contract_hours))
    skipped = superseded_at_planning(planned, now)
    return [
        {
            "incident_id": incident_id,
            "generation": plan.generation,
            "regime": p.regime,
            "kind": p.key,
            "step": p.step,
            "due_at": p.due_at,
            "next_attempt_at": p.due_at,
            "state": (AlertState.SKIPPED if p in skipped else AlertState.PENDING).value,
            "attempts": 0,
        }
        for p in planned
    ]


def _running(incident: Incident, plan: AlertPlan) -> list[str]:
    return [key for key in incident.regimes if key not in plan.stopped]


def plan_for_incident(session: Session, incident: Incident, now: datetime) -> AlertPlan | None:
    """Plan every clock's alerts for an incident that has none yet; a second call changes nothing.

    Call it in the transaction that opens the incident. The sweeper also plans any open incident
    without a plan, so an incident opened by a face that forgot is late by one sweep, not lost.
    """
    existing = session.get(AlertPlan, incident.id)
    if existing is not None or incident.status == Status.CLOSED.value:
        return existing
    stopped: dict[str, Any] = {}
    if incident.ico_reported_at is not None:
        for regime in ico_regimes(incident):
            stopped[regime] = {"reason": "reported to the ICO", "by": "breachbot", "at": now.isoformat()}
    plan = AlertPlan(incident_id=incident.id, generation=1, aware_at=incident.aware_at, planned_at=now, stopped=stopped)
    session.add(plan)
    session.flush()
    rows = _rows(incident, plan, now)
    if rows:
        session.execute(PlannedAlert.__table__.insert(), rows)
    return plan


def replan(session: Session, incident: Incident, *, now: datetime) -> AlertPlan | None:
    """Replace the plan after the awareness time changed: live alerts of the old plan are cancelled
    (kept, for the record) and the running clocks are planned again from the new awareness."""
    plan = session.get(AlertPlan, incident.id)
    if plan is None:
        return plan_for_incident(session, incident, now)
    session.execute(
        update(PlannedAlert)
        .where(
            PlannedAlert.incident_id == incident.id,
            PlannedAlert.state.in_(LIVE_STATES),
            PlannedAlert.regime != UPDATE_REMINDER,  # not a clock: awareness does not move it
        )
        .values(state=AlertState.CANCELLED.value, claimed_by=None, last_error="re-planned")
    )
    plan.generation += 1
    plan.aware_at = incident.aware_at
    plan.planned_at = now
    session.flush()
    if incident.status != Status.CLOSED.value:
        rows = _rows(incident, plan, now)
        if rows:
            session.execute(PlannedAlert.__table__.insert(), rows)
    return plan


def replan_clocks(
    session: Session, incident: Incident, *, added: Sequence[str], removed: Sequence[str], now: datetime
) -> AlertPlan | None:
    """The incident's clocks changed (EEA countries recorded or corrected): cancel the removed clocks'
    alerts and plan the added ones, leaving every other clock's alerts as they were, so an unchanged
    clock does not announce itself again. Falls back to a full re-plan when a clock comes back within
    the same plan generation."""
    plan = session.get(AlertPlan, incident.id)
    if plan is None:
        return plan_for_incident(session, incident, now)
    if removed:
        session.execute(
            update(PlannedAlert)
            .where(
                PlannedAlert.incident_id == incident.id,
                PlannedAlert.regime.in_(list(removed)),
                PlannedAlert.state.in_(LIVE_STATES),
            )
            .values(state=AlertState.CANCELLED.value, claimed_by=None, last_error="clock no longer needed")
        )
        plan.stopped = {key: value for key, value in plan.stopped.items() if key not in removed}
    fresh = [key for key in added if key not in plan.stopped]
    if not fresh or incident.status == Status.CLOSED.value:
        return plan
    seen = session.scalar(
        select(PlannedAlert.id)
        .where(
            PlannedAlert.incident_id == incident.id,
            PlannedAlert.generation == plan.generation,
            PlannedAlert.regime.in_(fresh),
        )
        .limit(1)
    )
    if seen is not None:
        return replan(session, incident, now=now)
    rows = _rows(incident, plan, now, fresh)
    if rows:
        session.execute(PlannedAlert.__table__.insert(), rows)
    return plan


def stop_alerts(
    session: Session,
    incident: Incident,
    regimes: Sequence[str],
    *,
    reason: str,
    actor: str,
    now: datetime,
) -> list[str]:
    """Stop these clocks' alerts: the report was made, or the decision was not to notify.

    Returns the regimes newly stopped (already-stopped ones are left as they were, so a repeated
    click writes nothing). The caller must hold the incident row locked.
    """
    text = (reason or "").strip()
    if not text:
        raise AlertProblem("stopping a clock's alerts needs a reason: say why no alert is needed")
    unknown = [key for key in regimes if key not in incident.regimes]
    if unknown:
        raise AlertProblem(
            f"{incident.ref} has no {', '.join(unknown)} clock; its clocks are {', '.join(incident.regimes)}"
        )
    plan = plan_for_incident(session, incident, now)
    if plan is None:
        return []  # closed: nothing is running
    newly = [key for key in dict.fromkeys(regimes) if key not in plan.stopped]
    if not newly:
        return []
    stopped = dict(plan.stopped)  # a new dict, so the JSON column is seen as changed
    for key in newly:
        stopped[key] = {"reason": text, "by": actor, "at": now.astimezone(UTC).isoformat()}
    plan.stopped = stopped
    cancelled = session.execute(
        update(PlannedAlert)
        .where(
            PlannedAlert.incident_id == incident.id,
            PlannedAlert.regime.in_(newly),
            PlannedAlert.state.in_(LIVE_STATES),
        )
        .values(state=AlertState.CANCELLED.value, claimed_by=None, last_error=f"stopped: {text}")
    ).rowcount
    labels = ", ".join(get_regime(key).label for key in newly)
    append_event(
        session,
        incident,
        actor=actor,
        kind="alerts_stopped",
        summary=f"Deadline alerts stopped for {labels}: {text}",
        at=now,
        after={"regimes": newly, "reason": text, "cancelled_alerts": cancelled},
    )
    return newly


def resume_alerts(
    session: Session, incident: Incident, regimes: Sequence[str], *, reason: str, actor: str, now: datetime
) -> list[str]:
    """Start these clocks' alerts again after a decision not to notify was reversed (a reassessment or
    an override). A clock stopped because the report was made stays stopped."""
    plan = session.get(AlertPlan, incident.id)
    if plan is None or incident.status == Status.CLOSED.value:
        return []
    # A clock stopped because its report was made stays stopped, whatever the decision.
    reported = set(ico_regimes(incident)) if incident.ico_reported_at is not None else set()
    reported |= {clock_key(code) for code in (incident.eu_reports or {})}
    resumed = [key for key in dict.fromkeys(regimes) if key in plan.stopped and key not in reported]
    if not resumed:
        return []
    plan.stopped = {key: value for key, value in plan.stopped.items() if key not in resumed}
    replan(session, incident, now=now)
    labels = ", ".join(get_regime(key).label for key in resumed)
    append_event(
        session,
        incident,
        actor=actor,
        kind="alerts_resumed",
        summary=f"Deadline alerts running again for {labels}: {reason}",
        at=now,
        after={"regimes": resumed, "reason": reason},
    )
    return resumed


@dataclass(frozen=True)
class SnoozeResult:
    snoozed: bool
    message: str
    alert_id: int | None = None
    before: datetime | None = None
    after: datetime | None = None


def snooze_alert(session: Session, alert_id: int, *, actor: str, now: datetime) -> SnoozeResult:
    """ "Remind me in 1 hour" on an alert's message: the next alert of that clock that is not final
    comes an hour later (never at or past the deadline). The deadline-passed alert never moves, and a
    second press on the same message changes nothing."""
    clicked = session.get(PlannedAlert, alert_id)
    if clicked is None:
        raise NotFound(f"no alert {alert_id}: it may belong to a plan that was replaced")
    incident = session.scalars(select(Incident).where(Incident.id == clicked.incident_id).with_for_update()).one()
    session.refresh(clicked, with_for_update=True)
    if spec_for(clicked.regime, clicked.kind).final:
        return SnoozeResult(False, "The deadline has passed: this alert cannot be snoozed.")
    if clicked.snooze_used_at is not None:
        return SnoozeResult(False, "Already snoozed from this message.")
    candidates = session.scalars(
        select(PlannedAlert)
        .where(
            PlannedAlert.incident_id == clicked.incident_id,
            PlannedAlert.generation == clicked.generation,
            PlannedAlert.regime == clicked.regime,
            PlannedAlert.state == AlertState.PENDING.value,
            PlannedAlert.id != clicked.id,
        )
        .order_by(PlannedAlert.due_at, PlannedAlert.id)
    ).all()
    target = next((row for row in candidates if not spec_for(row.regime, row.kind).final), None)
    if target is None:
        return SnoozeResult(False, "No later reminder to snooze: the next alert is the deadline itself.")
    plan = session.get(AlertPlan, incident.id)
    aware = plan.aware_at if plan is not None else incident.aware_at
    before = target.due_at
    after = snoozed_due(before, deadline_of(target.regime, aware, incident.contract_hours))
    if after <= before:
        return SnoozeResult(False, "Too close to the deadline to snooze: the next reminder stays as planned.")
    target.due_at = after
    target.next_attempt_at = max(target.next_attempt_at, after)
    clicked.snooze_used_at = now
    headline = spec_for(target.regime, target.kind).headline
    append_event(
        session,
        incident,
        actor=actor,
        kind="alert_snoozed",
        summary=f"Alert \u201c{headline}\u201d snoozed by 1 hour",
        at=now,
        before={"alert": target.id, "due_at": before},
        after={"alert": target.id, "due_at": after},
    )
    return SnoozeResult(True, f"Snoozed: \u201c{headline}\u201d will come an hour later.", target.id, before, after)


def alerts_for(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """Every alert ever planned for the incident, as plain data for `breachbot alerts list`."""
    rows = session.scalars(
        select(PlannedAlert)
        .where(PlannedAlert.incident_id == incident.id)
        # The clocks' alerts first, then the lead's update reminders.
        .order_by(PlannedAlert.regime == UPDATE_REMINDER, PlannedAlert.generation, PlannedAlert.due_at, PlannedAlert.id)
    ).all()
    return [
        {
            "id": row.id,
            "generation": row.generation,
            "regime": row.regime,
            "kind": row.kind,
            "step": row.step,
            "headline": spec_for(row.regime, row.kind).headline,
            "due_at": row.due_at.isoformat(),
            "state": row.state,
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at.isoformat(),
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "channel_ts": row.channel_ts,
            "privacy_ts": row.privacy_ts,
            "last_error": row.last_error,
            "missed": row.missed,
        }
        for row in rows
    ]


@dataclass(frozen=True)
class SweepStatus:
    worker_id: str
    last_run_at: datetime
    stats: dict[str, Any]

    def age_seconds(self, now: datetime) -> float:
        return (now - self.last_run_at).total_seconds()


def last_sweep(session: Session) -> SweepStatus | None:
    """The most recent sweep by any sweeper, for `breachbot doctor` and the App Home; None: never."""
    row = session.scalars(select(SweeperHeartbeat).order_by(SweeperHeartbeat.last_run_at.desc()).limit(1)).first()
    if row is None:
        return None
    return SweepStatus(worker_id=row.worker_id, last_run_at=row.last_run_at, stats=dict(row.last_stats or {}))
