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


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
