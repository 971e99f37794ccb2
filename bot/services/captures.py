"""Keeping a Slack message on an incident's timeline at the moment it was posted, with its author and link.

Capturing the same message twice (a second reaction, a double-clicked shortcut, a redelivered event)
records it once: the message's channel and ts identify it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.incidents import TEXT_LIMIT, InvalidIncident, get_incident
from bot.services.timeline import append_event
from bot.store.models import TimelineEvent

KIND = "message_captured"


@dataclass(frozen=True)
class CapturedMessage:
    channel: str
    ts: str
    author: str | None
    text: str
    permalink: str | None


@dataclass(frozen=True)
class Captured:
    ref: str
    at: datetime
    new: bool


def posted_at(ts: str) -> datetime:
    """A Slack message ts ('1700000000.000100') is the moment it was posted, in Unix seconds."""
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise InvalidIncident(f"{ts!r} is not a Slack message timestamp") from None


def capture_message(session: Session, ref: str, message: CapturedMessage, *, actor: str, now: datetime) -> Captured:
    incident = get_incident(session, ref, lock=True)
    at = min(posted_at(message.ts), now)  # a clock a little behind Slack's must not date it in the future
    for earlier in session.scalars(
        select(TimelineEvent).where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind == KIND)
    ):
        after = earlier.after or {}
        if after.get("channel") == message.channel and after.get("ts") == message.ts:
            return Captured(incident.ref, earlier.at, new=False)
    text = (message.text or "").replace("\x00", "").strip() or "(a message with no text: see the link)"
    who = message.author or "someone"
    append_event(
        session,
        incident,
        actor=actor,
        kind=KIND,
        summary=f"Message from {who}: {text}"[:TEXT_LIMIT],
        at=at,
        after={
            "channel": message.channel,
            "ts": message.ts,
            "author": message.author,
            "permalink": message.permalink,
            "captured_at": now,
        },
    )
    incident.updated_at = now
    return Captured(incident.ref, at, new=True)
