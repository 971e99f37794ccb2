"""The incident channel as the room the incident is run in: status updates people see and the lead's
reminder, roles and their handoff, capturing messages at their own time, time pickers, and a setup that
cannot strand an incident. All through the signed-request driver and the Slack stand-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.alerts.worker import Sweeper
from bot.domain.alert_plan import UPDATE_REMINDER
from bot.services import register as register_service
from bot.services.incidents import IncidentDraft, get_incident, open_incident
from bot.services.timeline import events_for
from bot.slack import setup, state
from bot.slack.client import SlackCalls, make_web_client
from bot.slack.serve import setup_resumer
from bot.store.models import PlannedAlert
from tests.conftest import NOW
from tests.slack.conftest import OUTSIDER, REPORTER, TEAM_USERS, Harness, channel_message_text, report_values

DPO = TEAM_USERS[0]
LEAD = "U_LEAD"
NEXT_LEAD = "U_NEXTLEAD"


def sweeper(harness: Harness, **options: Any) -> Sweeper:
    calls = SlackCalls(make_web_client("xoxb-test", harness.slack.api_url), max_sleep=0, sleep=lambda _s: None)
    return Sweeper(harness.database, harness.clock, calls, harness.runtime.settings, worker_id="w-test", **options)


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
    incident = harness.report()
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


def test_reminders_stop_when_the_incident_closes_and_can_be_turned_off(make_harness: Any) -> None:
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


def test_an_action_can_be_backdated_from_its_form(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = opened_modal(harness, lambda: harness.driver.command("action", user=REPORTER, channel=channel))
    done_at = datetime(2026, 11, 23, 9, 45, tzinfo=UTC)
    values = {"text": text("Revoked the VPN account"), "at_picker": picker(done_at)}
    forged = harness.driver.view_submission(view, values, user=OUTSIDER, view_id=view_id).json()
    assert forged["response_action"] == "errors"
    future = harness.driver.view_submission(
        view, {**values, "at_picker": picker(NOW + timedelta(hours=1))}, view_id=view_id
    ).json()
    assert "is in the future" in future["errors"]["at_picker"]
    assert harness.driver.view_submission(view, values, view_id=view_id).body == ""
    [action] = harness.wait_for(
        lambda: [e for e in events(harness, incident.ref) if e.kind == "action"], "the backdated action"
    )
    assert harness.driver.view_submission(view, values, view_id=view_id).body == ""  # submitted twice
    assert [e.kind for e in events(harness, incident.ref)].count("action") == 1
    assert action.at == done_at and action.after["recorded_at"] == NOW.isoformat()


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
