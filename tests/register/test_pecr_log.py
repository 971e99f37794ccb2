"""The monthly PECR breach log (reg 5A(8)): that month's PECR breaches, or a nil return."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.domain.register_columns import PECR_LOG_COLUMNS
from bot.services import incidents
from bot.services.pecr_log import PecrLogProblem, export_pecr_log, load_pecr_log, parse_month
from bot.store.session import Database
from tests.cli.test_cli import run
from tests.register.helpers import MEDIUM_RISK, NOW, act, assess, open_incident

LONDON = ZoneInfo("Europe/London")


def open_pecr(database: Database, title: str, aware_at: datetime, *, near_miss: bool = False) -> str:
    draft = incidents.IncidentDraft(title=title, aware_at=aware_at, regimes=("pecr",), near_miss=near_miss)
    with database.unit_of_work() as session:
        return incidents.open_incident(session, draft, actor="U1", now=NOW).ref


def test_a_month_without_pecr_breaches_is_a_nil_return_in_every_format(database: Database, tmp_path: Path) -> None:
    open_incident(database, "A UK GDPR breach, not PECR")  # in November, but not under PECR
    open_pecr(database, "Near miss on the billing system", NOW - timedelta(days=1), near_miss=True)
    # 30 September 23:30 UTC is 1 October 00:30 in London (BST): an October breach, not September's.
    open_pecr(database, "October's PECR breach", datetime(2026, 9, 30, 23, 30, tzinfo=UTC))
    with database.unit_of_work() as session:
        september = load_pecr_log(session, date(2026, 9, 1), zone=LONDON, now=NOW)
        october = load_pecr_log(session, date(2026, 10, 1), zone=LONDON, now=NOW)
        november = load_pecr_log(session, date(2026, 11, 1), zone=LONDON, now=NOW)
    assert [e["title"] for e in october.entries] == ["October's PECR breach"]
    assert november.nil_return  # a near miss and a UK GDPR breach are not PECR breaches
    assert "so far: November 2026 is not over yet" in november.statement()  # NOW is 23 November
    assert september.nil_return and "Nil return" in september.statement() and "September 2026" in september.statement()
    document = json.loads(export_pecr_log(september, tmp_path / "log.json").read_text("utf-8"))
    assert document["nil_return"] is True and document["breaches"] == [] and document["month"] == "2026-09"
    with export_pecr_log(september, tmp_path / "log.csv").open(encoding="utf-8", newline="") as stream:
        assert list(csv.reader(stream)) == [[september.statement()]]
    workbook = load_workbook(export_pecr_log(september, tmp_path / "log.xlsx"))
    assert workbook.sheetnames == ["Nil return"] and workbook["Nil return"]["A2"].value == september.statement()


def test_the_log_holds_each_breach_with_its_facts_effects_and_remedial_action(
    database: Database, tmp_path: Path
) -> None:
    ref = open_pecr(database, "Subscriber call records exposed", NOW - timedelta(hours=5))
    assess(database, ref, MEDIUM_RISK)
    act(database, ref, "Closed the exposed API endpoint")
    with database.unit_of_work() as session:
        log = load_pecr_log(session, date(2026, 11, 1), zone=LONDON, now=NOW)
    assert not log.nil_return and ": 1 breach (so far" in log.statement()
    rows = list(load_workbook(export_pecr_log(log, tmp_path / "log.xlsx"))["PECR breach log"].values)
    assert list(rows[0]) == [c.heading for c in PECR_LOG_COLUMNS]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Reference"] == ref and "Closed the exposed API endpoint" in record["Remedial action taken"]
    assert record["PECR: reported (UTC)"] == "not yet known"  # owed under PECR, not yet made


def test_bad_months_and_file_names_are_refused() -> None:
    with pytest.raises(PecrLogProblem, match="YYYY-MM"):
        parse_month("Nov 2026")


def test_cli_writes_the_log_or_a_nil_return(
    db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys, "register", "pecr-log", "--month", "2026-10", "--out", str(tmp_path / "l.csv"), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["nil_return"] is True and "Nil return:" in (tmp_path / "l.csv").read_text("utf-8")
    code, _, err = run(capsys, "register", "pecr-log", "--month", "October", "--out", str(tmp_path / "l.csv"))
    assert code != 0 and err.count("\n") == 1 and "YYYY-MM" in err
    code, _, err = run(capsys, "register", "pecr-log", "--month", "2026-10", "--out", str(tmp_path / "l.pdf"))
    assert code != 0 and ".xlsx, .csv or .json" in err
