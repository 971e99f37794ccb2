"""The XLSX file itself, as Excel reads it: what the writer library must get right for the register to open
without a repair prompt, look as it should and keep every word.

These check the written XML, not only what openpyxl makes of it: openpyxl forgives a repeated row that
Excel refuses, and ignores row heights. The writer's bindings are pinned to a minor version (pyproject.toml);
these are the tests to run when moving them on."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from bot.services.register import Register, load_register
from bot.services.register_export import EXCEL_CELL_LIMIT, export_register
from bot.store.session import Database
from tests.register.helpers import NOW, open_incident, seed_all_kinds

SHEETS = ["Register", "Read me", "Timeline", "Timeline integrity"]


def _sheet_xml(path: Path) -> dict[str, str]:
    """Each sheet's XML by sheet name, in workbook order."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', workbook)
        return {name: archive.read(f"xl/worksheets/sheet{n}.xml").decode() for n, name in enumerate(names, 1)}


def _rows(xml: str) -> list[tuple[int, float | None]]:
    """(row number, height or None) for every <row> element, in file order."""
    found = []
    for attributes in re.findall(r"<row ([^>]*)>", xml):
        number = int(re.search(r'\br="(\d+)"', attributes).group(1))  # type: ignore[union-attr]
        height = re.search(r'\bht="([\d.]+)"', attributes)
        found.append((number, float(height.group(1)) if height else None))
    return found


def _register(database: Database) -> Register:
    with database.unit_of_work() as session:
        return load_register(session, now=NOW)


def test_every_sheet_has_each_row_once_in_order(database: Database, tmp_path: Path) -> None:
    """A row written twice (as a streaming writer does when a row's height is set after the row was
    flushed) makes Excel offer to repair the file and drop what it cannot read."""
    seed_all_kinds(database)
    sheets = _sheet_xml(export_register(_register(database), "xlsx", tmp_path / "register.xlsx"))
    assert list(sheets) == SHEETS
    for name, xml in sheets.items():
        numbers = [number for number, _ in _rows(xml)]
        assert numbers == sorted(set(numbers)), f"{name}: rows {numbers}"


def test_tall_rows_and_the_read_me_notes_have_their_heights(database: Database, tmp_path: Path) -> None:
    seed_all_kinds(database)
    sheets = _sheet_xml(export_register(_register(database), "xlsx", tmp_path / "register.xlsx"))
    read_me = dict(_rows(sheets["Read me"]))
    assert read_me[1] == 20.25 or read_me[1] == 20  # the title line, in 14-point type
    # The note on "not yet known" and "not applicable" runs to two lines across the merged width.
    assert read_me[4] is not None and read_me[4] >= 30
    register = dict(_rows(sheets["Register"]))
    assert register[1] is not None and register[1] >= 30  # headings wrap onto more than one line
    assert all(register[n] is not None for n in register if n > 1)  # each entry has long wrapped text


def test_the_workbook_opens_on_the_register_with_one_tab_selected(database: Database, tmp_path: Path) -> None:
    seed_all_kinds(database)
    path = export_register(_register(database), "xlsx", tmp_path / "register.xlsx")
    sheets = _sheet_xml(path)
    selected = [name for name, xml in sheets.items() if 'tabSelected="1"' in xml]
    assert selected == ["Register"]  # two selected tabs open grouped: an edit to one is made to both
    assert load_workbook(path).active.title == "Register"


def test_an_empty_register_still_has_its_headings(database: Database, tmp_path: Path) -> None:
    register = _register(database)
    assert register.entries == []
    workbook = load_workbook(export_register(register, "xlsx", tmp_path / "register.xlsx"))
    for name in SHEETS:
        if name == "Read me":
            continue
        first = [cell.value for cell in workbook[name][1]]
        assert first[0] == "Reference" and all(first), name
        assert all(cell.value is None for row in workbook[name].iter_rows(min_row=2) for cell in row), name
    read_me = [row[0] for row in workbook["Read me"].iter_rows(values_only=True) if row[0]]
    assert any("0 entries" in line for line in read_me)


def test_a_text_longer_than_excel_allows_is_cut_with_a_note_and_typed_values_stay_typed(
    database: Database, tmp_path: Path
) -> None:
    ref = open_incident(database, "Long description")
    from bot.services import incidents

    with database.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        incident.description = "Ünïcode words. " * 3_000  # 45,000 characters
    path = export_register(_register(database), "xlsx", tmp_path / "register.xlsx")
    sheet = load_workbook(path)["Register"]
    headings = [cell.value for cell in sheet[1]]
    description = sheet.cell(row=2, column=headings.index("What happened") + 1).value
    assert description.startswith("Ünïcode words. ") and description.endswith(" [cut: see JSON export]")
    assert len(description) <= EXCEL_CELL_LIMIT + len(" [cut: see JSON export]")
    aware = sheet.cell(row=2, column=headings.index("When we became aware (UTC)") + 1)
    assert isinstance(aware.value, datetime) and aware.number_format == "dd/mm/yyyy hh:mm"
    count = sheet.cell(row=2, column=headings.index("Timeline events") + 1).value
    assert isinstance(count, int | float) and count >= 1


def test_words_in_a_number_or_date_column_wrap_and_a_huge_stored_count_is_written_as_digits(
    database: Database, tmp_path: Path
) -> None:
    seed_all_kinds(database)
    register = _register(database)
    # A count stored before counts were capped: no spreadsheet number holds it exactly (or at all). And a
    # date no spreadsheet can hold, which only a hand-edited row could have.
    register.entries[0]["subjects_count"] = 10**400
    register.entries[0]["occurred_at"] = datetime(1899, 12, 30, 9, 15, tzinfo=UTC)
    sheet = load_workbook(export_register(register, "xlsx", tmp_path / "register.xlsx"))["Register"]
    headings = [cell.value for cell in sheet[1]]
    count = sheet.cell(row=2, column=headings.index("Approximate number of people") + 1)
    assert count.value == str(10**400)
    assert sheet.cell(row=2, column=headings.index("When it happened (UTC)") + 1).value == "30/12/1899 09:15"
    near_miss_column = headings.index("Near miss") + 1
    near_miss_row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, near_miss_column).value == "yes")
    # "not applicable" is wider than the narrow number and date columns: it wraps rather than being cut off.
    for heading in ("Hours past the deadline", "ICO deadline, earliest clock (UTC)"):
        cell = sheet.cell(row=near_miss_row, column=headings.index(heading) + 1)
        assert cell.value == "not applicable" and cell.alignment.wrap_text, heading
