"""Triage in Slack end to end: the modal from the summary button or `/breach triage`, the result in the
incident channel, the pinned summary, overrides, and who may do any of it."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from slack_sdk.models.views import View
from sqlalchemy import event, select

from bot.domain.triage import QUESTIONS
from bot.slack import state
from bot.slack.views.triage import CALLBACK_ID, NOT_KNOWN, OVERRIDE_CALLBACK, override_modal, triage_modal
from bot.store.models import Assessment, Incident, Override
from tests.slack.conftest import OUTSIDER, TEAM_USERS, Harness, channel_message_text

DPO = TEAM_USERS[0]
ANSWERS: dict[str, Any] = {
    "personal_data": True,
    "data_categories": ["basic_identifiers", "special_health"],
    "subject_types": ["patients"],
    "subjects_count": 1200,
    "breach_types": ["confidentiality"],
    "cause": "malicious",
    "exposure": "unknown",
    "protection": "none",
}


def triage_values(answers: dict[str, Any], **raw: str) -> dict[str, Any]:
    """A submitted triage modal's state, as Slack sends it; `raw` types a count exactly as given."""
    values: dict[str, Any] = {}
    for q in QUESTIONS:
        given = answers.get(q.key)
        if q.kind == "count":
            typed = raw.get(q.key, None if given is None else str(given))
            values[q.key] = {"value": {"type": "number_input", "value": typed}}
        elif q.kind == "text":
            values[q.key] = {"value": {"type": "plain_text_input", "value": given}}
        elif q.kind == "multi":
            values[q.key] = {"value": {"type": "checkboxes", "selected_options": [{"value": v} for v in given or []]}}
        else:
            chosen = NOT_KNOWN if given is None else ("yes" if given is True else "no" if given is False else given)
            values[q.key] = {"value": {"type": "radio_buttons", "selected_option": {"value": chosen}}}
    return values


def new_view(harness: Harness, before: set[str], callback_id: str) -> tuple[str, dict[str, Any]]:
    """The modal opened since `before`, once the bot has filled it (it opens a placeholder first)."""
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "views.open")
    harness.wait_for(lambda: harness.slack.views[view_id].get("callback_id") == callback_id, callback_id)
    return view_id, harness.slack.views[view_id]


def open_triage(harness: Harness, incident: Incident, *, user: str = DPO) -> tuple[str, dict[str, Any]]:
    before = set(harness.slack.views)
    reply = harness.driver.block_action("triage_open", incident.ref, user=user, channel=incident.slack_channel_id)
    assert reply.status == 200
    return new_view(harness, before, CALLBACK_ID)


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def posts(harness: Harness, incident: Incident, containing: str) -> list[dict[str, Any]]:
    return [m for m in harness.slack.messages_in(incident.slack_channel_id) if containing in channel_message_text(m)]


def assessments(harness: Harness) -> list[Assessment]:
    with harness.database.unit_of_work() as session:
        return list(session.scalars(select(Assessment).order_by(Assessment.version)))


def setup_complete(harness: Harness, ref: str) -> bool:
    with harness.database.unit_of_work() as session:
        current = state.setup_state(session, ref)
        return bool(current and current.complete)


def triaged(harness: Harness, answers: dict[str, Any] = ANSWERS) -> Incident:
    incident = harness.report()
    view_id, view = open_triage(harness, incident)
    assert harness.driver.view_submission(view, triage_values(answers), user=DPO, view_id=view_id).body == ""
    harness.wait_for(lambda: posts(harness, incident, "Triage v1"), "the triage result")
    return incident


