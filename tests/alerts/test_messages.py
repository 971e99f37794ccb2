"""Alert messages: Slack date tokens, next steps, the snooze button, and no personal data for the
privacy team's channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block

from bot.alerts.messages import (
    SNOOZE_ACTION_ID,
    AlertContext,
    date_token,
    incident_channel_message,
    privacy_channel_message,
)

AWARE = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
DEADLINE = AWARE + timedelta(hours=72)
TITLE = "Zanzibar Quill's <!channel> payroll & bank details"


def context(kind: str = "24h-left", **extra: object) -> AlertContext:
    values: dict[str, object] = {
        "alert_id": 42,
        "ref": "BR-2026-0007",
        "title": TITLE,
        "status": "assessed",
        "regime": "uk-gdpr",
        "kind": kind,
        "due_at": DEADLINE - timedelta(hours=24),
        "deadline": DEADLINE,
        "aware_at": AWARE,
    }
    values.update(extra)
    return AlertContext(**values)  # type: ignore[arg-type]


def test_date_token_shows_each_readers_zone_with_a_london_fallback() -> None:
    assert date_token(DEADLINE) == "<!date^1774872000^{date_short_pretty} at {time}|Mon 30 Mar 2026, 13:00 BST>"


def test_incident_channel_alert_has_title_deadline_time_left_status_next_step_and_snooze() -> None:
    now = DEADLINE - timedelta(hours=23, minutes=30)
    message = incident_channel_message(context(), now=now)
    dumped = json.dumps(message.blocks)
    assert "Zanzibar Quill's &lt;!channel&gt; payroll &amp; bank details" in dumped
    assert "<!channel>" not in dumped
    assert date_token(DEADLINE) in dumped
    assert "23 h 30 min" in dumped and "assessed" in dumped
    assert "Decide today whether to report" in dumped
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert actions[0]["elements"][0]["action_id"] == SNOOZE_ACTION_ID
    assert actions[0]["elements"][0]["value"] == "42"
    assert message.text.startswith("BR-2026-0007: 24 hours left to report")
    for block in message.blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def test_final_alert_has_no_snooze_and_notes_what_was_missed() -> None:
    missed = ({"regime": "uk-gdpr", "kind": "4h-left", "due_at": (DEADLINE - timedelta(hours=4)).isoformat()},)
    message = incident_channel_message(context("deadline", missed=missed), now=DEADLINE + timedelta(hours=2))
    dumped = json.dumps(message.blocks)
    assert not [b for b in message.blocks if b["type"] == "actions"]
    assert "overdue by 2 h" in dumped
    assert "Not sent separately" in dumped and "4 hours left to report" in dumped


def test_privacy_channel_alert_carries_no_personal_data() -> None:
    message = privacy_channel_message(context(), now=DEADLINE - timedelta(hours=24))
    everything = json.dumps(message.blocks) + message.text
    assert "Zanzibar" not in everything and "payroll" not in everything
    assert "BR-2026-0007" in everything and date_token(DEADLINE) in everything
    assert "1 day" in everything and "assessed" in everything
    assert not [b for b in message.blocks if b["type"] == "actions"]


def test_an_eu_authority_alert_names_the_authority_and_how_to_record_its_report() -> None:
    now = DEADLINE - timedelta(hours=3, minutes=30)
    message = incident_channel_message(context("4h-left", regime="eu-gdpr:FR"), now=now)
    dumped = json.dumps(message.blocks)
    assert "EU GDPR: CNIL (France) deadline" in dumped
    assert "4 hours left to notify an EU authority" in dumped
    assert "/breach reported-eu FR CASE" in dumped
    assert "breachbot incident reported BR-2026-0007 --authority FR --ref CASE" in dumped
    assert "ICO" not in dumped
