"""The "Report a breach" modal, used by `/breach open` and the message shortcut."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.domain.clock import regimes
from bot.services.incidents import TITLE_LIMIT
from bot.slack.context import OrgProfile
from bot.slack.views import eu, forms
from bot.slack.views.text import clip, context, plain
from bot.slack.views.times import time_blocks

CALLBACK_ID = "open_incident"
TEXT_INPUT_LIMIT = 3000  # Slack's cap on a plain_text_input


def _input(
    block_id: str,
    label: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    initial: str | None = None,
    placeholder: str | None = None,
    hint: str | None = None,
    max_length: int = TEXT_INPUT_LIMIT,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = clip(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": optional,
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _option(key: str) -> dict[str, Any]:
    regime = regimes()[key]
    return {
        "text": plain(regime.label),
        "description": plain(f"{regime.who}: report to {regime.report_to}"),
        "value": key,
    }


NEAR_MISS_GUIDANCE = (
    "A near miss: something went wrong, or nearly did, but no personal data was lost, seen or changed. "
    "Record it anyway: the register keeps near misses too, and the clock still runs in case it turns "
    "out to be a breach."
)


def report_modal(
    profile: OrgProfile,
    *,
    title: str = "",
    description: str = "",
    origin_channel: str | None = None,
    near_miss: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report modal (the awareness picker preset to `now`); `near_miss` gives the near-miss variant,
    whose submission stores near_miss=True."""
    choices = [key for key in regimes() if key != "processor"]
    preset = [_option(key) for key in choices if key in profile.regimes]
    regime_element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [_option(k) for k in choices],
    }
    if preset:
        regime_element["initial_options"] = preset
    processor_option = {"text": plain("We process this data for another organisation (the controller)"), "value": "yes"}
    processor_element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": [processor_option]}
    if profile.is_processor:
        processor_element["initial_options"] = [processor_option]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Report a near miss" if near_miss else "Report a breach", 24),
        "submit": plain("Report", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"channel": origin_channel, "near_miss": near_miss})[:3000],
        "blocks": [
            context(
                NEAR_MISS_GUIDANCE
                if near_miss
                else "Report it now, even if you are unsure: the law's clock runs from when the organisation "
                "became aware. Only the privacy team and you will see the details."
            ),
            _input(
                "title",
                "Title (a few words)",
                initial=title,
                max_length=TITLE_LIMIT,
                placeholder="Laptop stolen from car",
            ),
            _input("description", "What happened?", multiline=True, initial=description),
            *time_blocks("aware_at", "When did the organisation become aware?", initial=now),
            *time_blocks("occurred_at", "When did it happen, if known?", optional=True),
            _input("discovered_how", "How was it discovered?", optional=True, multiline=True),
            {
                "type": "input",
                "block_id": "regimes",
                "label": plain("Which rules apply?"),
                "optional": True,
                "hint": plain("Preset from the organisation's profile. Each has its own deadline."),
                "element": regime_element,
            },
            eu.countries_block(),
            {
                "type": "input",
                "block_id": "processor",
                "label": plain("Whose data is it?"),
                "optional": True,
                "element": processor_element,
            },
            _input("controller", "If processed for another organisation: which one?", optional=True, max_length=200),
        ],
    }


def origin_channel(view: dict[str, Any]) -> str | None:
    channel = forms.metadata(view).get("channel")
    return str(channel) if channel else None


def is_near_miss(view: dict[str, Any]) -> bool:
    return forms.metadata(view).get("near_miss") is True
