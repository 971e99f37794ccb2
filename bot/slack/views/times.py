"""Every time field in a modal: Slack's datetimepicker, with typed text as an alternative.

The picker block is `<id>_picker`; the typed block keeps `<id>` (read by the existing parser,
bot/domain/timeparse.py). Typed text, when given, wins: it is the more deliberate input, and it can say
GMT/BST or an offset, which a picker in the reader's own zone cannot. Both paths refuse a future time
with the same message (timeparse.refuse_future).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.timeparse import TimeInputError, parse_instant, refuse_future
from bot.slack.views import forms
from bot.slack.views.text import plain

PICKER_SUFFIX = "_picker"
TYPED_HINT = (
    "Or type it, UK time (Europe/London), day first: 03/04/2026 14:30 is 3 April. Add GMT, BST, UTC or an "
    "offset such as +01:00 if you mean another zone. Typed text wins over the picker."
)


class TimeFieldError(TimeInputError):
    """A time that cannot be used, with the block Slack should show the message under."""

    def __init__(self, message: str, block_id: str) -> None:
        super().__init__(message)
        self.block_id = block_id


def time_blocks(
    block_id: str,
    label: str,
    *,
    initial: datetime | None = None,
    optional: bool = False,
    typed_initial: str | None = None,
) -> list[dict[str, Any]]:
    """A datetimepicker (preset to `initial`) and an optional typed alternative under it."""
    picker: dict[str, Any] = {"type": "datetimepicker", "action_id": "value"}
    if initial is not None:
        picker["initial_date_time"] = int(initial.timestamp())
    typed: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": 100}
    if typed_initial:
        typed["initial_value"] = typed_initial[:100]
    return [
        {
            "type": "input",
            "block_id": block_id + PICKER_SUFFIX,
            "label": plain(label, 2000),
            # The typed alternative may stand in for the picker, so Slack must not insist on either.
            "optional": True,
            "element": picker,
        },
        {
            "type": "input",
            "block_id": block_id,
            "label": plain("…or type it", 2000),
            "optional": True,
            "hint": plain(TYPED_HINT, 2000),
            "element": typed,
        },
    ]


def picked(view: dict[str, Any], block_id: str) -> datetime | None:
    raw = forms.element(view, block_id + PICKER_SUFFIX).get("selected_date_time")
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def read_time(
    view: dict[str, Any], block_id: str, *, zone: str | ZoneInfo, now: datetime, required: bool = True
) -> datetime | None:
    """The time given in a time field pair, as aware UTC; None when optional and empty."""
    typed = forms.text(view, block_id)
    try:
        if typed:
            return parse_instant(typed, zone=zone, now=now)
        instant = picked(view, block_id)
        if instant is not None:
            refuse_future(instant, now=now, zone=ZoneInfo(zone) if isinstance(zone, str) else zone)
            return instant
    except TimeFieldError:
        raise
    except TimeInputError as problem:
        raise TimeFieldError(str(problem), block_id if typed else block_id + PICKER_SUFFIX) from None
    if required:
        raise TimeFieldError("Pick a date and time above, or type one here.", block_id)
    return None
