"""The projector keeps every Slack view of an incident (pinned summary, privacy card, channel topic) in
step with its timeline: after each Slack flow, and after a sweep for changes made on the command line and
for deadlines that pass. Through the signed-request driver and the Slack stand-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.alerts.worker import Sweeper
from bot.cli import main
from bot.config import settings as cached_settings
from bot.services import incidents as incident_service
from bot.services.timeline import events_for
from bot.slack import view_records
from bot.slack.client import SlackCalls, make_web_client
from bot.slack.projector import Projector
from bot.slack.views.report import CALLBACK_ID as REPORT_CALLBACK
from bot.slack.views.triage import OVERRIDE_CALLBACK
from bot.store.models import Incident
from tests.slack.conftest import OUTSIDER, REPORTER, TEAM_USERS, Harness, channel_message_text, report_values
from tests.slack.test_reporting_slack import text_values
from tests.slack.test_triage import ANSWERS, new_view, open_triage, override_values, triage_values

DPO, ANALYST = TEAM_USERS
PRIVACY = "C_PRIVACY"
TITLE = "Payroll file emailed to Jo Bloggs"
DESCRIPTION = "The March payroll for 40 staff went to jo.bloggs@example.com by mistake."


def summary(harness: Harness, incident: Incident) -> str:
    message = next(
        m for m in harness.slack.messages_in(incident.slack_channel_id) if m["ts"] == incident.slack_summary_ts
    )
    return channel_message_text(message)


def buttons(harness: Harness, incident: Incident) -> list[str]:
    message = next(
        m for m in harness.slack.messages_in(incident.slack_channel_id) if m["ts"] == incident.slack_summary_ts
    )
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def wait_summary(harness: Harness, incident: Incident, words: str) -> str:
    harness.wait_for(lambda: words in summary(harness, incident), f"summary {words!r}")
    return summary(harness, incident)


def cards(harness: Harness) -> list[dict[str, Any]]:
    return harness.slack.messages_in(PRIVACY)


def sweep(harness: Harness) -> None:
    """One sweep of the alert sweeper, with its projector pass, as `breachbot alerts run-once` does."""
    calls = SlackCalls(make_web_client("xoxb-test", harness.slack.api_url), max_sleep=0, sleep=lambda _s: None)
    projector = Projector(harness.database, harness.clock, harness.runtime.settings, calls)
    Sweeper(harness.database, harness.clock, calls, harness.runtime.settings, projector=projector).sweep_once()


def close_values(outcome: str, reason: str) -> dict[str, Any]:
    return {
        "outcome": {"value": {"type": "static_select", "selected_option": {"value": outcome}}},
        "reason": {"value": {"type": "plain_text_input", "value": reason}},
    }


def close_in_slack(harness: Harness, incident: Incident, outcome: str = "false-alarm") -> None:
    before = set(harness.slack.views)
    harness.driver.block_action("close_incident", incident.ref, user=DPO, channel=incident.slack_channel_id)
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the close modal")
    values = close_values(outcome, "The email bounced: nobody received it.")
    reply = harness.driver.view_submission(harness.slack.views[view_id], values, user=DPO, view_id=view_id)
    assert reply.body == ""


@pytest.fixture
def team_harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness(BREACHBOT_PRIVACY_CHANNEL=PRIVACY)


def test_the_summary_follows_each_change_made_in_slack(team_harness: Harness) -> None:
    harness = team_harness
    incident = harness.report(title=TITLE, description=DESCRIPTION)
    channel = incident.slack_channel_id

    view_id, view = open_triage(harness, incident)
    harness.driver.view_submission(view, triage_values(ANSWERS), user=DPO, view_id=view_id)
    wait_summary(harness, incident, "Assessed")

    before = set(harness.slack.views)
    harness.driver.block_action("triage_override", incident.ref, user=DPO, channel=channel)
    view_id, view = new_view(harness, before, OVERRIDE_CALLBACK)
    values = override_values("yes", "no", "The people affected already know: HR phoned each of them.")
    harness.driver.view_submission(view, values, user=DPO, view_id=view_id)
    wait_summary(harness, incident, "Overridden")

    before = set(harness.slack.views)
    harness.driver.block_action("aware_change", incident.ref, user=DPO, channel=channel)
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the awareness modal")
    values = text_values(aware_at="23/11/2026 08:00", reason="The mail log shows 08:00")
    harness.driver.view_submission(harness.slack.views[view_id], values, user=DPO, view_id=view_id)
    wait_summary(harness, incident, "Mon 23 Nov 2026, 08:00 GMT")

    # The summary does not list actions, but it is re-rendered (here its "as of" time moves on).
    harness.clock.advance(timedelta(minutes=1))
    updates = len(harness.slack.calls_to("chat.update"))
    harness.driver.command("action Asked Jo Bloggs to delete the email", user=DPO, channel=channel)
    harness.wait_for(
        lambda: any(
            c.params.get("ts") == incident.slack_summary_ts for c in harness.slack.calls_to("chat.update")[updates:]
        ),
        "the summary to be re-rendered after the action",
    )
    harness.driver.command("reported IC-1&amp;2", user=DPO, channel=channel)
    text = wait_summary(harness, incident, "Reported to the ICO")
    assert "*ICO case reference:* IC-1&amp;2" in text  # stored as typed (IC-1&2), escaped once when shown
    assert "ico_reported" not in buttons(harness, incident)

    close_in_slack(harness, incident)
    text = wait_summary(harness, incident, "*Closed*")
    assert "False alarm: not a breach" in text and "(false-alarm)" not in text  # the outcome's label, not its key
    assert buttons(harness, incident) == ["drafts_post"]
    # One summary, updated in place: the projector never posts a second one.
    assert sum("Incident BR-2026-0001" in channel_message_text(m) for m in harness.slack.messages_in(channel)) == 1


def test_the_privacy_card_is_one_message_updated_in_place_without_title_or_description(team_harness: Harness) -> None:
    harness = team_harness
    incident = harness.report(title=TITLE, description=DESCRIPTION)
    [card] = harness.wait_for(lambda: cards(harness), "the privacy card")
    assert "BR-2026-0001" in card["text"] and "Open" in channel_message_text(card)

    view_id, view = open_triage(harness, incident)
    harness.driver.view_submission(view, triage_values(ANSWERS), user=DPO, view_id=view_id)
    harness.wait_for(lambda: "Assessed" in channel_message_text(cards(harness)[0]), "the card to show the triage")
    harness.driver.command("reported IC-77", user=DPO, channel=incident.slack_channel_id)
    harness.wait_for(lambda: "Reported to the ICO" in channel_message_text(cards(harness)[0]), "the report")
    close_in_slack(harness, incident)
    harness.wait_for(lambda: "Closed" in channel_message_text(cards(harness)[0]), "the close")

    [card] = cards(harness)  # still one message: every change was a chat.update of it
    shown = channel_message_text(card)
    assert "False alarm: not a breach" in shown and "join_incident" not in str(card["blocks"])
    updates = [c for c in harness.slack.calls_to("chat.update") if c.params["channel"] == PRIVACY]
    assert len(updates) >= 3 and {c.params["ts"] for c in updates} == {card["ts"]}
    everything = " ".join(str(c.params) for c in harness.slack.calls if c.params.get("channel") == PRIVACY)
    for private in ("Payroll", "Jo Bloggs", "jo.bloggs", "March payroll", "bounced"):
        assert private not in everything


def test_a_change_on_the_command_line_reaches_slack_after_a_sweep(
    team_harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = team_harness
    incident = harness.report()
    harness.settle()
    monkeypatch.setenv("BREACHBOT_DATABASE_URL", harness.database.url)
    cached_settings.cache_clear()
    assert (
        main(["incident", "reported", incident.ref, "--ico-ref", "IC-CLI-9", "--reported-at", "23/11/2026 11:00"]) == 0
    )
    assert "IC-CLI-9" not in summary(harness, incident)  # nothing in Slack yet: the CLI does not talk to Slack
    sweep(harness)
    text = summary(harness, incident)
    assert "Reported to the ICO" in text and "IC-CLI-9" in text and "ico_reported" not in buttons(harness, incident)
    assert "Reported to the ICO" in channel_message_text(cards(harness)[0])
    assert "reported to the ICO" in harness.slack.channels[incident.slack_channel_id].topic

    assert (
        main(["incident", "close", incident.ref, "--reason", "A false alarm after all", "--outcome", "false-alarm"])
        == 0
    )
    sweep(harness)
    assert "False alarm: not a breach" in summary(harness, incident)
    calls_before = len(harness.slack.calls)
    sweep(harness)  # nothing new: no view is touched
    assert [c.method for c in harness.slack.calls[calls_before:]] == []


def test_after_the_deadline_passes_a_sweep_shows_late_and_the_delay_button(team_harness: Harness) -> None:
    harness = team_harness
    incident = harness.report()  # aware 23/11/2026 09:00 UTC: the ICO deadline is 26/11 09:00
    harness.settle()
    assert "LATE" not in summary(harness, incident) and "delay_reasons" not in buttons(harness, incident)
    harness.wait_for(
        lambda: "due Thu 26 Nov 2026, 09:00 GMT" in harness.slack.channels[incident.slack_channel_id].topic,
        "the topic with the deadline",
    )

    harness.clock.advance(timedelta(hours=69, minutes=1))  # 26/11 09:01
    sweep(harness)
    text = summary(harness, incident)
    assert ":warning: LATE" in text and "The report is late" in text
    assert "delay_reasons" in buttons(harness, incident)
    assert "LATE" in channel_message_text(cards(harness)[0])
    topic = harness.slack.channels[incident.slack_channel_id].topic
    assert topic.startswith("BR-2026-0001 · Open · LATE") and "was due Thu 26 Nov 2026, 09:00 GMT" in topic


def test_the_topic_carries_the_reference_and_deadline_and_is_set_only_when_it_changes(harness: Harness) -> None:
    incident = harness.report()
    harness.settle()
    channel = harness.slack.channels[incident.slack_channel_id]
    assert channel.topic == "BR-2026-0001 · Open · UK GDPR report to the ICO due Thu 26 Nov 2026, 09:00 GMT"
    harness.driver.command("update The laptop was found", user=REPORTER, channel=channel.id)
    harness.settle()
    assert len(harness.slack.calls_to("conversations.setTopic")) == 1  # an update changes nothing the topic shows


def test_the_reporter_is_told_where_the_incident_is_handled(harness: Harness) -> None:
    incident = harness.report()
    dm = harness.wait_for(lambda: harness.slack.messages_in(REPORTER), "the reporter's confirmation")
    text = dm[-1]["text"]
    assert "recorded as *BR-2026-0001*" in text and f"<#{incident.slack_channel_id}>" in text
    assert "Laptop" not in text


def test_only_the_privacy_team_can_join_from_the_card(team_harness: Harness) -> None:
    harness = team_harness
    incident = harness.report()
    [card] = harness.wait_for(lambda: cards(harness), "the privacy card")
    channel = harness.slack.channels[incident.slack_channel_id]
    channel.members.discard(ANALYST)  # left the channel, or was never in it

    harness.driver.block_action("join_incident", incident.ref, user=OUTSIDER, channel=PRIVACY, message_ts=card["ts"])
    harness.wait_for(lambda: [e for e in harness.slack.ephemerals if e["user"] == OUTSIDER], "the refusal")
    assert OUTSIDER not in channel.members

    harness.driver.block_action("join_incident", incident.ref, user=ANALYST, channel=PRIVACY, message_ts=card["ts"])
    harness.wait_for(lambda: ANALYST in channel.members, "the analyst to be invited")
    told = harness.wait_for(lambda: [e for e in harness.slack.ephemerals if e["user"] == ANALYST], "the answer")
    assert f"<#{channel.id}>" in told[-1]["text"]


def test_closing_leaves_the_channel_unarchived_by_default(harness: Harness) -> None:
    incident = harness.report()
    close_in_slack(harness, incident)
    wait_summary(harness, incident, "*Closed*")
    harness.settle()
    assert not harness.slack.channels[incident.slack_channel_id].archived
    assert not harness.slack.calls_to("conversations.archive")


def test_closing_archives_the_channel_when_the_setting_is_on(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(BREACHBOT_ARCHIVE_ON_CLOSE="true")
    incident = harness.report()
    close_in_slack(harness, incident)
    harness.wait_for(lambda: harness.slack.channels[incident.slack_channel_id].archived, "the archive")
    assert "*Closed*" in summary(harness, incident)  # the summary showed the close before the archive
    methods = [c.method for c in harness.slack.calls]
    assert methods.index("conversations.archive") > max(i for i, m in enumerate(methods) if m == "chat.update")


def test_a_rate_limited_summary_update_is_retried_by_the_sweeper(harness: Harness) -> None:
    incident = harness.report()
    harness.settle()
    harness.slack.rate_limit("chat.update", retry_after=30, times=5)
    harness.driver.command("reported IC-5", user=DPO, channel=incident.slack_channel_id)
    harness.settle()
    assert "IC-5" not in summary(harness, incident)
    harness.slack.clear_failures()
    harness.clock.advance(timedelta(seconds=31))
    sweep(harness)
    assert "IC-5" in summary(harness, incident)


def test_slack_entity_encoded_command_text_is_stored_once_unescaped(harness: Harness) -> None:
    incident = harness.report()
    # Slack sends `Tom & Jerry <3` in a slash command as `Tom &amp; Jerry &lt;3`.
    reply = harness.driver.command("update Tom &amp; Jerry &lt;3", user=REPORTER, channel=incident.slack_channel_id)
    assert "Posted in" in reply.json()["text"]
    harness.settle()
    with harness.database.unit_of_work() as session:
        update = [e for e in events_for(session, session.get(Incident, incident.id)) if e.kind == "update"][-1]
        assert update.after["known"] == "Tom & Jerry <3"
    posted = [str(m["blocks"]) for m in harness.slack.messages_in(incident.slack_channel_id)]
    assert any("Tom &amp; Jerry &lt;3" in text for text in posted)  # escaped once, in the channel


def test_a_conflicting_case_reference_is_refused_with_the_stored_one_escaped(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    harness.driver.command("reported IC&amp;1 &lt;!channel&gt;", user=DPO, channel=channel)
    wait_summary(harness, incident, "Reported to the ICO")
    harness.driver.command("reported IC-2", user=DPO, channel=channel)
    refusal = harness.wait_for(
        lambda: next((e["text"] for e in harness.slack.ephemerals if "already recorded" in e["text"]), None), "refusal"
    )
    assert "IC&amp;1 &lt;!channel&gt;" in refusal and "<!channel>" not in refusal


def test_the_app_home_and_the_global_shortcut_open_the_report_modal(harness: Harness) -> None:
    harness.driver.event({"type": "app_home_opened", "user": OUTSIDER, "tab": "home", "channel": "D1"})
    home = harness.wait_for(lambda: harness.slack.home_views.get(OUTSIDER), "the App Home")
    assert "report_from_home" in str(home["blocks"])
    harness.driver.event({"type": "app_home_opened", "user": DPO, "tab": "home", "channel": "D2"})
    assert "report_from_home" in str(harness.wait_for(lambda: harness.slack.home_views.get(DPO), "the team's Home"))

    before = set(harness.slack.views)
    harness.driver.block_action("report_from_home", "report", user=OUTSIDER)
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the modal")
    assert harness.slack.views[view_id]["callback_id"] == REPORT_CALLBACK

    before = set(harness.slack.views)
    payload = {
        "type": "shortcut",
        "callback_id": "report_breach_global",
        "team": {"id": "TSANDBOX", "domain": "sandbox"},
        "user": {"id": OUTSIDER, "team_id": "TSANDBOX"},
        "trigger_id": "trigger-global",
        "action_ts": "1.0",
    }
    assert harness.driver.interaction(payload).status == 200
    shortcut_view = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the modal")
    assert harness.slack.views[shortcut_view]["callback_id"] == REPORT_CALLBACK
    # A report made from it goes through as any other.
    reply = harness.submit(shortcut_view, harness.slack.views[shortcut_view], report_values(), user=OUTSIDER)
    assert reply.status == 200
    harness.wait_for(lambda: harness.incidents(), "the incident")


def test_two_projectors_never_render_the_same_view_at_once(harness: Harness) -> None:
    incident = harness.report()
    harness.settle()
    with harness.database.unit_of_work() as session:
        incident_service.add_update(
            session, incident.ref, "From the command line", actor="cli", now=harness.clock.now()
        )
    now = harness.clock.now()
    with harness.database.unit_of_work() as session:
        first = view_records.claim_behind(session, session.get(Incident, incident.id), now, now + timedelta(minutes=2))
    with harness.database.unit_of_work() as session:
        second = view_records.claim_behind(session, session.get(Incident, incident.id), now, now + timedelta(minutes=2))
    assert {v.kind for v in first} == {"summary", "topic"} and second == []
    with harness.database.unit_of_work() as session:
        # The first projector's lease lapses (it crashed): the view is behind, and free again.
        later = now + timedelta(minutes=3)
        assert {
            v.kind for v in view_records.claim_behind(session, session.get(Incident, incident.id), later, later)
        } == {
            "summary",
            "topic",
        }


def home_of(harness: Harness, user: str) -> str:
    view = harness.slack.home_views.get(user)
    return channel_message_text({"blocks": view["blocks"]}) if view else ""


def test_an_open_privacy_team_home_is_kept_current(team_harness: Harness) -> None:
    harness = team_harness
    incident = harness.report(aware="20/11/2026 13:00")  # the ICO deadline is in an hour, at 13:00
    harness.settle()
    harness.driver.event({"type": "app_home_opened", "user": DPO, "tab": "home", "channel": "D1"})
    harness.driver.event({"type": "app_home_opened", "user": OUTSIDER, "tab": "home", "channel": "D2"})
    harness.wait_for(lambda: "BR-2026-0001* · Open" in home_of(harness, DPO), "the team's Home")
    harness.wait_for(lambda: home_of(harness, OUTSIDER), "the reporter's Home")

    # A change in Slack: the open Home follows it, with no one reopening it.
    view_id, view = open_triage(harness, incident)
    harness.driver.view_submission(view, triage_values(ANSWERS), user=DPO, view_id=view_id)
    harness.wait_for(lambda: "BR-2026-0001* · Assessed" in home_of(harness, DPO), "the Home to show the triage")

    # A deadline passing, seen by a sweep.
    harness.clock.advance(timedelta(hours=1, minutes=1))
    sweep(harness)
    assert "LATE" in home_of(harness, DPO)
    outsider_publishes = [c for c in harness.slack.calls_to("views.publish") if c.params["user_id"] == OUTSIDER]
    assert len(outsider_publishes) == 1  # how to report never changes: published on opening only

    # A Home not looked at for half a day is left alone until it is opened again.
    harness.clock.advance(timedelta(hours=13))
    publishes = len(harness.slack.calls_to("views.publish"))
    harness.driver.command("update Still looking", user=REPORTER, channel=incident.slack_channel_id)
    harness.settle()
    sweep(harness)
    assert len(harness.slack.calls_to("views.publish")) == publishes
