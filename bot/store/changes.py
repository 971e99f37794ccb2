"""Which incidents a stretch of code added timeline events to, so a face can bring its views up to date
afterwards without every flow having to say so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.store.models import TimelineEvent

_collector: ContextVar[set[int] | None] = ContextVar("breachbot_touched_incidents", default=None)


@contextmanager
def touched_incidents() -> Iterator[set[int]]:
    """Inside the block, the ids of incidents whose timeline grew (in this thread or context) collect in
    the set it yields. An event rolled back afterwards still counts: looking again costs one query."""
    found: set[int] = set()
    token = _collector.set(found)
    try:
        yield found
    finally:
        _collector.reset(token)


@event.listens_for(Session, "after_flush")
def _note_new_events(session: Session, _context: Any) -> None:
    found = _collector.get()
    if found is None:
        return
    found.update(obj.incident_id for obj in session.new if isinstance(obj, TimelineEvent))
