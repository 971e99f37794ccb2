"""A PECR incident end to end: triage on the incident's regimes, drafts, alerts, overrides, close and register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services import alerts, incidents, notices
from bot.services import assessments as service
from bot.services.actions import add_action
from bot.services.register import CannotClose, register_entry
from bot.services.reporting import record_ico_report
from bot.services.timeline import events_for
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# One subscriber's name texted to another subscriber, who deleted it: unlikely to result in a risk.
UNLIKELY = {
    "personal_data": True,
    "breach_types": ["confidentiality"],
    "data_categories": ["basic_identifiers"],
    "subject_types": ["subscribers"],
    "subjects_count": 1,
    "records_count": 1,
    "exposure": "trusted",
    "cause": "accidental",
    "recovered": True,
    "protection": "none",
    "availability": "not_affected",
    "impact_on_people": "none",
}
HIGH = {**UNLIKELY, "data_categories": ["special_health", "basic_identifiers"], "subjects_count": 900}
HIGH.update(exposure="unknown", cause="malicious", recovered=False, records_count=900)


def pecr_incident(database: Database, regimes: tuple[str, ...] = ("pecr",), answers: dict | None = None) -> str:
    with database.unit_of_work() as session:
        draft = incidents.IncidentDraft(
            title="Text to the wrong number", aware_at=NOW - timedelta(hours=2), regimes=regimes
        )
        incident = incidents.open_incident(session, draft, actor="U1", now=NOW)
        alerts.plan_for_incident(session, incident, NOW)
        service.record_assessment(session, incident.ref, answers or UNLIKELY, actor="dpo", now=NOW)
        return incident.ref


@pytest.mark.parametrize("regimes", [("pecr",), ("uk-gdpr", "pecr")])
def test_an_unlikely_pecr_breach_requires_and_drafts_the_ico_report(database: Database, regimes: tuple) -> None:
    ref = pecr_incident(database, regimes)
    with database.unit_of_work() as session:
        decision = service.current_decision(session, incidents.get_incident(session, ref))
        assert decision.assessment.result["risk"] == "unlikely"
        assert decision.notify_ico is True
        drafts = notices.draft_notices(session, ref, actor="dpo", now=NOW)
        assert [d.kind for d in drafts] == ["ico_report"]
        assert "under PECR" in drafts[0].markdown and "reg 5A(2)" in drafts[0].markdown


@pytest.mark.parametrize("regimes", [("pecr",), ("uk-gdpr", "pecr")])
def test_a_high_risk_pecr_breach_gets_exactly_one_notice_to_people(database: Database, regimes: tuple) -> None:
    ref = pecr_incident(database, regimes, HIGH)
    with database.unit_of_work() as session:
        kinds = [d.kind for d in notices.draft_notices(session, ref, actor="dpo", now=NOW)]
        assert kinds == ["ico_report", "pecr_subscriber_notice"]


def test_a_pecr_breach_cannot_close_as_not_reportable_or_before_the_ico_report(database: Database) -> None:
    ref = pecr_incident(database)
    with database.unit_of_work() as session:
        add_action(session, ref, "Asked the recipient to delete the text; they confirmed.", actor="dpo", now=NOW)
    with pytest.raises(CannotClose) as refused, database.unit_of_work() as session:
        incidents.close_incident(
            session, ref, reason="Unlikely to harm anyone", outcome="not-reportable", actor="dpo", now=NOW
        )
    message = str(refused.value)
    assert "choose the outcome reported" in message and "reg 5A(2)" in message and "record the ICO report" in message
    assert "override" not in message  # no decision can waive a PECR report
    with pytest.raises(CannotClose, match="record the ICO report"), database.unit_of_work() as session:
        incidents.close_incident(
            session, ref, reason="Reported and contained", outcome="reported", actor="dpo", now=NOW
        )
    with database.unit_of_work() as session:
        record_ico_report(session, ref, ico_case_ref="IC-PECR-1", actor="dpo", now=NOW + timedelta(hours=1))
    with database.unit_of_work() as session:
        closed = incidents.close_incident(
            session, ref, reason="Reported and contained", outcome="reported", actor="dpo", now=NOW + timedelta(hours=2)
        )
        assert closed.status == "closed"


def test_an_override_cannot_waive_the_pecr_report(database: Database) -> None:
    ref = pecr_incident(database, ("uk-gdpr", "pecr"))
    with pytest.raises(service.InvalidOverride, match=r"PECR.*reg 5A\(2\)") as refused, database.unit_of_work() as s:
        service.record_override(
            s,
            ref,
            notify_ico=False,
            notify_individuals=False,
            justification="Only one text, deleted at once.",
            actor="dpo",
            now=NOW,
        )
    assert refused.value.field == "notify_ico"
    with database.unit_of_work() as session:  # telling people remains the DPO's judgement
        service.record_override(
            session,
            ref,
            notify_ico=True,
            notify_individuals=True,
            justification="The recipient is the ex-partner.",
            actor="dpo",
            now=NOW,
        )
        assert [d.kind for d in notices.draft_notices(session, ref, actor="dpo", now=NOW)] == [
            "ico_report",
            "pecr_subscriber_notice",
        ]


def test_a_uk_gdpr_no_never_stops_the_pecr_clock(database: Database) -> None:
    ref = pecr_incident(database, ("uk-gdpr", "pecr"))
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        stopped = [e for e in events_for(session, incident) if e.kind == "alerts_stopped"]
        assert [e.after["regimes"] for e in stopped] == [["uk-gdpr"]]
        assert "PECR takes the place of UK GDPR" in stopped[0].summary
        states = {(a["regime"], a["state"]) for a in alerts.alerts_for(session, incident)}
        assert ("pecr", "pending") in states and ("pecr", "cancelled") not in states
        assert ("uk-gdpr", "cancelled") in states and ("uk-gdpr", "pending") not in states


def test_the_register_records_a_pecr_breach_as_one_owing_a_report(database: Database) -> None:
    ref = pecr_incident(database)
    with database.unit_of_work() as session:
        entry = register_entry(session, incidents.get_incident(session, ref), now=NOW)
    assert entry["regimes"] == ["PECR"]
    assert entry["reasons_not_notified"] is not None and not isinstance(entry["reasons_not_notified"], str)
    assert entry["ico_reported_at"] is None  # owed, not yet made: "not yet known", never "not applicable"
    assert "reg 5A(8)" in entry["computed_reasons"]


def test_triage_of_an_incident_uses_its_own_regimes(database: Database) -> None:
    ref = pecr_incident(database, ("uk-gdpr", "pecr"))
    with database.unit_of_work() as session:
        data = service.current_decision(session, incidents.get_incident(session, ref)).to_dict()
    assert [e["regime"] for e in data["regimes"]] == ["uk-gdpr", "pecr"]
    assert data["notify_ico"] is True and data["record"] is True and "severity" in data
