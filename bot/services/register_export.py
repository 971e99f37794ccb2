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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from rustpy_xlsxwriter import Format, write_worksheets

from bot.domain import register as domain
from bot.domain.plaintext import clean_text
from bot.domain.register_columns import COLUMNS, INTEGRITY_COLUMNS, TIMELINE_COLUMNS, Column, columns_in_use
from bot.errors import BreachbotError
from bot.services.register import Register, no_cyclic_gc
from bot.services.timeline import ChainReport, jsonable

FORMATS = ("csv", "xlsx", "json")
# Excel refuses a cell over 32,767 characters; a longer value is cut with a note rather than failing the export.
EXCEL_CELL_LIMIT = 32_000
# The largest whole number a spreadsheet holds exactly (15 significant digits).
EXCEL_EXACT_NUMBER = 10**15
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
        "register_checked": register.register_checked,
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
    if type(value) is str and value.isprintable() and len(value) <= EXCEL_CELL_LIMIT:
        return value  # most cells of a large register: nothing to convert, clean or cut
    if value is None:
        return domain.NOT_YET_KNOWN
    if value is domain.NOT_APPLICABLE:
        return domain.NOT_APPLICABLE_TEXT
    if kind == "datetime" and isinstance(value, datetime):
        moment = _utc_naive(value)
        # Spreadsheet dates start in 1900: an earlier one (only a hand-edited row can hold it) stays readable.
        return moment if moment.year >= 1900 else f"{moment:%d/%m/%Y %H:%M}"
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        # Beyond 15 digits a spreadsheet number is no longer exact (and a huge int is no float at all): such
        # a value, stored before counts were capped, is written as its digits.
        return value if abs(value) < EXCEL_EXACT_NUMBER else str(value)
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


def tall_rows(rows: Sequence[Sequence[Any]], widths: Sequence[float], *, first_row: int) -> dict[int, float]:
    """The heights of the rows that need more than one line, by sheet row number (rows from `first_row`)."""
    heights = {}
    for number, row in enumerate(rows, first_row):
        height = row_height(row, widths)
        if height is not None:
            heights[number] = height
    return heights


class Formats:
    """The register's cell formats, made once per workbook."""

    def __init__(self) -> None:
        self.header = Format().set_bold().set_text_wrap().set_align("top")
        self.header.set_background_color("#DDE5F0").set_border_bottom("thin")
        self.text = Format().set_text_wrap().set_align("top")
        # Wrapped too: a date or number column also holds words ("not applicable"), wider than the column.
        self.date = Format().set_num_format(UK_DATE_TIME).set_align("top").set_align("left").set_text_wrap()
        self.number = Format().set_align("top").set_text_wrap()
        self.title = Format().set_bold().set_font_size(14)
        self.bold_wrap = Format().set_bold().set_text_wrap().set_align("top")

    def for_kind(self, kind: str) -> Format:
        return {"datetime": self.date, "number": self.number}.get(kind, self.text)


@dataclass
class Sheet:
    """One worksheet as the writer takes it: a header row of headings, then one record per row.

    Rows are records keyed by heading (headings are unique within a sheet). Everything else is how the
    sheet looks, prints and is navigated; `header_row` leaves room above the table for merged lines."""

    name: str
    records: list[dict[str, Any]]
    widths: list[float]
    formats: list[Format]
    header_format: Format
    row_heights: dict[int, float] = field(default_factory=dict)
    page_setup: dict[str, Any] = field(default_factory=dict)
    header_row: int = 0
    merges: list[tuple[Any, ...]] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    autofilter: bool = False


