"""Modals for what happened and when: a remedial action with the time it was done, and (for a processor)
when and how the controller was told. Times are Slack's datetimepicker, or typed and read by the project's
time parser (bot/slack/views/times.py)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack.views.report import TEXT_INPUT_LIMIT, _input
from bot.slack.views.text import context, plain
from bot.slack.views.times import time_blocks

ACTION_CALLBACK = "remedial_action"
CONTROLLER_CALLBACK = "controller_told"
DONE, PLANNED = "done", "planned"


def _metadata(channel: str | None) -> str:
    return json.dumps({"channel": channel})


def action_modal(channel: str | None, *, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    options = [
        {"text": plain("Done"), "value": DONE},
        {"text": plain("Planned, not yet done"), "value": PLANNED},
    ]
    return {
        "type": "modal",
        "callback_id": ACTION_CALLBACK,
        "title": plain("Remedial action", 24),
        "submit": plain("Record", 24),
        "close": plain("Cancel", 24),
        "private_metadata": _metadata(channel),
        "blocks": [
            context(
                "What was done to contain the breach or reduce its effects goes on the timeline, the register "
                "and the drafts, with when it was done."
            ),
            _input(
                "text",
                "What was done?",
                multiline=True,
                max_length=TEXT_INPUT_LIMIT,
                placeholder="e.g. Reset the passwords of the 40 affected accounts",
            ),
            {
                "type": "input",
                "block_id": "state",
                "label": plain("Done or planned?"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "options": options,
                    "initial_option": options[0],
                },
            },
            *time_blocks("at", "When was it done? (leave empty for now)", optional=True),
        ],
    }


def controller_told_modal(channel: str | None, *, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CONTROLLER_CALLBACK,
        "title": plain("Controller told", 24),
        "submit": plain("Record", 24),
        "close": plain("Cancel", 24),
        "private_metadata": _metadata(channel),
        "blocks": [
            context(
                "Record when and how you told the controller (UK GDPR Art 33(2)). This stops the processor "
                "clock's alerts and goes on the timeline and the register."
            ),
            *time_blocks("at", "When was the controller told? (preset to now)", initial=now),
            _input(
                "how",
                "How?",
                multiline=True,
                max_length=TEXT_INPUT_LIMIT,
                placeholder="e.g. Phone call to their DPO, then our written notice by email",
            ),
        ],
    }
