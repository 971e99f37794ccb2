"""Deadline alerts in Slack: planned as an incident opens (Slack and CLI), posted by the in-process sweeper,
snoozed from the alert's button, and the sweeper's last run shown by doctor and the App Home."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.alerts.worker import Sweeper, start_sweeper_thread
from bot.cli import main
from bot.services.incidents import get_incident
from bot.slack.client import SlackCalls, make_web_client
from bot.slack.doctor import Check, run_checks
from bot.store.models import AlertPlan, PlannedAlert, SweeperHeartbeat
from bot.store.session import Database
from tests.conftest import NOW
from tests.slack.conftest import OUTSIDER, REPORTER, TEAM_USERS, Harness, channel_message_text
from tests.slack.test_reporting_slack import wait_for_ephemeral

PRIVACY = "C_PRIVACY"
DPO = TEAM_USERS[0]
STEPS = ["started", "24h-left", "12h-left", "4h-left", "1h-left", "deadline"]


def alerts_of(harness: Harness, incident_id: int) -> dict[str, PlannedAlert]:
    with harness.database.unit_of_work() as session:
        rows = session.scalars(select(PlannedAlert).where(PlannedAlert.incident_id == incident_id))
        return {row.kind: row for row in rows}


def calls(harness: Harness) -> SlackCalls:
    return SlackCalls(make_web_client("xoxb-test", harness.slack.api_url), max_sleep=0, sleep=lambda _s: None)


def clock_started_in(harness: Harness, channel: str) -> dict:
    return harness.wait_for(
        lambda: next((m for m in harness.slack.messages_in(channel) if "clock has started" in m["text"]), None),
        f"the clock-started alert in {channel}",
    )


def test_opening_in_slack_plans_the_alerts_in_the_opening_transaction(harness: Harness) -> None:
    planned_before_setup: list[int] = []

    def on_call(call: object) -> None:
        # The first Slack call after the incident's transaction committed: its alerts are already there.
        if getattr(call, "method", "") == "conversations.create":
            with harness.database.unit_of_work() as session:
                planned_before_setup.append(session.scalar(select(func.count()).select_from(PlannedAlert)) or 0)

    harness.slack.on_call = on_call
    incident = harness.report()
    assert planned_before_setup == [len(STEPS)]
    assert sorted(alerts_of(harness, incident.id), key=STEPS.index) == STEPS
    with harness.database.unit_of_work() as session:
        assert session.get(AlertPlan, incident.id).planned_at == NOW
        assert session.scalar(select(func.count()).select_from(SweeperHeartbeat)) == 0  # no sweeper did it


def test_opening_from_the_cli_plans_the_alerts(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["incident", "open", "--title", "Lost USB stick", "--aware-at", "01/03/2025 09:00"]) == 0
    ref = capsys.readouterr().out.split()[0]
    with db_env.unit_of_work() as session:
        incident = get_incident(session, ref)
        kinds = session.scalars(select(PlannedAlert.kind).where(PlannedAlert.incident_id == incident.id)).all()
        assert session.get(AlertPlan, incident.id) is not None
    assert sorted(kinds, key=STEPS.index) == STEPS


def test_the_worker_posts_the_alert_and_its_snooze_moves_the_next_reminder_once(
    make_harness: Callable[..., Harness],
) -> None:
    harness = make_harness(BREACHBOT_PRIVACY_CHANNEL=PRIVACY)
    incident = harness.report(title="Payroll sent to Zanzibar Quill", description="Salaries of 40 staff")
    channel = incident.slack_channel_id
    handle = start_sweeper_thread(harness.runtime, calls(harness), interval=0.05)
    try:
        alert, private = clock_started_in(harness, channel), clock_started_in(harness, PRIVACY)
    finally:
        handle.stop()
    shown, shown_private = channel_message_text(alert), channel_message_text(private)
    assert "Zanzibar Quill" in shown and incident.ref in shown_private and "clock has started" in shown_private
    assert "Zanzibar" not in shown_private and "Salaries" not in shown_private
    [button] = [e for b in alert["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == "alert_snooze"
    before = alerts_of(harness, incident.id)

    harness.driver.block_action("alert_snooze", button["value"], user=REPORTER, channel=channel)
    wait_for_ephemeral(harness, REPORTER, "Snoozed")
    harness.driver.block_action("alert_snooze", button["value"], user=REPORTER, channel=channel)
    wait_for_ephemeral(harness, REPORTER, "Already snoozed")
    final = str(before["deadline"].id)
    harness.driver.block_action("alert_snooze", final, user=REPORTER, channel=channel)
    wait_for_ephemeral(harness, REPORTER, "cannot be snoozed")
    harness.driver.block_action("alert_snooze", button["value"], user=OUTSIDER, channel="C_GENERAL")
    wait_for_ephemeral(harness, OUTSIDER, "incident's own channel")

    after = alerts_of(harness, incident.id)
    assert after["24h-left"].due_at == before["24h-left"].due_at + timedelta(hours=1)
    assert after["deadline"].due_at == before["deadline"].due_at
    assert {k: a.due_at for k, a in after.items() if k != "24h-left"} == {
        k: a.due_at for k, a in before.items() if k != "24h-left"
    }


def sweeper_check(harness: Harness, now: Callable[[], object]) -> Check:
    checks = run_checks(
        load=lambda: harness.runtime.settings,
        calls_for=lambda s: SlackCalls(make_web_client(s.slack_bot_token, s.slack_api_url), attempts=1),
        now=now,  # type: ignore[arg-type]
    )
    return next(c for c in checks if c.name == "alert sweeper")


def home_text(harness: Harness, user: str) -> str:
    harness.slack.home_views.pop(user, None)
    harness.driver.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"})
    view = harness.wait_for(lambda: harness.slack.home_views.get(user), "the App Home")
    return channel_message_text({"blocks": view["blocks"]})


def test_doctor_and_the_app_home_say_when_the_sweeper_last_ran(harness: Harness) -> None:
    harness.report()
    never = sweeper_check(harness, lambda: NOW)
    assert never.ok and never.warning and "never run" in never.detail and "breachbot alerts worker" in (never.fix or "")
    assert ":warning: *Deadline alerts:* the sweeper has never run" in home_text(harness, DPO)

    Sweeper(harness.database, harness.clock, calls(harness), harness.runtime.settings, worker_id="w-1").sweep_once()
    recent = sweeper_check(harness, lambda: NOW + timedelta(minutes=2))
    assert recent.ok and not recent.warning and recent.detail.startswith("last ran 2 min ago (w-1)")
    stale = sweeper_check(harness, lambda: NOW + timedelta(minutes=10))
    assert not stale.ok and "may be late" in stale.detail and "BREACHBOT_SWEEPER_STALE_AFTER" in stale.detail
    home = home_text(harness, DPO)
    assert "Deadline alerts: the sweeper last ran" in home and ":warning:" not in home
    assert "sweeper" not in home_text(harness, OUTSIDER)


def test_doctor_names_a_timeline_key_that_is_not_the_one_in_use(harness: Harness) -> None:
    harness.report()
    checks = run_checks(
        load=lambda: harness.runtime.settings.model_copy(update={"timeline_key": "another-key-" + "9" * 32}),
        calls_for=lambda s: SlackCalls(make_web_client(s.slack_bot_token, s.slack_api_url), attempts=1),
        now=lambda: NOW,
    )
    key = next(c for c in checks if c.name == "timeline key")
    assert not key.ok and "sealed with" in key.detail
    same = run_checks(
        load=lambda: harness.runtime.settings,
        calls_for=lambda s: SlackCalls(make_web_client(s.slack_bot_token, s.slack_api_url), attempts=1),
        now=lambda: NOW,
    )
    assert next(c for c in same if c.name == "timeline key").ok
