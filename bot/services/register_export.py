"""Writing the breach register as a file (CSV, XLSX, JSON) and an incident's timeline as Markdown evidence.

Spreadsheets are for people: readable headings, "not yet known" rather than a blank, real dates shown the
UK way (dd/mm/yyyy), a header that stays put, filters on, widths that fit, a "Read me" sheet, and pages
that print legibly. Times are UTC, written timezone-naive (Excel has no zones) under headings that say
UTC. JSON is for scripts: the column keys, ISO 8601 times with their offset, null for a fact not yet
known and the string "not applicable" for one that does not apply.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from bot.domain import register as domain
from bot.domain.plaintext import clean_text
from bot.domain.register_columns import COLUMNS, INTEGRITY_COLUMNS, TIMELINE_COLUMNS, Column, columns_in_use
from bot.errors import BreachbotError
from bot.services.register import Register, no_cyclic_gc
from bot.services.timeline import ChainReport, jsonable

FORMATS = ("csv", "xlsx", "json")
# Excel refuses a cell over 32,767 characters; a longer value is cut with a note rather than failing the export.
EXCEL_CELL_LIMIT = 32_000
# Column widths in Excel's units (about one character each): the narrowest and widest a column is made.
_WIDEST = {"text": 80, "datetime": 17, "bool": 9, "number": 11, "list": 40, "actions": 70, "advice": 60}
_NARROWEST = 9
# Roughly how many width units fit across a landscape A4 page at the scale the register prints at.
_PAGE_WIDTH_UNITS = 190
UK_DATE_TIME = "dd/mm/yyyy hh:mm"
# How JSON tells "not applicable" from "not yet known" (null); README says the same.
JSON_NOT_APPLICABLE = domain.NOT_APPLICABLE_TEXT


class ExportProblem(BreachbotError):
    pass


def _utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _when(moment: datetime) -> str:
    return _utc_naive(moment).strftime("%Y-%m-%d %H:%M")


def _uk_when(moment: datetime) -> str:
    return _utc_naive(moment).strftime("%d/%m/%Y %H:%M")


def _actions_text(actions: Sequence[dict[str, Any]]) -> str:
    if not actions:
        return "none recorded"
    return "\n".join(
        f"{_uk_when(a['at'])} UTC: {a['text']}" + (f" (why: {a['why']})" if a.get("why") else "") + f" (by {a['by']})"
        for a in actions
    )


def _advice_text(advice: Sequence[dict[str, Any]]) -> str:
    if not advice:
        return "none recorded"
    return "\n".join(f"{_uk_when(a['at'])} UTC, from {a['from']}: {a['advice']}" for a in advice)


# A spreadsheet runs text that starts with these as a formula. Anyone may report an incident, so a title
# like =HYPERLINK(...) must arrive as text, not as a formula that could send register data elsewhere.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: str) -> str:
    """For CSV, which has no cell types: the leading apostrophe makes spreadsheets read text as text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_text(value: Any, kind: str) -> str:
    """A register value as spreadsheet text: unknown reads "not yet known", never blank or "None"."""
    if type(value) is str:  # most cells: checked first, as this runs for every cell of a large export
        return value
    if value is None:
        return domain.NOT_YET_KNOWN
    if value is domain.NOT_APPLICABLE:
        return domain.NOT_APPLICABLE_TEXT
    if kind == "actions":
        return _actions_text(value)
    if kind == "advice":
        return _advice_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _utc_naive(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return json.dumps(jsonable(value), ensure_ascii=False, sort_keys=True)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def as_json(value: Any) -> Any:
    if value is domain.NOT_APPLICABLE:
        return JSON_NOT_APPLICABLE
    return jsonable(value)


def register_document(register: Register) -> dict[str, Any]:
    """The JSON export: filters, columns (key, heading, meaning, source), entries, the timeline and the
    integrity check of every timeline, all JSON-native."""
    return {
        "generated_at": register.generated_at.isoformat(),
        "filters": {
            "since": register.since.isoformat() if register.since else None,
            "status": register.status,
        },
        "values": {
            "null": "not yet known: the fact may still be recorded",
            JSON_NOT_APPLICABLE: "the field does not apply to this incident",
        },
        "all_chains_verified": register.all_verified,
        "columns": [{"key": c.key, "heading": c.heading, "meaning": c.meaning, "source": c.source} for c in COLUMNS],
        "incidents": [{c.key: as_json(entry[c.key]) for c in COLUMNS} for entry in register.entries],
        "timeline": [{c.key: as_json(row[c.key]) for c in TIMELINE_COLUMNS} for row in register.timeline],
        "integrity": [{c.key: as_json(row[c.key]) for c in INTEGRITY_COLUMNS} for row in register.integrity],
    }


def write_csv(register: Register, stream: IO[str]) -> None:
    """The register sheet only (CSV has one table); the timeline is in the XLSX and JSON exports."""
    columns = columns_in_use(register.entries)
    writer = csv.writer(stream)
    writer.writerow([c.heading for c in columns])
    for entry in register.entries:
        writer.writerow([defuse(as_text(entry[c.key], c.kind)) for c in columns])


def write_json(register: Register, stream: IO[str]) -> None:
    json.dump(register_document(register), stream, ensure_ascii=False, indent=1)
    stream.write("\n")


# --- XLSX ---------------------------------------------------------------------------------------------


def _cell(value: Any, kind: str) -> Any:
    """Dates and numbers stay typed, so Excel sorts and filters them; everything else is text."""
    if kind == "datetime" and isinstance(value, datetime):
        return _utc_naive(value)
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    # XML cannot hold control characters; a row stored before text was cleaned on entry may have one.
    written = clean_text(as_text(value, kind))
    if len(written) > EXCEL_CELL_LIMIT:
        written = written[:EXCEL_CELL_LIMIT] + " [cut: see JSON export]"
    return written


def _width(heading: str, kind: str, cells: list[Any]) -> float:
    """Wide enough for the longest line of the column's values, within the kind's limits; a heading wraps
    at its spaces, so it needs only its longest word (and a third of its length, to stay within 3 lines)."""
    words = heading.split()
    for_heading = max(max(len(w) for w in words), math.ceil(len(heading) / 3))
    widest = max(_WIDEST[kind], for_heading + 2)
    needed = for_heading
    if kind in ("datetime", "bool", "number"):
        needed = max(needed, {"datetime": 16, "bool": 5, "number": 8}[kind])
    else:
        for value in cells:
            if type(value) is str:
                longest = max(len(line) for line in value.split("\n")) if "\n" in value else len(value)
                if longest > needed:
                    needed = longest
                    if needed >= widest:
                        break
    return max(_NARROWEST, min(widest, needed + 2))


_LINE_POINTS = 15  # one line of 11-point text
_MOST_LINES = 15  # a taller row is cut off on screen; the whole text is still in the cell


def _lines(value: str, width: float) -> int:
    """About how many lines a wrapped cell needs at this column width (a word that does not fit moves to
    the next line, so lines are a little fuller than the width)."""
    per_line = max(1.0, width - 2) * 0.9
    return sum(math.ceil(len(line) / per_line) or 1 for line in value.split("\n"))


def row_height(cells: Sequence[Any], widths: Sequence[float]) -> float | None:
    """A row height that shows every wrapped line (spreadsheets do not all grow a row to fit its text when
    they open a file); None for a one-line row, which keeps the default."""
    most = 1
    for value, width in zip(cells, widths, strict=True):
        if type(value) is str and (len(value) > width - 2 or "\n" in value):
            most = max(most, _lines(value, width))
    return None if most == 1 else _LINE_POINTS * min(most, _MOST_LINES)


class Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDE5F0", "bottom": 1}
        )
        self.text = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.date = workbook.add_format({"num_format": UK_DATE_TIME, "valign": "top", "align": "left"})
        self.number = workbook.add_format({"valign": "top"})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.bold_wrap = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})

    def for_kind(self, kind: str) -> Any:
        return {"datetime": self.date, "number": self.number}.get(kind, self.text)


