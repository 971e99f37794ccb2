"""Deadline alerts as rows: each planned alert, each incident's plan, and the sweepers' heartbeats."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Index, Integer, String, Text, UniqueConstraint, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, JSONType


class AlertState(enum.StrEnum):
    PENDING = "pending"  # waiting for next_attempt_at (its due time, or a retry after a failure)
    CLAIMED = "claimed"  # a sweeper is sending it; next_attempt_at is when that claim lapses
    SENT = "sent"  # Slack accepted it
    MISSED = "missed"  # a more urgent alert for the incident was sent instead, noting this one
    SKIPPED = "skipped"  # its moment had passed before the incident was opened or re-planned
    CANCELLED = "cancelled"  # the clock stopped, the incident closed, or the plan was replaced
    FAILED = "failed"  # Slack refused it for good (e.g. channel_not_found); see last_error


# The states a sweeper may still pick up; the claim index covers exactly these rows.
LIVE_STATES = (AlertState.PENDING.value, AlertState.CLAIMED.value)
_LIVE_SQL = text("state IN ('pending', 'claimed')")


class AlertPlan(Base):
    """One row per incident whose alerts are planned; its absence is how a sweeper finds incidents
    opened by a face that did not plan them."""

    __tablename__ = "alert_plan"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), primary_key=True, autoincrement=False)
    # Bumped on every re-plan, so old rows (kept for the record) never clash with the new ones.
    generation: Mapped[int] = mapped_column(Integer, default=1)
    aware_at: Mapped[datetime]
    planned_at: Mapped[datetime]
    # Regimes whose clock was stopped: {regime: {"reason": ..., "by": ..., "at": ...}}.
    stopped: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class PlannedAlert(Base):
    __tablename__ = "planned_alert"
    __table_args__ = (
        UniqueConstraint("incident_id", "generation", "regime", "kind", "step"),
        # The claim query reads only live rows in next_attempt_at order, so 100,000 incidents' worth
        # of future and finished alerts cost nothing per sweep.
        Index(
            "ix_planned_alert_ready",
            "next_attempt_at",
            "incident_id",
            postgresql_where=_LIVE_SQL,
            sqlite_where=_LIVE_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    generation: Mapped[int] = mapped_column(Integer)
    regime: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(12), default=AlertState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(40))
    channel_ts: Mapped[str | None] = mapped_column(String(40))
    privacy_channel_id: Mapped[str | None] = mapped_column(String(40))
    privacy_ts: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    # On an alert sent in catch-up: the alerts it stood in for [{"kind", "regime", "due_at"}].
    missed: Mapped[list[Any] | None] = mapped_column(JSONType)
    # When someone pressed "Remind me in 1 hour" on this alert's message: a second press is a no-op.
    snooze_used_at: Mapped[datetime | None]


class SweeperHeartbeat(Base):
    """When each sweeper last finished a sweep, for `breachbot doctor` and the App Home."""

    __tablename__ = "sweeper_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime]
    last_run_at: Mapped[datetime] = mapped_column(index=True)
    last_stats: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


def is_live() -> ColumnElement[bool]:
    """`state IN ('pending', 'claimed')` with the values written into the SQL: neither PostgreSQL (with a
    generic plan) nor SQLite can match a partial index's predicate against bound parameters."""
    return PlannedAlert.state.in_([literal_column(f"'{state}'") for state in LIVE_STATES])
