"""The board report: one image per chart, and figures counted from the register's own rows."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from bot.domain import register_stats as stats
from bot.services.register import load_register
from bot.services.register_charts import CHARTS
from bot.services.register_report import build_board_report, write_board_report
from bot.store.session import Database
from tests.cli.test_cli import run
from tests.register.helpers import (
    HIGH_RISK,
    NOW,
    assess,
    fill_register_facts,
    mark_reported,
    open_incident,
    seed_all_kinds,
)

LONDON = ZoneInfo("Europe/London")


def test_the_report_holds_one_image_per_chart_and_the_registers_figures(database: Database, tmp_path: Path) -> None:
    refs = seed_all_kinds(database)
    fill_register_facts(database, refs["late"])
    on_time = open_incident(database, "Reported within the day", hours_ago=30)
    assess(database, on_time, HIGH_RISK)
    mark_reported(database, on_time, at=NOW - timedelta(hours=20), case_ref="IC-2")
    with database.unit_of_work() as session:
        report = build_board_report(session, since=date(2026, 11, 1), until=date(2026, 12, 1), zone=LONDON, now=NOW)
        entries = load_register(session, now=NOW).entries
    path = write_board_report(report, tmp_path / "board.docx")
    document = Document(str(path))
    assert len(document.inline_shapes) == len(CHARTS) == len(report.charts) == 5
    assert all(chart.png.startswith(b"\x89PNG") for chart in report.charts)
    # The figures, counted again from the register's rows.
    breaches = [e for e in entries if not e["near_miss"]]
    reported = [e for e in breaches if stats.outcome(e) == stats.REPORTED]
    figures = report.figures
    assert figures.breaches == len(breaches) == 5 and figures.near_misses == 1
    assert figures.reported == len(reported) == 3
    assert figures.on_time == sum(1 for e in reported if e["late"] is False) == 2
    assert sorted(figures.hours_to_report) == sorted(e["hours_to_report"] for e in reported)
    assert ("Ransomware", 1) in figures.causes and (stats.NOT_CATEGORISED, 4) in figures.causes
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2 of 3 ICO reports (67%) were made within the deadline" in text
    assert "5 personal data breaches and 1 near miss" in text
    # No incident's title or reference reaches the board.
    assert not any(e["title"] in text or e["ref"] in text for e in entries)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Nov 2026" in cells and "Ransomware" in cells


def test_cli_writes_the_report_and_refuses_bad_dates(
    db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seed_all_kinds(db_env)
    out = tmp_path / "board.docx"
    code, printed, err = run(capsys, "register", "report", "--since", "2026-01-01", "--out", str(out), "--json")
    assert code == 0, err
    summary = json.loads(printed)
    assert summary["breaches"] == 4 and summary["near_misses"] == 1 and len(summary["charts"]) == 5
    assert len(Document(str(out)).inline_shapes) == 5
    code, _, err = run(capsys, "register", "report", "--since", "1 Jan", "--out", str(out))
    assert code != 0 and err.count("\n") == 1 and "not a date" in err
    code, _, err = run(capsys, "register", "report", "--since", "2026-01-01", "--out", str(tmp_path / "b.pdf"))
    assert code != 0 and ".docx" in err
