"""The `breachbot` command: contracts.md shapes, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.store.session import Database


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_deadline_matches_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "deadline", "--aware-at", "27/03/2026 12:00", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {k: data[k] for k in ("regime", "hours", "aware_at", "deadline", "deadline_local", "overdue")} == {
        "regime": "uk-gdpr",
        "hours": 72,
        "aware_at": "2026-03-27T12:00:00+00:00",
        "deadline": "2026-03-30T12:00:00+00:00",
        "deadline_local": "2026-03-30T13:00:00+01:00",
        "overdue": True,
    }


def test_deadline_for_other_regimes_and_zones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "deadline", "--aware-at", "2026-07-01T09:00", "--tz", "UTC", "--regime", "eidas", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["hours"] == 24
    assert data["deadline"] == "2026-07-02T09:00:00+00:00"
    assert data["deadline_local"] == "2026-07-02T09:00:00+00:00"
    code, out, _ = run(capsys, "deadline", "--aware-at", "01/07/2026 09:00", "--regime", "processor", "--json")
    data = json.loads(out)
    assert code == 0 and data["hours"] is None and data["deadline"] is None


def test_deadline_not_yet_overdue(capsys: pytest.CaptureFixture[str]) -> None:
    recent = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, _ = run(capsys, "deadline", "--aware-at", recent, "--json")
    assert code == 0 and json.loads(out)["overdue"] is False


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["deadline", "--aware-at", "29/03/2026 01:30"], "does not exist"),
        (["deadline", "--aware-at", "25/10/2026 01:30"], "happened twice"),
        (["deadline", "--aware-at", "01/01/2099 10:00"], "future"),
        (["deadline", "--aware-at", "27/03/2026 12:00", "--tz", "Nowhere/Land"], "unknown time zone"),
        (["deadline", "--aware-at", "27/03/2026 12:00", "--regime", "hipaa"], "unknown regime"),
        (["deadline"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert out == ""
    assert says in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_ambiguous_time_with_its_zone_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "deadline", "--aware-at", "25/10/2026 01:30 GMT", "--json")
    assert code == 0 and json.loads(out)["aware_at"] == "2026-10-25T01:30:00+00:00"


def test_incident_lifecycle(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    aware = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, err = run(
        capsys,
        "incident",
        "open",
        "--title",
        "Payroll file emailed to wrong person",
        "--aware-at",
        aware,
        "--regime",
        "uk-gdpr",
        "--regime",
        "pecr",
        "--json",
    )
    assert code == 0, err
    opened = json.loads(out)
    assert opened["ref"].startswith("BR-")
    assert [d["regime"] for d in opened["deadlines"]] == ["pecr", "uk-gdpr"]
    ref = opened["ref"]

    code, out, _ = run(capsys, "incident", "open", "--title", "Second", "--aware-at", aware)
    assert code == 0 and out.splitlines()[0].startswith("BR-")

    code, out, _ = run(capsys, "incident", "list", "--open", "--json")
    assert next(row["ref"] for row in json.loads(out)) == ref

    code, out, _ = run(capsys, "incident", "update", ref, "Recipient confirmed deletion", "--as", "dpo@example")
    assert code == 0

    code, out, _ = run(capsys, "incident", "show", ref, "--json")
    assert json.loads(out)["title"] == "Payroll file emailed to wrong person"

    code, out, err = run(
        capsys,
        "incident",
        "close",
        ref,
        "--reason",
        "False alarm: sent to the right person",
        "--outcome",
        "false-alarm",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["status"] == "closed"

    code, out, _ = run(capsys, "timeline", ref, "--json")
    data = json.loads(out)
    assert [e["kind"] for e in data["events"]] == ["opened", "update", "closed"]
    assert data["events"][1]["actor"] == "dpo@example"
    assert data["integrity"]["ok"] is True

    code, out, _ = run(capsys, "timeline", "verify")
    assert code == 0 and "no tampering" in out


def test_late_incident_asks_for_reasons(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "incident", "open", "--title", "Old", "--aware-at", "01/11/2026 10:00")
    assert code == 0 and "LATE" in out
    ref = out.split()[0]
    code, out, _ = run(capsys, "incident", "delay-reasons", ref, "--reason", "Supplier told us late", "--json")
    assert code == 0 and json.loads(out)["ok"]


def test_timeline_verify_fails_and_names_the_tampered_event(
    db_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "incident", "open", "--title", "T", "--aware-at", "20/11/2026 10:00")
    ref = out.split()[0]
    run(capsys, "incident", "update", ref, "note")
    with db_env.engine.begin() as connection:
        connection.execute(text("UPDATE timeline_event SET summary = 'edited' WHERE seq = 2"))
    code, out, _ = run(capsys, "timeline", "verify")
    assert code == 1
    assert f"{ref} event 2" in out
    code, out, _ = run(capsys, "timeline", "verify", ref, "--json")
    assert code == 1 and json.loads(out)["incidents"][0]["problems"][0]["event"] == 2


def test_missing_incident_is_one_line(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "incident", "show", "BR-2026-0404")
    assert code == 1 and "no incident" in err and len(err.splitlines()) == 1


def test_db_upgrade_reports_the_revision(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "db", "upgrade", "--json")
    data = json.loads(out)
    assert code == 0 and data["before"] == data["after"] is not None


def test_bad_setting_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.config import settings

    monkeypatch.setenv("BREACHBOT_TIMEZONE", "Atlantis/Capital")
    settings.cache_clear()
    try:
        code, _, err = run(capsys, "incident", "list")
    finally:
        settings.cache_clear()
    assert code == 1 and "BREACHBOT_TIMEZONE" in err and len(err.splitlines()) == 1


def test_the_installed_command_starts_on_an_empty_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BREACHBOT_", "SLACK_"))}
    env["BREACHBOT_DATA_DIR"] = str(tmp_path / "fresh")
    command = [sys.executable, "-m", "bot.cli", "incident", "list", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert (tmp_path / "fresh" / "breachbot.sqlite3").exists()
