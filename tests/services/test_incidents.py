"""Opening and closing incidents: references, clocks, lateness, idempotency, validation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.errors import NotFound
from bot.services import incidents as service
from bot.services.timeline import events_for, verify_incident
from bot.store.models import Incident, Organisation
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def open_one(database: Database, **fields: object) -> str:
    values: dict[str, object] = {"title": "Laptop stolen from car", "aware_at": NOW - timedelta(hours=2)}
    values.update(fields)
    with database.unit_of_work() as session:
        return service.open_incident(session, service.IncidentDraft(**values), actor="U1", now=NOW).ref  # type: ignore[arg-type]


def test_open_gives_a_reference_clock_and_opening_event(database: Database) -> None:
    ref = open_one(database, description="Unencrypted laptop", regimes=("uk-gdpr", "eidas"))
    assert ref == "BR-2026-0001"
    assert open_one(database) == "BR-2026-0002"
    with database.unit_of_work() as session:
        incident = service.get_incident(session, ref.lower())
        data = service.describe(incident, now=NOW)
        assert [c["regime"] for c in data["deadlines"]] == ["eidas", "uk-gdpr"]
        assert data["deadlines"][0]["deadline"] == (NOW + timedelta(hours=22)).isoformat()
        assert incident.next_deadline_at == NOW + timedelta(hours=22)
        assert [e.kind for e in events_for(session, incident)] == ["opened"]
        assert verify_incident(session, incident).ok


def test_regimes_default_to_the_organisation_profile(database: Database) -> None:
    with database.unit_of_work() as session:
        session.add(Organisation(id=1, name="Acme", regimes=["uk-gdpr", "pecr"], is_processor=True))
    ref = open_one(database, controller_name="Big Bank plc")
    with database.unit_of_work() as session:
        incident = service.get_incident(session, ref)
        assert incident.regimes == ["uk-gdpr", "pecr", "processor"]
        assert incident.is_processor and incident.controller_name == "Big Bank plc"


def test_awareness_already_past_the_deadline_marks_it_late_and_asks_for_reasons(database: Database) -> None:
    ref = open_one(database, aware_at=NOW - timedelta(hours=80))
    with database.unit_of_work() as session:
        incident = service.get_incident(session, ref)
        assert incident.late
        events = events_for(session, incident)
        assert [e.kind for e in events] == ["opened", "late"]
        assert "reasons for the delay" in events[1].summary
    with database.unit_of_work() as session:
        service.record_delay_reasons(session, ref, "Found in a weekend log review", actor="DPO", now=NOW)
    with database.unit_of_work() as session:
        incident = service.get_incident(session, ref)
        assert incident.delay_reasons == "Found in a weekend log review"
        assert events_for(session, incident)[-1].after == {"delay_reasons": "Found in a weekend log review"}


def test_a_repeated_submission_returns_the_same_incident(database: Database) -> None:
    first = open_one(database, source_key="view-123")
    second = open_one(database, source_key="view-123")
    assert first == second
    with database.unit_of_work() as session:
        assert len(session.scalars(select(Incident)).all()) == 1


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"title": "   "}, "title is needed"),
        ({"title": "x" * 201}, "most Breachbot keeps"),
        ({"aware_at": NOW + timedelta(minutes=5)}, "future"),
        (
            {"occurred_at": NOW - timedelta(hours=1), "aware_at": NOW - timedelta(hours=2)},
            "after you became aware",
        ),
        ({"regimes": ("gdpr",)}, "unknown regime"),
        ({"description": "y" * 20_001}, "most Breachbot keeps"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(database: Database, fields: dict, says: str) -> None:
    with pytest.raises(Exception, match=says):
        open_one(database, **fields)
    with database.unit_of_work() as session:
        assert session.scalars(select(Incident)).all() == []


def test_unicode_and_control_characters_are_kept_safely(database: Database) -> None:
    ref = open_one(database, title="Fuite de données — 顧客リスト 🙂\x00", description="Zoë's list <!channel>")
    with database.unit_of_work() as session:
        incident = service.get_incident(session, ref)
        assert incident.title == "Fuite de données — 顧客リスト 🙂"
        assert incident.description == "Zoë's list <!channel>"


def test_close_records_the_reason_once(database: Database) -> None:
    ref = open_one(database)
    with database.unit_of_work() as session:
        service.close_incident(
            session, ref, reason="False alarm: no data left the building", outcome="false-alarm", actor="DPO", now=NOW
        )
    with database.unit_of_work() as session:
        again = service.close_incident(session, ref, reason="again", actor="DPO", now=NOW)
        assert again.close_reason == "False alarm: no data left the building"
        assert [e.kind for e in events_for(session, again)] == ["opened", "closed"]
        assert service.list_incidents(session, open_only=True) == []


def test_unknown_reference(database: Database) -> None:
    with pytest.raises(NotFound, match="BR-2026-9999"), database.unit_of_work() as session:
        service.get_incident(session, "BR-2026-9999")


def test_open_incidents_are_listed_nearest_deadline_first(database: Database) -> None:
    later = open_one(database, title="later", aware_at=NOW - timedelta(hours=1))
    sooner = open_one(database, title="sooner", aware_at=NOW - timedelta(hours=30))
    no_clock = open_one(database, title="processor only", regimes=("processor",))
    with database.unit_of_work() as session:
        refs = [i.ref for i in service.list_incidents(session, open_only=True)]
    assert refs == [sooner, later, no_clock]


def test_concurrent_openers_get_unique_references(database: Database) -> None:
    count = 12
    barrier = threading.Barrier(count)
    refs: list[str] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            refs.append(open_one(database, title=f"incident {n}"))
        except BaseException as problem:
            errors.append(problem)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(refs) == [f"BR-2026-{n:04d}" for n in range(1, count + 1)]


def test_refused_facts_change_nothing(database: Database) -> None:
    from bot.services import facts

    ref = open_one(database)
    with pytest.raises(Exception, match="too long"), database.unit_of_work() as session:
        facts.set_facts(
            session, ref, {"likely_consequences": "fraud", "individuals_told_how": "x" * 20_001}, actor="d", now=NOW
        )
    with database.unit_of_work() as session:
        incident = service.get_incident(session, ref)
        assert incident.likely_consequences is None and incident.timeline_count == 1


def test_data_processed_for_a_controller_runs_only_the_processor_clock(database: Database) -> None:
    ref = open_one(database, is_processor=True, controller_name="Big Bank plc")
    with database.unit_of_work() as session:
        incident = service.get_incident(session, ref)
        assert incident.regimes == ["processor"] and incident.next_deadline_at is None and not incident.late
