"""`/breach facts`: the register facts from Slack, team only, times parsed, changes on the timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.timeline import events_for
from bot.store.models import Incident
from tests.slack.conftest import TEAM_USERS, Harness, channel_message_text


def open_facts(harness: Harness, channel: str, user: str = TEAM_USERS[0]) -> tuple[str, dict]:
    before = set(harness.slack.views)
    reply = harness.driver.command("facts", user=user, channel=channel)
    assert reply.status == 200
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "views.open")
    harness.wait_for(lambda: harness.slack.views[view_id].get("callback_id") == "register_facts", "the filled modal")
    return view_id, harness.slack.views[view_id]


def values(**fields: str) -> dict:
    answers = {
        key: {"value": {"type": "plain_text_input", "value": fields.get(key, "")}}
        for key in (
            "likely_consequences",
            "staff_involved",
            "others_told",
            "individuals_told_at",
            "individuals_told_how",
            "staff_training",
            "reasons_not_told",
            "advice_from",
            "advice_at",
            "advice_text",
        )
    }
    cause = fields.get("cause_category")
    answers["cause_category"] = {
        "value": {"type": "static_select", "selected_option": {"value": cause} if cause else None}
    }
    cyber = fields.get("cyber", "unknown")
    answers["cyber_incident"] = {"value": {"type": "radio_buttons", "selected_option": {"value": cyber}}}
    return answers


def test_facts_are_recorded_and_posted_in_the_channel(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = open_facts(harness, channel)
    submitted = values(
        likely_consequences="Phishing <attempts>", cyber="yes", individuals_told_at="23/11/2026 09:30",
        individuals_told_how="Email to each customer", cause_category="phishing",
        staff_training="Annual training, March 2026",
    )  # fmt: skip
    reply = harness.driver.view_submission(view, submitted, user=TEAM_USERS[0], view_id=view_id)
    assert reply.status == 200 and reply.body == ""
    with harness.database.unit_of_work() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        assert stored.likely_consequences == "Phishing <attempts>"
        assert stored.cyber_incident is True
        assert stored.cause_category == "phishing" and stored.staff_training == "Annual training, March 2026"
        assert stored.individuals_told_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
        assert events_for(session, stored)[-1].kind == "facts"
    posted = harness.wait_for(
        lambda: [channel_message_text(m) for m in harness.slack.messages_in(channel) if "register facts" in
                 channel_message_text(m)], "the channel post")  # fmt: skip
    assert "Phishing &lt;attempts&gt;" in posted[0] and "Cause: Phishing" in posted[0]
    # Opening again shows what is stored; submitting the same again records nothing new.
    view_id, view = open_facts(harness, channel)
    assert "Phishing <attempts>" in str(view["blocks"])
    harness.driver.view_submission(view, submitted, user=TEAM_USERS[0], view_id=view_id)
    with harness.database.unit_of_work() as session:
        assert [e.kind for e in events_for(session, session.get(Incident, incident.id))].count("facts") == 1


def test_a_bad_time_is_a_field_error_and_outsiders_are_refused(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    refused = harness.driver.command("facts", user="U_OUTSIDER", channel=channel)
    assert "privacy team" in refused.json()["text"]
    view_id, view = open_facts(harness, channel)
    reply = harness.driver.view_submission(
        view, values(individuals_told_at="25/10/2026 01:30"), user=TEAM_USERS[0], view_id=view_id
    )
    assert reply.json()["response_action"] == "errors"
    assert "happened twice" in reply.json()["errors"]["individuals_told_at"]
    forged = harness.driver.view_submission(view, values(likely_consequences="x"), user="U_OUTSIDER", view_id=view_id)
    assert forged.status == 200
    with harness.database.unit_of_work() as session:
        assert session.get(Incident, incident.id).likely_consequences is None  # type: ignore[union-attr]


def test_advice_received_is_recorded_once_with_who_when_and_what(harness: Harness) -> None:
    from sqlalchemy import select

    from bot.store.models import AdviceReceived

    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = open_facts(harness, channel)
    half = harness.driver.view_submission(view, values(advice_from="ICO helpline"), user=TEAM_USERS[0], view_id=view_id)
    assert set(half.json()["errors"]) == {"advice_at", "advice_text"}
    advice = values(advice_from="ICO helpline", advice_at="23/11/2026 09:00", advice_text="Report <now>")
    assert harness.driver.view_submission(view, advice, user=TEAM_USERS[0], view_id=view_id).body == ""
    # The same submission again (a retry or a double click) adds nothing.
    harness.driver.view_submission(view, advice, user=TEAM_USERS[0], view_id=view_id)
    with harness.database.unit_of_work() as session:
        rows = list(session.scalars(select(AdviceReceived).where(AdviceReceived.incident_id == incident.id)))
        assert [(r.adviser, r.given_at, r.advice) for r in rows] == [
            ("ICO helpline", datetime(2026, 11, 23, 9, 0, tzinfo=UTC), "Report <now>")
        ]
    posted = harness.wait_for(
        lambda: [channel_message_text(m) for m in harness.slack.messages_in(channel) if "Advice from" in
                 channel_message_text(m)], "the channel post")  # fmt: skip
    assert "Advice from ICO helpline" in posted[0] and "Report &lt;now&gt;" in posted[0]


def test_advice_time_from_the_picker_is_the_same_instant_as_typed(harness: Harness) -> None:
    from sqlalchemy import select

    from bot.store.models import AdviceReceived

    incident = harness.report()
    view_id, view = open_facts(harness, incident.slack_channel_id)
    assert any(b.get("block_id") == "advice_at_picker" for b in view["blocks"])
    picked = values(advice_from="Our lawyers", advice_text="Tell the ICO today")
    given = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    picked["advice_at_picker"] = {"value": {"type": "datetimepicker", "selected_date_time": int(given.timestamp())}}
    assert harness.driver.view_submission(view, picked, user=TEAM_USERS[0], view_id=view_id).body == ""
    with harness.database.unit_of_work() as session:
        rows = list(session.scalars(select(AdviceReceived).where(AdviceReceived.incident_id == incident.id)))
        assert [(r.adviser, r.given_at) for r in rows] == [("Our lawyers", given)]
    future = values(advice_from="Our lawyers", advice_text="Later advice")
    future["advice_at_picker"] = {
        "value": {"type": "datetimepicker", "selected_date_time": int(harness.clock.now().timestamp()) + 86400}
    }
    refused = harness.driver.view_submission(view, future, user=TEAM_USERS[0], view_id=view_id).json()
    assert set(refused["errors"]) == {"advice_at_picker"}
