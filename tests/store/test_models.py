"""The store on both databases: aware UTC times, append-only timeline, migrations matching models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from bot.services.incidents import IncidentDraft, open_incident
from bot.store import migrate
from bot.store.models import AppendOnlyViolation, Base, Incident, TimelineEvent
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_times_come_back_aware_utc(database: Database) -> None:
    paris = timezone(timedelta(hours=1))
    with database.unit_of_work() as session:
        draft = IncidentDraft(title="t", aware_at=datetime(2026, 11, 20, 10, 30, 15, 123456, tzinfo=paris))
        open_incident(session, draft, actor="U1", now=NOW)
    with database.unit_of_work() as session:
        incident = session.scalars(select(Incident)).one()
        assert incident.aware_at == datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)
        assert incident.aware_at.utcoffset() == timedelta(0)
        assert incident.created_at.tzinfo is not None


def test_naive_times_are_refused_by_the_store(database: Database) -> None:
    with pytest.raises(Exception, match="naive"), database.unit_of_work() as session:
        open_incident(session, IncidentDraft(title="t", aware_at=NOW), actor="U1", now=NOW)
        session.execute(select(Incident).where(Incident.aware_at < datetime(2026, 1, 1)))


def test_timeline_rows_cannot_be_changed_or_deleted_through_the_orm(database: Database) -> None:
    with database.unit_of_work() as session:
        open_incident(session, IncidentDraft(title="t", aware_at=NOW), actor="U1", now=NOW)
    with pytest.raises(AppendOnlyViolation), database.unit_of_work() as session:
        event = session.scalars(select(TimelineEvent)).first()
        assert event is not None
        event.summary = "rewritten"
        session.flush()
    with pytest.raises(AppendOnlyViolation), database.unit_of_work() as session:
        event = session.scalars(select(TimelineEvent)).first()
        session.delete(event)
        session.flush()


def test_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_schema_is_at_head_and_upgrade_is_idempotent(database: Database) -> None:
    assert migrate.current_revision(database) == migrate.head_revision()
    before, after = migrate.upgrade(database)
    assert before == after == migrate.head_revision()
