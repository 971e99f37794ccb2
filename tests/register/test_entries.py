"""Register entries for every kind of incident, read from the store."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.register import NOT_APPLICABLE
from bot.domain.register_columns import COLUMNS
from bot.services.register import load_register
from bot.store.session import Database
from tests.register.helpers import NOW, OVERRIDE_REASON, seed_all_kinds


def entries_by_kind(database: Database) -> dict[str, dict]:
    refs = seed_all_kinds(database)
    with database.unit_of_work() as session:
        register = load_register(session, now=NOW)
    by_ref = {e["ref"]: e for e in register.entries}
    assert len(register.entries) == len(refs)
    return {kind: by_ref[ref] for kind, ref in refs.items()}


def test_every_entry_has_every_column_and_a_verified_chain(database: Database) -> None:
    for entry in entries_by_kind(database).values():
        assert list(entry) == [c.key for c in COLUMNS]
        assert entry["chain_verified"] is True and entry["timeline_events"] >= 1


def test_record_only_breach_gives_the_reasons_for_not_notifying(database: Database) -> None:
    entry = entries_by_kind(database)["record_only"]
    assert entry["decision"] == "Record in the breach register only; do not notify the ICO"
    assert entry["computed_decision"] == entry["decision"] and entry["overridden"] is False
    assert entry["reasons_not_notified"] == entry["computed_reasons"] and "confidentiality" in entry["computed_reasons"]
    assert entry["ico_reported_at"] is NOT_APPLICABLE and entry["late"] is False
    assert entry["nature"] == ["confidentiality"] and entry["cause"].startswith("Accidental")
    assert entry["data_categories"] == ["Names and contact details"] and entry["subject_types"] == ["Employees"]
    assert (entry["subjects_count"], entry["records_count"]) == (1, 1)
    assert [a["text"] for a in entry["actions_taken"]] == ["Colleague deleted the email and confirmed it in writing"]
    assert entry["actions_planned"] == []


def test_notified_breach_has_its_report_and_case_reference(database: Database) -> None:
    entry = entries_by_kind(database)["notified"]
    assert entry["decision"] == "Notify the ICO; the people affected need not be told directly"
    assert entry["ico_reported_at"] == NOW - timedelta(hours=1) and entry["ico_case_ref"] == "IC-123456-A1B2"
    assert entry["reasons_not_notified"] is NOT_APPLICABLE
    assert entry["late"] is False and entry["hours_late"] is NOT_APPLICABLE
    assert entry["individuals_told"] is False and entry["individuals_told_at"] is NOT_APPLICABLE
    assert [a["text"] for a in entry["actions_planned"]] == ["Add recipient checks to the mail gateway"]
    assert entry["status"] == "reported"


def test_override_shows_both_decisions_and_the_justification(database: Database) -> None:
    entry = entries_by_kind(database)["overridden"]
    assert entry["computed_decision"] == "Notify the ICO; the people affected need not be told directly"
    assert entry["overridden"] is True and entry["override_by"] == "dpo"
    assert (
        entry["override_decision"] == entry["decision"] == "Record in the breach register only; do not notify the ICO"
    )
    assert entry["override_justification"] == OVERRIDE_REASON
    assert entry["reasons_not_notified"] == f"Override: {OVERRIDE_REASON}"


def test_late_report_says_how_late_and_why(database: Database) -> None:
    entry = entries_by_kind(database)["late"]
    assert entry["late"] is True
    # Aware 100 h before NOW, reported 10 h before NOW: 90 h after awareness, 18 h past the 72 h deadline.
    assert entry["hours_late"] == 18.0
    assert entry["ico_deadline"] == NOW - timedelta(hours=28)
    assert entry["delay_reasons"] == "Found in a weekend log review"
    assert entry["decision"] == "Notify the ICO and tell the people affected"
    assert entry["individuals_told"] is True and entry["individuals_told_how"] == "Letter"
    assert entry["individuals_told_at"] is None  # told, but when is not yet known
    assert entry["likely_consequences"] == "Distress and delayed appointments"
    assert entry["nature"] == ["confidentiality", "availability"]


def test_near_miss_is_in_the_register_without_a_triage(database: Database) -> None:
    entry = entries_by_kind(database)["near_miss"]
    assert entry["near_miss"] is True and entry["decision"] is NOT_APPLICABLE
    assert entry["reasons_not_notified"] == "Near miss: no personal data compromised"
    assert entry["late"] is NOT_APPLICABLE and entry["ico_reported_at"] is NOT_APPLICABLE
    # A near miss has no deadline, no severity and no triage to answer: none of it applies.
    assert entry["ico_deadline"] is NOT_APPLICABLE and entry["severity"] is NOT_APPLICABLE
    assert all(entry[key] is NOT_APPLICABLE for key in entry if key.startswith("regime_"))
    assert entry["nature"] is NOT_APPLICABLE and entry["subjects_count"] is NOT_APPLICABLE


def test_an_unreported_breach_past_its_deadline_counts_as_late_until_reported(database: Database) -> None:
    from tests.register.helpers import MEDIUM_RISK, assess, open_incident

    ref = open_incident(database, "Old breach found late", hours_ago=80)
    assess(database, ref, MEDIUM_RISK)
    with database.unit_of_work() as session:
        entry = load_register(session, now=NOW)
    (only,) = entry.entries
    assert only["ref"] == ref and only["late"] is True and only["hours_late"] == 8.0
    assert only["delay_reasons"] is None


def test_an_eidas_report_is_late_against_its_24_hour_clock(database: Database) -> None:
    from bot.services import incidents
    from bot.services.reporting import record_ico_report

    draft = incidents.IncidentDraft(title="Trust service keys", aware_at=NOW - timedelta(hours=30), regimes=("eidas",))
    with database.unit_of_work() as session:
        ref = incidents.open_incident(session, draft, actor="U1", now=NOW).ref
        record_ico_report(session, ref, ico_case_ref="IC-9", actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        [entry] = load_register(session, now=NOW).entries
    assert entry["ico_deadline"] == NOW - timedelta(hours=6)
    assert entry["late"] is True and entry["hours_late"] == 6
