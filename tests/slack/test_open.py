"""Reporting a breach end to end: signed HTTP requests to the real WSGI app, Slack answered by the stand-in."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select

from bot.services.timeline import events_for
from bot.slack.sandbox.webapi import BOT_USER_ID
from bot.store.models import Incident
from tests.slack.conftest import GROUP_MEMBERS, REPORTER, TEAM_USERS, Harness, channel_message_text, report_values


def test_report_opens_modal_first_then_private_channel_invites_and_pinned_summary(harness: Harness) -> None:
    statements: list[str] = []
    event.listen(harness.database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    seen_at_views_open: list[int] = []

    def on_call(call: Any) -> None:
        if call.method == "views.open":
            seen_at_views_open.append(len(statements))

    harness.slack.on_call = on_call
    view_id, view = harness.open_modal("open Laptop stolen from car")
    # Not one SQL statement ran between the command arriving and the modal opening.
    assert seen_at_views_open == [0]
    assert view["callback_id"] == "open_incident"
    title_block = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title_block["element"]["initial_value"] == "Laptop stolen from car"
    assert "Europe/London" in channel_message_text({"blocks": view["blocks"]})
    regimes = next(b for b in view["blocks"] if b.get("block_id") == "regimes")
    assert [o["value"] for o in regimes["element"]["initial_options"]] == ["uk-gdpr"]
    assert harness.incidents() == []

    reply = harness.submit(view_id, view)
    assert reply.status == 200 and reply.body == ""
    harness.wait_for_call("pins.add")

    [incident] = harness.incidents()
    assert incident.ref == "BR-2026-0001" and incident.reported_by == REPORTER
    assert incident.source_key == f"slack-view:{view_id}"
    channel = harness.slack.channels[incident.slack_channel_id]
    assert channel.is_private
    assert channel.name == "br-2026-0001-laptop-stolen-from-car"
    assert channel.members == {BOT_USER_ID, REPORTER, *TEAM_USERS, *GROUP_MEMBERS}
    [summary] = harness.slack.messages_in(channel.id)
    assert summary["ts"] == incident.slack_summary_ts
    assert channel.pins == [summary["ts"]]
    shown = channel_message_text(summary)
    # Aware 09:00 UK on 23 Nov 2026 (GMT): the ICO deadline is 26 Nov 09:00 GMT, 69 hours from now.
    due = int(datetime(2026, 11, 26, 9, 0, tzinfo=UTC).timestamp())
    assert f"<!date^{due}^{{date_short_pretty}} at {{time}}|Thu 26 Nov 2026, 09:00 GMT>" in shown
    assert "2 days 21 h left" in shown
    buttons = [e["action_id"] for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["add_update", "triage_open", "drafts_post", "ico_reported", "aware_change", "close_incident"]
    methods = [c.method for c in harness.slack.calls if c.method != "auth.test"]
    assert methods.index("views.open") < methods.index("conversations.create")
    with harness.database.unit_of_work() as session:
        kinds = [e.kind for e in events_for(session, session.merge(incident))]
    assert kinds == ["opened", "slack_setup", "slack_setup"]


def test_a_title_cannot_ping_the_channel(harness: Harness) -> None:
    incident = harness.report(title="<!channel> leak & <@U_BOSS>")
    [summary] = harness.slack.messages_in(incident.slack_channel_id)
    shown = channel_message_text(summary)
    assert "&lt;!channel&gt; leak &amp; &lt;@U_BOSS&gt;" in shown
    assert "<!channel>" not in shown and "<@U_BOSS>" not in shown
    assert harness.slack.channels[incident.slack_channel_id].name == "br-2026-0001-channel-leak-u-boss"


def test_double_submit_makes_one_incident_one_channel_one_summary(harness: Harness) -> None:
    view_id, view = harness.open_modal()
    replies: list[int] = []
    threads = [threading.Thread(target=lambda: replies.append(harness.submit(view_id, view).status)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == [200, 200, 200]
    harness.wait_for_call("pins.add")
    time.sleep(0.3)  # give any duplicate setup the chance to show itself
    assert len(harness.incidents()) == 1
    assert len(harness.slack.channels) == 1
    posts = [c.params["channel"] for c in harness.slack.calls_to("chat.postMessage")]
    assert posts == [harness.incidents()[0].slack_channel_id, REPORTER]  # one summary, one confirmation
    assert len(harness.slack.calls_to("pins.add")) == 1
    harness.submit(view_id, view)  # a late redelivery after setup finished
    time.sleep(0.2)
    assert len(harness.incidents()) == 1 and len(harness.slack.calls_to("conversations.create")) == 1


def test_bad_or_stale_signature_gets_401_and_changes_nothing(harness: Harness) -> None:
    view_id, view = harness.open_modal()
    calls_before = len(harness.slack.calls)
    assert harness.driver.command("open", signature="v0=" + "0" * 64).status == 401
    assert harness.driver.command("list", user=TEAM_USERS[0], timestamp=int(time.time()) - 6 * 60).status == 401
    forged = harness.driver.view_submission(view, report_values(), view_id=view_id, signature="v0=forged")
    assert forged.status == 401
    stale = harness.driver.view_submission(view, report_values(), view_id=view_id, timestamp=int(time.time()) - 301)
    assert stale.status == 401
    time.sleep(0.2)
    assert len(harness.slack.calls) == calls_before
    with harness.database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 0


def test_ambiguous_missing_and_future_times_come_back_as_field_errors(harness: Harness) -> None:
    view_id, view = harness.open_modal()
    cases = {
        "25/10/2026 01:30": "happened twice",
        "29/03/2026 01:30": "does not exist",
        "24/11/2026 09:00": "in the future",
        "yesterday-ish": "not a date and time",
    }
    for typed, problem in cases.items():
        reply = harness.submit(view_id, view, report_values(aware=typed))
        assert reply.status == 200
        answer = reply.json()
        assert answer["response_action"] == "errors"
        assert list(answer["errors"]) == ["aware_at"] and problem in answer["errors"]["aware_at"]
    assert harness.incidents() == []
    # Saying which 01:30 settles it.
    assert harness.submit(view_id, view, report_values(aware="25/10/2026 01:30 GMT")).body == ""
    harness.wait_for_call("pins.add")
    [incident] = harness.incidents()
    assert incident.aware_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC) and incident.late