def test_triage_round_trip_records_posts_and_updates_the_summary(harness: Harness) -> None:
    incident = harness.report()
    harness.wait_for(lambda: setup_complete(harness, incident.ref), "the channel setup to finish writing")
    harness.settle()
    statements: list[str] = []
    # The click's de-duplication claim (its own transaction on slack_event_seen) comes first by design.
    event.listen(
        harness.database.engine,
        "before_cursor_execute",
        lambda *args: (
            None if "slack_event_seen" in args[2] or args[2] == "BEGIN IMMEDIATE" else statements.append(args[2])
        ),
    )
    at_open: list[int] = []
    harness.slack.on_call = lambda call: at_open.append(len(statements)) if call.method == "views.open" else None
    view_id, view = open_triage(harness, incident)
    assert at_open == [0], "the modal must open before any database work"
    assert block(view, "personal_data")["element"]["initial_option"]["value"] == NOT_KNOWN
    assert "initial_value" not in block(view, "subjects_count")["element"]
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["What data", "Whose data", "How many", "What happened to it", "What protected it"]

    # A bad number comes back on its own field and nothing is stored.
    bad = harness.driver.view_submission(view, triage_values(ANSWERS, subjects_count="-5"), user=DPO, view_id=view_id)
    assert bad.json()["response_action"] == "errors" and list(bad.json()["errors"]) == ["subjects_count"]
    assert assessments(harness) == []

    assert harness.driver.view_submission(view, triage_values(ANSWERS), user=DPO, view_id=view_id).body == ""
    [result] = harness.wait_for(lambda: posts(harness, incident, "Triage v1"), "the triage result")
    [stored] = assessments(harness)
    assert stored.version == 1 and stored.answers == ANSWERS and stored.answered_by == DPO
    assert stored.result["notify_ico"] is True and stored.result["notify_individuals"] is True
    shown = channel_message_text(result)
    assert "Notify the ICO and tell the people affected" in shown
    assert stored.result["severity"]["band"].replace("_", " ") in shown
    assert all(reason.replace("&", "&amp;") in shown for reason in stored.result["reasons"])
    assert stored.result["missing"] and "*Still not known*" in shown
    assert all(q.label in shown for q in QUESTIONS if q.key in stored.result["missing"])
    buttons = [e["action_id"] for b in result["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["triage_override", "drafts_post"]

    summary = harness.wait_for(
        lambda: next(
            (c for c in harness.slack.calls_to("chat.update") if c.params["ts"] == incident.slack_summary_ts), None
        ),
        "the summary update",
    )
    summary_shown = channel_message_text(summary.params)
    assert "*Status:* Assessed" in summary_shown and "Decision (triage v1):* Notify the ICO" in summary_shown
    summary_buttons = [
        e["action_id"] for b in summary.params["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "triage_open" in summary_buttons and "drafts_post" in summary_buttons
    assert harness.incidents()[0].status == "assessed"

    # Opened again, it is pre-filled from v1; the same answers submitted again record nothing new.
    view_id, view = open_triage(harness, incident)
    assert block(view, "subjects_count")["element"]["initial_value"] == "1200"
    assert block(view, "personal_data")["element"]["initial_option"]["value"] == "yes"
    assert [o["value"] for o in block(view, "data_categories")["element"]["initial_options"]] == [
        "basic_identifiers",
        "special_health",
    ]
    assert block(view, "cause")["element"]["initial_option"]["value"] == "malicious"
    assert harness.driver.view_submission(view, triage_values(ANSWERS), user=DPO, view_id=view_id).body == ""
    harness.wait_for(lambda: any("nothing new" in e["text"] for e in harness.slack.ephemerals), "the no-change note")
    assert len(assessments(harness)) == 1 and len(posts(harness, incident, "Triage v")) == 1


def test_breach_triage_command_works_only_in_the_incident_channel(harness: Harness) -> None:
    incident = harness.report()
    before = set(harness.slack.views)
    assert harness.driver.command("triage", user=DPO, channel=incident.slack_channel_id).status == 200
    _, view = new_view(harness, before, CALLBACK_ID)
    assert json.loads(view["private_metadata"]) == {"ref": incident.ref, "channel": incident.slack_channel_id}

    before = set(harness.slack.views)
    harness.driver.command("triage", user=DPO, channel="C_GENERAL")
    view_id = harness.wait_for(lambda: max(set(harness.slack.views) - before, default=None), "views.open")
    harness.wait_for(lambda: "incident's own channel" in channel_message_text(harness.slack.views[view_id]), "notice")


def test_outsiders_cannot_triage_or_override(harness: Harness) -> None:
    incident = harness.report()
    views_before = set(harness.slack.views)
    reply = harness.driver.command("triage", user=OUTSIDER, channel=incident.slack_channel_id)
    assert "Only the privacy team" in reply.json()["text"] and reply.json()["response_type"] == "ephemeral"
    harness.driver.block_action("triage_open", incident.ref, user=OUTSIDER, channel=incident.slack_channel_id)
    harness.driver.block_action("triage_override", incident.ref, user=OUTSIDER, channel=incident.slack_channel_id)
    refusals = harness.wait_for(
        lambda: len(told := [e["text"] for e in harness.slack.ephemerals if e["user"] == OUTSIDER]) >= 2 and told,
        "two refusals",
    )
    assert sorted(t.split(") ")[1] for t in refusals) == [
        "can override a triage decision. Ask one of them.",
        "can triage incidents. Ask one of them.",
    ]

    meta = json.dumps({"ref": incident.ref, "channel": incident.slack_channel_id})
    forged = harness.driver.view_submission(
        {"type": "modal", "callback_id": CALLBACK_ID, "private_metadata": meta}, triage_values(ANSWERS), user=OUTSIDER
    )
    assert forged.json()["response_action"] == "update" and "Only the privacy team" in forged.body
    values = {
        "notify_ico": {"value": {"type": "radio_buttons", "selected_option": {"value": "no"}}},
        "notify_individuals": {"value": {"type": "radio_buttons", "selected_option": {"value": "no"}}},
        "justification": {"value": {"type": "plain_text_input", "value": "A long enough justification to pass."}},
    }
    forged = harness.driver.view_submission(
        {"type": "modal", "callback_id": OVERRIDE_CALLBACK, "private_metadata": meta}, values, user=OUTSIDER
    )
    assert forged.json()["response_action"] == "update" and "Only the privacy team" in forged.body
    assert set(harness.slack.views) == views_before
    assert assessments(harness) == [] and harness.incidents()[0].status == "open"


def override_values(ico: str, individuals: str, justification: str) -> dict[str, Any]:
    def radio(value: str) -> dict[str, Any]:
        return {"value": {"type": "radio_buttons", "selected_option": {"value": value}}}

    return {
        "notify_ico": radio(ico),
        "notify_individuals": radio(individuals),
        "justification": {"value": {"type": "plain_text_input", "value": justification}},
    }


def test_override_needs_a_justification_and_shows_beside_the_computed_decision(harness: Harness) -> None:
    incident = triaged(harness)
    [result] = posts(harness, incident, "Triage v1")
    before = set(harness.slack.views)
    harness.driver.block_action("triage_override", incident.ref, user=DPO, channel=incident.slack_channel_id)
    view_id, view = new_view(harness, before, OVERRIDE_CALLBACK)

    short = harness.driver.view_submission(view, override_values("no", "no", "Too short."), user=DPO, view_id=view_id)
    assert short.json()["response_action"] == "errors" and "at least 20" in short.json()["errors"]["justification"]
    odd = override_values("no", "yes", "Telling people without the ICO is our call.")
    wrong = harness.driver.view_submission(view, odd, user=DPO, view_id=view_id)
    assert list(wrong.json()["errors"]) == ["notify_individuals"]

    reason = "The <b>laptop</b> was recovered sealed & forensics show it was never powered on."
    good = override_values("no", "no", reason)
    assert harness.driver.view_submission(view, good, user=DPO, view_id=view_id).body == ""
    [post] = harness.wait_for(lambda: posts(harness, incident, "overrode"), "the override post")
    shown = channel_message_text(post)
    assert "*In force:* Record in the breach register only" in shown
    assert "*Computed:* Notify the ICO and tell the people affected" in shown
    assert "The &lt;b&gt;laptop&lt;/b&gt; was recovered sealed &amp; forensics" in shown
    with harness.database.unit_of_work() as session:
        [override] = session.scalars(select(Override)).all()
        assert (override.notify_ico, override.notify_individuals, override.decided_by) == (False, False, DPO)
    summary = harness.wait_for(
        lambda: "Overridden" in channel_message_text(harness.slack.messages_in(incident.slack_channel_id)[0]),
        "the summary to show the override",
    )
    assert summary
    summary_text = channel_message_text(harness.slack.messages_in(incident.slack_channel_id)[0])
    assert "(computed: Notify the ICO and tell the people affected)" in summary_text
    assert result["ts"] != post["ts"]
    # The same override again is one override and one post.
    assert harness.driver.view_submission(view, good, user=DPO, view_id=view_id).body == ""
    time.sleep(0.2)  # give a duplicate post the chance to show itself
    with harness.database.unit_of_work() as session:
        assert len(session.scalars(select(Override)).all()) == 1
    assert len(posts(harness, incident, "overrode")) == 1


@pytest.mark.parametrize("previous", [None, {q.key: None for q in QUESTIONS} | ANSWERS | {"subject_types": []}])
def test_modals_fit_slacks_limits(previous: dict[str, Any] | None) -> None:
    views = [
        triage_modal("BR-2026-0001", previous, version=3 if previous else None, channel="C0123456789"),
        override_modal("BR-2026-0001", "C0123456789"),
    ]
    for view in views:
        View(**view).validate_json()  # slack_sdk checks Block Kit's own limits
        assert len(view["blocks"]) <= 100 and len(view["title"]["text"]) <= 24
        assert len(view["private_metadata"]) <= 3000 and len(view["submit"]["text"]) <= 24
        for b in view["blocks"]:
            if b["type"] != "input":
                continue
            assert len(b["label"]["text"]) <= 150 and len(b.get("hint", {}).get("text", "")) <= 2000
            element = b["element"]
            limit = 10 if element["type"] in ("checkboxes", "radio_buttons") else 100
            assert len(element.get("options", [])) <= limit
            assert all(len(o["text"]["text"]) <= 75 for o in element.get("options", []))
    asked = [b["block_id"] for b in views[0]["blocks"] if b["type"] == "input"]
    assert asked == [q.key for q in QUESTIONS] and all(
        b.get("optional") for b in views[0]["blocks"][1:] if "label" in b
    )


def test_a_bare_yes_to_disproportionate_effort_is_asked_why_and_a_reason_applies_it(harness: Harness) -> None:
    bare = {**ANSWERS, "disproportionate_effort": True}
    incident = triaged(harness, bare)
    [post] = posts(harness, incident, "Triage v1")
    shown = channel_message_text(post)
    assert "Notify the ICO and tell the people affected" in shown and "say why" in shown
    assert "Why would telling each person take disproportionate effort?" in shown  # listed as still not known
    view_id, view = open_triage(harness, incident)
    reason_block = block(view, "disproportionate_effort_reason")
    assert reason_block["element"]["type"] == "plain_text_input" and reason_block["optional"] is True
    explained = {**bare, "disproportionate_effort_reason": "The list is from 2011; no current addresses are held."}
    assert harness.driver.view_submission(view, triage_values(explained), user=DPO, view_id=view_id).body == ""
    harness.wait_for(lambda: posts(harness, incident, "Triage v2"), "the second triage result")
    stored = assessments(harness)[-1]
    assert stored.answers["disproportionate_effort_reason"].startswith("The list is from 2011")
    assert stored.result["exemption"] == "art34_3_c" and stored.result["public_communication"] is True


def test_a_pecr_incident_is_triaged_on_its_own_regimes_and_shows_each(harness: Harness) -> None:
    incident = harness.report(regimes=("uk-gdpr", "pecr"))
    view_id, view = open_triage(harness, incident)
    unlikely = {
        "personal_data": True,
        "data_categories": ["basic_identifiers"],
        "subjects_count": 1,
        "records_count": 1,
        "breach_types": ["confidentiality"],
        "cause": "accidental",
        "exposure": "trusted",
        "recovered": True,
        "protection": "none",
        "availability": "not_affected",
        "impact_on_people": "none",
    }
    assert harness.driver.view_submission(view, triage_values(unlikely), user=DPO, view_id=view_id).body == ""
    [post] = harness.wait_for(lambda: posts(harness, incident, "Triage v1"), "the triage result")
    shown = channel_message_text(post)
    assert "*By regime*" in shown and "UK GDPR: gives way to PECR" in shown and "PECR: report to the regulator" in shown
    assert "Notify the ICO" in shown and "does not require it to be reported" not in shown
    [stored] = assessments(harness)
    assert [e["regime"] for e in stored.result["regimes"]] == ["uk-gdpr", "pecr"]
