"""Incidents in every register shape: record-only, notified, overridden, late, near miss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.services import actions, assessments, facts, incidents
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LOW_RISK: dict[str, Any] = {
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
MEDIUM_RISK: dict[str, Any] = {
    **LOW_RISK,
    "data_categories": ["basic_identifiers", "economic_financial"],
    "subject_types": ["customers"],
    "subjects_count": 300,
    "records_count": 300,
    "exposure": "known",
    "recovered": False,
    "impact_on_people": "minor",
}
HIGH_RISK: dict[str, Any] = {
    "personal_data": True,
    "breach_types": ["confidentiality", "availability"],
    "data_categories": ["special_health", "basic_identifiers"],
    "subject_types": ["patients"],
    "subjects_count": 1200,
    "records_count": 5000,
    "exposure": "unknown",
    "cause": "malicious",
    "protection": "none",
}
OVERRIDE_REASON = "The recipient is our own auditor under contract and deleted it within the hour."


def open_incident(database: Database, title: str, *, hours_ago: float = 2, near_miss: bool = False) -> str:
    draft = incidents.IncidentDraft(title=title, aware_at=NOW - timedelta(hours=hours_ago), near_miss=near_miss)
    with database.unit_of_work() as session:
        return incidents.open_incident(session, draft, actor="U1", now=NOW).ref


def assess(database: Database, ref: str, answers: dict[str, Any]) -> None:
    with database.unit_of_work() as session:
        assessments.record_assessment(session, ref, answers, actor="dpo", now=NOW)


def act(database: Database, ref: str, text: str, *, planned: bool = False) -> None:
    with database.unit_of_work() as session:
        actions.add_action(session, ref, text, actor="dpo", now=NOW, planned=planned)


def mark_reported(database: Database, ref: str, *, at: datetime, case_ref: str) -> None:
    """Set directly, as the ICO report is another engineer's flow; the register reads only the columns."""
    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref, lock=True)
        incident.ico_reported_at = at
        incident.ico_case_ref = case_ref
        incident.status = "reported"


def seed_all_kinds(database: Database) -> dict[str, str]:
    """One incident of each kind the register must hold; returns kind -> reference."""
    refs = {}
    refs["record_only"] = open_incident(database, "Payslip sent to the wrong colleague")
    assess(database, refs["record_only"], LOW_RISK)
    act(database, refs["record_only"], "Colleague deleted the email and confirmed it in writing")

    refs["notified"] = open_incident(database, "Customer list sent to a supplier")
    assess(database, refs["notified"], MEDIUM_RISK)
    act(database, refs["notified"], "Supplier asked to delete the file")
    act(database, refs["notified"], "Add recipient checks to the mail gateway", planned=True)
    mark_reported(database, refs["notified"], at=NOW - timedelta(hours=1), case_ref="IC-123456-A1B2")

    refs["overridden"] = open_incident(database, "Audit extract sent to the auditor's personal email")
    assess(database, refs["overridden"], MEDIUM_RISK)
    with database.unit_of_work() as session:
        assessments.record_override(
            session,
            refs["overridden"],
            notify_ico=False,
            notify_individuals=False,
            justification=OVERRIDE_REASON,
            actor="dpo",
            now=NOW,
        )

    refs["late"] = open_incident(database, "Ransomware on the clinic file server", hours_ago=100)
    assess(database, refs["late"], HIGH_RISK)
    with database.unit_of_work() as session:
        incidents.record_delay_reasons(session, refs["late"], "Found in a weekend log review", actor="dpo", now=NOW)
        facts.set_facts(
            session,
            refs["late"],
            {"likely_consequences": "Distress and delayed appointments", "individuals_told_how": "Letter"},
            actor="dpo",
            now=NOW,
        )
    mark_reported(database, refs["late"], at=NOW - timedelta(hours=10), case_ref="IC-999")

    refs["near_miss"] = open_incident(database, "Laptop left on a train, recovered unopened", near_miss=True)
    return refs


ADVICE = "Report now and give the reasons for the delay."


def fill_register_facts(database: Database, ref: str) -> None:
    """Every fact the register holds beyond the triage, on one incident."""
    from bot.services import advice

    with database.unit_of_work() as session:
        facts.set_facts(
            session,
            ref,
            {
                "cause_category": "ransomware",
                "discovered_how": "Weekend log review by the IT team",
                "staff_involved": "No member of staff was involved",
                "staff_training": "All staff trained in March 2026",
                "reasons_not_told": "The clinic's patients were told by letter",
                "others_told": "Police (Action Fraud)",
                "measures_in_place": "Offline backups; multi-factor sign-in",
            },
            actor="dpo",
            now=NOW,
        )
        advice.record_advice(
            session,
            ref,
            adviser="ICO helpline",
            given_at=NOW - timedelta(hours=20),
            advice=ADVICE,
            actor="dpo",
            now=NOW,
        )
        actions.add_action(
            session, ref, "Restored the file server from backup", actor="dpo", now=NOW, reason="Clinics need records"
        )
