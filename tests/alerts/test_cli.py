"""`breachbot alerts ...`, `breachbot incident reported` and `breachbot incident aware-at`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from bot.store.session import Database
from tests.alerts.helpers import open_planned
from tests.alerts.standins import PRIVACY, CountingStandIn, alert_posts


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_once_sends_and_reports_what_it_did(
    db_env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    ref, _ = open_planned(db_env, aware_at=now - timedelta(hours=1), now=now)
    with CountingStandIn() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("BREACHBOT_PRIVACY_CHANNEL", PRIVACY)
        code, out, err = run(capsys, "alerts", "run-once", "--json")
        assert code == 0, err
        data = json.loads(out)
        assert (data["sent"], data["claimed"], data["missed"], data["failed"]) == (1, 1, 0, 0)
        assert data["examined"] >= 1 and "seconds" in data
        assert len(alert_posts(slack)) == 2
        code, out, _ = run(capsys, "alerts", "run-once")
        assert code == 0 and out.startswith("sent 0, claimed 0")
    code, out, _ = run(capsys, "alerts", "list", ref, "--json")
    alerts = json.loads(out)["alerts"]
    assert code == 0 and [a["state"] for a in alerts][:2] == ["sent", "pending"]
    assert alerts[0]["channel_ts"] and alerts[0]["privacy_ts"]


def test_run_once_without_a_token_says_what_to_set(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "alerts", "run-once")
    assert code == 1 and "SLACK_BOT_TOKEN" in err and "Traceback" not in err


def test_incident_reported_stops_the_ico_alerts(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    ref, _ = open_planned(db_env, aware_at=now - timedelta(hours=5), now=now)
    code, out, err = run(capsys, "incident", "reported", ref, "--ico-ref", "IC-123456", "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "reported" and json.loads(out)["ico_case_ref"] == "IC-123456"
    _, out, _ = run(capsys, "alerts", "list", ref, "--json")
    assert {a["state"] for a in json.loads(out)["alerts"]} == {"cancelled"}


def test_incident_aware_at_replans_and_needs_a_reason(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    ref, _ = open_planned(db_env, aware_at=now - timedelta(hours=2), now=now)
    earlier = (now - timedelta(hours=10)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, err = run(
        capsys, "incident", "aware-at", ref, "--aware-at", earlier, "--reason", "Supplier's log", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["aware_at"].startswith(earlier[:16].replace("Z", ""))
    _, out, _ = run(capsys, "alerts", "list", ref, "--json")
    assert {a["generation"] for a in json.loads(out)["alerts"] if a["state"] == "pending"} == {2}
    code, _, err = run(capsys, "incident", "aware-at", ref, "--aware-at", earlier, "--reason", " ")
    assert code == 1 and "reason" in err


def test_alerts_stop_records_a_decision_not_to_notify(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    ref, _ = open_planned(db_env, aware_at=now - timedelta(hours=2), now=now)
    code, out, err = run(
        capsys, "alerts", "stop", ref, "--regime", "uk-gdpr", "--reason", "Unlikely to result in risk", "--json"
    )
    assert code == 0 and json.loads(out)["stopped"] == ["uk-gdpr"], err
    code, _, err = run(capsys, "alerts", "stop", ref, "--regime", "nis", "--reason", "x")
    assert code == 1 and "no nis clock" in err
