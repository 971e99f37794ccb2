"""Capturing messages into the timeline at their own time, backdating, the time pickers, and a Slack setup
that cannot strand an incident. Through the signed-request driver and the Slack stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.services.incidents import IncidentDraft, open_incident
from bot.slack import setup, state
from bot.slack.client import make_web_client
from bot.slack.serve import setup_resumer
from tests.conftest import NOW
from tests.slack.conftest import REPORTER, TEAM_USERS, Harness, channel_message_text, report_values
from tests.slack.test_incident_room import events, opened_modal, picker, sweeper, text, texts_in

# ---- item 4: capturing messages at their own time


def test_a_pinned_reaction_and_the_shortcut_add_a_message_at_its_own_time(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    said_at = NOW - timedelta(hours=2, minutes=15)
    ts = harness.slack.post_as(
        "U_ANALYST", channel, "Firewall logs show <exfil> at 09:40", ts=f"{said_at.timestamp():.6f}"
    )

    def react(name: str, where: str = channel, item_ts: str = ts) -> None:
        event = {
            "type": "reaction_added",
            "user": REPORTER,
            "reaction": name,
            "item_user": "U_ANALYST",
            "item": {"type": "message", "channel": where, "ts": item_ts},
            "event_ts": "1.0",
        }
        assert harness.driver.event(event).status == 200

    react("thumbsup")
    react("pushpin")
    captured = harness.wait_for(
        lambda: [e for e in events(harness, incident.ref) if e.kind == "message_captured"], "the captured message"
    )
    [event] = captured
    assert event.at == said_at.replace(microsecond=0) or abs((event.at - said_at).total_seconds()) < 1
    assert event.after["author"] == "U_ANALYST" and event.after["permalink"].endswith(ts)
    assert "Firewall logs show <exfil> at 09:40" in event.summary and event.actor == REPORTER
    react("pushpin")  # a second pin of the same message records nothing more
    other = harness.slack.post_as("U_ANALYST", "C_GENERAL", "lunch?")
    react("pushpin", "C_GENERAL", other)  # not an incident channel: ignored
    harness.wait_for(lambda: len(harness.slack.ephemerals) >= 2, "the confirmations")
    assert [e.kind for e in events(harness, incident.ref)].count("message_captured") == 1

    # The shortcut: the same, at the message's own time; elsewhere it is refused, ephemerally.
    earlier = NOW - timedelta(hours=1)
    shortcut_ts = harness.slack.post_as("U_DPO", channel, "ICO helpline says report", ts=f"{earlier.timestamp():.6f}")
    harness.driver.message_shortcut(
        "add_to_timeline", "ICO helpline says report", channel=channel, message_ts=shortcut_ts
    )
    harness.wait_for(
        lambda: [e for e in events(harness, incident.ref) if e.kind == "message_captured" and e.at == earlier],
        "the shortcut's capture",
    )
    harness.driver.message_shortcut("add_to_timeline", "lunch?", channel="C_GENERAL", message_ts=other)
    refusal = harness.wait_for(
        lambda: [e for e in harness.slack.ephemerals if "incident's own channel only" in str(e.get("text"))], "refusal"
    )
    assert refusal[0]["channel"] == "C_GENERAL"
    assert [e.kind for e in events(harness, incident.ref)].count("message_captured") == 2


def test_an_update_can_be_backdated(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = opened_modal(
        harness, lambda: harness.driver.block_action("add_update", incident.ref, channel=channel)
    )
    values = {"known": text("IT had already wiped it"), "at": text("23/11/2026 10:30")}
    assert harness.driver.view_submission(view, values, view_id=view_id).body == ""
    [posted] = harness.wait_for(lambda: texts_in(harness, channel, "Status update on"), "the update")
    assert "as of" in posted
    [update] = [e for e in events(harness, incident.ref) if e.kind == "update"]
    assert update.at == datetime(2026, 11, 23, 10, 30, tzinfo=UTC) and update.after["recorded_at"] == NOW.isoformat()


# ---- item 5: time pickers


def test_a_datetimepicker_and_a_typed_time_give_the_same_instant(harness: Harness) -> None:
    view_id, view = harness.open_modal()
    aware = [b for b in view["blocks"] if b.get("block_id", "").startswith("aware_at")]
    assert aware[0]["element"]["type"] == "datetimepicker"
    assert aware[0]["element"]["initial_date_time"] == int(NOW.timestamp())  # preset to now
    assert aware[1]["element"]["type"] == "plain_text_input"

    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    picked = {**report_values(title="Picked", aware=""), "aware_at_picker": picker(moment)}
    typed = report_values(title="Typed", aware="23/11/2026 09:00")
    for values in (picked, typed):
        view_id, view = harness.open_modal()
        pins = len(harness.slack.calls_to("pins.add"))
        assert harness.submit(view_id, view, values).body == ""
        harness.wait_for_call("pins.add", pins + 1)
    assert [i.aware_at for i in harness.incidents()] == [moment, moment]

    future = NOW + timedelta(days=1)
    view_id, view = harness.open_modal()
    by_picker = harness.submit(view_id, view, {**report_values(aware=""), "aware_at_picker": picker(future)}).json()
    by_typing = harness.submit(view_id, view, report_values(aware="24/11/2026 12:00")).json()
    assert by_picker["errors"]["aware_at_picker"] == by_typing["errors"]["aware_at"]
    assert "is in the future" in by_typing["errors"]["aware_at"]


# ---- item 8: setup that cannot strand an incident


def test_a_guest_reporter_still_gets_a_working_channel(harness: Harness) -> None:
    harness.slack.guests.add(REPORTER)
    incident = harness.report()  # waits for the pinned summary
    members = harness.slack.channels[incident.slack_channel_id].members
    assert set(TEAM_USERS) | {"U_GROUPIE"} <= members and REPORTER not in members
    told = harness.wait_for(
        lambda: [m for m in harness.slack.messages_in(REPORTER) if "would not add you" in channel_message_text(m)],
        "the reporter told",
    )
    assert "usually a guest account" in channel_message_text(told[0])

    def complete() -> bool:
        with harness.database.unit_of_work() as session:
            return state.setup_state(session, incident.ref).complete

    harness.wait_for(complete, "the setup to finish")
    assert any("could not be added" in e.summary for e in events(harness, incident.ref))


def test_an_abandoned_setup_is_resumed_by_the_sweeper(harness: Harness) -> None:
    # A process that stored the incident and took the setup lease, then died before any Slack call.
    with harness.database.unit_of_work() as session:
        draft = IncidentDraft(title="Stranded", aware_at=NOW - timedelta(hours=1), regimes=("uk-gdpr",))
        incident = open_incident(session, draft, actor=REPORTER, now=NOW)
        state.ensure_setup(session, incident, reporter=REPORTER, origin_channel=None, now=NOW)
        ref = incident.ref
    with harness.database.unit_of_work() as session:
        assert state.claim_setup(session, ref, NOW) is not None
    resumer = setup_resumer(harness.runtime, make_web_client("xoxb-test", harness.slack.api_url))
    sweeper(harness, extra_work=[resumer]).sweep_once()
    assert not harness.slack.calls_to("conversations.create")  # the lease still holds: it may be running
    harness.clock.advance(timedelta(minutes=3))
    sweeper(harness, extra_work=[resumer]).sweep_once()
    with harness.database.unit_of_work() as session:
        assert state.setup_state(session, ref).complete
    assert harness.slack.channel_named("br-") is not None and len(harness.slack.calls_to("pins.add")) == 1


def test_a_database_error_during_setup_tells_the_reporter_with_a_retry_button(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = setup._post_summary
    failures = iter([RuntimeError("database went away")])

    def flaky(*args: Any, **kwargs: Any) -> str:
        problem = next(failures, None)
        if problem is not None:
            raise problem
        return real(*args, **kwargs)

    monkeypatch.setattr(setup, "_post_summary", flaky)
    view_id, view = harness.open_modal()
    assert harness.submit(view_id, view).body == ""
    [dm] = harness.wait_for(lambda: harness.slack.messages_in(REPORTER), "the reporter told")
    buttons = [e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0]["action_id"] == "retry_setup" and "internal error" in channel_message_text(dm)
    ref = buttons[0]["value"]
    harness.driver.block_action("retry_setup", ref, user=REPORTER, channel=REPORTER, message_ts=dm["ts"])

    def complete() -> bool:
        with harness.database.unit_of_work() as session:
            return state.setup_state(session, ref).complete

    harness.wait_for(complete, "the setup finished by the retry")
    assert len(harness.slack.calls_to("conversations.create")) == 1  # carried on, no second channel


def test_an_action_form_takes_its_time_from_the_picker(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = opened_modal(harness, lambda: harness.driver.command("action", user=REPORTER, channel=channel))
    assert view["callback_id"] == "remedial_action"
    assert next(b for b in view["blocks"] if b.get("block_id") == "at_picker")["element"]["type"] == "datetimepicker"
    done = {"value": {"type": "radio_buttons", "selected_option": {"value": "done"}}}
    done_at = datetime(2026, 11, 23, 9, 45, tzinfo=UTC)
    future = {"text": text("Revoked the VPN account"), "state": done, "at_picker": picker(NOW + timedelta(hours=1))}
    errors = harness.driver.view_submission(view, future, view_id=view_id).json()["errors"]
    assert "is in the future" in errors["at_picker"]
    values = {**future, "at_picker": picker(done_at)}
    assert harness.driver.view_submission(view, values, view_id=view_id).body == ""
    [action] = [e for e in events(harness, incident.ref) if e.kind == "action"]
    assert action.after["happened_at"] == done_at.isoformat()


def test_the_timeline_reaction_is_a_setting(make_harness: Any) -> None:
    from bot.config import ConfigError, load_settings

    assert load_settings(BREACHBOT_TIMELINE_REACTION=":eyes:").timeline_reaction == "eyes"
    with pytest.raises(ConfigError, match="BREACHBOT_TIMELINE_REACTION"):
        load_settings(BREACHBOT_TIMELINE_REACTION="<!here>")
    harness = make_harness(BREACHBOT_TIMELINE_REACTION="eyes")
    incident = harness.report()
    channel = incident.slack_channel_id
    pinned = harness.slack.post_as("U_ANALYST", channel, "Pinned the old way")
    eyed = harness.slack.post_as("U_ANALYST", channel, "Seen on the dark web")
    for name, ts in (("pushpin", pinned), ("eyes", eyed)):
        item = {"type": "message", "channel": channel, "ts": ts}
        harness.driver.event({"type": "reaction_added", "user": REPORTER, "reaction": name, "item": item})
    harness.wait_for(lambda: harness.slack.ephemerals, "the confirmation")
    captured = [e for e in events(harness, incident.ref) if e.kind == "message_captured"]
    assert [e.after["ts"] for e in captured] == [eyed]
