"""Writing to and checking the append-only, hash-chained timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.chain import GENESIS, ChainedEvent, ChainProblem, event_hash, verify_chain
from bot.store.models import Incident, TimelineEvent

SUMMARY_LIMIT = 20_000


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def append_event(
    session: Session,
    incident: Incident,
    *,
    actor: str,
    kind: str,
    summary: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Add one event at the end of the incident's chain, in the caller's transaction.

    The caller must hold the incident row locked (see incidents.lock_incident) so that two writers
    cannot both claim the same sequence number.
    """
    entry = TimelineEvent(
        incident_id=incident.id,
        seq=incident.timeline_count + 1,
        at=at.astimezone(UTC),
        actor=actor[:200],
        kind=kind,
        summary=summary[:SUMMARY_LIMIT],
        # The hash must cover exactly what the database hands back: JSON-native values only.
        before=jsonable(before),
        after=jsonable(after),
        prev_hash=incident.timeline_head or GENESIS,
        hash="",
    )
    entry.hash = event_hash(entry.prev_hash, entry.hashed_content(incident.ref))
    session.add(entry)
    incident.timeline_count = entry.seq
    incident.timeline_head = entry.hash
    session.flush()
    return entry


def events_for(session: Session, incident: Incident) -> list[TimelineEvent]:
    return list(
        session.scalars(
            select(TimelineEvent).where(TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.seq)
        )
    )


@dataclass(frozen=True)
class ChainReport:
    ref: str
    events: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "events": self.events,
            "ok": self.ok,
            "problems": [{"event": p.seq, "problem": p.problem} for p in self.problems],
        }


def verify_incident(session: Session, incident: Incident) -> ChainReport:
    stored = events_for(session, incident)
    chained = [
        ChainedEvent(seq=e.seq, prev_hash=e.prev_hash, hash=e.hash, content=e.hashed_content(incident.ref))
        for e in stored
    ]
    problems = verify_chain(chained, head_hash=incident.timeline_head, head_count=incident.timeline_count)
    return ChainReport(ref=incident.ref, events=len(stored), problems=tuple(problems))


def verify_all(session: Session) -> list[ChainReport]:
    incidents = session.scalars(select(Incident).order_by(Incident.id))
    return [verify_incident(session, incident) for incident in incidents]
