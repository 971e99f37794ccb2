"""Text from Slack enters the bot here, cleaned once: control characters (but tab and newline) removed
from every string of the payload before any listener reads it (bot/domain/plaintext.py says why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.plaintext import clean_strings


def clean_payload(body: dict[str, Any], next: Callable[[], Any]) -> Any:
    # In place: the view, action and command a listener is given are parts of this same body.
    clean_strings(body)
    return next()
