"""Writing the breach register as a file (CSV, XLSX, JSON) and an incident's timeline as Markdown evidence.

Spreadsheets are for people: readable headings, "not yet known" rather than a blank, real dates. Times
are UTC, written timezone-naive (Excel has no zones) under headings that say UTC. JSON is for scripts:
the column keys, ISO 8601 times with their offset, and null for anything unknown or not applicable.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.domain import register as domain
from bot.domain.plaintext import clean_text
from bot.errors import BreachbotError
from bot.services.register import Register
from bot.services.timeline import ChainReport, jsonable

FORMATS = ("csv", "xlsx", "json")
# Excel refuses a cell over 32,767 characters; a longer value is cut with a note rather than failing the export.
EXCEL_CELL_LIMIT = 32_000
_WIDTHS = {"text": 40, "datetime": 18, "bool": 10, "number": 12, "list": 30, "actions": 50}


class ExportProblem(BreachbotError):
    pass


def _utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _when(moment: datetime) -> str:
    return _utc_naive(moment).strftime("%Y-%m-%d %H:%M")


def _actions_text(actions: Sequence[dict[str, Any]]) -> str:
    if not actions:
        return "none recorded"
    return "\n".join(f"{_when(a['at'])} UTC: {a['text']} (by {a['by']})" for a in actions)


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
        return None
    return jsonable(value)


def _excel_converter(kind: str, sheet: Any) -> Callable[[Any], Any]:
    """How one column's values become cells: dates and numbers stay typed, everything else is text."""

    def text(value: Any) -> Any:
        # XML cannot hold control characters; a row stored before text was cleaned on entry may have one.
        written = clean_text(as_text(value, kind))
        if len(written) > EXCEL_CELL_LIMIT:
            written = written[:EXCEL_CELL_LIMIT] + " [cut: see JSON export]"
        if written.startswith("="):
            # openpyxl would store it as a formula; a typed text cell keeps the words exactly as reported.
            cell = WriteOnlyCell(sheet, value=written)
            cell.data_type = "s"
            return cell
        return written

    if kind == "datetime":
        # A naive datetime gets openpyxl's date number format, so Excel sorts and filters it as a date.
        return lambda value: _utc_naive(value) if isinstance(value, datetime) else text(value)
    if kind == "number":
        return lambda value: value if isinstance(value, int | float) and not isinstance(value, bool) else text(value)
    return text


def register_document(register: Register) -> dict[str, Any]:
    """The JSON export: filters, columns (key and heading), entries and the timeline, all JSON-native."""
    return {
        "generated_at": register.generated_at.isoformat(),
        "filters": {
            "since": register.since.isoformat() if register.since else None,
            "status": register.status,
        },
        "all_chains_verified": register.all_verified,
        "columns": [{"key": c.key, "heading": c.heading} for c in domain.COLUMNS],
        "incidents": [{c.key: as_json(entry[c.key]) for c in domain.COLUMNS} for entry in register.entries],
        "timeline": [{c.key: as_json(row[c.key]) for c in domain.TIMELINE_COLUMNS} for row in register.timeline],
    }


def write_csv(register: Register, stream: IO[str]) -> None:
    """The register sheet only (CSV has one table); the timeline is in the XLSX and JSON exports."""
    writer = csv.writer(stream)
    writer.writerow([c.heading for c in domain.COLUMNS])
    for entry in register.entries:
        writer.writerow([defuse(as_text(entry[c.key], c.kind)) for c in domain.COLUMNS])


def write_json(register: Register, stream: IO[str]) -> None:
    json.dump(register_document(register), stream, ensure_ascii=False, indent=1)
    stream.write("\n")


def _sheet(workbook: Workbook, title: str, columns: Sequence[domain.Column], rows: list[dict[str, Any]]) -> None:
    sheet = workbook.create_sheet(title)
    for number, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(number)].width = _WIDTHS[column.kind]
    sheet.freeze_panes = "B2"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.heading)
        cell.font, cell.alignment = bold, wrap
        header.append(cell)
    sheet.append(header)
    # Write-only mode streams rows to disk as they are appended: memory stays flat at any register size.
    converters = [(column.key, _excel_converter(column.kind, sheet)) for column in columns]
    for row in rows:
        sheet.append([convert(row[key]) for key, convert in converters])


def write_xlsx(register: Register, path: Path) -> None:
    workbook = Workbook(write_only=True)
    _sheet(workbook, "Register", domain.COLUMNS, register.entries)
    _sheet(workbook, "Timeline", domain.TIMELINE_COLUMNS, register.timeline)
    workbook.save(str(path))


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
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
    with _replacing(path) as temporary:
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
