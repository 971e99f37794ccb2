"""Issue 11 item 9: doctor and a public privacy channel, doctor and SLACK_APP_TOKEN, the scopes asked
for, and Bolt's start-up warning about an unused token."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.runtime import Runtime
from bot.slack.app import create_app
from bot.slack.client import SlackCalls, make_web_client
from bot.slack.doctor import REQUIRED_SCOPES, check_privacy_channel, run_checks
from bot.slack.sandbox.webapi import BOT_USER_ID, Channel, SlackStandIn
from bot.store.session import Database
from bot.timesource import ManualClock
from tests.conftest import NOW

REPO = Path(__file__).resolve().parents[2]


def calls_to(slack: SlackStandIn, token: str = "xoxb-test") -> SlackCalls:
    return SlackCalls(make_web_client(token, slack.api_url), attempts=1)


def test_doctor_accepts_a_public_privacy_channel_without_channels_read() -> None:
    with SlackStandIn() as slack:
        slack.channels["C_PUBLIC"] = Channel("C_PUBLIC", "privacy-team", False, {BOT_USER_ID})
        slack.channels["C_ELSEWHERE"] = Channel("C_ELSEWHERE", "random", False, set())
        good = check_privacy_channel("C_PUBLIC", calls_to(slack))
        assert good.ok and "public channel" in good.detail
        # The check's message was scheduled and deleted at once: nobody sees it.
        [scheduled] = slack.calls_to("chat.scheduleMessage")
        [deleted] = slack.calls_to("chat.deleteScheduledMessage")
        assert deleted.params["scheduled_message_id"] and scheduled.params["channel"] == "C_PUBLIC"
        bad = check_privacy_channel("C_ELSEWHERE", calls_to(slack))
        assert not bad.ok and "not_in_channel" in bad.detail and "/invite @Breachbot" in (bad.fix or "")
        missing = check_privacy_channel("C_NOPE", calls_to(slack))
        assert not missing.ok and "channel_not_found" in missing.detail


def test_doctor_checks_the_app_token_when_set(db_env: Database) -> None:
    with SlackStandIn() as slack:

        def checks(app_token: str, fail: str | None = None) -> dict[str, object]:
            if fail:
                slack.fail("apps.connections.open", fail)
            settings = load_settings(
                SLACK_BOT_TOKEN="xoxb-test",
                SLACK_APP_TOKEN=app_token,
                SLACK_API_URL=slack.api_url,
                BREACHBOT_PRIVACY_TEAM_USERS="U0DPO",
            )
            found = run_checks(load=lambda: settings, calls_for=lambda s: calls_to(slack))
            return {c.name: c for c in found}

        ok = checks("xapp-1-good")["app token"]
        assert ok.ok  # type: ignore[attr-defined]
        assert slack.calls_to("apps.connections.open")[-1] is not None
        bad = checks("xapp-1-revoked", fail="invalid_auth")["app token"]
        assert not bad.ok and "invalid_auth" in bad.detail and "connections:write" in bad.fix  # type: ignore[attr-defined]


def test_no_unused_scope_is_asked_for() -> None:
    # Direct messages to a user id need only chat:write; nothing opens a conversation (im:write).
    assert "im:write" not in REQUIRED_SCOPES
    assert "im:write" not in (REPO / "manifest.yml").read_text()
    for path in (REPO / "bot").rglob("*.py"):
        assert "conversations.open" not in path.read_text(), path


def test_bolt_does_not_warn_that_the_token_is_unused(
    db_env: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Production starts with SLACK_BOT_TOKEN in the environment, which Bolt reads on its own.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-environment")
    with SlackStandIn() as slack, caplog.at_level(logging.WARNING):
        settings = load_settings(SLACK_SIGNING_SECRET="s", SLACK_API_URL=slack.api_url)
        app = create_app(Runtime(settings=settings, database=db_env, clock=ManualClock(NOW)))
        assert app.client.base_url == slack.api_url and app.client.token == "xoxb-from-environment"
        assert app.client.timeout == 10
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]


def test_the_manifest_usage_hint_lists_every_verb() -> None:
    import bot.slack.app  # noqa: F401  (registers every feature's verbs)
    from bot.slack import subcommands

    manifest = (REPO / "manifest.yml").read_text()
    hint = next(line for line in manifest.splitlines() if "usage_hint:" in line)
    listed = {part.strip().split(" ")[0] for part in hint.split(":", 1)[1].strip().strip('"').split("|")}
    builtin = {"help", "open", "status", "update", "list", "close"}
    assert listed == builtin | {entry.verb for entry in subcommands._REGISTRY.values()}
    assert "callback_id: report_breach_global" in manifest and "type: global" in manifest
