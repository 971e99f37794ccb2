"""`breachbot doctor` against the stand-in, and `breachbot run` with no credentials playing the demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import settings
from bot.slack.sandbox.webapi import DEFAULT_SCOPES, SlackStandIn
from bot.store.session import Database

REPO = Path(__file__).resolve().parents[2]


def test_doctor_says_ok_when_everything_is_ready(
    db_env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with SlackStandIn(usergroups={"S0PRIV": ["U0DPO"]}) as slack:
        for name, value in {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": slack.api_url,
            "BREACHBOT_PRIVACY_TEAM_USERS": "U0DPO",
            "BREACHBOT_PRIVACY_TEAM_USERGROUP": "S0PRIV",
        }.items():
            monkeypatch.setenv(name, value)
        settings.cache_clear()
        assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    names = {c["name"] for c in report["checks"]}
    assert report["ok"] and names >= {"token", "scopes", "database", "privacy team group"}


def test_doctor_names_missing_scopes_and_team(
    db_env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scopes = ",".join(s for s in DEFAULT_SCOPES.split(",") if s != "pins:write")
    with SlackStandIn(scopes=scopes) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        settings.cache_clear()
        assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FIX  scopes" in out and "pins:write (pinning the incident summary)" in out
    assert "FIX  privacy team" in out and "BREACHBOT_PRIVACY_TEAM_USERS" in out
    assert "OK   database" in out


def test_run_without_credentials_plays_the_sandbox_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BREACHBOT_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Pinned in #br-" in out and "UK GDPR*: report to the ICO by" in out
    assert "<!date^" not in out and "&lt;" not in out  # tokens show their fallback, entities unescaped
    assert "Only the privacy team" in out and "Posted in #br-" in out and "closed *BR-" in out
    assert not (tmp_path / "data").exists()  # the demo's register is thrown away


def test_the_manifest_asks_for_exactly_the_scopes_doctor_checks() -> None:
    from bot.slack.doctor import REQUIRED_SCOPES

    lines = (REPO / "manifest.yml").read_text().splitlines()
    start = lines.index("    bot:") + 1
    scopes = []
    for line in lines[start:]:
        if not line.startswith("      - "):
            break
        scopes.append(line.removeprefix("      - ").strip())
    assert sorted(scopes) == sorted(REQUIRED_SCOPES)
    assert "callback_id: report_breach" in "\n".join(lines) and "app_home_opened" in "\n".join(lines)
