"""Every register column round trips through CSV, XLSX and JSON; the new columns hold what was recorded;
"not applicable" and "not yet known" stay apart; the XLSX is usable in Excel and prints legibly."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from bot.domain.register import NOT_APPLICABLE, NOT_APPLICABLE_TEXT, NOT_YET_KNOWN
from bot.domain.register_columns import COLUMNS, INTEGRITY_COLUMNS, columns_in_use
from bot.services.register import Register, load_register
from bot.services.register_export import as_json, as_text, export_register
from bot.store.session import Database
from tests.register.helpers import ADVICE, NOW, fill_register_facts, seed_all_kinds


def full_register(database: Database) -> tuple[Register, dict[str, str]]:
    refs = seed_all_kinds(database)
    fill_register_facts(database, refs["late"])
    with database.unit_of_work() as session:
        return load_register(session, now=NOW), refs


def entry_for(register: Register, ref: str) -> dict[str, Any]:
    return next(e for e in register.entries if e["ref"] == ref)


def test_the_new_columns_hold_what_was_recorded(database: Database) -> None:
    register, refs = full_register(database)
    late = entry_for(register, refs["late"])
    assert late["cause_category"] == "Ransomware" and late["cause_group"] == "cyber"
    assert late["cause"] == "Deliberate" and late["discovered_how"] == "Weekend log review by the IT team"
    assert late["staff_involved"] == "No member of staff was involved"
    assert late["staff_training"] == "All staff trained in March 2026"
    assert late["reasons_not_told"] == "The clinic's patients were told by letter"
    assert late["advice"] == [{"from": "ICO helpline", "at": NOW - timedelta(hours=20), "advice": ADVICE}]
    assert late["actions_taken"][-1]["why"] == "Clinics need records"
    assert late["measures_in_place"] == "Offline backups; multi-factor sign-in"
    assert late["controller_told_at"] is NOT_APPLICABLE and late["regime_processor_decision"] is NOT_APPLICABLE
    assert late["role"] == "controller" and late["controller_name"] is NOT_APPLICABLE
    assert late["severity"].startswith(("High (ENISA ", "Very high (ENISA ")) and late["severity"].endswith(")")
    # Per regime: UK GDPR applies, was reported late; the regimes not applied are not applicable.
    assert late["regimes"] == ["UK GDPR"]
    assert late["regime_uk-gdpr_decision"] == "Report to the regulator; tell the people affected"
    assert late["regime_uk-gdpr_deadline"] == NOW - timedelta(hours=28)
    assert late["regime_uk-gdpr_reported_at"] == NOW - timedelta(hours=10) and late["regime_uk-gdpr_late"] is True
    assert all(late[f"regime_{k}_decision"] is NOT_APPLICABLE for k in ("pecr", "eidas", "nis", "processor"))
    # The triage answers that decided it, each in its own column, in words.
    assert late["answer_exposure"] and late["answer_exposure"] != "unknown"
    assert late["answer_protection"] is not None and late["answer_recovered"] is None  # not answered
    assert late["hours_to_report"] == 90.0 and late["hours_to_triage"] == 100.0
    record_only = entry_for(register, refs["record_only"])
    assert record_only["regime_uk-gdpr_decision"] == "No report required; people need not be told"
    assert record_only["regime_uk-gdpr_reported_at"] is NOT_APPLICABLE
    assert record_only["regime_uk-gdpr_late"] is NOT_APPLICABLE
    assert record_only["reasons_not_told"] and "Art 34" in record_only["reasons_not_told"]
    assert record_only["cause_category"] is None  # not yet recorded


def test_every_column_round_trips_through_csv_xlsx_and_json(database: Database, tmp_path: Path) -> None:
    register, _ = full_register(database)
    with export_register(register, "csv", tmp_path / "r.csv").open(encoding="utf-8", newline="") as stream:
        csv_rows = list(csv.reader(stream))[1:]
    sheet = load_workbook(export_register(register, "xlsx", tmp_path / "r.xlsx"))["Register"]
    xlsx_rows = list(sheet.iter_rows(min_row=2, values_only=True))
    document = json.loads(export_register(register, "json", tmp_path / "r.json").read_text("utf-8"))
    assert len(csv_rows) == len(xlsx_rows) == len(document["incidents"]) == len(register.entries)
    for entry, csv_row, xlsx_row, json_row in zip(
        register.entries, csv_rows, xlsx_rows, document["incidents"], strict=True
    ):
        for index, column in enumerate(columns_in_use(register.entries)):
            value = entry[column.key]
            assert csv_row[index] == as_text(value, column.kind), column.key
            if column.kind == "datetime" and isinstance(value, datetime):
                assert xlsx_row[index] == value.replace(tzinfo=None), column.key
            elif column.kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
                assert xlsx_row[index] == value, column.key
            else:
                assert xlsx_row[index] == as_text(value, column.kind), column.key
        # JSON keeps every column, including those of regimes no incident is under.
        assert json_row == {c.key: as_json(entry[c.key]) for c in COLUMNS}
    late = next(i for i in document["incidents"] if i["cause_category"] == "Ransomware")
    assert late["advice"] == [{"from": "ICO helpline", "at": "2026-11-22T16:00:00+00:00", "advice": ADVICE}]
    assert late["actions_taken"][-1]["why"] == "Clinics need records"


def test_not_applicable_and_not_yet_known_are_different_values(database: Database, tmp_path: Path) -> None:
    register, refs = full_register(database)
    document = json.loads(export_register(register, "json", tmp_path / "r.json").read_text("utf-8"))
    by_ref = {i["ref"]: i for i in document["incidents"]}
    near_miss, undecided_fact = by_ref[refs["near_miss"]], by_ref[refs["record_only"]]
    # A near miss has no deadline and no severity: not applicable. A cause not recorded yet: not yet known.
    assert near_miss["ico_deadline"] == near_miss["severity"] == NOT_APPLICABLE_TEXT
    assert undecided_fact["cause_category"] is None and undecided_fact["staff_training"] is None
    assert NOT_APPLICABLE_TEXT in document["values"] and "null" in document["values"]
    with export_register(register, "csv", tmp_path / "r.csv").open(encoding="utf-8", newline="") as stream:
        rows = {row["Reference"]: row for row in csv.DictReader(stream)}
    assert rows[refs["near_miss"]]["Severity (ENISA)"] == NOT_APPLICABLE_TEXT
    assert rows[refs["record_only"]]["Cause (ICO incident type)"] == NOT_YET_KNOWN


def test_the_xlsx_has_its_header_frozen_filters_on_and_prints_legibly(database: Database, tmp_path: Path) -> None:
    register, refs = full_register(database)
    workbook = load_workbook(export_register(register, "xlsx", tmp_path / "r.xlsx"))
    sheet = workbook["Register"]
    assert sheet.freeze_panes == "B2"  # the header row and the reference stay in view
    shown = columns_in_use(register.entries)
    assert [c.value for c in sheet[1]] == [c.heading for c in shown]
    # Every incident here is under UK GDPR only: the other regimes' columns would all read "not applicable".
    headings = [c.heading for c in shown]
    assert "PECR: decision" not in headings and "UK GDPR: decision" in headings
    last_column = sheet.cell(row=1, column=len(shown)).column_letter
    assert sheet.auto_filter.ref == f"A1:{last_column}{len(register.entries) + 1}"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1" and sheet.print_title_cols == "$A:$A"
    widths = [sheet.column_dimensions[sheet.cell(row=1, column=n).column_letter].width for n in (1, 2)]
    assert all(9 <= w <= 70 for w in widths)
    # A date is a date, shown the UK way; the integrity result of every timeline has its own sheet.
    aware = sheet.cell(row=2, column=[c.key for c in COLUMNS].index("aware_at") + 1)
    assert aware.is_date and aware.number_format == "dd/mm/yyyy hh:mm"
    integrity = list(workbook["Timeline integrity"].iter_rows(values_only=True))
    assert list(integrity[0]) == [c.heading for c in INTEGRITY_COLUMNS]
    assert {row[0] for row in integrity[1:]} == set(refs.values()) and all(row[2] == "yes" for row in integrity[1:])
    read_me = [row for row in workbook["Read me"].iter_rows(values_only=True) if row[0] == "Register"]
    assert [row[1] for row in read_me] == [c.heading for c in shown] and all(row[2] and row[3] for row in read_me)


def test_a_pecr_breach_has_its_own_decision_and_uk_gdpr_gives_way(database: Database) -> None:
    from bot.services import incidents
    from tests.register.helpers import LOW_RISK, assess

    draft = incidents.IncidentDraft(
        title="Call records exposed", aware_at=NOW - timedelta(hours=80), regimes=("uk-gdpr", "pecr")
    )
    with database.unit_of_work() as session:
        ref = incidents.open_incident(session, draft, actor="U1", now=NOW).ref
    assess(database, ref, LOW_RISK)
    with database.unit_of_work() as session:
        [entry] = load_register(session, now=NOW).entries
    # PECR reports every personal data breach, whatever the risk: owed, not yet made, and now late.
    assert entry["regime_pecr_decision"].startswith("Report to the regulator")
    assert entry["regime_pecr_reported_at"] is None and entry["regime_pecr_late"] is True
    assert entry["regime_uk-gdpr_decision"].startswith("Gives way to PECR")
    assert entry["regime_uk-gdpr_late"] is NOT_APPLICABLE and entry["late"] is True
