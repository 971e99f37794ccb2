"""Status updates people see (what we know, what we are doing, what we need, next update by), and the
reminder to the incident lead when none has been posted for a while.

A reminder is a planned-alert row under the pseudo-regime UPDATE_REMINDER, so the alert sweeper claims,
posts and records it exactly once, like a deadline alert. Posting an update moves the incident's
reminder on; the sweeper plans the next one after a reminder was sent (plan_update_reminders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.alert_plan import UPDATE_REMINDER, UPDATE_REMINDER_SPEC, next_update_reminder
from bot.domain.clock import format_local, require_aware
from bot.services.incidents import TEXT_LIMIT, InvalidIncident, get_incident
from bot.services.timeline import append_event
from bot.store.models import AlertState, Incident, PlannedAlert, SlackSetup, Status, TimelineEvent
from bot.store.models.alerts import LIVE_STATES

PART_LIMIT = 3000
LONDON = ZoneInfo("Europe/London")
# Reminder rows sit outside the clocks' plan generations (which start at 1).
REMINDER_GENERATION = 0
LABELS = {
    "known": "What we know now",
    "doing": "What we are doing",
    "need": "What we need",
}


@dataclass(frozen=True)
class StatusUpdate:
    known: str
    doing: str = ""
    need: str = ""
    next_update_by: datetime | None = None

    def lines(self, zone: ZoneInfo) -> list[tuple[str, str]]:
        """(label, text) for each part given, in the order people read them."""
        shown = [(LABELS[key], getattr(self, key)) for key in LABELS if getattr(self, key)]
        if self.next_update_by is not None:
            shown.append(("Next update by", format_local(self.next_update_by, zone)))
        return shown


@dataclass(frozen=True)
class PostedUpdate:
    incident: Incident
    event: TimelineEvent
    new: bool  # False: this submission was recorded before


def _clean(text: str, label: str) -> str:
    cleaned = (text or "").replace("\x00", "").strip()
    if len(cleaned) > PART_LIMIT:
        raise InvalidIncident(f"{label} is {len(cleaned):,} characters; keep each part to {PART_LIMIT:,}")
    return cleaned


def post_update(
    session: Session,
    ref: str,
    status: StatusUpdate,
    *,
    actor: str,
    now: datetime,
    at: datetime | None = None,
    remind_after: timedelta | None = None,
    zone: ZoneInfo = LONDON,
    source_key: str | None = None,
) -> PostedUpdate:
    """Record a status update on the timeline (at `at` when backdated) and move the lead's reminder on.

    The face posts it to the channel after commit; the event holds every part, so a view can be rebuilt.
    `source_key` (a Slack view id or trigger id) makes a repeated submission a no-op."""
    incident = get_incident(session, ref, lock=True)
    if source_key:
        for earlier in session.scalars(
            select(TimelineEvent).where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "update")
        ):
            if (earlier.after or {}).get("source") == source_key:
                return PostedUpdate(incident, earlier, new=False)
    cleaned = StatusUpdate(
        known=_clean(status.known, LABELS["known"]),
        doing=_clean(status.doing, LABELS["doing"]),
        need=_clean(status.need, LABELS["need"]),
        next_update_by=status.next_update_by,
    )
    if not (cleaned.known or cleaned.doing or cleaned.need):
        raise InvalidIncident("the update is empty: say what you know now")
    when = require_aware(at or now).astimezone(UTC)
    if when > now:
        raise InvalidIncident("an update cannot be dated in the future")
    if cleaned.next_update_by is not None and cleaned.next_update_by <= now:
        raise InvalidIncident("the next update must be promised for a time still to come")
    summary = "\n".join(f"{label}: {text}" for label, text in cleaned.lines(zone))[:TEXT_LIMIT]
    event = append_event(
        session,
        incident,
        actor=actor,
        kind="update",
        summary=summary,
        at=when,
        after={
            "known": cleaned.known,
            "doing": cleaned.doing,
            "need": cleaned.need,
            "next_update_by": cleaned.next_update_by,
            "recorded_at": now,
            "source": source_key,
        },
    )
    incident.updated_at = now
    if remind_after is not None:
        # A promised next update moves the reminder to that moment; otherwise `remind_after` from now.
        due = cleaned.next_update_by or now + remind_after
        schedule_update_reminder(session, incident, due)
    return PostedUpdate(incident, event, new=True)


def schedule_update_reminder(session: Session, incident: Incident, due_at: datetime) -> None:
    """Replace the incident's pending update reminder with one due at `due_at`. The caller holds the
    incident's row lock, or relies on the unique step to keep racing planners to one row."""
    session.execute(
        update(PlannedAlert)
        .where(
            PlannedAlert.incident_id == incident.id,
            PlannedAlert.regime == UPDATE_REMINDER,
            PlannedAlert.state.in_(LIVE_STATES),
        )
        .values(state=AlertState.CANCELLED.value, claimed_by=None, last_error="an update was posted")
        .execution_options(synchronize_session=False)
    )
    last_step = session.scalar(
        select(func.max(PlannedAlert.step)).where(
            PlannedAlert.incident_id == incident.id, PlannedAlert.regime == UPDATE_REMINDER
        )
    )
    row = {
        "incident_id": incident.id,
        "generation": REMINDER_GENERATION,
        "regime": UPDATE_REMINDER,
        "kind": UPDATE_REMINDER_SPEC.key,
        "step": (last_step or 0) + 1,
        "due_at": due_at,
        "next_attempt_at": due_at,
        "state": AlertState.PENDING.value,
        "attempts": 0,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(PlannedAlert).values(**row).on_conflict_do_nothing())


def plan_update_reminders(session: Session, *, now: datetime, remind_after: timedelta, limit: int = 500) -> int:
    """For open incidents set up in Slack with no pending reminder: plan the next one, `remind_after`
    after the last reminder (or after opening). Run by the sweeper; racing sweepers insert one row."""
    live = exists().where(
        PlannedAlert.incident_id == Incident.id,
        PlannedAlert.regime == UPDATE_REMINDER,
        PlannedAlert.state.in_(LIVE_STATES),
    )
    # Incidents run in Slack: their channel set up by Breachbot (reminders have nowhere else to go).
    waiting = session.scalars(
        select(Incident)
        .join(SlackSetup, SlackSetup.incident_id == Incident.id)
        .where(
            Incident.status != Status.CLOSED.value,
            Incident.slack_channel_id.is_not(None),
            SlackSetup.complete.is_(True),
            ~live,
        )
        .order_by(Incident.id)
        .limit(limit)
    ).all()
    for incident in waiting:
        last_due = session.scalar(
            select(func.max(PlannedAlert.due_at)).where(
                PlannedAlert.incident_id == incident.id, PlannedAlert.regime == UPDATE_REMINDER
            )
        )
        anchor = max(incident.created_at, last_due) if last_due else incident.created_at
        schedule_update_reminder(session, incident, next_update_reminder(anchor, remind_after, now))
    return len(waiting)


def last_update_at(session: Session, incident_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(TimelineEvent.at)).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "update"
        )
    )
