"""Two people saving at the same moment both succeed: no stale row reused after a lock, no primary-key
clash on the first save of the organisation profile. Real threads, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from bot.services import facts, incidents, org
from bot.services.timeline import events_for, verify_incident
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def at_once(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run `work(n)` on `count` threads released together; the errors they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as problem:
            errors.append(problem)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def open_incident(database: Database) -> str:
    draft = incidents.IncidentDraft(title="Laptop stolen", aware_at=NOW - timedelta(hours=2))
    with database.unit_of_work() as session:
        return incidents.open_incident(session, draft, actor="U1", now=NOW).ref


def facts_as_slack_saves_them(session: Session, ref: str, changes: dict[str, object]) -> None:
    # The Slack listener reads the incident to compare, then the service locks it: the copy read first
    # (still referenced, so still in the session) must not be what the locked write uses.
    read_first = incidents.get_incident(session, ref)
    facts.set_facts(session, ref, changes, actor="U_DPO", now=NOW)
    assert read_first.timeline_count == incidents.get_incident(session, ref).timeline_count


def test_concurrent_facts_submissions_both_land_on_one_unbroken_timeline(database: Database) -> None:
    ref = open_incident(database)
    fields = ["likely_consequences", "staff_involved", "others_told", "individuals_told_how"]

    def save(n: int) -> None:
        with database.unit_of_work() as session:
            facts_as_slack_saves_them(session, ref, {fields[n]: f"fact {n}"})

    assert at_once(len(fields), save) == []
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        assert [getattr(incident, field) for field in fields] == [f"fact {n}" for n in range(len(fields))]
        assert [e.kind for e in events_for(session, incident)] == ["opened"] + ["facts"] * len(fields)
        assert verify_incident(session, incident).ok


def test_a_write_committed_between_a_read_and_the_lock_is_seen(database: Database) -> None:
    """The interleaving that failed, made certain: another writer commits after this session read the
    incident but before it locks it. SQLite takes its write lock at BEGIN, so it cannot interleave."""
    if database.dialect == "sqlite":
        pytest.skip("SQLite serialises whole transactions (BEGIN IMMEDIATE): this interleaving cannot happen")
    ref = open_incident(database)
    with database.unit_of_work() as session:
        read_first = incidents.get_incident(session, ref)
        with database.unit_of_work() as other:
            facts.set_facts(other, ref, {"staff_involved": "none"}, actor="U_A", now=NOW)
        facts.set_facts(session, ref, {"others_told": "police"}, actor="U_B", now=NOW)
        assert read_first.timeline_count == 3
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        assert (incident.staff_involved, incident.others_told, incident.timeline_count) == ("none", "police", 3)
        assert verify_incident(session, incident).ok


def test_concurrent_first_saves_of_the_profile_both_succeed(database: Database) -> None:
    names = ["Acme Ltd", "Acme Limited", "Acme plc"]

    def save(n: int) -> None:
        with database.unit_of_work() as session:
            org.update_profile(session, {"name": names[n], "dpo_email": f"dpo{n}@acme.example"}, now=NOW)

    assert at_once(len(names), save) == []
    with database.unit_of_work() as session:
        profile = org.get_profile(session)
        # The saves queue: whichever came last wins both fields, never a mix of two saves.
        n = names.index(profile.name or "")
        assert profile.dpo_email == f"dpo{n}@acme.example"
