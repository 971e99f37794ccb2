"""Queries on the Slack face's own tables: deliveries seen, and claiming and recording incident setup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import Incident, SlackEventSeen, SlackSetup

EVENT_MEMORY = timedelta(days=1)
SETUP_LEASE = timedelta(minutes=2)
# A setup Slack stopped is retried by the sweeper this long after its last attempt.
SETUP_RETRY_AFTER = timedelta(minutes=5)


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def first_delivery(session: Session, key: str, now: datetime) -> bool:
    """Claim a delivery (an event id, or an interaction's key from middleware/dedupe.py); False when it
    was claimed before (a copy)."""
    statement = _insert(session)(SlackEventSeen).values(event_id=key[:100], seen_at=now)
    # RETURNING, not rowcount: on PostgreSQL (psycopg 3) rowcount came back -1 for this INSERT.
    returned = session.execute(statement.on_conflict_do_nothing().returning(SlackEventSeen.event_id))
    inserted = returned.scalar_one_or_none() is not None
    if inserted and hash(key) % 100 == 0:
        # Slack stops redelivering after minutes; a day of ids is plenty, so prune now and then.
        session.execute(delete(SlackEventSeen).where(SlackEventSeen.seen_at < now - EVENT_MEMORY))
    return inserted


def forget_delivery(session: Session, key: str) -> None:
    session.execute(delete(SlackEventSeen).where(SlackEventSeen.event_id == key[:100]))


@dataclass(frozen=True)
class SetupState:
    """A detached copy of an incident's setup progress and the facts the steps need."""

    ref: str
    incident_id: int
    title: str
    reporter: str
    origin_channel: str | None
    channel_id: str | None
    channel_name: str | None
    summary_ts: str | None
    reporter_invited: bool
    team_invited: bool
    summary_pinned: bool
    announced: bool
    complete: bool
    failed_step: str | None
    last_error: str | None


def ensure_setup(
    session: Session, incident: Incident, *, reporter: str, origin_channel: str | None, now: datetime
) -> None:
    """Start tracking an incident's setup; a second call (a double submit) changes nothing."""
    statement = _insert(session)(SlackSetup).values(
        incident_id=incident.id,
        reporter=reporter[:40],
        origin_channel=(origin_channel or None) and origin_channel[:40],
        reporter_invited=False,
        team_invited=False,
        summary_pinned=False,
        announced=False,
        complete=False,
        attempts=0,
        updated_at=now,
    )
    session.execute(statement.on_conflict_do_nothing())


def _state(incident: Incident, row: SlackSetup) -> SetupState:
    return SetupState(
        ref=incident.ref,
        incident_id=incident.id,
        title=incident.title,
        reporter=row.reporter,
        origin_channel=row.origin_channel,
        channel_id=incident.slack_channel_id,
        channel_name=row.channel_name,
        summary_ts=incident.slack_summary_ts,
        reporter_invited=row.reporter_invited,
        team_invited=row.team_invited,
        summary_pinned=row.summary_pinned,
        announced=row.announced,
        complete=row.complete,
        failed_step=row.failed_step,
        last_error=row.last_error,
    )


def setup_state(session: Session, ref: str) -> SetupState | None:
    found = session.execute(
        select(Incident, SlackSetup).join(SlackSetup, SlackSetup.incident_id == Incident.id).where(Incident.ref == ref)
    ).first()
    return _state(found[0], found[1]) if found else None


def claim_setup(session: Session, ref: str, now: datetime) -> SetupState | None:
    """Take the lease on an incident's setup; None when it is complete or another worker holds it.

    One conditional UPDATE, so two workers (or a double-clicked Retry button) cannot both win on
    SQLite or PostgreSQL."""
    incident_id = session.scalar(select(Incident.id).where(Incident.ref == ref))
    if incident_id is None:
        return None
    claimed = session.execute(
        update(SlackSetup)
        .where(
            SlackSetup.incident_id == incident_id,
            SlackSetup.complete.is_(False),
            or_(SlackSetup.claimed_until.is_(None), SlackSetup.claimed_until < now),
        )
        .values(claimed_until=now + SETUP_LEASE, attempts=SlackSetup.attempts + 1, updated_at=now)
    ).rowcount
    if claimed != 1:
        return None
    return setup_state(session, ref)


def record_progress(session: Session, incident_id: int, now: datetime, **flags: object) -> None:
    session.execute(update(SlackSetup).where(SlackSetup.incident_id == incident_id).values(updated_at=now, **flags))


def incomplete_setups(session: Session, refs: list[str]) -> set[str]:
    """Which of these incidents still need their Slack setup finished."""
    if not refs:
        return set()
    rows = session.execute(
        select(Incident.ref)
        .join(SlackSetup, SlackSetup.incident_id == Incident.id)
        .where(Incident.ref.in_(refs), SlackSetup.complete.is_(False))
    )
    return {row[0] for row in rows}


def incident_in_channel(session: Session, channel_id: str | None) -> Incident | None:
    if not channel_id:
        return None
    return session.scalar(select(Incident).where(Incident.slack_channel_id == channel_id))


def incident_channel_id(session: Session, ref: str) -> str | None:
    return session.scalar(select(Incident.slack_channel_id).where(Incident.ref == ref))


def abandoned_setups(session: Session, now: datetime, *, limit: int) -> list[str]:
    """Unfinished setups nobody holds: the lease lapsed, it never started, or Slack stopped it a while ago."""
    rows = session.execute(
        select(Incident.ref)
        .join(SlackSetup, SlackSetup.incident_id == Incident.id)
        .where(
            SlackSetup.complete.is_(False),
            or_(
                SlackSetup.claimed_until < now,
                and_(
                    SlackSetup.claimed_until.is_(None),
                    SlackSetup.failed_step.is_(None),
                    SlackSetup.updated_at < now - SETUP_LEASE,
                ),
                and_(
                    SlackSetup.claimed_until.is_(None),
                    SlackSetup.failed_step.is_not(None),
                    SlackSetup.updated_at < now - SETUP_RETRY_AFTER,
                ),
            ),
        )
        .order_by(SlackSetup.updated_at)
        .limit(limit)
    )
    return [row[0] for row in rows]
