"""Pure pieces: channel names, mrkdwn escaping, the renderer, and a late incident's summary flow."""

from __future__ import annotations

import json

from bot.slack.sandbox import render
from bot.slack.setup import channel_name
from bot.slack.views.text import escape
from tests.slack.conftest import TEAM_USERS, Harness, channel_message_text


def test_channel_names_are_slack_safe_and_at_most_80_characters() -> None:
    assert channel_name("BR-2026-0001", "Laptop stolen!") == "br-2026-0001-laptop-stolen"
    long = channel_name("BR-2026-0001", "word " * 40, attempt=3)
    assert len(long) <= 80 and long.endswith("-3") and "--" not in long
    assert channel_name("BR-2026-0002", "😀 ✓ ***") == "br-2026-0002"


def test_escape_and_render_round_trip() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    shown = render.mrkdwn(
        "due <!date^1764147600^{date_short_pretty}|Thu 26 Nov 2026, 09:00 GMT> in <#C1> by <@U1>: &lt;b&gt;",
        {"C1": "br-1"},
    )
    assert shown == "due Thu 26 Nov 2026, 09:00 GMT in #br-1 by @U1: <b>"


def test_a_late_report_asks_for_reasons_and_the_team_records_them(harness: Harness) -> None:
    incident = harness.report(aware="18/11/2026 09:00")
    channel = incident.slack_channel_id
    summary = harness.slack.messages_in(channel)[0]
    assert "The report is late" in channel_message_text(summary) and "LATE" in channel_message_text(summary)
    buttons = [e["action_id"] for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [
        "add_update",
        "triage_open",
        "drafts_post",
        "delay_reasons",
        "ico_reported",
        "aware_change",
        "close_incident",
    ]

    before = set(harness.slack.views)
    harness.driver.block_action(
        "delay_reasons", incident.ref, user=TEAM_USERS[1], channel=channel, message_ts=summary["ts"]
    )
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the reasons modal")
    values = {"text": {"value": {"type": "plain_text_input", "value": "The reporter was on leave until today."}}}
    assert (
        harness.driver.view_submission(harness.slack.views[view_id], values, user=TEAM_USERS[1], view_id=view_id).body
        == ""
    )
    harness.wait_for_call("chat.update")
    [stored] = harness.incidents()
    assert stored.delay_reasons == "The reporter was on leave until today."
    refreshed = channel_message_text(harness.slack.messages_in(channel)[0])
    assert "Reasons for delay:* The reporter was on leave" in refreshed and "The report is late" not in refreshed


def test_the_add_update_button_adds_to_the_timeline(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    before = set(harness.slack.views)
    harness.driver.block_action("add_update", incident.ref, channel=channel)
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the update modal")
    values = {"known": {"value": {"type": "plain_text_input", "value": "IT wiped the laptop remotely."}}}
    assert harness.driver.view_submission(harness.slack.views[view_id], values, view_id=view_id).body == ""
    posted = harness.wait_for(
        lambda: [m for m in harness.slack.messages_in(channel) if "Status update" in channel_message_text(m)],
        "the update in the channel",
    )
    assert "IT wiped the laptop remotely." in channel_message_text(posted[0])


def test_delay_reasons_by_command_in_the_channel_team_only(harness: Harness) -> None:
    incident = harness.report(aware="18/11/2026 09:00")
    channel = incident.slack_channel_id
    refused = harness.driver.command("delay-reasons Supplier told us late", user="U_OUTSIDER", channel=channel)
    assert "privacy team" in refused.json()["text"]
    elsewhere = harness.driver.command("delay-reasons Supplier told us late", user=TEAM_USERS[1], channel="C_GENERAL")
    assert "incident's channel" in elsewhere.json()["text"]
    reply = harness.driver.command("delay-reasons Supplier told us <late>", user=TEAM_USERS[1], channel=channel)
    assert "Recorded the reasons for delay" in reply.json()["text"]
    harness.wait_for_call("chat.update")
    [stored] = harness.incidents()
    assert stored.delay_reasons == "Supplier told us <late>"
    posted = [channel_message_text(m) for m in harness.slack.messages_in(channel)]
    assert any("Supplier told us &lt;late&gt;" in text for text in posted)


def test_a_forged_update_for_someone_elses_incident_is_refused(harness: Harness) -> None:
    incident = harness.report()
    view = {"type": "modal", "callback_id": "add_update", "private_metadata": json.dumps({"ref": incident.ref})}
    values = {"known": {"value": {"type": "plain_text_input", "value": "planted"}}}
    reply = harness.driver.view_submission(view, values, user="U_OUTSIDER", view_id="V_FORGED")
    assert reply.json()["response_action"] == "errors"
    with harness.database.unit_of_work() as session:
        from bot.services.timeline import events_for

        assert all("planted" not in e.summary for e in events_for(session, harness.incidents()[0]))