def records_of(headings: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows as the writer's records. A table with no rows keeps its header row: one blank row under it."""
    if len(set(headings)) != len(headings):
        raise ValueError(f"a sheet's headings must be unique: {list(headings)}")
    if not rows:
        return [dict.fromkeys(headings)]
    return [dict(zip(headings, row, strict=True)) for row in rows]


def save_workbook(sheets: Sequence[Sheet], path: Path) -> None:
    """Write the sheets, in order, as one workbook; the first sheet is the one it opens on."""
    names = [s.name for s in sheets]
    write_worksheets(
        [(s.name, s.records) for s in sheets],
        str(path),
        column_widths={s.name: s.widths for s in sheets},
        column_formats={s.name: s.formats for s in sheets},
        header_format={s.name: s.header_format for s in sheets},
        header_row={s.name: s.header_row for s in sheets},
        merge_ranges={s.name: s.merges for s in sheets if s.merges},
        row_heights={s.name: s.row_heights for s in sheets if s.row_heights},
        freeze_panes={s.name: {"row": s.freeze[0], "col": s.freeze[1]} for s in sheets if s.freeze},
        autofilter={s.name: s.autofilter for s in sheets},
        page_setup={s.name: s.page_setup for s in sheets if s.page_setup},
        # Only the first sheet is selected: two selected tabs would open grouped, and an edit would hit both.
        sheet_view={name: {"selected": number == 0} for number, name in enumerate(names)},
        # Shared strings keep each sheet in memory until it is written. The writer's streaming mode (its
        # default) drops the heights of rows above a header and writes a sheet's last row twice when it has a
        # height, which Excel refuses; tests/register/test_xlsx_file.py checks for both.
        dedupe_strings={"general": True},
    )


def print_setup(title: str, total_width: float, generated: str) -> dict[str, Any]:
    """Landscape A4, fitted to as many pages across as the columns need (one when they fit), with the
    header row and the reference column on every page and the page number in the footer."""
    return {
        "landscape": True,
        "paper_size": 9,
        "margins": {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6},
        "repeat_rows": 0,
        "repeat_columns": 0,
        "fit_to_pages": (max(1, math.ceil(total_width / _PAGE_WIDTH_UNITS)), 0),
        "header": f"&L&B{title}&R{generated}",
        "footer": "&CPage &P of &N",
    }


def table_sheet(
    formats: Formats, title: str, columns: Sequence[Column], rows: Sequence[dict[str, Any]], generated: str
) -> Sheet:
    # Cells are made first so the widths and row heights can fit them.
    keyed = [(c.key, c.kind, c.blank_when_none) for c in columns]
    cells = [
        [None if blank and row[key] is None else _cell(row[key], kind) for key, kind, blank in keyed] for row in rows
    ]
    widths = [_width(c.heading, c.kind, [r[i] for r in cells]) for i, c in enumerate(columns)]
    headings = [c.heading for c in columns]
    heights = {0: row_height(headings, widths) or _LINE_POINTS, **tall_rows(cells, widths, first_row=1)}
    return Sheet(
        name=title,
        records=records_of(headings, cells),
        widths=widths,
        formats=[formats.for_kind(c.kind) for c in columns],
        header_format=formats.header,
        row_heights=heights,
        page_setup=print_setup(title, sum(widths), generated),
        freeze=(1, 1),
        autofilter=True,
    )


_READ_ME_WIDTHS = [28.0, 38.0, 60.0, 60.0]


def _read_me(formats: Formats, register: Register, columns: Sequence[Column], generated: str) -> Sheet:
    failed = register.failed
    if failed:
        integrity = (
            f"WARNING: the integrity check FAILED for {len(failed)} record(s): {', '.join(failed)}. "
            "See the 'Timeline integrity' sheet and run `breachbot timeline verify`."
        )
    elif register.register_checked:
        integrity = (
            f"Every incident's timeline verified: all {len(register.entries)} hash chains are intact, and the "
            "register's seal shows no incident deleted or put back to an earlier state."
        )
    else:
        integrity = (
            f"Every incident's timeline here verified: all {len(register.entries)} hash chains are intact. "
            "Whether any incident was deleted is checked only in an export of the whole register "
            "(or by `breachbot timeline verify`)."
        )
    filters = []
    if register.since is not None:
        filters.append(f"aware or opened on or after {_uk_when(register.since)} UTC")
    if register.status is not None:
        filters.append(f"status {register.status}")
    lines = [
        ("Breach register (UK GDPR Art 33(5); PECR reg 5A(8))", formats.title),
        (f"Generated {generated}. {len(register.entries)} entries"
         + (f" ({'; '.join(filters)})" if filters else ", every incident and near miss") + ".", formats.text),
        (integrity, formats.bold_wrap),
        ("Times are UTC, shown as dd/mm/yyyy hh:mm. 'not yet known' means the fact has not been recorded yet; "
         "'not applicable' means it does not apply to this incident (a near miss has no deadline or severity, "
         "a breach the ICO was not told of has no ICO report time).", formats.text),
        ("Columns for a regime no incident here is under are left out (every row would read 'not applicable'); "
         "the JSON export has every column.", formats.text),
        ("A very long text shows its first 15 lines on screen and on paper; the whole text is in the cell "
         "(and in the JSON export).", formats.text),
        ("The header row stays in view and every column can be filtered. Printed, the register runs landscape, "
         "with the header row and the reference repeated on every page.", formats.text),
    ]  # fmt: skip
    widths = _READ_ME_WIDTHS
    last_column = len(widths) - 1
    merges: list[tuple[Any, ...]] = []
    heights: dict[int, float] = {}
    for row_number, (text, cell_format) in enumerate(lines):
        merges.append((row_number, 0, row_number, last_column, text, cell_format))
        heights[row_number] = 20 if cell_format is formats.title else row_height([text], [sum(widths)]) or _LINE_POINTS
    header_row = len(lines) + 1  # a blank line between the notes and the table
    described: list[list[str]] = []
    for sheet_name, described_columns in (
        ("Register", columns),
        ("Timeline", TIMELINE_COLUMNS),
        ("Timeline integrity", INTEGRITY_COLUMNS),
    ):
        for column in described_columns:
            source = column.source or ("the incident's hash-chained timeline" if sheet_name != "Register" else "")
            described.append([sheet_name, column.heading, column.meaning, source])
    heights.update(tall_rows(described, widths, first_row=header_row + 1))
    return Sheet(
        name="Read me",
        records=records_of(["Sheet", "Column", "What it means", "Where it comes from"], described),
        widths=widths,
        formats=[formats.text] * len(widths),
        header_format=formats.header,
        row_heights=heights,
        page_setup={"landscape": True, "paper_size": 9, "fit_to_pages": (1, 0), "repeat_rows": header_row},
        header_row=header_row,
        merges=merges,
    )


def write_xlsx(register: Register, path: Path) -> None:
    with no_cyclic_gc():
        _write_xlsx(register, path)


def _write_xlsx(register: Register, path: Path) -> None:
    # Every value is written as the type it is: a reported title like =HYPERLINK(...) is a string cell,
    # never a formula or a link (the writer makes formulas only from columns declared as formulas).
    generated = f"{_uk_when(register.generated_at)} UTC"
    formats = Formats()
    columns = columns_in_use(register.entries)
    save_workbook(
        [
            # The workbook opens on the register itself; the Read me beside it starts with whether every
            # timeline verified.
            table_sheet(formats, "Register", columns, register.entries, generated),
            _read_me(formats, register, columns, generated),
            table_sheet(formats, "Timeline", TIMELINE_COLUMNS, register.timeline, generated),
            table_sheet(formats, "Timeline integrity", INTEGRITY_COLUMNS, register.integrity, generated),
        ],
        path,
    )


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
