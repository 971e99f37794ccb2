"""When Slack fails: rate limits are waited out, outages never lose the incident, setup resumes;
unexpected errors and malformed payloads get a clear answer, never a traceback."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

import pytest

from bot.services import incidents as incident_service
from bot.services.timeline import events_for
from tests.slack.conftest import REPORTER, TEAM_USERS, Harness, channel_message_text, report_values


def test_a_rate_limited_channel_creation_is_retried_after_retry_after(harness: Harness) -> None:
    harness.slack.rate_limit("conversations.create", retry_after=1)
    incident = harness.report()
    first, second = harness.slack.calls_to("conversations.create")
    assert second.at - first.at >= 0.95
    assert len(harness.slack.channels) == 1 and incident.slack_channel_id in harness.slack.channels


def test_a_channel_made_but_its_answer_lost_is_found_again_not_made_twice(
    make_harness: Callable[..., Harness],
) -> None:
    harness = make_harness(sleep=lambda seconds: time.sleep(min(seconds, 0.01)))
    view_id, view = harness.open_modal()
    # Slack makes the channel but the answer is lost (a 500 after acting): the wrapper must not repeat the call.
    harness.slack.fail("conversations.create", "internal_error", status=500, applied=True)
    assert harness.submit(view_id, view).body == ""
    dm = harness.wait_for(
        lambda: next((m for m in harness.slack.messages if m["channel"] == REPORTER), None), "the DM to the reporter"
    )
    assert len(harness.slack.calls_to("conversations.create")) == 1
    [incident] = harness.incidents()
    harness.driver.block_action("retry_setup", incident.ref, user=REPORTER, channel=dm["channel"], message_ts=dm["ts"])
    harness.wait_for_call("pins.add")
    assert len(harness.slack.channels) == 1
    [channel] = harness.slack.channels.values()
    assert harness.incidents()[0].slack_channel_id == channel.id and len(channel.pins) == 1


def test_slack_down_during_setup_keeps_the_incident_and_retry_resumes(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(sleep=lambda seconds: time.sleep(min(seconds, 0.01)))
    view_id, view = harness.open_modal()
    harness.slack.fail("conversations.invite", "service_unavailable", status=503, times=None)
    assert harness.submit(view_id, view).body == ""
    dm = harness.wait_for(
        lambda: next((m for m in harness.slack.messages if m["channel"] == REPORTER), None), "the DM to the reporter"
    )
    [incident] = harness.incidents()
    assert incident.slack_channel_id  # the channel step finished and is remembered
    shown = channel_message_text(dm)
    assert "BR-2026-0001" in shown and "inviting you to the channel" in shown and "Retry setup" in shown
    with harness.database.unit_of_work() as session:
        assert events_for(session, session.merge(incident))[-1].kind == "slack_setup_failed"

    status = harness.driver.command("status", user=REPORTER).json()
    assert "retry_setup" in str(status["blocks"])

    harness.slack.clear_failures()
    reply = harness.driver.block_action(
        "retry_setup", incident.ref, user=REPORTER, channel=dm["channel"], message_ts=dm["ts"]
    )
    assert reply.status == 200
    harness.wait_for_call("pins.add")
    harness.wait_for_call("chat.update")
    assert len(harness.slack.calls_to("conversations.create")) == 1 and len(harness.slack.channels) == 1
    channel = harness.slack.channels[incident.slack_channel_id]
    assert REPORTER in channel.members and set(TEAM_USERS) <= channel.members and len(channel.pins) == 1
    assert "is set up" in harness.slack.messages_in(REPORTER)[0]["text"]
    # Pressing the old button again does nothing more.
    harness.driver.block_action("retry_setup", incident.ref, user=REPORTER, channel=dm["channel"], message_ts=dm["ts"])
    time.sleep(0.2)
    assert len(harness.slack.calls_to("pins.add")) == 1


def test_a_stranger_cannot_retry_someone_elses_setup(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(sleep=lambda seconds: None)
    view_id, view = harness.open_modal()
    harness.slack.go_down()
    assert harness.submit(view_id, view).body == ""
    harness.wait_for(lambda: harness.incidents(), "the incident to be stored despite the outage")
    harness.wait_for(lambda: len(harness.slack.calls_to("chat.postMessage")) >= 1, "the attempt to tell the reporter")
    harness.slack.clear_failures()
    harness.driver.block_action("retry_setup", "BR-2026-0001", user="U_STRANGER")
    message = harness.wait_for(
        lambda: [m for m in harness.slack.messages if m["channel"] == "U_STRANGER"], "the refusal"
    )
    assert "Only the reporter or the privacy team" in message[0]["text"]
    assert harness.slack.channels == {}


def test_an_unexpected_error_is_logged_and_shown_with_the_same_error_id(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database fell over")

    monkeypatch.setattr(incident_service, "list_incidents", broken)
    with caplog.at_level(logging.ERROR, logger="breachbot.slack"):
        answer = harness.driver.command("list", user=TEAM_USERS[0]).json()
    match = re.fullmatch(r"Something went wrong \(error id ([0-9a-f]{6})\)\..*", answer["text"])
    assert match, answer
    assert "Traceback" not in answer["text"] and "fell over" not in answer["text"]
    assert any(match.group(1) in record.getMessage() for record in caplog.records)


def test_malformed_submissions_get_field_errors(harness: Harness) -> None:
    view_id, view = harness.open_modal()
    empty = harness.driver.view_submission(view, {}, view_id=view_id).json()
    assert set(empty["errors"]) == {"title", "description", "aware_at", "regimes"}
    huge = harness.submit(view_id, view, report_values(title="x" * 10_000, description="y" * 25_000)).json()
    assert set(huge["errors"]) == {"title", "description"}
    processor = harness.submit(view_id, view, report_values(regimes=(), processor=True)).json()
    assert set(processor["errors"]) == {"controller"}
    nothing = harness.submit(view_id, view, report_values(regimes=())).json()
    assert set(nothing["errors"]) == {"regimes"}
    bogus = harness.driver.view_submission(
        view, {"title": "not a dict", "regimes": {"value": {"selected_options": [{"value": "mars"}]}}}, view_id=view_id
    ).json()
    assert "unknown regime 'mars'" in bogus["errors"]["regimes"]
    assert harness.incidents() == []
    unicode = harness.report(title="Données clients – fuite 😀 ✓")
    assert harness.slack.channels[unicode.slack_channel_id].name == "br-2026-0001-donnees-clients-fuite"


def test_the_message_shortcut_prefills_the_report_from_the_message_and_its_link(harness: Harness) -> None:
    harness.driver.message_shortcut(
        "report_breach", "Sent the payroll file to the wrong Sam\nsorry!", message_ts="1700000000.000100"
    )
    harness.wait_for_call("views.open")
    view = harness.wait_for(lambda: next(iter(harness.slack.views.values()), None), "the modal")
    values = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert values["title"] == "Sent the payroll file to the wrong Sam"
    assert "> Sent the payroll file" in values["description"]
    assert "https://sandbox.slack.com/archives/C_GENERAL/p1700000000000100" in values["description"]
    assert not harness.slack.calls_to("chat.getPermalink")
