"""The privacy team's powers and everyone else's limits: list, close, status, update, App Home."""

from __future__ import annotations

import time

from bot.services.timeline import events_for
from bot.store.models import Incident
from tests.slack.conftest import OUTSIDER, REPORTER, TEAM_USERS, Harness, channel_message_text

DPO = TEAM_USERS[0]


def kinds(harness: Harness, incident: Incident) -> list[str]:
    with harness.database.unit_of_work() as session:
        return [e.kind for e in events_for(session, session.merge(incident))]


def test_a_non_member_cannot_list_or_close_and_is_told_who_can(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    refusal = harness.driver.command("list", user=REPORTER).json()
    assert refusal["text"].startswith("Only the privacy team (<!subteam^S_PRIVACY>, <@U_DPO>, <@U_ANALYST>) can list")
    assert "Laptop" not in refusal["text"]

    views_before = len(harness.slack.calls_to("views.open"))
    refusal = harness.driver.command("close", user=REPORTER, channel=channel).json()
    assert "Only the privacy team" in refusal["text"] and "can close incidents" in refusal["text"]

    assert harness.driver.block_action("close_incident", incident.ref, user=REPORTER, channel=channel).status == 200
    [ephemeral] = harness.wait_for(lambda: harness.slack.ephemerals, "the refusal")
    assert ephemeral["user"] == REPORTER and ephemeral["channel"] == channel
    assert "Only the privacy team" in ephemeral["text"]

    # A forged close submission from a non-member is refused too.
    from bot.slack.listeners.close import close_modal

    forged = harness.driver.view_submission(
        close_modal(incident.ref),
        {"outcome": {"value": {"selected_option": {"value": "false-alarm"}}}, "reason": {"value": {"value": "x"}}},
        user=REPORTER,
    ).json()
    assert forged["response_action"] == "update" and "Only the privacy team" in str(forged["view"])
    time.sleep(0.2)
    assert len(harness.slack.calls_to("views.open")) == views_before
    assert harness.incidents()[0].status == "open"


def test_the_team_closes_once_even_when_submitted_twice(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    before = set(harness.slack.views)
    assert harness.driver.command("close", user=DPO, channel=channel).body == ""
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the close modal")
    modal = harness.slack.views[view_id]
    assert modal["callback_id"] == "close_incident"

    missing = harness.driver.view_submission(modal, {}, user=DPO, view_id=view_id).json()
    assert set(missing["errors"]) == {"outcome", "reason"}
    assert "register still needs: record the triage assessment" in channel_message_text(modal)

    def values(outcome: str) -> dict[str, object]:
        return {
            "outcome": {"value": {"type": "static_select", "selected_option": {"value": outcome}}},
            "reason": {"value": {"type": "plain_text_input", "value": "Found in the <b>office</b>; never lost"}},
        }

    # Closing as a breach needs the register complete first; the modal says what is missing, in place.
    refused = harness.driver.view_submission(modal, values("not-reportable"), user=DPO, view_id=view_id).json()
    assert "record the triage assessment" in refused["errors"]["outcome"]
    for _ in range(2):
        assert harness.driver.view_submission(modal, values("false-alarm"), user=DPO, view_id=view_id).body == ""
    harness.wait_for_call("chat.update")
    time.sleep(0.3)
    [closed] = harness.incidents()
    assert closed.status == "closed" and closed.close_outcome == "false-alarm"
    assert kinds(harness, closed).count("closed") == 1
    summary, notice = harness.slack.messages_in(channel)
    assert "closed *BR-2026-0001*" in notice["text"] and "&lt;b&gt;office&lt;/b&gt;" in notice["text"]
    assert "*Closed*" in channel_message_text(summary)
    assert not [b for b in summary["blocks"] if b["type"] == "actions"]
    again = harness.driver.command("close", user=DPO, channel=channel).json()
    assert again["text"] == "BR-2026-0001 is already closed."


def test_status_update_and_list_show_each_person_what_they_may_see(harness: Harness) -> None:
    incident = harness.report(title="Payroll file emailed to wrong person")
    channel = incident.slack_channel_id

    in_channel = harness.driver.command("status", user=REPORTER, channel=channel).json()
    assert "Payroll file emailed" in channel_message_text(in_channel)

    mine = channel_message_text(harness.driver.command("status", user=REPORTER).json())
    assert "BR-2026-0001" in mine and "Open" in mine and "Payroll" not in mine
    theirs = channel_message_text(harness.driver.command("status", user=OUTSIDER).json())
    assert "BR-2026-0001" not in theirs and "not reported any" in theirs
    team = channel_message_text(harness.driver.command("status", user=DPO).json())
    assert "Payroll file emailed" in team

    added = harness.driver.command("update <!here> laptop found", user=REPORTER, channel=channel).json()
    assert added["text"] == "Posted in BR-2026-0001's channel and kept on its timeline."
    assert kinds(harness, incident)[-1] == "update"
    posted = harness.wait_for(
        lambda: [m for m in harness.slack.messages_in(channel) if "Status update" in channel_message_text(m)],
        "the update in the channel",
    )
    assert "&lt;!here&gt; laptop found" in channel_message_text(posted[0]) and "<!here>" not in str(posted[0])
    elsewhere = harness.driver.command("update hello", user=REPORTER).json()
    assert "in the incident's own channel" in elsewhere["text"]

    listed = channel_message_text(harness.driver.command("list", user="U_GROUPIE").json())
    assert "BR-2026-0001" in listed and "Payroll file emailed" in listed and "<!date^" in listed
    assert "Breachbot" in harness.driver.command("", user=OUTSIDER).json()["text"]
    unknown = harness.driver.command("frobnicate <x>", user=OUTSIDER).json()
    assert unknown["text"] == "I don't know `/breach frobnicate`."


def test_app_home_lists_for_the_team_explains_to_others_and_ignores_redeliveries(harness: Harness) -> None:
    incident = harness.report()
    home = {"type": "app_home_opened", "user": DPO, "tab": "home", "channel": "D1"}
    assert harness.driver.event(home, event_id="Ev1").status == 200
    assert harness.driver.event(home, event_id="Ev1", retry_num=1).status == 200
    harness.wait_for_call("views.publish")
    time.sleep(0.3)
    assert len(harness.slack.calls_to("views.publish")) == 1
    shown = harness.slack.home_views[DPO]
    section = next(b for b in shown["blocks"] if b.get("accessory"))
    assert "BR-2026-0001" in section["text"]["text"] and "Laptop stolen" in section["text"]["text"]
    assert section["accessory"]["url"].endswith(f"channel={incident.slack_channel_id}&team=TSANDBOX")

    harness.driver.event({**home, "user": OUTSIDER}, event_id="Ev2")
    harness.wait_for_call("views.publish", 2)
    outsider = channel_message_text(harness.slack.home_views[OUTSIDER])
    assert "/breach open" in outsider and "BR-2026-0001" not in outsider


def test_an_unreadable_user_group_is_reported_as_incomplete_then_read_again() -> None:
    from bot.slack.client import SlackCalls, make_web_client
    from bot.slack.context import PrivacyTeam
    from bot.slack.sandbox.webapi import SlackStandIn

    now = [0.0]
    with SlackStandIn(usergroups={"S_PRIVACY": ["U_GROUPIE"]}) as slack:
        calls = SlackCalls(make_web_client("xoxb-test", slack.api_url), attempts=1, max_sleep=0)
        team = PrivacyTeam(calls, ("U_DPO",), "S_PRIVACY", ttl=60, monotonic=lambda: now[0])
        slack.fail("usergroups.users.list", "internal_error", status=500)
        assert team.lookup() == (frozenset({"U_DPO"}), False)
        now[0] += 11  # the short failure cache has run out
        assert team.lookup() == (frozenset({"U_DPO", "U_GROUPIE"}), True)
