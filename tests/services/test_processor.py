"""The processor path (issue 10 §3): telling the controller stops the processor clock and is on the
timeline and the register; a contractual deadline gives the clock a deadline and alerts; actions and
facts carry when they happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.alert_plan import plan_alerts, spec_for
from bot.domain.triage import assess, parse_answers
from bot.services import actions, alerts, facts, incidents, processor
from bot.services.assessments import record_assessment
from bot.services.incidents import InvalidIncident
from bot.services.register import CannotClose, register_entry
from bot.services.timeline import events_for, verify_incident
from bot.store.models import Incident
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
AWARE = NOW - timedelta(hours=3)


def open_processor(database: Database, **fields: object) -> str:
    draft = incidents.IncidentDraft(
        title="Export copied", aware_at=AWARE, is_processor=True, controller_name="Northern Water plc", **fields
    )  # type: ignore[arg-type]
    with database.unit_of_work() as session:
        incident = incidents.open_incident(session, draft, actor="U1", now=NOW)
        alerts.plan_for_incident(session, incident, NOW)
        return incident.ref


def live_alerts(database: Database, ref: str) -> list[tuple[str, str]]:
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        return [(a["kind"], a["state"]) for a in alerts.alerts_for(session, incident) if a["state"] == "pending"]


def test_controller_told_stops_the_processor_clock_and_is_on_the_timeline_and_register(database: Database) -> None:
    ref = open_processor(database)
    assert live_alerts(database, ref), "the undue-delay clock has alerts to stop"
    told = NOW - timedelta(hours=1)
    with database.unit_of_work() as session:
        processor.record_controller_told(
            session, ref, told_at=told, how="Phone call to their DPO", actor="dpo", now=NOW
        )
    assert live_alerts(database, ref) == []
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        kinds = [e.kind for e in events_for(session, incident)]
        assert "controller_told" in kinds and kinds[-1] == "alerts_stopped"
        assert verify_incident(session, incident).ok
        described = incidents.describe(incident, now=NOW)
        assert [c["stopped"] for c in described["deadlines"]] == [True]
        assert described["controller_told_at"] == told.isoformat()
        entry = register_entry(session, incident, now=NOW)
        assert entry["controller_name"] == "Northern Water plc" and entry["controller_told_at"] == told
        # The same record again changes nothing.
        count = incident.timeline_count
        processor.record_controller_told(
            session, ref, told_at=told, how="Phone call to their DPO", actor="dpo", now=NOW
        )
        assert incident.timeline_count == count


@pytest.mark.parametrize(
    ("when", "how", "message"),
    [
        (NOW + timedelta(minutes=5), "email", "in the future"),
        (AWARE - timedelta(hours=1), "email", "before you became aware"),
        (NOW, "   ", "say how the controller was told"),
    ],
)
def test_controller_told_refuses_what_cannot_be_true(
    database: Database, when: datetime, how: str, message: str
) -> None:
    ref = open_processor(database)
    with pytest.raises(InvalidIncident, match=message), database.unit_of_work() as session:
        processor.record_controller_told(session, ref, told_at=when, how=how, actor="dpo", now=NOW)


def test_controller_told_is_for_a_processor_only(database: Database) -> None:
    with database.unit_of_work() as session:
        ref = incidents.open_incident(
            session, incidents.IncidentDraft(title="Own HR data", aware_at=AWARE), actor="U1", now=NOW
        ).ref
    refused = pytest.raises(InvalidIncident, match="not recorded as processed for another controller")
    with refused, database.unit_of_work() as session:
        processor.record_controller_told(session, ref, told_at=NOW, how="email", actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        entry = register_entry(session, incidents.get_incident(session, ref), now=NOW)
    assert entry["controller_told_at"] is not None and repr(entry["controller_told_at"]) == "NOT_APPLICABLE"


def test_a_contractual_deadline_gives_the_processor_clock_a_deadline_and_alerts(database: Database) -> None:
    ref = open_processor(database, contract_hours=24)
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        clock = incidents.describe(incident, now=NOW)["deadlines"][0]
        assert clock["deadline"] == (AWARE + timedelta(hours=24)).isoformat()
        assert clock["hours"] == 24 and clock["contractual"] is True
    kinds = [kind for kind, _ in live_alerts(database, ref)]
    assert kinds == ["contract-started", "contract-4h-left", "contract-1h-left", "contract-deadline"]
    assert spec_for("processor", "contract-deadline").final


def test_setting_the_contract_later_replans_and_telling_stops_it(database: Database) -> None:
    ref = open_processor(database)
    assert [k for k, _ in live_alerts(database, ref)] == ["started", "4h-on"]
    with database.unit_of_work() as session:
        processor.set_contract_hours(session, ref, 8, actor="dpo", now=NOW)
        assert events_for(session, incidents.get_incident(session, ref))[-1].kind == "contract_deadline"
    contract = ["contract-started", "contract-4h-left", "contract-1h-left", "contract-deadline"]
    assert [k for k, _ in live_alerts(database, ref)] == contract
    with database.unit_of_work() as session:
        processor.record_controller_told(session, ref, told_at=NOW, how="email", actor="dpo", now=NOW)
        assert "after the contractual" not in events_for(session, incidents.get_incident(session, ref))[-2].summary
    assert live_alerts(database, ref) == []
    with pytest.raises(InvalidIncident, match="whole number of hours"), database.unit_of_work() as session:
        processor.set_contract_hours(session, ref, 0, actor="dpo", now=NOW)


def test_a_contract_never_moves_a_statutory_deadline() -> None:
    statutory = [p.due_at for p in plan_alerts("uk-gdpr", AWARE, 24)]
    assert statutory == [p.due_at for p in plan_alerts("uk-gdpr", AWARE)]


def test_contract_hours_need_a_processor(database: Database) -> None:
    with pytest.raises(InvalidIncident, match="for a processor"), database.unit_of_work() as session:
        incidents.open_incident(
            session, incidents.IncidentDraft(title="x", aware_at=AWARE, contract_hours=24), actor="U1", now=NOW
        )


def test_the_processor_is_not_told_the_register_duty_is_its_own() -> None:
    answers = parse_answers({"personal_data": True, "data_categories": ["basic_identifiers"]})
    processor_reasons = " ".join(assess(answers, processor=True).reasons)
    assert "33(5)" not in processor_reasons and "Art 28(3)(f)" in processor_reasons
    assert "33(5)" in " ".join(assess(answers).reasons)


def test_actions_carry_when_they_happened(database: Database) -> None:
    ref = open_processor(database)
    done_at = NOW - timedelta(hours=2, minutes=20)
    with database.unit_of_work() as session:
        actions.add_action(session, ref, "Took the export server offline", actor="U2", now=NOW, happened_at=done_at)
        incident = incidents.get_incident(session, ref)
        assert actions.action_dicts(session, incident)[0]["at"] == done_at
        assert register_entry(session, incident, now=NOW)["actions_taken"][0]["at"] == done_at
        assert "(done Mon 23 Nov 2026, 09:40 GMT)" in events_for(session, incident)[-1].summary
    with pytest.raises(InvalidIncident, match="in the future"), database.unit_of_work() as session:
        actions.add_action(session, ref, "x", actor="U2", now=NOW, happened_at=NOW + timedelta(hours=1))


def test_new_facts_are_kept_and_none_is_an_answer(database: Database) -> None:
    ref = open_processor(database)
    with database.unit_of_work() as session:
        facts.set_facts(
            session,
            ref,
            {
                "measures_in_place": "MFA, access reviews",
                "public_description": "We lost a list.",
                "others_told": "None",
            },
            actor="dpo",
            now=NOW,
        )
    with database.unit_of_work() as session:
        stored = session.get(Incident, 1)
        assert stored is not None
        assert (stored.measures_in_place, stored.public_description, stored.others_told) == (
            "MFA, access reviews",
            "We lost a list.",
            "None",
        )


def test_a_processor_incident_closes_only_once_the_controller_was_told(database: Database) -> None:
    ref = open_processor(database)
    with database.unit_of_work() as session:
        record_assessment(session, ref, {"personal_data": True, "data_categories": ["basic_identifiers"]},
                          actor="dpo", now=NOW)  # fmt: skip
        actions.add_action(session, ref, "Took the server offline", actor="U2", now=NOW)
    refused = pytest.raises(CannotClose, match="record when and how the controller was told")
    with refused, database.unit_of_work() as session:
        incidents.close_incident(session, ref, reason="Contained", outcome="not-reportable", actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        processor.record_controller_told(session, ref, told_at=NOW, how="email", actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        closed = incidents.close_incident(
            session, ref, reason="Controller told; contained", outcome="not-reportable", actor="dpo", now=NOW
        )
        assert closed.status == "closed"


def test_facts_carry_when_they_came_true(database: Database) -> None:
    ref = open_processor(database)
    told_police = NOW - timedelta(hours=1)
    with database.unit_of_work() as session:
        facts.set_facts(
            session, ref, {"others_told": "Police (crime ref 123)"}, actor="dpo", now=NOW, happened_at=told_police
        )
        incident = incidents.get_incident(session, ref)
        assert incident.fact_times == {"others_told": told_police.isoformat()}
        event = events_for(session, incident)[-1]
        assert "(as of Mon 23 Nov 2026, 11:00 GMT)" in event.summary
        assert event.after["happened_at"] == told_police.isoformat()
    with pytest.raises(InvalidIncident, match="in the future"), database.unit_of_work() as session:
        facts.set_facts(session, ref, {"others_told": "x"}, actor="dpo", now=NOW, happened_at=NOW + timedelta(hours=1))
