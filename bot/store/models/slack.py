"""The Slack face's own bookkeeping: Events API deliveries already seen, and how far each incident's
Slack setup (private channel, invites, pinned summary) has got, so a failed setup resumes where it stopped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base


class SlackEventSeen(Base):
    """One row per Slack delivery handled: an Events API event_id, or the key of a modal submission, button
    or shortcut (bot/slack/middleware/dedupe.py). Slack redelivers and Bolt does not de-duplicate."""

    __tablename__ = "slack_event_seen"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class SlackSetup(Base):
    """Progress of an incident's Slack setup. The channel id and summary ts live on the incident itself."""

    __tablename__ = "slack_setup"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), primary_key=True, autoincrement=False)
    reporter: Mapped[str] = mapped_column(String(40))
    # Where the report was made, so the reporter can be told there if setup fails.
    origin_channel: Mapped[str | None] = mapped_column(String(40))
    channel_name: Mapped[str | None] = mapped_column(String(80))
    reporter_invited: Mapped[bool] = mapped_column(Boolean, default=False)
    team_invited: Mapped[bool] = mapped_column(Boolean, default=False)
    summary_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    announced: Mapped[bool] = mapped_column(Boolean, default=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_step: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A lease rather than a row lock: setup makes slow Slack calls, and holding a database lock
    # across them would stall every other writer (SQLite has one write lock for the whole file).
    claimed_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class SlackView(Base):
    """One place in Slack that shows an incident (its pinned summary, the privacy team's card, its channel
    topic), and the newest timeline event it showed: the projector re-renders it when the timeline has
    moved on, or when `refresh_at` passes (a deadline falling due changes what it shows with no event)."""

    __tablename__ = "slack_view"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel_id: Mapped[str | None] = mapped_column(String(40))
    ts: Mapped[str | None] = mapped_column(String(40))
    shown_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Of what was last sent: an unchanged rendering costs no Slack call (a topic change also posts a line).
    digest: Mapped[str | None] = mapped_column(String(64))
    refresh_at: Mapped[datetime | None] = mapped_column(index=True)
    # No projector touches the view before this: one is rendering it, or Slack asked to wait (429).
    busy_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class SlackHomeView(Base):
    """A privacy-team member's App Home, which lists every open incident: the timeline events it showed
    (their count across all incidents), so the projector republishes it when any incident has moved on
    or a listed deadline passes, while its owner has looked at it recently."""

    __tablename__ = "slack_home_view"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(40))
    shown_events: Mapped[int] = mapped_column(Integer, default=0)
    refresh_at: Mapped[datetime | None]
    opened_at: Mapped[datetime] = mapped_column(index=True)
    busy_until: Mapped[datetime | None]
    published_at: Mapped[datetime]
