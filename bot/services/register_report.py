"""The board report: a Word document of the register's figures with a chart for each, for a period.

Counts, shares and times only: no incident's title, description or people, so it can go to a board.
The figures are counted from the same register rows the exports write (domain/register_stats.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt
from sqlalchemy.orm import Session

from bot.domain import register_stats as stats
from bot.errors import BreachbotError
from bot.services.org import get_profile
from bot.services.register import load_register
from bot.services.register_charts import Chart, all_charts
from bot.services.register_export import replacing


class ReportProblem(BreachbotError):
    pass


@dataclass(frozen=True)
class BoardReport:
    organisation: str | None
    generated_at: datetime
    zone: ZoneInfo
    figures: stats.BoardFigures
    charts: list[Chart]


def build_board_report(session: Session, *, since: date, until: date, zone: ZoneInfo, now: datetime) -> BoardReport:
    if until <= since:
        raise ReportProblem("--until must be after --since")
    start = datetime.combine(since, datetime.min.time(), tzinfo=zone)
    register = load_register(session, now=now, since=start)
    figures = stats.board_figures(register.entries, since=since, until=until, zone=zone)
    return BoardReport(get_profile(session).name, now, zone, figures, all_charts(figures))


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "no reports"


def _hours(value: float | None) -> str:
    return "none recorded" if value is None else f"{value:g} hours"


def _table(document: Document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    document.add_paragraph()


def count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def _summary(report: BoardReport) -> list[str]:
    f = report.figures
    lines = [
        f"{count(f.breaches, 'personal data breach', 'personal data breaches')} and "
        f"{count(f.near_misses, 'near miss', 'near misses')} were recorded in the register.",
        f"{count(f.outcomes[stats.REPORTED], 'breach was', 'breaches were')} reported to the ICO; "
        f"{count(f.outcomes[stats.NOT_REPORTABLE], 'was', 'were')} recorded only, as unlikely to result in a risk "
        "to people.",
        f"{f.on_time:,} of {count(f.reported, 'ICO report', 'ICO reports')} ({_share(f.on_time, f.reported)}) "
        "were made within the deadline (72 hours from becoming aware; 24 hours under UK eIDAS).",
        f"Median time from becoming aware to the first triage: {_hours(f.median(f.hours_to_triage))}; "
        f"to the ICO report: {_hours(f.median(f.hours_to_report))}.",
    ]
    owed, undecided = f.outcomes[stats.REPORT_OWED], f.outcomes[stats.UNDECIDED]
    if owed:
        lines.append(
            f"Still to do: {count(owed, 'report to the ICO is', 'reports to the ICO are')} owed and not yet made."
        )
    if undecided:
        lines.append(f"Still to do: {count(undecided, 'breach has', 'breaches have')} not yet been triaged.")
    return lines


def _chart(document: Document, chart: Chart, reading: str) -> None:
    document.add_heading(chart.title, level=2)
    document.add_picture(io.BytesIO(chart.png), width=Cm(16))
    document.add_paragraph(reading)


def write_board_report(report: BoardReport, out: str | Path) -> Path:
    path = Path(out)
    if path.suffix.lower() != ".docx":
        raise ReportProblem(f"{path.name}: the board report is a Word document; end the file name in .docx")
    f = report.figures
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2)
    document.styles["Normal"].font.size = Pt(11)
    period = f"{f.since:%d %B %Y} to {date.fromordinal(f.until.toordinal() - 1):%d %B %Y}"
    document.add_heading("Personal data breaches: report to the board", level=0)
    who = report.organisation or "[NOT YET KNOWN: organisation name]"
    document.add_paragraph(
        f"{who}. Period: {period} (by the date the organisation became aware). "
        f"Prepared from the breach register on {report.generated_at.astimezone(report.zone):%d %B %Y at %H:%M}."
    )
    document.add_heading("Summary", level=1)
    for line in _summary(report):
        document.add_paragraph(line, style="List Bullet")
    charts = {c.key: c for c in report.charts}
    document.add_heading("Figures", level=1)
    _chart(document, charts["breaches-by-month"], "Each bar is a month; the colours show what was decided.")
    _table(
        document,
        ["Month", *stats.OUTCOMES, "Near misses"],
        [[m.label, *(str(m.outcomes[o]) for o in stats.OUTCOMES), str(m.near_misses)] for m in f.months],
    )
    _chart(
        document,
        charts["reported-on-time"],
        "Of the breaches reported to the ICO each month, the share reported within the deadline.",
    )
    _table(
        document,
        ["Month", "Reported to the ICO", "Within the deadline", "Share"],
        [[m.label, str(m.reported), str(m.on_time), _share(m.on_time, m.reported)] for m in f.months if m.reported],
    )
    _chart(
        document,
        charts["time-to-triage-and-report"],
        f"Triaged within 72 hours: {f.within(f.hours_to_triage)} of {len(f.hours_to_triage)}. "
        f"Reported within 72 hours: {f.within(f.hours_to_report)} of {len(f.hours_to_report)}.",
    )
    triage, report_bands = f.bands(f.hours_to_triage), f.bands(f.hours_to_report)
    _table(
        document,
        ["Time from becoming aware", "First triage", "ICO report"],
        [[band, str(triage[band]), str(report_bands[band])] for band in triage],
    )
    _chart(
        document, charts["causes"], "Causes are recorded in the incident types the ICO publishes its own figures in."
    )
    _table(document, ["Cause", "Breaches"], [[name, str(n)] for name, n in f.causes])
    _chart(document, charts["near-misses"], "Near misses are kept to learn from: nothing was compromised.")
    _table(document, ["Cause", "Near misses"], [[name, str(n)] for name, n in f.near_miss_causes])
    document.add_heading("How these figures are counted", level=1)
    for note in (
        "Every figure is counted from the breach register (UK GDPR Art 33(5)); "
        "`breachbot register export` writes the same rows.",
        "A breach is 'reported within the deadline' when the register does not mark its ICO report late.",
        "Near misses and false alarms are counted apart from breaches.",
        "Times are elapsed hours from becoming aware; the 72 hours run through nights and weekends.",
    ):
        document.add_paragraph(note, style="List Bullet")
    with replacing(path) as temporary:
        document.save(str(temporary))
    return path
