"""Assessments on incidents: versions, history, overrides beside the computed decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services import alerts, incidents
from bot.services import assessments as service
from bot.services.timeline import events_for, verify_incident
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HIGH_RISK = {
    "personal_data": True,
    "data_categories": ["special_health", "basic_identifiers"],
    "subject_types": ["patients"],
    "subjects_count": 1200,
    "exposure": "unknown",
    "cause": "malicious",
    "protection": "none",
}
LOW_RISK = {
    "personal_data": True,
    "breach_types": ["confidentiality"],
    "data_categories": ["basic_identifiers"],
    "subject_types": ["employees"],
    "subjects_count": 1,
    "records_count": 1,
    "exposure": "trusted",
    "cause": "accidental",
    "recovered": True,
    "protection": "none",
    "availability": "not_affected",
    "impact_on_people": "none",
}


def new_incident(database: Database, *, processor: bool = False) -> str:
    with database.unit_of_work() as session:
        draft = incidents.IncidentDraft(
            title="Clinic list emailed", aware_at=NOW - timedelta(hours=1), is_processor=processor or None
        )
        return incidents.open_incident(session, draft, actor="U1", now=NOW).ref


def test_assessment_is_stored_as_a_version_with_its_answers_and_result(database: Database) -> None:
    ref = new_incident(database)
    with database.unit_of_work() as session:
        first = service.record_assessment(session, ref, HIGH_RISK, actor="dpo", now=NOW)
        assert first.version == 1 and first.result["notify_individuals"] is True
    with database.unit_of_work() as session:
        second = service.record_assessment(session, ref, LOW_RISK, actor="dpo", now=NOW + timedelta(hours=1))
        assert second.version == 2 and second.result["notify_ico"] is False
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        versions = service.history(session, incident)
        assert [a.version for a in versions] == [1, 2]
        assert versions[0].answers["subjects_count"] == 1200
        assert versions[0].rules_version
        assert incident.status == "assessed"
        events = events_for(session, incident)
        assert [e.kind for e in events] == ["opened", "assessed", "assessed", "alerts_stopped"]
        assert "do not notify the ICO" in events[2].summary
        assert "Reasons:" in events[2].summary
        assert "not to notify the ICO" in events[3].summary
        assert verify_incident(session, incident).ok


def test_the_same_answers_twice_make_one_assessment(database: Database) -> None:
    ref = new_incident(database)
    for _ in range(2):
        with database.unit_of_work() as session:
            service.record_assessment(session, ref, HIGH_RISK, actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        assert len(service.history(session, incidents.get_incident(session, ref))) == 1


def test_bad_answers_name_the_key_and_write_nothing(database: Database) -> None:
    ref = new_incident(database)
    for bad, key in (
        ({"data_categories": ["heatlh"]}, "data_categories"),
        ({"subjects_count": -5}, "subjects_count"),
        ({"personal_data": "yes"}, "personal_data"),
        ({"colour": "red"}, "colour"),
    ):
        with pytest.raises(service.InvalidAnswers) as caught, database.unit_of_work() as session:
            service.record_assessment(session, ref, bad, actor="dpo", now=NOW)
        assert caught.value.key == key and key in str(caught.value)
    with pytest.raises(service.InvalidAnswers), database.unit_of_work() as session:
        service.record_assessment(session, ref, ["not", "an", "object"], actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        assert service.history(session, incidents.get_incident(session, ref)) == []


def test_override_sits_beside_the_computed_decision(database: Database) -> None:
    ref = new_incident(database)
    with database.unit_of_work() as session:
        service.record_assessment(session, ref, LOW_RISK, actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        service.record_override(
            session,
            ref,
            notify_ico=True,
            notify_individuals=False,
            justification="The recipient is a former employee in dispute with us; misuse is plausible.",
            actor="dpo",
            now=NOW,
        )
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        decision = service.current_decision(session, incident).to_dict()
        assert decision["computed"]["notify_ico"] is False
        assert decision["override"]["notify_ico"] is True
        assert decision["effective"] == {"notify_ico": True, "notify_individuals": False}
        kinds = [e.kind for e in events_for(session, incident)]
        assert kinds == ["opened", "assessed", "alerts_stopped", "override", "alerts_resumed"]
        event = events_for(session, incident)[3]
        assert event.kind == "override"
        assert "computed: record in the breach register only" in event.summary
        assert "former employee" in event.summary


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"justification": "because"}, "justification"),
        ({"notify_ico": False, "notify_individuals": True}, "ICO must hear"),
    ],
)
def test_override_needs_a_real_justification_and_a_coherent_decision(
    database: Database, fields: dict, says: str
) -> None:
    ref = new_incident(database)
    with database.unit_of_work() as session:
        service.record_assessment(session, ref, LOW_RISK, actor="dpo", now=NOW)
    values = {"notify_ico": True, "notify_individuals": False, "justification": "x" * 40, **fields}
    with pytest.raises(service.InvalidOverride, match=says), database.unit_of_work() as session:
        service.record_override(session, ref, actor="dpo", now=NOW, **values)


def test_override_before_any_triage_is_refused(database: Database) -> None:
    ref = new_incident(database)
    with pytest.raises(service.InvalidOverride, match="no triage yet"), database.unit_of_work() as session:
        service.record_override(
            session,
            ref,
            notify_ico=True,
            notify_individuals=False,
            justification="x" * 40,
            actor="d",
            now=NOW,
        )


def test_a_reassessment_replaces_the_override_in_force(database: Database) -> None:
    ref = new_incident(database)
    with database.unit_of_work() as session:
        service.record_assessment(session, ref, LOW_RISK, actor="dpo", now=NOW)
        service.record_override(
            session,
            ref,
            notify_ico=True,
            notify_individuals=False,
            justification="y" * 40,
            actor="d",
            now=NOW,
        )
    with database.unit_of_work() as session:
        service.record_assessment(session, ref, HIGH_RISK, actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        decision = service.current_decision(session, incidents.get_incident(session, ref))
        assert decision.override is None and decision.notify_individuals is True


def test_processor_incidents_take_the_processor_path(database: Database) -> None:
    ref = new_incident(database, processor=True)
    with database.unit_of_work() as session:
        assessment = service.record_assessment(session, ref, HIGH_RISK, actor="dpo", now=NOW)
        assert assessment.result["role"] == "processor"
        assert assessment.result["notify_controller"] is True
        assert assessment.result["notify_ico"] is False


def test_a_decision_not_to_notify_stops_the_ico_alerts_and_reversing_it_restarts_them(database: Database) -> None:
    ref = new_incident(database)
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref, lock=True)
        alerts.plan_for_incident(session, incident, NOW)
        live_at_start = _live_alerts(session, incident)
        assert live_at_start
        service.record_assessment(session, ref, LOW_RISK, actor="dpo", now=NOW)
        assert _live_alerts(session, incident) == 0
    with database.unit_of_work() as session:
        service.record_assessment(session, ref, HIGH_RISK, actor="dpo", now=NOW + timedelta(minutes=1))
        incident = incidents.get_incident(session, ref)
        assert _live_alerts(session, incident) > 0
        assert [e.kind for e in events_for(session, incident)][-1] == "alerts_resumed"


def test_the_processor_path_stops_the_processors_own_ico_clock(database: Database) -> None:
    with database.unit_of_work() as session:
        draft = incidents.IncidentDraft(
            title="Hosting bug", aware_at=NOW - timedelta(hours=1), is_processor=True, regimes=("uk-gdpr",)
        )
        incident = incidents.open_incident(session, draft, actor="U1", now=NOW)
        alerts.plan_for_incident(session, incident, NOW)
        service.record_assessment(session, incident.ref, HIGH_RISK, actor="dpo", now=NOW)
        stopped = events_for(session, incident)[-1]
        assert stopped.kind == "alerts_stopped" and "controller" in stopped.summary


def _live_alerts(session: object, incident: object) -> int:
    from sqlalchemy import func, select

    from bot.store.models import PlannedAlert
    from bot.store.models.alerts import LIVE_STATES

    return session.scalar(  # type: ignore[attr-defined]
        select(func.count()).where(
            PlannedAlert.incident_id == incident.id,  # type: ignore[attr-defined]
            PlannedAlert.regime == "uk-gdpr",
            PlannedAlert.state.in_(LIVE_STATES),
        )
    )


def test_a_uk_gdpr_decision_not_to_notify_leaves_the_pecr_clock_running(database: Database) -> None:
    with database.unit_of_work() as session:
        draft = incidents.IncidentDraft(
            title="Call logs", aware_at=NOW - timedelta(hours=1), regimes=("uk-gdpr", "pecr")
        )
        incident = incidents.open_incident(session, draft, actor="U1", now=NOW)
        alerts.plan_for_incident(session, incident, NOW)
        service.record_assessment(session, incident.ref, LOW_RISK, actor="dpo", now=NOW)
        stopped = [e for e in events_for(session, incident) if e.kind == "alerts_stopped"]
        assert [e.after["regimes"] for e in stopped] == [["uk-gdpr"]]


def test_a_closed_incident_cannot_be_reassessed_or_overridden(database: Database) -> None:
    ref = new_incident(database)
    with database.unit_of_work() as session:
        incidents.close_incident(session, ref, reason="False alarm", outcome="false-alarm", actor="dpo", now=NOW)
    with pytest.raises(service.IncidentClosed), database.unit_of_work() as session:
        service.record_assessment(session, ref, LOW_RISK, actor="dpo", now=NOW)


def test_a_late_ico_report_stays_late(database: Database) -> None:
    from bot.services.reporting import record_ico_report

    with database.unit_of_work() as session:
        draft = incidents.IncidentDraft(title="Late one", aware_at=NOW - timedelta(hours=60))
        ref = incidents.open_incident(session, draft, actor="U1", now=NOW).ref
    with database.unit_of_work() as session:
        incident = record_ico_report(session, ref, ico_case_ref="IC-1", actor="dpo", now=NOW + timedelta(hours=20))
        assert incident.late is True
