"""The status-update modal and the message that carries an update into the incident's channel."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.status_updates import LABELS, PART_LIMIT, StatusUpdate
from bot.slack.views.text import context, date_token, escape, escape_keeping_mentions, mention, plain, section
from bot.slack.views.times import time_blocks

CALLBACK_ID = "add_update"
HINTS = {
    "known": "What has changed since the last update, in a sentence or two.",
    "doing": "Containment, investigation, who is on it.",
    "need": "Decisions, people or information you are waiting for.",
}


def update_modal(ref: str, channel: str | None) -> dict[str, Any]:
    parts = [
        {
            "type": "input",
            "block_id": key,
            "label": plain(label),
            "optional": key != "known",
            "hint": plain(HINTS[key]),
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": PART_LIMIT},
        }
        for key, label in LABELS.items()
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Status update", 24),
        "submit": plain("Post", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"ref": ref, "channel": channel}),
        "blocks": [
            context("Posted in the incident's channel and kept on its timeline, which cannot be edited."),
            *parts,
            {
                "type": "input",
                "block_id": "next_update_by",
                "label": plain("Next update by"),
                "optional": True,
                "element": {"type": "datetimepicker", "action_id": "value"},
            },
            *time_blocks("at", "Backdate it? When was this the position (leave empty for now)", optional=True),
        ],
    }


def update_message(
    ref: str, status: StatusUpdate, *, author: str, at: datetime, zone: ZoneInfo, backdated: bool
) -> tuple[str, list[dict[str, Any]]]:
    """The channel message: mrkdwn, every person's word escaped."""
    shown = [(label, text) for label, text in status.lines(zone) if label != "Next update by"]
    lines = [f"*{label}:* {escape_keeping_mentions(text)}" for label, text in shown]
    if status.next_update_by is not None:
        lines.append(f"*Next update by:* {date_token(status.next_update_by, zone)}")
    as_of = f" (as of {date_token(at, zone)})" if backdated else ""
    heading = f":memo: *Status update on {ref}* from {mention(author)}{as_of}"
    text = f"Status update on {ref}: {escape(status.known or status.doing or status.need)[:200]}"
    return text, [section(heading), section("\n".join(lines)[:3000])]
