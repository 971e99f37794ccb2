"""The PECR breach log for one month (PECR reg 5A(8)): every personal data breach under PECR that month,
or a nil return when there was none. The ICO's PECR breach form invites service providers to send it
monthly; `breachbot register pecr-log --month YYYY-MM --out FILE` writes it as XLSX, CSV or JSON."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from bot.domain.register import NOT_APPLICABLE
from bot.domain.register_columns import PECR_LOG_COLUMNS
from bot.errors import BreachbotError
from bot.services.org import get_profile
from bot.services.register import load_register
from bot.services.register_export import (
    Formats,
    Sheet,
    as_json,
    as_text,
    defuse,
    records_of,
    replacing,
    row_height,
    save_workbook,
    table_sheet,
)

LOG_FORMATS = ("xlsx", "csv", "json")


class PecrLogProblem(BreachbotError):
    pass


@dataclass(frozen=True)
class PecrLog:
    month: date  # the first day of the month
    provider: str | None
    generated_at: datetime
    entries: list[dict[str, Any]]
    complete: bool = True  # False while the month is still running

    @property
    def so_far(self) -> str:
        return "" if self.complete else f" (so far: {self.month_name} is not over yet)"

    @property
    def nil_return(self) -> bool:
        return not self.entries

    @property
    def month_name(self) -> str:
        return self.month.strftime("%B %Y")

    def statement(self) -> str:
        who = self.provider or "[NOT YET KNOWN: the provider's name; set it with `breachbot org set --name`]"
        if self.nil_return:
            return (
                f"Nil return: {who} had no personal data breaches under PECR reg 5A in {self.month_name}"
                f"{self.so_far} (the breach log, reg 5A(8))."
            )
        count = f"{len(self.entries)} breach" + ("" if len(self.entries) == 1 else "es")
        return f"PECR breach log (reg 5A(8)) of {who} for {self.month_name}: {count}{self.so_far}."


def parse_month(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise PecrLogProblem(f"--month {text!r} is not a month: use YYYY-MM, e.g. 2026-11") from None


def load_pecr_log(session: Session, month: date, *, zone: ZoneInfo, now: datetime) -> PecrLog:
    """Breaches under PECR of which the provider became aware in `month` (in the organisation's zone)."""
    start = datetime.combine(month, time(0, 0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(month + relativedelta(months=1), time(0, 0), tzinfo=zone).astimezone(UTC)
    if start > now:
        raise PecrLogProblem(f"{month:%B %Y} has not started yet: there is nothing to log")
    register = load_register(session, now=now, since=start)
    # A near miss or false alarm is not a breach; the PECR decision column says so (not applicable).
    entries = [
        e for e in register.entries if start <= e["aware_at"] < end and e["regime_pecr_decision"] is not NOT_APPLICABLE
    ]
    return PecrLog(
        month=month, provider=get_profile(session).name, generated_at=now, entries=entries, complete=end <= now
    )


def _document(log: PecrLog) -> dict[str, Any]:
    return {
        "month": log.month.strftime("%Y-%m"),
        "provider": log.provider,
        "generated_at": log.generated_at.isoformat(),
        "nil_return": log.nil_return,
        "statement": log.statement(),
        "columns": [{"key": c.key, "heading": c.heading} for c in PECR_LOG_COLUMNS],
        "breaches": [{c.key: as_json(e[c.key]) for c in PECR_LOG_COLUMNS} for e in log.entries],
    }


def _write_json(log: PecrLog, path: Path) -> None:
    path.write_text(json.dumps(_document(log), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _write_csv(log: PecrLog, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        if log.nil_return:
            writer.writerow([log.statement()])
            return
        writer.writerow([c.heading for c in PECR_LOG_COLUMNS])
        for entry in log.entries:
            writer.writerow([defuse(as_text(entry[c.key], c.kind)) for c in PECR_LOG_COLUMNS])


def _write_xlsx(log: PecrLog, path: Path) -> None:
    formats = Formats()
    generated = f"{log.generated_at.astimezone(UTC):%d/%m/%Y %H:%M} UTC"
    if log.nil_return:
        # One column: the title as its heading, then the statement and when it was made.
        lines = [log.statement(), f"Generated {generated} by Breachbot."]
        sheet = Sheet(
            name="Nil return",
            records=records_of([f"PECR breach log, {log.month_name}"], [[line] for line in lines]),
            widths=[110.0],
            formats=[formats.text],
            header_format=formats.title,
            row_heights={0: 20, 1: row_height([lines[0]], [110]) or 15},
            page_setup={"landscape": True, "paper_size": 9},
        )
    else:
        sheet = table_sheet(formats, "PECR breach log", PECR_LOG_COLUMNS, log.entries, generated)
    save_workbook([sheet], path)


_WRITERS = {"xlsx": _write_xlsx, "csv": _write_csv, "json": _write_json}


def export_pecr_log(log: PecrLog, out: str | Path) -> Path:
    """Write the log; the format follows the file's suffix (.xlsx, .csv or .json)."""
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _WRITERS:
        raise PecrLogProblem(f"{path.name}: end the file name in .xlsx, .csv or .json to choose the format")
    if path.is_dir():
        raise PecrLogProblem(f"{path} is a directory: give a file name, e.g. {path / 'pecr-log.xlsx'}")
    with replacing(path) as temporary:
        _WRITERS[fmt](log, temporary)
    return path
