"""The append-only timeline: everything that happens to an incident, hash-chained."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from bot.store.models.base import Base, JSONType


class TimelineEvent(Base):
    __tablename__ = "timeline_event"
    __table_args__ = (UniqueConstraint("incident_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # How `hash` was made (bot/domain/chain.py): NULL or 1 plain SHA-256 (before keys), 2 keyed HMAC.
    hash_scheme: Mapped[int | None] = mapped_column(Integer)

    def hashed_content(self, incident_ref: str) -> dict[str, Any]:
        """What the hash covers: everything but the row id, which the database chooses."""
        return {
            "incident": incident_ref,
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "kind": self.kind,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
        }


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(TimelineEvent, "before_update")
def _refuse_update(mapper: Mapper[Any], connection: Any, target: TimelineEvent) -> None:
    raise AppendOnlyViolation("timeline events are never changed: record a correction as a new event")


@event.listens_for(TimelineEvent, "before_delete")
def _refuse_delete(mapper: Mapper[Any], connection: Any, target: TimelineEvent) -> None:
    raise AppendOnlyViolation("timeline events are never deleted")
