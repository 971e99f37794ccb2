"""Closing needs a complete register entry: refused with the missing fields named, allowed once recorded."""

from __future__ import annotations

import pytest

from bot.services import assessments, facts, incidents
from bot.services.register import CannotClose, close_requirements_missing, missing_for_close
from bot.store.session import Database
from tests.register.helpers import HIGH_RISK, LOW_RISK, NOW, act, assess, mark_reported, open_incident


def close(database: Database, ref: str, outcome: str | None = "not-reportable") -> None:
    with database.unit_of_work() as session:
        incidents.close_incident(session, ref, reason="Contained and recorded", outcome=outcome, actor="dpo", now=NOW)


def missing(database: Database, ref: str, **kwargs: str) -> list[str]:
    with database.unit_of_work() as session:
        return missing_for_close(session, incidents.get_incident(session, ref), now=NOW, **kwargs)


def test_an_untriaged_breach_cannot_close_and_the_error_names_what_is_missing(database: Database) -> None:
    ref = open_incident(database, "Payroll file on a shared drive")
    with pytest.raises(CannotClose) as refused:
        close(database, ref)
    message = str(refused.value)
    assert message.startswith(f"cannot close {ref} yet: record the triage assessment")
    assert f"record a remedial action taken (breachbot incident action {ref} TEXT)" in message
    assert "\n" not in message
    assert refused.value.missing == ["record the triage assessment", "record a remedial action taken"]
    with database.unit_of_work() as session:
        assert incidents.get_incident(session, ref).status == "open"


def test_record_only_breach_closes_once_triaged_and_remedied(database: Database) -> None:
    ref = open_incident(database, "Payslip to the wrong colleague")
    assess(database, ref, LOW_RISK)
    assert missing(database, ref, outcome="not-reportable", reason="done") == ["record a remedial action taken"]
    act(database, ref, "Add a second check before sending payslips", planned=True)
    assert missing(database, ref, outcome="not-reportable", reason="done") == ["record a remedial action taken"]
    act(database, ref, "Colleague deleted the email")
    assert missing(database, ref, outcome="not-reportable", reason="done") == []
    close(database, ref)
    with database.unit_of_work() as session:
        assert incidents.get_incident(session, ref).close_outcome == "not-reportable"


def test_a_late_high_risk_breach_needs_the_report_the_telling_and_the_reasons_for_delay(database: Database) -> None:
    ref = open_incident(database, "Ransomware", hours_ago=100)
    assess(database, ref, HIGH_RISK)
    act(database, ref, "Restored from backup")
    assert missing(database, ref, outcome="reported", reason="done") == [
        "record the ICO report, or override the decision with a justification",
        "record when and how the people affected were told",
        "give the reasons for delay",
    ]
    with pytest.raises(CannotClose, match="give the reasons for delay"):
        close(database, ref, outcome="reported")
    mark_reported(database, ref, at=NOW, case_ref="IC-1")
    with database.unit_of_work() as session:
        incidents.record_delay_reasons(session, ref, "Supplier told us four days late", actor="dpo", now=NOW)
        facts.set_facts(session, ref, {"individuals_told_at": NOW, "individuals_told_how": "Email"}, actor="d", now=NOW)
    close(database, ref, outcome="reported")


def test_an_override_not_to_notify_supplies_the_reasons_and_lifts_the_report(database: Database) -> None:
    ref = open_incident(database, "Medical letters misfiled")
    assess(database, ref, HIGH_RISK)
    act(database, ref, "Letters retrieved")
    assert "record the ICO report, or override the decision with a justification" in missing(database, ref)
    with database.unit_of_work() as session:
        assessments.record_override(
            session,
            ref,
            notify_ico=False,
            notify_individuals=False,
            justification="Letters stayed inside the locked records room and were never read.",
            actor="dpo",
            now=NOW,
        )
    assert missing(database, ref, outcome="not-reportable", reason="done") == []


def test_a_near_miss_needs_only_the_outcome_and_the_reason(database: Database) -> None:
    ref = open_incident(database, "Phishing email reported, nobody clicked", near_miss=True)
    with database.unit_of_work() as session:
        keys = [r.key for r in close_requirements_missing(session, incidents.get_incident(session, ref), now=NOW)]
    assert keys == ["outcome", "reason"]
    with pytest.raises(CannotClose, match="choose the outcome"):
        close(database, ref, outcome=None)
    close(database, ref, outcome="near-miss")


def test_a_false_alarm_outcome_closes_an_ordinary_incident(database: Database) -> None:
    ref = open_incident(database, "Suspected lost USB stick")
    assert missing(database, ref, outcome="false-alarm", reason="Found in the desk drawer, still sealed") == []
    close(database, ref, outcome="false-alarm")
