"""The incident channel as the room the incident is run in: status updates people see, the lead's reminder,
and roles and their handoff, from Slack and from the CLI. Through the signed-request driver and the stand-in."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.alerts.worker import Sweeper
from bot.domain.alert_plan import UPDATE_REMINDER
from bot.services import register as register_service
from bot.services.incidents import close_incident, get_incident
from bot.services.timeline import events_for
from bot.slack import state
from bot.slack.client import SlackCalls, make_web_client
from bot.store.models import PlannedAlert
from tests.conftest import NOW
from tests.slack.conftest import OUTSIDER, REPORTER, TEAM_USERS, Harness, channel_message_text

DPO = TEAM_USERS[0]
LEAD = "U_LEAD"
NEXT_LEAD = "U_NEXTLEAD"


def sweeper(harness: Harness, **options: Any) -> Sweeper:
    calls = SlackCalls(make_web_client("xoxb-test", harness.slack.api_url), max_sleep=0, sleep=lambda _s: None)
    return Sweeper(harness.database, harness.clock, calls, harness.runtime.settings, worker_id="w-test", **options)


def reported(harness: Harness) -> Any:
    """harness.report(), and then wait for the whole setup: the lead's reminders are for incidents set up."""
    incident = harness.report()

    def complete() -> bool:
        with harness.database.unit_of_work() as session:
            found = state.setup_state(session, incident.ref)
            return found is not None and found.complete

    harness.wait_for(complete, "the setup to finish")
    return incident


def texts_in(harness: Harness, channel: str, needle: str) -> list[str]:
    return [t for m in harness.slack.messages_in(channel) if needle in (t := channel_message_text(m))]


def events(harness: Harness, ref: str) -> list[Any]:
    with harness.database.unit_of_work() as session:
        found = events_for(session, get_incident(session, ref))
        session.expunge_all()
        return found


def opened_modal(harness: Harness, send: Any) -> tuple[str, dict]:
    before = set(harness.slack.views)
    send()
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "a modal")
    return view_id, harness.slack.views[view_id]


def text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value or None}}


def picker(moment: datetime | None) -> dict[str, Any]:
    return {"value": {"type": "datetimepicker", "selected_date_time": int(moment.timestamp()) if moment else None}}


# ---- item 1: updates people see, and the lead's reminder


def test_an_update_is_posted_in_the_channel_and_the_lead_is_reminded_once_when_none_comes(harness: Harness) -> None:
    incident = reported(harness)
    channel = incident.slack_channel_id
    assert harness.driver.command(f"lead <@{LEAD}|lead>", user=DPO, channel=channel).status == 200
    harness.wait_for(lambda: texts_in(harness, channel, "is now the incident lead"), "the handoff")

    # No update yet: four hours after opening (the default), the lead is reminded in the channel, once.
    sweeper(harness).sweep_once()  # plans the reminder, and posts the clock's first alert
    [started] = texts_in(harness, channel, "clock has started")
    assert f"<@{LEAD}>, as incident lead" in started  # deadline alerts go to the lead too
    harness.clock.advance(timedelta(hours=4, minutes=1))
    sweeper(harness).sweep_once()
    sweeper(harness).sweep_once()
    reminders = texts_in(harness, channel, "needs a status update")
    assert (
        len(reminders) == 1 and f"<@{LEAD}>" in reminders[0] and "no status update has been posted yet" in reminders[0]
    )
    assert not [
        c
        for c in harness.slack.calls_to("chat.postMessage")
        if "needs a status update" in str(c.params) and c.params.get("channel") != channel
    ]  # the privacy channel never gets it

    # `/breach update` with no text opens the form; its parts are posted in the channel and kept.
    view_id, view = opened_modal(harness, lambda: harness.driver.command("update", user=REPORTER, channel=channel))
    promised = harness.clock.now() + timedelta(hours=2)
    values = {
        "known": text("The laptop was <b>encrypted</b> after all."),
        "doing": text("Confirming with IT."),
        "need": text("The asset register."),
        "next_update_by": picker(promised),
    }
    assert harness.driver.view_submission(view, values, view_id=view_id).body == ""
    [posted] = harness.wait_for(lambda: texts_in(harness, channel, "Status update on"), "the update")
    assert "&lt;b&gt;encrypted&lt;/b&gt;" in posted and "Confirming with IT." in posted
    assert "The asset register." in posted and f"<!date^{int(promised.timestamp())}^" in posted
    # A redelivered submission (same view) posts nothing more.
    harness.driver.view_submission(view, values, view_id=view_id)
    assert [e.kind for e in events(harness, incident.ref)].count("update") == 1

    # The promise moves the reminder to the promised time: nothing before it, one reminder after it.
    harness.clock.advance(timedelta(hours=1, minutes=59))
    sweeper(harness).sweep_once()
    assert len(texts_in(harness, channel, "needs a status update")) == 1
    harness.clock.advance(timedelta(minutes=2))
    sweeper(harness).sweep_once()
    later = texts_in(harness, channel, "needs a status update")
    assert len(later) == 2 and "the last status update was" in later[1]


def test_reminders_stop_when_the_incident_closes(harness: Harness) -> None:
    incident = reported(harness)
    sweeper(harness).sweep_once()
    with harness.database.unit_of_work() as session:
        close_incident(session, incident.ref, reason="It was a test email.", outcome="false-alarm", actor=DPO, now=NOW)
    harness.clock.advance(timedelta(hours=5))
    sweeper(harness).sweep_once()
    assert not texts_in(harness, incident.slack_channel_id, "needs a status update")
    with harness.database.unit_of_work() as session:
        states = session.scalars(select(PlannedAlert.state).where(PlannedAlert.regime == UPDATE_REMINDER)).all()
    assert states == ["cancelled"]


