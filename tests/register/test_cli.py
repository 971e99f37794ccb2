"""`breachbot register export|show` and `breachbot timeline REF --format md` from the command line."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.services import incidents
from bot.store.session import Database
from tests.cli.test_cli import run
from tests.register.helpers import LOW_RISK, act, assess, open_incident, seed_all_kinds


def refs_in_csv(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as stream:
        return [row["Reference"] for row in csv.DictReader(stream)]


def test_export_each_format_and_filter(db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    refs = seed_all_kinds(db_env)
    # One incident aware and opened long ago, so --since leaves it out.
    draft = incidents.IncidentDraft(title="Old filing cabinet", aware_at=datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
    with db_env.unit_of_work() as session:
        old = incidents.open_incident(session, draft, actor="U1", now=datetime(2025, 1, 7, 9, 0, tzinfo=UTC)).ref

    code, out, err = run(capsys, "register", "export", "--format", "csv", "--out", str(tmp_path / "all.csv"))
    assert code == 0, err
    assert "6 incident(s) written" in out
    assert sorted(refs_in_csv(tmp_path / "all.csv")) == sorted([*refs.values(), old])

    code, out, err = run(
        capsys, "register", "export", "--format", "csv", "--since", "2026-11-01", "--out", str(tmp_path / "s.csv")
    )
    assert code == 0, err
    assert sorted(refs_in_csv(tmp_path / "s.csv")) == sorted(refs.values())

    code, out, err = run(
        capsys,
        "register",
        "export",
        "--format",
        "json",
        "--status",
        "reported",
        "--out",
        str(tmp_path / "r.json"),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["incidents"] == 2 and json.loads(out)["all_chains_verified"] is True
    document = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert sorted(i["ref"] for i in document["incidents"]) == sorted([refs["notified"], refs["late"]])
    assert document["filters"]["status"] == "reported"

    code, out, err = run(
        capsys, "register", "export", "--format", "xlsx", "--since", "01/01/2026", "--out", str(tmp_path / "r.xlsx")
    )
    assert code == 0 and (tmp_path / "r.xlsx").stat().st_size > 0, err

    code, out, _ = run(capsys, "register", "show", "--status", "open")
    assert old in out and refs["near_miss"] in out and "near miss" in out and refs["late"] not in out
    near_miss_line = next(line for line in out.splitlines() if refs["near_miss"] in line)
    assert "no decision needed" in near_miss_line and "LATE" not in near_miss_line and "NOT_APPLICABLE" not in out
    code, out, _ = run(capsys, "register", "show", "--json")
    assert code == 0 and len(json.loads(out)) == 6


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--format", "pdf", "--out", "r.pdf"], "unknown format 'pdf'"),
        (["--format", "csv", "--since", "31/02/2026", "--out", "r.csv"], "not a date"),
        (["--format", "csv", "--since", "yesterday-ish", "--out", "r.csv"], "yesterday-ish"),
        (["--format", "csv", "--status", "pending", "--out", "r.csv"], "unknown status 'pending'"),
        (["--format", "csv", "--out", "/nonexistent-dir/r.csv"], "cannot write /nonexistent-dir/r.csv"),
        (["--format", "csv", "--out", "."], "is a directory"),
        (["--format", "csv"], "required"),
    ],
)
def test_bad_export_requests_are_one_line(
    db_env: Database, capsys: pytest.CaptureFixture[str], extra: list[str], says: str
) -> None:
    code, out, err = run(capsys, "register", "export", *extra)
    assert code != 0 and out == ""
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_timeline_markdown_is_evidence_and_reports_tampering(
    db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ref = open_incident(db_env, "Payslip to the wrong colleague")
    assess(db_env, ref, LOW_RISK)
    act(db_env, ref, "Colleague deleted the email")
    code, out, err = run(capsys, "timeline", ref, "--format", "md")
    assert code == 0, err
    assert out.startswith(f"# {ref}: Payslip to the wrong colleague")
    assert [line.split(". ")[0] for line in out.splitlines() if line.startswith("## ") and "." in line] == [
        "## 1",
        "## 2",
        "## 3",
        "## 4",
    ]
    assert "[assessed]" not in out and "UTC, assessed" in out and "UTC, action" in out
    assert "UTC, alerts_stopped" in out
    assert '- After: `{"action_id": 1, "planned": false, "text": "Colleague deleted the email"}`' in out
    assert "- Before: (none)" in out
    assert "Hash chain verified: all 4 events" in out

    with db_env.engine.begin() as connection:
        connection.execute(text("UPDATE timeline_event SET summary = 'nothing to see' WHERE seq = 2"))
    code, out, _ = run(capsys, "timeline", ref, "--format", "md")
    assert code == 1
    assert "Hash chain check FAILED" in out and "event 2 was changed" in out and "verified" not in out.lower()

    code, out, err = run(capsys, "register", "export", "--format", "json", "--out", str(tmp_path / "r.json"), "--json")
    assert code == 0, err
    assert json.loads(out)["unverified"] == [ref]
    (entry,) = json.loads((tmp_path / "r.json").read_text("utf-8"))["incidents"]
    assert entry["chain_verified"] is False


def test_cli_close_names_what_is_missing(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    aware = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, _ = run(capsys, "incident", "open", "--title", "Lost USB stick", "--aware-at", aware)
    ref = out.split()[0]
    code, out, err = run(capsys, "incident", "close", ref, "--reason", "Found", "--outcome", "not-reportable")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert f"cannot close {ref} yet: record the triage assessment" in err
    code, _, err = run(capsys, "incident", "close", ref, "--reason", "Found in a drawer", "--outcome", "false-alarm")
    assert code == 0, err


def test_cli_records_advice_cause_training_and_why_an_action_was_taken(
    db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ref = open_incident(db_env, "Spreadsheet emailed to the wrong school")
    code, _, err = run(
        capsys,
        "incident", "facts", ref, "--cause-category", "emailed_wrong_recipient", "--staff-training",
        "Trained in September 2026", "--discovered-how", "The recipient phoned us", "--reasons-not-told",
        "The recipient deleted it unread",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run(
        capsys,
        "incident",
        "advice",
        ref,
        "Record it; no report needed",
        "--from",
        "Our DPO",
        "--at",
        "23/11/2026 09:00",
    )
    assert code == 0, err
    code, _, err = run(capsys, "incident", "action", ref, "Recalled the email", "--why", "To stop it being read")
    assert code == 0, err
    code, _, err = run(capsys, "register", "export", "--format", "json", "--out", str(tmp_path / "r.json"))
    assert code == 0, err
    [entry] = json.loads((tmp_path / "r.json").read_text("utf-8"))["incidents"]
    assert entry["cause_category"] == "Data emailed to incorrect recipient" and entry["cause_group"] == "non-cyber"
    assert entry["staff_training"] == "Trained in September 2026"
    assert entry["discovered_how"] == "The recipient phoned us"
    assert entry["reasons_not_told"] == "The recipient deleted it unread"
    assert entry["advice"] == [
        {"from": "Our DPO", "at": "2026-11-23T09:00:00+00:00", "advice": "Record it; no report needed"}
    ]
    assert entry["actions_taken"][0]["why"] == "To stop it being read"
    code, _, err = run(capsys, "incident", "facts", ref, "--cause-category", "aliens")
    assert code != 0 and err.count("\n") == 1 and "invalid choice" in err
    code, _, err = run(capsys, "incident", "advice", ref, "Soon", "--from", "DPO", "--at", "23/11/2030 09:00")
    assert code != 0 and err.count("\n") == 1 and "future" in err
