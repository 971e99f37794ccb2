"""Recording the ICO report and changing the awareness time from Slack, end to end through the real app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services.timeline import events_for
from bot.store.models import AlertPlan, Incident, PlannedAlert
from bot.store.models.alerts import LIVE_STATES
from tests.conftest import NOW
from tests.slack.conftest import OUTSIDER, TEAM_USERS, Harness, channel_message_text

DPO = TEAM_USERS[0]


def text_values(**fields: str) -> dict[str, object]:
    return {block: {"value": {"type": "plain_text_input", "value": value or None}} for block, value in fields.items()}


def ephemeral_texts(harness: Harness, user: str) -> list[str]:
    return [str(e.get("text")) for e in harness.slack.ephemerals if e.get("user") == user]


def wait_for_ephemeral(harness: Harness, user: str, words: str) -> str:
    return harness.wait_for(
        lambda: next((t for t in ephemeral_texts(harness, user) if words in t), None), f"ephemeral {words!r}"
    )


def live_alerts(harness: Harness, incident_id: int) -> list[PlannedAlert]:
    with harness.database.unit_of_work() as session:
        return list(
            session.scalars(
                select(PlannedAlert).where(PlannedAlert.incident_id == incident_id, PlannedAlert.state.in_(LIVE_STATES))
            )
        )


def summary_of(harness: Harness, incident: Incident) -> dict:
    return next(m for m in harness.slack.messages_in(incident.slack_channel_id) if m["ts"] == incident.slack_summary_ts)


def summary_buttons(harness: Harness, incident: Incident) -> list[str]:
    blocks = summary_of(harness, incident)["blocks"]
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_breach_reported_stops_the_ico_alerts_updates_the_summary_and_is_safe_twice(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    assert live_alerts(harness, incident.id) and "ico_reported" in summary_buttons(harness, incident)

    refused = harness.driver.command("reported IC-1", user=OUTSIDER, channel=channel)
    assert refused.status == 200 and "Only the privacy team" in refused.json()["text"]

    assert harness.driver.command("reported IC-123456-<b>", user=DPO, channel=channel).status == 200
    harness.wait_for_call("chat.update")
    [stored] = harness.incidents()
    assert stored.status == "reported" and stored.ico_case_ref == "IC-123456-<b>"
    assert stored.ico_reported_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert live_alerts(harness, incident.id) == []  # no alert of the ICO clock is still to come
    shown = channel_message_text(summary_of(harness, stored))
    assert "Reported to the ICO" in shown and "*ICO case reference:* IC-123456-&lt;b&gt;" in shown
    assert "ico_reported" not in summary_buttons(harness, stored)
    wait_for_ephemeral(harness, DPO, "Recorded: BR-2026-0001 reported to the ICO")
    posts = harness.slack.messages_in(channel)[1:]
    assert len(posts) == 1 and "was reported to the ICO" in posts[0]["text"] and "<b>" not in posts[0]["text"]

    harness.driver.command("reported IC-123456-<b>", user=DPO, channel=channel)
    wait_for_ephemeral(harness, DPO, "already recorded as reported")
    harness.driver.command("reported IC-999", user=DPO, channel=channel)
    wait_for_ephemeral(harness, DPO, "already recorded as reported with ICO case reference")
    assert len(harness.slack.messages_in(channel)) == 2 and harness.incidents()[0].ico_case_ref == "IC-123456-<b>"
    with harness.database.unit_of_work() as session:
        kinds = [e.kind for e in events_for(session, session.merge(stored))]
    assert kinds.count("ico_reported") == 1 and kinds.count("alerts_stopped") == 1


def test_ico_button_opens_a_modal_whose_time_errors_are_field_errors(harness: Harness) -> None:
    incident = harness.report()
    before = set(harness.slack.views)
    harness.driver.block_action("ico_reported", incident.ref, user=DPO, channel=incident.slack_channel_id)
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the ICO modal")
    view = harness.slack.views[view_id]
    picker = next(b for b in view["blocks"] if b.get("block_id") == "reported_at_picker")["element"]
    assert picker["type"] == "datetimepicker" and picker["initial_date_time"] == int(NOW.timestamp())  # now

    # `/breach reported BR-...` (as the alerts suggest) names the incident: it opens the same modal and
    # never stores the incident's own reference as the ICO's.
    before = set(harness.slack.views)
    harness.driver.command(f"reported {incident.ref.lower()}", user=DPO, channel="C_GENERAL")
    [named] = harness.wait_for(lambda: set(harness.slack.views) - before, "the modal for a named incident")
    assert json.loads(harness.slack.views[named]["private_metadata"])["ref"] == incident.ref

    cases = {"tomorrow-ish": "not a date and time", "23/11/2026 08:00": "before the organisation"}
    for typed, problem in cases.items():
        reply = harness.driver.view_submission(
            view, text_values(case_ref="IC-9", reported_at=typed), user=DPO, view_id=view_id
        )
        assert reply.json()["response_action"] == "errors"
        assert problem in reply.json()["errors"]["reported_at"]
    assert harness.incidents()[0].ico_reported_at is None

    reply = harness.driver.view_submission(
        view, text_values(case_ref="IC-9", reported_at="23/11/2026 11:30"), user=DPO, view_id=view_id
    )
    assert reply.status == 200 and not reply.body
    harness.wait_for_call("chat.update")
    [stored] = harness.incidents()
    assert stored.ico_reported_at == datetime(2026, 11, 23, 11, 30, tzinfo=UTC) and stored.ico_case_ref == "IC-9"


def test_awareness_change_replans_alerts_posts_before_and_after_and_refuses_non_members(harness: Harness) -> None:
    incident = harness.report()  # aware 23/11/2026 09:00 GMT
    channel = incident.slack_channel_id

    refused = harness.driver.command("aware-at", user=OUTSIDER, channel=channel)
    assert "Only the privacy team" in refused.json()["text"]
    harness.driver.block_action("aware_change", incident.ref, user=OUTSIDER, channel=channel)
    wait_for_ephemeral(harness, OUTSIDER, "Only the privacy team")
    assert not harness.slack.calls_to("views.open")[1:]  # only the report modal ever opened

    before = set(harness.slack.views)
    harness.driver.command("aware-at", user=DPO, channel=channel)
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "the awareness modal")
    view = harness.slack.views[view_id]
    reply = harness.driver.view_submission(view, text_values(aware_at="29/03/2026 01:30", reason=""), user=DPO)
    errors = reply.json()["errors"]
    assert "does not exist" in errors["aware_at"] and "Say why" in errors["reason"]

    values = text_values(aware_at="22/11/2026 18:00", reason="The log shows the <email> was sent on Sunday")
    assert harness.driver.view_submission(view, values, user=DPO, view_id=view_id).body == ""
    harness.wait_for_call("chat.update")
    [stored] = harness.incidents()
    assert stored.aware_at == datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
    with harness.database.unit_of_work() as session:
        assert session.get(AlertPlan, incident.id).generation == 2
    live = live_alerts(harness, incident.id)
    assert live and {a.generation for a in live} == {2}
    deadline = max(a.due_at for a in live if a.kind == "deadline")
    assert deadline == stored.aware_at + timedelta(hours=72)
    [post] = harness.slack.messages_in(channel)[1:]
    assert "Sun 22 Nov 2026, 18:00 GMT" in post["text"] and "Mon 23 Nov 2026, 09:00 GMT" in post["text"]
    assert "&lt;email&gt;" in post["text"]
    assert "Sun 22 Nov 2026, 18:00 GMT" in channel_message_text(summary_of(harness, stored))

    # Elsewhere, the modal opens at once (the trigger's 3 seconds) and is then replaced by a note.
    before = set(harness.slack.views)
    harness.driver.command("aware-at", user=DPO, channel="C_GENERAL")
    harness.wait_for_call("views.update")
    [elsewhere] = set(harness.slack.views) - before
    assert "incident's own channel" in channel_message_text({"blocks": harness.slack.views[elsewhere]["blocks"]})
