"""Every modal submission and button acts once, however often Slack delivers it: the copies are answered
by the one de-duplication middleware (bot/slack/middleware/dedupe.py) and write and post nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.services.timeline import events_for
from bot.slack.sandbox.driver import SlackDriver
from bot.slack.views.org import SETUP_CALLBACK
from bot.slack.views.triage import OVERRIDE_CALLBACK
from bot.store.models import Incident
from tests.slack.conftest import REPORTER, TEAM_USERS, Harness, channel_message_text, report_values
from tests.slack.test_facts_slack import values as facts_values
from tests.slack.test_org_setup import values_from
from tests.slack.test_reporting_slack import text_values
from tests.slack.test_triage import ANSWERS, open_triage, override_values, triage_values, triaged

DPO = TEAM_USERS[0]


def twice_at_once(harness: Harness, payload: dict[str, Any]) -> list[str]:
    """The same delivery twice, concurrently; both are answered 200. Returns the two bodies."""
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda _: harness.driver.interaction(payload), range(2)))
    assert [r.status for r in replies] == [200, 200], [r.body for r in replies]
    return [r.body for r in replies]


def kinds(harness: Harness, incident: Incident) -> list[str]:
    # Loaded afresh: merging the caller's old copy would write its stale timeline count back.
    with harness.database.unit_of_work() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        return [e.kind for e in events_for(session, stored)]


def posted(harness: Harness, channel: str | None, words: str) -> list[dict[str, Any]]:
    return [m for m in harness.slack.messages_in(channel) if words in channel_message_text(m)]


def told(harness: Harness, user: str, words: str) -> list[str]:
    return [
        str(e.get("text")) for e in harness.slack.ephemerals if e.get("user") == user and words in str(e.get("text"))
    ]


def modal_from(harness: Harness, press: Callable[[], object], callback_id: str) -> tuple[str, dict[str, Any]]:
    before = set(harness.slack.views)
    press()
    view_id = harness.wait_for(
        lambda: next(
            (v for v in set(harness.slack.views) - before if harness.slack.views[v].get("callback_id") == callback_id),
            None,
        ),
        f"the {callback_id} modal",
    )
    return view_id, harness.slack.views[view_id]


def settle(harness: Harness, condition: Callable[[], object], what: str, quiet: float = 0.25) -> None:
    """Wait for the delivery that acted, then until Slack has heard nothing more for `quiet` seconds: a
    copy that slipped through would post after its ack, so counting at once could miss it."""
    harness.wait_for(condition, what)
    last, since = len(harness.slack.calls), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.02)
        if len(harness.slack.calls) != last:
            last, since = len(harness.slack.calls), time.monotonic()


def test_add_update_submitted_twice_writes_one_event_and_one_channel_post(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = modal_from(
        harness,
        lambda: harness.driver.block_action("add_update", incident.ref, user=REPORTER, channel=channel),
        "add_update",
    )
    payload = SlackDriver.view_submission_payload(
        view, text_values(known="Police have the CCTV"), user=REPORTER, view_id=view_id
    )

    def posted() -> list[dict[str, Any]]:
        return [m for m in harness.slack.messages_in(channel) if "Status update" in str(m.get("text"))]

    twice_at_once(harness, payload)
    settle(harness, posted, "the update in the channel")
    assert kinds(harness, incident).count("update") == 1
    assert len(posted()) == 1
    # A later, separate update (a new modal) is its own event.
    view_id, view = modal_from(
        harness,
        lambda: harness.driver.block_action("add_update", incident.ref, user=REPORTER, channel=channel),
        "add_update",
    )
    harness.driver.view_submission(view, text_values(known="Police have the CCTV"), user=REPORTER, view_id=view_id)
    settle(harness, lambda: len(posted()) == 2, "the second update in the channel")
    assert kinds(harness, incident).count("update") == 2


def test_delay_reasons_submitted_twice_posts_one_confirmation(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = modal_from(
        harness,
        lambda: harness.driver.block_action("delay_reasons", incident.ref, user=DPO, channel=channel),
        "delay_reasons",
    )
    payload = SlackDriver.view_submission_payload(
        view, text_values(text="The supplier told us late"), user=DPO, view_id=view_id
    )
    twice_at_once(harness, payload)
    settle(harness, lambda: posted(harness, channel, "recorded the reasons for delay"), "the post")
    assert len(posted(harness, channel, "recorded the reasons for delay")) == 1
    assert kinds(harness, incident).count("delay_reasons") == 1


def test_facts_submitted_twice_record_and_post_once(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = modal_from(
        harness, lambda: harness.driver.command("facts", user=DPO, channel=channel), "register_facts"
    )
    payload = SlackDriver.view_submission_payload(
        view, facts_values(others_told="The police"), user=DPO, view_id=view_id
    )
    twice_at_once(harness, payload)
    settle(harness, lambda: posted(harness, channel, "recorded register facts"), "the post")
    assert len(posted(harness, channel, "recorded register facts")) == 1
    assert kinds(harness, incident).count("facts") == 1


def test_ico_report_and_awareness_change_submitted_twice_act_once(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = modal_from(
        harness,
        lambda: harness.driver.block_action("ico_reported", incident.ref, user=DPO, channel=channel),
        "ico_reported",
    )
    twice_at_once(
        harness,
        SlackDriver.view_submission_payload(
            view, text_values(case_ref="IC-1", reported_at=""), user=DPO, view_id=view_id
        ),
    )
    settle(harness, lambda: posted(harness, channel, "was reported to the ICO"), "the report post")
    view_id, view = modal_from(
        harness,
        lambda: harness.driver.block_action("aware_change", incident.ref, user=DPO, channel=channel),
        "aware_change",
    )
    values = text_values(aware_at="23/11/2026 08:00", reason="The log shows an earlier time")
    twice_at_once(harness, SlackDriver.view_submission_payload(view, values, user=DPO, view_id=view_id))
    settle(harness, lambda: posted(harness, channel, "changed when the organisation became aware"), "the change post")
    assert len(posted(harness, channel, "was reported to the ICO")) == 1
    assert len(posted(harness, channel, "changed when the organisation became aware")) == 1
    found = kinds(harness, incident)
    assert found.count("ico_reported") == 1 and found.count("aware_at_changed") == 1, found


def test_triage_submitted_twice_is_one_assessment_and_one_post(harness: Harness) -> None:
    incident = harness.report()
    view_id, view = open_triage(harness, incident)
    twice_at_once(harness, SlackDriver.view_submission_payload(view, triage_values(ANSWERS), user=DPO, view_id=view_id))
    settle(harness, lambda: posted(harness, incident.slack_channel_id, "Triage v1"), "the triage post")
    assert kinds(harness, incident).count("assessed") == 1
    assert len(posted(harness, incident.slack_channel_id, "Triage v")) == 1


def test_the_report_modal_submitted_twice_opens_one_incident(harness: Harness) -> None:
    view_id, view = harness.open_modal()
    twice_at_once(harness, SlackDriver.view_submission_payload(view, report_values(), user=REPORTER, view_id=view_id))
    harness.wait_for_call("pins.add")
    assert len(harness.incidents()) == 1 and len(harness.slack.channels) == 1


def test_a_button_payload_delivered_twice_acts_once(harness: Harness) -> None:
    incident = triaged(harness)
    channel = incident.slack_channel_id
    press = SlackDriver.block_action_payload("drafts_post", incident.ref, user=DPO, channel=channel)
    twice_at_once(harness, press)
    settle(harness, lambda: harness.slack.calls_to("files.completeUploadExternal"), "the upload")
    assert kinds(harness, incident).count("drafts_posted") == 1
    assert not posted(harness, channel, "have not changed")
    # Pressing again is a new press (its own action_ts): it acts, and says nothing changed.
    harness.driver.block_action("drafts_post", incident.ref, user=DPO, channel=channel)
    settle(harness, lambda: posted(harness, channel, "have not changed"), "the second press's answer")


def test_a_copy_of_a_form_refused_with_field_errors_is_checked_again(harness: Harness) -> None:
    """Field errors give the claim back: sending the same form again gets the same errors, not silence."""
    incident = harness.report()
    view_id, view = modal_from(
        harness,
        lambda: harness.driver.block_action("delay_reasons", incident.ref, user=DPO, channel=incident.slack_channel_id),
        "delay_reasons",
    )
    payload = SlackDriver.view_submission_payload(view, text_values(text=""), user=DPO, view_id=view_id)
    for _ in range(2):
        reply = harness.driver.interaction(payload)
        assert "Give the reasons" in reply.json()["errors"]["text"]


def test_the_override_submitted_twice_is_one_override_and_one_post(harness: Harness) -> None:
    incident = triaged(harness)
    channel = incident.slack_channel_id
    view_id, view = modal_from(
        harness,
        lambda: harness.driver.block_action("triage_override", incident.ref, user=DPO, channel=channel),
        OVERRIDE_CALLBACK,
    )
    reason = "The laptop was recovered sealed and forensics show it was never powered on."
    twice_at_once(
        harness,
        SlackDriver.view_submission_payload(view, override_values("no", "no", reason), user=DPO, view_id=view_id),
    )
    settle(harness, lambda: posted(harness, channel, "overrode"), "the override post")
    assert len(posted(harness, channel, "overrode")) == 1
    assert kinds(harness, incident).count("override") == 1


def test_the_profile_saved_twice_is_confirmed_once(harness: Harness) -> None:
    view_id, view = modal_from(harness, lambda: harness.driver.command("setup", user=DPO), SETUP_CALLBACK)
    values = values_from(view, name="Acme Ltd", dpo_email="dpo@acme.example")
    twice_at_once(harness, SlackDriver.view_submission_payload(view, values, user=DPO, view_id=view_id))
    settle(harness, lambda: told(harness, DPO, "Saved the organisation profile"), "the confirmation")
    assert len(told(harness, DPO, "Saved the organisation profile")) == 1


def test_each_button_that_opens_a_modal_delivered_twice_opens_one(harness: Harness) -> None:
    incident = harness.report()
    for action_id in ("add_update", "delay_reasons", "ico_reported", "aware_change", "close_incident", "triage_open"):
        opened = len(harness.slack.calls_to("views.open"))
        press = SlackDriver.block_action_payload(action_id, incident.ref, user=DPO, channel=incident.slack_channel_id)
        twice_at_once(harness, press)
        settle(harness, lambda: len(harness.slack.calls_to("views.open")) > opened, f"the {action_id} modal")  # noqa: B023
        assert len(harness.slack.calls_to("views.open")) == opened + 1, action_id
