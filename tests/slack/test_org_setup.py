"""`/breach setup` end to end: the profile modal pre-filled, a privacy policy read into it with each
value's source sentence, field errors from the service, and nothing saved until the form is submitted."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from slack_sdk.models.views import View

from bot.services.org import get_profile, profile_dict, update_profile
from bot.slack.sandbox.webapi import TEAM_ID
from bot.slack.views.org import POLICY_CALLBACK, SETUP_CALLBACK
from tests.conftest import NOW
from tests.slack.conftest import OUTSIDER, Harness
from tests.slack.test_triage import DPO, new_view

POLICY = (Path(__file__).parents[1] / "fixtures" / "policies" / "harbourside-dental.txt").read_text(encoding="utf-8")


def values_from(view: dict[str, Any], **typed: Any) -> dict[str, Any]:
    """What Slack would send for the form as shown, with `typed` replacing some fields."""
    values: dict[str, Any] = {}
    for b in view["blocks"]:
        if b["type"] != "input":
            continue
        element, key = b["element"], b["block_id"]
        if element["type"] == "plain_text_input":
            value = typed.get(key, element.get("initial_value"))
            values[key] = {"value": {"type": "plain_text_input", "value": value}}
        else:
            chosen = typed.get(key, [o["value"] for o in element.get("initial_options", [])])
            values[key] = {"value": {"type": element["type"], "selected_options": [{"value": v} for v in chosen]}}
    return values


def saved(harness: Harness) -> dict[str, Any]:
    with harness.database.unit_of_work() as session:
        return profile_dict(get_profile(session))


def click_in_modal(harness: Harness, view_id: str, view: dict[str, Any], action_id: str) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "sandbox"},
        "user": {"id": DPO, "team_id": TEAM_ID},
        "api_app_id": "A_BREACHBOT",
        "trigger_id": f"trigger-{uuid.uuid4().hex[:12]}",
        "container": {"type": "view", "view_id": view_id},
        "view": {**view, "id": view_id, "state": {"values": values_from(view)}},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "policy", "action_ts": "1.0"}],
    }
    assert harness.driver.interaction(payload).status == 200


def test_outsiders_cannot_open_setup(harness: Harness) -> None:
    reply = harness.driver.command("setup", user=OUTSIDER).json()
    assert reply["response_type"] == "ephemeral" and "Only the privacy team" in reply["text"]
    assert harness.slack.views == {}


def test_setup_reads_a_policy_checks_fields_and_saves_only_on_submit(harness: Harness) -> None:
    with harness.database.unit_of_work() as session:
        update_profile(session, {"name": "Old Name Ltd", "dpo_email": "old@example.org"}, now=NOW)
    before = set(harness.slack.views)
    assert harness.driver.command("setup", user=DPO, channel="C_GENERAL").status == 200
    view_id, view = new_view(harness, before, SETUP_CALLBACK)
    View(**view).validate_json()
    shown = values_from(view)
    assert shown["name"]["value"]["value"] == "Old Name Ltd"
    assert shown["dpo_email"]["value"]["value"] == "old@example.org"
    assert [o["value"] for o in shown["regimes"]["value"]["selected_options"]] == ["uk-gdpr"]

    click_in_modal(harness, view_id, view, "org_policy_open")
    [push] = harness.wait_for_call("views.push")
    policy_view = push.params["view"]
    assert policy_view["callback_id"] == POLICY_CALLBACK and len(policy_view["private_metadata"]) <= 3000
    assert json.loads(policy_view["private_metadata"])["typed"]["name"] == "Old Name Ltd"
    empty = harness.driver.view_submission(policy_view, {}, user=DPO)
    assert list(empty.json()["errors"]) == ["policy_1"]

    pasted = {"policy_1": {"value": {"type": "plain_text_input", "value": POLICY}}}
    answer = harness.driver.view_submission(policy_view, pasted, user=DPO).json()
    assert answer["response_action"] == "update"
    proposed = answer["view"]
    View(**proposed).validate_json()
    assert proposed["callback_id"] == SETUP_CALLBACK and len(proposed["blocks"]) <= 100
    filled = values_from(proposed)
    assert filled["name"]["value"]["value"] == "Harbourside Dental Practice Ltd"
    assert filled["dpo_email"]["value"]["value"] == "privacy@harbourside-dental.example"
    assert filled["dpo_phone"]["value"]["value"] == "0117 496 0123"
    assert "BS1 6QF" in filled["address"]["value"]["value"]
    sources = "\n".join(e["text"] for b in proposed["blocks"] if b["type"] == "context" for e in b["elements"])
    assert "*Email:* privacy@harbourside-dental.example · from “" in sources and "*Phone:* 0117 496 0123" in sources
    assert saved(harness)["name"] == "Old Name Ltd", "nothing is saved before the form is submitted"

    bad = harness.driver.view_submission(proposed, values_from(proposed, dpo_email="not-an-email"), user=DPO)
    assert bad.json()["response_action"] == "errors" and "not an email address" in bad.json()["errors"]["dpo_email"]
    assert saved(harness)["name"] == "Old Name Ltd"

    good = harness.driver.view_submission(proposed, values_from(proposed, regimes=["uk-gdpr", "pecr"]), user=DPO)
    assert good.json() == {"response_action": "clear"}
    profile = saved(harness)
    assert profile["name"] == "Harbourside Dental Practice Ltd" and profile["regimes"] == ["uk-gdpr", "pecr"]
    assert "special_health" in profile["data_categories"] and "Textwell" in profile["processors"]
    harness.wait_for(lambda: any("Saved the organisation profile" in e["text"] for e in harness.slack.ephemerals), "ok")

    # The cached profile was refreshed: the next report modal presets the new regimes at once.
    _, report = harness.open_modal()
    regimes = next(b for b in report["blocks"] if b.get("block_id") == "regimes")
    assert [o["value"] for o in regimes["element"]["initial_options"]] == ["uk-gdpr", "pecr"]