def test_reminders_can_be_turned_off(make_harness: Any) -> None:
    harness = make_harness(BREACHBOT_UPDATE_REMINDER_HOURS="0")
    incident = harness.report()
    harness.clock.advance(timedelta(hours=30))
    sweeper(harness).sweep_once()
    assert not texts_in(harness, incident.slack_channel_id, "needs a status update")
    with harness.database.unit_of_work() as session:
        found = session.scalars(select(PlannedAlert).where(PlannedAlert.regime == UPDATE_REMINDER)).all()
        assert found == []


def test_a_typed_update_by_command_is_posted_and_an_empty_one_opens_the_form_only_in_the_channel(
    harness: Harness,
) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    reply = harness.driver.command("update Found it & wiped it", user=REPORTER, channel=channel).json()
    assert "Posted in" in reply["text"]
    [posted] = harness.wait_for(lambda: texts_in(harness, channel, "Status update on"), "the update")
    assert "Found it &amp; wiped it" in posted
    elsewhere = harness.driver.command("update", user=REPORTER, channel="C_GENERAL").json()
    assert "incident's own channel" in elsewhere["text"]


def test_a_mention_in_a_typed_update_stays_a_mention_and_nothing_else_does(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    # As Slack sends it with should_escape: people as <@U…|name> tokens, typed & < > entity-encoded.
    typed = "update Asked <@U0TEAM1|sam> to check the logs &amp; <!channel> &lt;b&gt;"
    harness.driver.command(typed, user=REPORTER, channel=channel)
    [posted] = harness.wait_for(lambda: texts_in(harness, channel, "Status update on"), "the update")
    assert "Asked <@U0TEAM1> to check the logs &amp; &lt;!channel&gt; &lt;b&gt;" in posted


# ---- item 3: roles


def test_roles_are_shown_handed_over_and_guarded(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    refused = harness.driver.command(f"lead <@{OUTSIDER}>", user=REPORTER, channel=channel).json()
    assert "privacy team" in refused["text"] and "incident lead" in refused["text"]

    assert harness.driver.command(f"lead <@{LEAD}|lead>", user=DPO, channel=channel).status == 200
    [handoff] = harness.wait_for(lambda: texts_in(harness, channel, "is now the incident lead"), "the handoff")
    assert f"<@{LEAD}>" in handoff and "status update" in handoff  # what is expected of them
    assert LEAD in harness.slack.channels[channel].members  # brought into the room

    # The lead may hand over; the old lead then may not.
    harness.driver.command(f"lead <@{NEXT_LEAD}>", user=LEAD, channel=channel)
    [second] = harness.wait_for(lambda: texts_in(harness, channel, f"<@{NEXT_LEAD}> is now the incident lead"), "2nd")
    assert f"taking over from <@{LEAD}>" in second
    again = harness.driver.command(f"lead <@{LEAD}>", user=LEAD, channel=channel).json()
    assert "privacy team" in again["text"]
    harness.driver.command(f"role dpo <@{DPO}>", user=NEXT_LEAD, channel=channel)
    harness.wait_for(lambda: texts_in(harness, channel, "is now the DPO owner"), "the DPO owner handoff")
    shown = harness.driver.command("role", user=REPORTER, channel=channel).json()["text"]
    assert f"*Incident lead:* <@{NEXT_LEAD}>" in shown and f"*DPO owner:* <@{DPO}>" in shown

    summary = harness.wait_for(
        lambda: next(
            (t for m in harness.slack.messages_in(channel)[:1] if f"<@{DPO}>" in (t := channel_message_text(m))), None
        ),
        "the summary showing the roles",
    )
    assert f"*Incident lead:* <@{NEXT_LEAD}>" in summary
    kinds = [e.kind for e in events(harness, incident.ref)]
    assert kinds.count("role_assigned") == 3
    with harness.database.unit_of_work() as session:
        entry = register_service.register_entry(session, get_incident(session, incident.ref), now=NOW)
    assert (entry["incident_lead"], entry["dpo_owner"]) == (NEXT_LEAD, DPO)


def test_the_cli_posts_its_update_and_handoff_in_the_channel(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from bot.config import settings

    incident = harness.report()
    channel = incident.slack_channel_id
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", harness.slack.api_url)
    settings.cache_clear()
    assert main(["incident", "update", incident.ref, "Supplier confirmed deletion", "--need", "Sign-off"]) == 0
    assert "posted in the incident's Slack channel" in capsys.readouterr().out
    [posted] = texts_in(harness, channel, "Status update on")
    assert "Supplier confirmed deletion" in posted and "Sign-off" in posted
    assert main(["incident", "role", incident.ref, "--lead", LEAD, "--dpo-owner", DPO, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["lead"], data["dpo_owner"], data["changed"]) == (LEAD, DPO, ["lead", "dpo_owner"])
    assert texts_in(harness, channel, f"<@{LEAD}> is now the incident lead")
    assert main(["incident", "role", incident.ref, "--lead", "not a user"]) != 0
    assert "is not a Slack user" in capsys.readouterr().err
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    settings.cache_clear()
    assert main(["incident", "update", incident.ref, "Still quiet"]) == 0
    assert "not posted to Slack (SLACK_BOT_TOKEN is not set)" in capsys.readouterr().out
    settings.cache_clear()
