"""Reading a submitted modal defensively: a payload may lack blocks, or carry the wrong shapes."""

from __future__ import annotations

import json
from typing import Any


def element(view: dict[str, Any], block: str) -> dict[str, Any]:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    block_values = values.get(block) if isinstance(values, dict) else None
    found = block_values.get("value") if isinstance(block_values, dict) else None
    return found if isinstance(found, dict) else {}


def text(view: dict[str, Any], block: str) -> str:
    value = element(view, block).get("value")
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def selected(view: dict[str, Any], block: str) -> list[str]:
    options = element(view, block).get("selected_options")
    return [str(o.get("value")) for o in options if isinstance(o, dict)] if isinstance(options, list) else []


def selected_one(view: dict[str, Any], block: str) -> str:
    option = element(view, block).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else ""


# Metadata keys the bot writes as text: anything else under them did not come from the bot.
TEXT_KEYS = ("ref", "channel")


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What the bot put in the modal's private_metadata; a value of the wrong type is dropped."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if key not in TEXT_KEYS or isinstance(value, str)}