def _print_setup(sheet: Any, title: str, total_width: float, generated: str) -> None:
    """Landscape A4, fitted to as many pages across as the columns need (one when they fit), with the
    header row and the reference column on every page and the page number in the footer."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.repeat_rows(0)
    sheet.repeat_columns(0)
    sheet.fit_to_pages(max(1, math.ceil(total_width / _PAGE_WIDTH_UNITS)), 0)
    sheet.set_header(f"&L&B{title}&R{generated}")
    sheet.set_footer("&CPage &P of &N")


def table_sheet(
    workbook: xlsxwriter.Workbook,
    formats: Formats,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    generated: str,
) -> None:
    sheet = workbook.add_worksheet(title)
    kinds = [c.kind for c in columns]
    # Cells are made first so the widths and row heights can fit them.
    cells = [
        [None if c.blank_when_none and row[c.key] is None else _cell(row[c.key], c.kind) for c in columns]
        for row in rows
    ]
    widths = [_width(c.heading, c.kind, [r[i] for r in cells]) for i, c in enumerate(columns)]
    for number, (width, kind) in enumerate(zip(widths, kinds, strict=True)):
        sheet.set_column(number, number, width, formats.for_kind(kind))
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    _print_setup(sheet, title, sum(widths), generated)
    headings = [c.heading for c in columns]
    sheet.set_row(0, row_height(headings, widths) or _LINE_POINTS)
    sheet.write_row(0, 0, headings, formats.header)
    writers = [
        (sheet.write_datetime, formats.date) if kind == "datetime" else
        (sheet.write_number, formats.number) if kind == "number" else
        (sheet.write_string, formats.text)
        for kind in kinds
    ]  # fmt: skip
    for row_number, row in enumerate(cells, 1):
        height = row_height(row, widths)
        if height is not None:
            sheet.set_row(row_number, height)
        for column_number, value in enumerate(row):
            write, cell_format = writers[column_number]
            if value is None:  # a column that leaves "nothing" empty
                continue
            if type(value) is str:
                sheet.write_string(row_number, column_number, value, formats.text)
            else:
                write(row_number, column_number, value, cell_format)


def _read_me(
    workbook: xlsxwriter.Workbook, formats: Formats, register: Register, columns: Sequence[Column], generated: str
) -> None:
    sheet = workbook.add_worksheet("Read me")
    for number, width in enumerate((28, 38, 60, 60)):
        sheet.set_column(number, number, width, formats.text)
    failed = [row["ref"] for row in register.integrity if not row["chain_verified"]]
    integrity = (
        f"Every incident's timeline verified: all {len(register.integrity)} hash chains are intact."
        if not failed
        else f"WARNING: {len(failed)} timeline(s) FAILED the integrity check: {', '.join(failed)}. "
        "See the 'Timeline integrity' sheet and run `breachbot timeline verify`."
    )
    filters = []
    if register.since is not None:
        filters.append(f"aware or opened on or after {_uk_when(register.since)} UTC")
    if register.status is not None:
        filters.append(f"status {register.status}")
    lines = [
        ("Breach register (UK GDPR Art 33(5); PECR reg 5A(8))", formats.title),
        (f"Generated {generated}. {len(register.entries)} entries"
         + (f" ({'; '.join(filters)})" if filters else ", every incident and near miss") + ".", None),
        (integrity, formats.bold_wrap),
        ("Times are UTC, shown as dd/mm/yyyy hh:mm. 'not yet known' means the fact has not been recorded yet; "
         "'not applicable' means it does not apply to this incident (a near miss has no deadline or severity, "
         "a breach the ICO was not told of has no ICO report time).", None),
        ("Columns for a regime no incident here is under are left out (every row would read 'not applicable'); "
         "the JSON export has every column.", None),
        ("A very long text shows its first 15 lines on screen and on paper; the whole text is in the cell "
         "(and in the JSON export).", None),
        ("The header row stays in view and every column can be filtered. Printed, the register runs landscape, "
         "with the header row and the reference repeated on every page.", None),
    ]  # fmt: skip
    widths = (28, 38, 60, 60)
    row_number = 0
    for text, cell_format in lines:
        height = 20 if cell_format is formats.title else row_height([text], [sum(widths)])
        sheet.set_row(row_number, height or _LINE_POINTS)
        sheet.merge_range(row_number, 0, row_number, 3, text, cell_format or formats.text)
        row_number += 1
    row_number += 1
    sheet.write_row(row_number, 0, ["Sheet", "Column", "What it means", "Where it comes from"], formats.header)
    sheet.repeat_rows(row_number)
    for sheet_name, described_columns in (
        ("Register", columns),
        ("Timeline", TIMELINE_COLUMNS),
        ("Timeline integrity", INTEGRITY_COLUMNS),
    ):
        for column in described_columns:
            row_number += 1
            source = column.source or ("the incident's hash-chained timeline" if sheet_name != "Register" else "")
            described = [sheet_name, column.heading, column.meaning, source]
            sheet.set_row(row_number, row_height(described, widths) or _LINE_POINTS)
            sheet.write_row(row_number, 0, described, formats.text)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)


def write_xlsx(register: Register, path: Path) -> None:
    with no_cyclic_gc():
        _write_xlsx(register, path)


def _write_xlsx(register: Register, path: Path) -> None:
    generated = f"{_uk_when(register.generated_at)} UTC"
    # No formulas or links from text: a reported title like =HYPERLINK(...) stays the words it was. Shared
    # strings (not constant-memory mode): the register repeats the same words in most cells, and writing
    # each once measured faster; 10,000 incidents stay well within memory.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}
    workbook = xlsxwriter.Workbook(str(path), options)
    formats = Formats(workbook)
    columns = columns_in_use(register.entries)
    _read_me(workbook, formats, register, columns, generated)
    table_sheet(workbook, formats, "Register", columns, register.entries, generated)
    table_sheet(workbook, formats, "Timeline", TIMELINE_COLUMNS, register.timeline, generated)
    table_sheet(workbook, formats, "Timeline integrity", INTEGRITY_COLUMNS, register.integrity, generated)
    workbook.worksheets()[1].activate()
    workbook.close()


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Write beside the target and rename over it, so a failed export never leaves half a file."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as problem:
        raise ExportProblem(f"cannot write {path}: {problem.strerror or problem}") from None
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except OSError as problem:
        raise ExportProblem(f"cannot write {path}: {problem.strerror or problem}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _text_writer(write: Callable[[Register, IO[str]], None]) -> Callable[[Register, Path], None]:
    def to_path(register: Register, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as stream:
            write(register, stream)

    return to_path


_WRITERS: dict[str, Callable[[Register, Path], None]] = {
    "csv": _text_writer(write_csv),
    "json": _text_writer(write_json),
    "xlsx": write_xlsx,
}


def export_register(register: Register, fmt: str, out: str | Path) -> Path:
    """Write the register to `out` in `fmt` (csv, xlsx or json); return the path written."""
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise ExportProblem(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = Path(out)
    if path.is_dir():
        raise ExportProblem(f"{path} is a directory: give a file name, e.g. {path / f'register.{fmt}'}")
    with replacing(path) as temporary:
        writer(register, temporary)
    return path


def _md_value(value: Any) -> str:
    if value is None:
        return "(none)"
    return "`" + json.dumps(value, ensure_ascii=False, sort_keys=True).replace("`", "'") + "`"


def _md_text(text: str) -> str:
    # Keep a stored summary from opening a heading or a table in the evidence document.
    return " ".join(str(text).split()).replace("|", "\\|")


def timeline_markdown(ref: str, title: str, events: Sequence[dict[str, Any]], report: ChainReport) -> str:
    """The incident's whole timeline as a Markdown document, ending with the integrity check's result.

    `events` are dicts with seq, at (aware), actor, kind, summary, before, after and hash."""
    lines = [f"# {ref}: {_md_text(title)}", "", f"Timeline of {len(events)} events. Times are UTC.", ""]
    for event in events:
        lines.append(f"## {event['seq']}. {_when(event['at'])} UTC, {_md_text(event['kind'])}")
        lines.append("")
        lines.append(f"- Who: {_md_text(event['actor'])}")
        lines.append(f"- What: {_md_text(event['summary'])}")
        if event["before"] is not None or event["after"] is not None:
            lines.append(f"- Before: {_md_value(event['before'])}")
            lines.append(f"- After: {_md_value(event['after'])}")
        lines.append(f"- Hash: `{event['hash']}`")
        lines.append("")
    lines.append("## Integrity check")
    lines.append("")
    if report.ok:
        lines.append(f"Hash chain verified: all {report.events} events are intact and none is missing.")
    else:
        lines.append("Hash chain check FAILED: the timeline was changed after it was written.")
        lines.append("")
        lines.extend(f"- {_md_text(p.problem)}" for p in report.problems)
    return "\n".join(lines) + "\n"
