"""When things happened, from Slack: the remedial-action form with its time, `/breach controller-told`
for a processor, and the facts modal's measures in place, account for people and contractual deadline."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.slack.views.summary import deadline_lines
from bot.store.models import Incident, PlannedAlert, RemedialAction
from bot.store.models.alerts import LIVE_STATES
from tests.slack.conftest import OUTSIDER, REPORTER, TEAM_USERS, Harness, channel_message_text
from tests.slack.test_facts_slack import open_facts, values
from tests.slack.test_reporting_slack import text_values

DPO = TEAM_USERS[0]
LONDON = ZoneInfo("Europe/London")


def open_from(harness: Harness, text: str, channel: str, user: str) -> tuple[str, dict]:
    before = set(harness.slack.views)
    assert harness.driver.command(text, user=user, channel=channel).status == 200
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "views.open")
    return view_id, harness.slack.views[view_id]


def posts(harness: Harness, channel: str, words: str) -> list[str]:
    return [t for m in harness.slack.messages_in(channel) if words in (t := channel_message_text(m))]


def test_the_action_form_records_when_the_action_was_done(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    view_id, view = open_from(harness, "action", channel, REPORTER)
    assert view["callback_id"] == "remedial_action"
    bad = {**text_values(text="Wiped the laptop remotely", at="29/03/2026 01:30"),
           "state": {"value": {"type": "radio_buttons", "selected_option": {"value": "done"}}}}  # fmt: skip
    errors = harness.driver.view_submission(view, bad, user=REPORTER, view_id=view_id).json()["errors"]
    assert "does not exist" in errors["at"]
    good = {**bad, **text_values(text="Wiped the laptop remotely", at="23/11/2026 10:15")}
    assert harness.driver.view_submission(view, good, user=REPORTER, view_id=view_id).body == ""
    with harness.database.unit_of_work() as session:
        [action] = session.scalars(select(RemedialAction)).all()
        assert action.happened_at == datetime(2026, 11, 23, 10, 15, tzinfo=UTC) and not action.planned
    harness.wait_for(lambda: posts(harness, channel, "Wiped the laptop remotely"), "the channel post")
    # Submitting the same again (a double click) records and posts nothing more.
    assert harness.driver.view_submission(view, good, user=REPORTER, view_id=view_id).body == ""
    with harness.database.unit_of_work() as session:
        assert len(session.scalars(select(RemedialAction)).all()) == 1


def test_controller_told_stops_the_processor_alerts(harness: Harness) -> None:
    incident = harness.report(processor=True, controller="Northern Water plc", regimes=())
    channel = incident.slack_channel_id
    refused = harness.driver.command("controller-told", user=OUTSIDER, channel=channel)
    assert "Only the privacy team" in refused.json()["text"]
    view_id, view = open_from(harness, "controller-told", channel, DPO)
    errors = harness.driver.view_submission(view, text_values(at="23/11/2026 10:00", how=""), user=DPO).json()
    assert "Say how" in errors["errors"]["how"]
    told = text_values(at="23/11/2026 10:00", how="Phone call to their <DPO>")
    assert harness.driver.view_submission(view, told, user=DPO, view_id=view_id).body == ""
    with harness.database.unit_of_work() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None and stored.controller_told_at == datetime(2026, 11, 23, 10, tzinfo=UTC)
        live = session.scalars(
            select(PlannedAlert).where(PlannedAlert.incident_id == incident.id, PlannedAlert.state.in_(LIVE_STATES))
        ).all()
        assert live == []
    [posted] = harness.wait_for(lambda: posts(harness, channel, "was told about"), "the channel post")
    assert "Phone call to their &lt;DPO&gt;" in posted and "Northern Water plc" in posted
    assert harness.driver.view_submission(view, told, user=DPO, view_id=view_id).body == ""
    assert len(posts(harness, channel, "was told about")) == 1


def test_facts_modal_asks_for_measures_the_account_for_people_and_a_processors_contract(harness: Harness) -> None:
    incident = harness.report(processor=True, controller="Northern Water plc", regimes=())
    view_id, view = open_facts(harness, incident.slack_channel_id)
    blocks = [b.get("block_id") for b in view["blocks"]]
    assert {"measures_in_place", "public_description", "public_consequences", "contract_hours"} <= set(blocks)
    submitted = values() | text_values(
        measures_in_place="MFA and access reviews",
        public_description="Someone copied a list with your name on it.",
        contract_hours="24",
    )
    assert harness.driver.view_submission(view, submitted, user=DPO, view_id=view_id).body == ""
    with harness.database.unit_of_work() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        assert stored.measures_in_place == "MFA and access reviews" and stored.contract_hours == 24
        assert stored.public_description == "Someone copied a list with your name on it."
    view_id, view = open_facts(harness, incident.slack_channel_id)
    bad = values() | text_values(contract_hours="a day")
    assert "whole number" in harness.driver.view_submission(view, bad, user=DPO).json()["errors"]["contract_hours"]
    own = harness.report()
    _, view = open_facts(harness, own.slack_channel_id)
    assert "contract_hours" not in [b.get("block_id") for b in view["blocks"]]


def test_the_pinned_summary_shows_the_contract_deadline_then_that_the_controller_was_told(harness: Harness) -> None:
    incident = harness.report(processor=True, controller="Northern Water plc", regimes=())
    with harness.database.unit_of_work() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        assert deadline_lines(stored, harness.clock.now(), LONDON) == [
            "• *Processor to controller*: tell the controller without undue delay"
        ]
        stored.contract_hours = 24
        assert "report to the controller by <!date^" in deadline_lines(stored, harness.clock.now(), LONDON)[0]
        stored.controller_told_at = datetime(2026, 11, 23, 10, tzinfo=UTC)
        assert "controller told <!date^" in deadline_lines(stored, harness.clock.now(), LONDON)[0]
