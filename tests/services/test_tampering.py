"""Editing or removing timeline rows behind the application's back is detected and named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.services import incidents as service
from bot.services.timeline import verify_all
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def seed(database: Database) -> None:
    for title in ("first", "second"):
        with database.unit_of_work() as session:
            draft = service.IncidentDraft(title=title, aware_at=NOW - timedelta(hours=1))
            ref = service.open_incident(session, draft, actor="U1", now=NOW).ref
        for n in range(3):
            with database.unit_of_work() as session:
                service.add_update(session, ref, f"note {n}", actor="U2", now=NOW + timedelta(minutes=n))


def problems_by_ref(database: Database) -> dict[str, list[tuple[int | None, str]]]:
    with database.unit_of_work() as session:
        return {r.ref: [(p.seq, p.problem) for p in r.problems] for r in verify_all(session) if not r.ok}


def raw(database: Database, sql: str) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(sql))


def test_untouched_timelines_verify(database: Database) -> None:
    seed(database)
    assert problems_by_ref(database) == {}


def test_an_edited_row_names_the_incident_and_event(database: Database) -> None:
    seed(database)
    raw(
        database,
        "UPDATE timeline_event SET summary = 'nothing to see' WHERE seq = 3 AND incident_id = "
        "(SELECT id FROM incident WHERE ref = 'BR-2026-0002')",
    )
    found = problems_by_ref(database)
    assert list(found) == ["BR-2026-0002"]
    assert found["BR-2026-0002"][0][0] == 3


def test_an_edited_actor_or_time_is_caught_too(database: Database) -> None:
    seed(database)
    raw(database, "UPDATE timeline_event SET actor = 'someone else' WHERE seq = 1 AND incident_id = 1")
    assert problems_by_ref(database)["BR-2026-0001"][0][0] == 1


def test_a_deleted_row_is_detected(database: Database) -> None:
    seed(database)
    raw(database, "DELETE FROM timeline_event WHERE seq = 2 AND incident_id = 1")
    found = problems_by_ref(database)
    assert list(found) == ["BR-2026-0001"]
    assert any(seq == 2 and "missing" in problem for seq, problem in found["BR-2026-0001"])


def test_deleting_the_newest_row_is_detected(database: Database) -> None:
    seed(database)
    raw(database, "DELETE FROM timeline_event WHERE seq = 4 AND incident_id = 2")
    assert "BR-2026-0002" in problems_by_ref(database)
