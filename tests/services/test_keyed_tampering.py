"""Someone who can write to the database but does not hold the timeline key: every way they might
rewrite the record is detected by `verify_all`, naming the incident. Each test plays the writer with
plain SQL, behind the application's back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.domain.chain import GENESIS, KEYED, event_hash, keyed_event_hash
from bot.services import incidents as service
from bot.services.timeline import seal_unsealed, verify_all
from bot.store.models import Base, TimelineEvent
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FIRST, SECOND, THIRD = "BR-2026-0001", "BR-2026-0002", "BR-2026-0003"
GUESSED_KEY = b"the writer does not know the key, so guesses one....."


def seed(database: Database, count: int = 3) -> None:
    for n in range(count):
        with database.unit_of_work() as session:
            draft = service.IncidentDraft(title=f"incident {n}", aware_at=NOW - timedelta(hours=1))
            ref = service.open_incident(session, draft, actor="U1", now=NOW).ref
        for m in range(2):
            with database.unit_of_work() as session:
                service.add_update(session, ref, f"note {m}", actor="U2", now=NOW + timedelta(minutes=m))


def problems_by_ref(database: Database) -> dict[str, list[str]]:
    with database.unit_of_work() as session:
        return {r.ref: [p.problem for p in r.problems] for r in verify_all(session) if not r.ok}


def sql(database: Database, statement: str, **params: Any) -> list[Any]:
    with database.engine.begin() as connection:
        result = connection.execute(text(statement), params)
        return list(result) if result.returns_rows else []


def incident_id(database: Database, ref: str) -> int:
    return int(sql(database, "SELECT id FROM incident WHERE ref = :ref", ref=ref)[0][0])


def events(database: Database, ref: str) -> list[Any]:
    # Through the typed table, so times come back as the datetimes the hash was made over.
    table = TimelineEvent.__table__
    query = select(table).where(table.c.incident_id == incident_id(database, ref)).order_by(table.c.seq)
    with database.engine.begin() as connection:
        return list(connection.execute(query))


def rechain(database: Database, ref: str, rows: list[Any], *, scheme: int | None) -> None:
    """Recompute every hash of the incident's chain and its head, as a writer who knows the code would:
    with the old unkeyed scheme, or with a key they guessed."""
    prev = GENESIS
    for row in rows:
        content = TimelineEvent.hashed_content(row, ref)
        digest = keyed_event_hash(GUESSED_KEY, prev, content) if scheme == KEYED else event_hash(prev, content)
        sql(
            database,
            "UPDATE timeline_event SET prev_hash = :prev, hash = :hash, hash_scheme = :scheme WHERE id = :id",
            prev=prev,
            hash=digest,
            scheme=scheme,
            id=row.id,
        )
        prev = digest
    sql(
        database,
        "UPDATE incident SET timeline_head = :head, timeline_count = :count WHERE ref = :ref",
        head=prev if rows else None,
        count=len(rows),
        ref=ref,
    )


def test_an_untouched_register_verifies(database: Database) -> None:
    seed(database)
    assert problems_by_ref(database) == {}


@pytest.mark.parametrize("scheme", [None, KEYED], ids=["unkeyed", "guessed-key"])
def test_recomputing_the_whole_chain_after_an_edit(database: Database, scheme: int | None) -> None:
    seed(database)
    sql(database, "UPDATE timeline_event SET summary = 'nothing happened' WHERE seq = 2 AND incident_id = 2")
    rechain(database, SECOND, events(database, SECOND), scheme=scheme)
    found = problems_by_ref(database)
    assert list(found) == [SECOND]
    assert any("changed or forged" in p or "unkeyed after keyed" in p or "seal" in p for p in found[SECOND])


def test_deleting_the_last_event_and_setting_the_head_back(database: Database) -> None:
    seed(database)
    rows = events(database, THIRD)
    sql(database, "DELETE FROM timeline_event WHERE id = :id", id=rows[-1].id)
    sql(
        database,
        "UPDATE incident SET timeline_head = :head, timeline_count = :count WHERE ref = :ref",
        head=rows[-2].hash,
        count=len(rows) - 1,
        ref=THIRD,
    )
    found = problems_by_ref(database)
    assert list(found) == [THIRD]
    assert any("does not match its seal" in p for p in found[THIRD])


def test_appending_a_forged_event(database: Database) -> None:
    seed(database)
    last = events(database, FIRST)[-1]
    content = {**TimelineEvent.hashed_content(last, FIRST), "seq": last.seq + 1, "summary": "ICO told on time"}
    forged = keyed_event_hash(GUESSED_KEY, last.hash, content)
    sql(
        database,
        "INSERT INTO timeline_event (incident_id, seq, at, actor, kind, summary, prev_hash, hash, hash_scheme) "
        "VALUES (:incident, :seq, :at, 'dpo', 'update', 'ICO told on time', :prev, :hash, 2)",
        incident=incident_id(database, FIRST),
        seq=last.seq + 1,
        at=last.at,
        prev=last.hash,
        hash=forged,
    )
    sql(
        database,
        "UPDATE incident SET timeline_head = :head, timeline_count = timeline_count + 1 WHERE ref = :ref",
        head=forged,
        ref=FIRST,
    )
    found = problems_by_ref(database)
    assert list(found) == [FIRST]
    assert any(f"event {last.seq + 1} was changed or forged" in p for p in found[FIRST])


@pytest.mark.parametrize("strip_seal", [False, True], ids=["seal-kept", "seal-stripped"])
def test_wiping_an_incidents_timeline(database: Database, strip_seal: bool) -> None:
    seed(database)
    sql(database, "DELETE FROM timeline_event WHERE incident_id = :id", id=incident_id(database, SECOND))
    sql(database, "UPDATE incident SET timeline_head = NULL, timeline_count = 0 WHERE ref = :ref", ref=SECOND)
    if strip_seal:
        sql(database, "UPDATE incident SET seal = NULL WHERE ref = :ref", ref=SECOND)
    found = problems_by_ref(database)
    assert list(found) == [SECOND]
    assert any("seal" in p for p in found[SECOND])


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("title", "'Nothing to report'"),
        ("aware_at", "'2026-11-23 11:30:00'"),
        ("next_deadline_at", "'2026-12-31 12:00:00'"),
        ("ico_reported_at", "'2026-11-23 12:30:00'"),
        ("status", "'closed'"),
    ],
)
def test_editing_the_incident_row(database: Database, column: str, value: str) -> None:
    seed(database)
    cast = "::timestamptz" if database.dialect == "postgresql" and column.endswith("_at") else ""
    sql(database, f"UPDATE incident SET {column} = {value}{cast} WHERE ref = :ref", ref=FIRST)
    found = problems_by_ref(database)
    assert list(found) == [FIRST]
    assert any("does not match its seal" in p for p in found[FIRST])


def delete_incident(database: Database, ref: str) -> None:
    """Everything that names the incident, then the incident: what a careful writer would remove."""
    ident = incident_id(database, ref)
    for table in reversed(Base.metadata.sorted_tables):
        if "incident_id" in table.c:
            sql(database, f"DELETE FROM {table.name} WHERE incident_id = :id", id=ident)
    sql(database, "DELETE FROM incident WHERE id = :id", id=ident)


def test_deleting_a_whole_incident(database: Database) -> None:
    seed(database)
    delete_incident(database, SECOND)
    found = problems_by_ref(database)
    assert SECOND in found and set(found) <= {SECOND, "register"}


def test_deleting_the_newest_incident_and_winding_the_counter_back(database: Database) -> None:
    seed(database)
    delete_incident(database, THIRD)
    sql(database, "UPDATE ref_counter SET last_number = 2")
    found = problems_by_ref(database)
    assert list(found) == [THIRD]
    assert any("deleted" in p for p in found[THIRD])


def test_stripping_a_seal_and_rewriting_the_chain_unkeyed(database: Database) -> None:
    seed(database)
    sql(database, "UPDATE timeline_event SET summary = 'all fine' WHERE seq = 1 AND incident_id = 1")
    rechain(database, FIRST, events(database, FIRST), scheme=None)
    sql(database, "UPDATE incident SET seal = NULL WHERE ref = :ref", ref=FIRST)
    assert FIRST in problems_by_ref(database)


def test_deleting_the_register_seal(database: Database) -> None:
    seed(database)
    sql(database, "DELETE FROM register_seal")
    assert "register" in problems_by_ref(database)


def make_legacy(database: Database, ref: str) -> None:
    """Turn an incident into one written before keys: unkeyed hashes, no scheme, no seal."""
    rechain(database, ref, events(database, ref), scheme=None)
    sql(database, "UPDATE incident SET seal = NULL WHERE ref = :ref", ref=ref)


def test_timelines_from_before_keys_still_verify_and_carry_on_keyed(database: Database) -> None:
    seed(database)
    for ref in (FIRST, SECOND, THIRD):
        make_legacy(database, ref)
    # As in a database from before seals: no register row yet.
    sql(database, "DELETE FROM register_seal")
    assert problems_by_ref(database) == {}
    with database.unit_of_work() as session:
        service.add_update(session, SECOND, "after the upgrade", actor="U2", now=NOW + timedelta(hours=1))
    assert problems_by_ref(database) == {}
    schemes = [row.hash_scheme for row in events(database, SECOND)]
    assert schemes == [None, None, None, KEYED]
    # The legacy incident is now sealed and counted in the register: editing it is caught.
    sql(database, "UPDATE incident SET title = 'changed' WHERE ref = :ref", ref=SECOND)
    assert list(problems_by_ref(database)) == [SECOND]


def test_an_edit_to_an_old_unkeyed_timeline_is_still_caught(database: Database) -> None:
    seed(database)
    make_legacy(database, FIRST)
    sql(database, "UPDATE timeline_event SET summary = 'rewritten' WHERE seq = 2 AND incident_id = 1")
    assert list(problems_by_ref(database)) == [FIRST]


def test_a_wrong_key_is_reported_as_a_wrong_key(database: Database) -> None:
    seed(database, 1)
    with Database(database.url, timeline_key=GUESSED_KEY).unit_of_work() as session:
        found = {r.ref: [p.problem for p in r.problems] for r in verify_all(session) if not r.ok}
    assert any("not the one these records were sealed with" in p for p in found["register"])


def test_the_upgrade_seals_old_incidents_whose_chain_verifies(database: Database) -> None:
    seed(database)
    for ref in (FIRST, SECOND, THIRD):
        make_legacy(database, ref)
    sql(database, "DELETE FROM register_seal")
    sql(database, "UPDATE timeline_event SET summary = 'rewritten' WHERE seq = 1 AND incident_id = 3")
    with database.unit_of_work() as session:
        assert seal_unsealed(session) == (2, [THIRD])
    assert list(problems_by_ref(database)) == [THIRD]
    # Sealed without any new event: an edit to the row is caught, and so is stripping the seal.
    sql(database, "UPDATE incident SET title = 'changed', seal = NULL WHERE ref = :ref", ref=FIRST)
    assert FIRST in problems_by_ref(database)


def test_a_stale_copy_in_memory_never_seals_values_the_row_does_not_hold(database: Database) -> None:
    seed(database, 1)
    with database.unit_of_work() as stale_session:
        stale = service.get_incident(stale_session, FIRST)
        assert stale.title == "incident 0"
    # Another flow changes the row meanwhile.
    with database.unit_of_work() as session:
        service.get_incident(session, FIRST, lock=True).title = "renamed by another flow"
    # The stale copy writes a column the seal does not cover: the seal follows the stored row.
    with database.unit_of_work() as session:
        session.add(stale)
        stale.slack_channel_id = "C123"
    assert problems_by_ref(database) == {}


def test_putting_one_incident_back_to_an_earlier_state_is_detected(database: Database) -> None:
    seed(database, 2)
    table_before = sql(database, "SELECT timeline_count, timeline_head, seal FROM incident WHERE ref = :r", r=FIRST)
    with database.unit_of_work() as session:
        service.add_update(session, FIRST, "the ICO was told late", actor="U2", now=NOW + timedelta(hours=2))
    count, head, seal = table_before[0]
    sql(database, "DELETE FROM timeline_event WHERE seq > :n AND incident_id = 1", n=count)
    sql(
        database,
        "UPDATE incident SET timeline_count = :c, timeline_head = :h, seal = :s WHERE id = 1",
        c=count,
        h=head,
        s=seal,
    )
    found = problems_by_ref(database)
    assert list(found) == ["register"] and "earlier state" in found["register"][0]
