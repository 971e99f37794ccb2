"""Modals for recording the ICO report and correcting the awareness time, and the sweeper's health line
(App Home and `breachbot doctor` judge it the same way)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.clock import describe_duration
from bot.services.alerts import SweepStatus
from bot.services.reporting import CASE_REF_LIMIT
from bot.slack.views.report import _input
from bot.slack.views.text import context, date_token, plain
from bot.slack.views.times import time_blocks

ICO_CALLBACK = "ico_reported"
AWARE_CALLBACK = "aware_change"
REASON_INPUT_LIMIT = 3000
SWEEPER_STALE_AFTER = timedelta(minutes=5)


def _metadata(ref: str | None, channel: str | None) -> str:
    return json.dumps({"ref": ref, "channel": channel})


def ico_report_modal(ref: str | None, channel: str | None, *, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """`ref` may be unknown when opened by `/breach reported` (the modal opens before any database
    work); the submission then finds the incident from `channel`."""
    return {
        "type": "modal",
        "callback_id": ICO_CALLBACK,
        "title": plain(f"ICO report {ref}" if ref else "ICO report made", 24),
        "submit": plain("Record", 24),
        "close": plain("Cancel", 24),
        "private_metadata": _metadata(ref, channel),
        "blocks": [
            context(
                "Record that the breach was reported to the ICO. This stops the ICO deadline's alerts and "
                "marks the incident reported; it goes on the timeline, which cannot be edited."
            ),
            _input(
                "case_ref",
                "ICO case reference",
                optional=True,
                placeholder="e.g. IC-123456-A1B2",
                hint="From the ICO's acknowledgement. Leave it empty if you do not have it yet.",
                max_length=CASE_REF_LIMIT,
            ),
            *time_blocks("reported_at", "When was it reported? (preset to now)", initial=now),
        ],
    }


def aware_change_modal(ref: str | None, channel: str | None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": AWARE_CALLBACK,
        "title": plain(f"Awareness {ref}" if ref else "Change awareness time", 24),
        "submit": plain("Change", 24),
        "close": plain("Cancel", 24),
        "private_metadata": _metadata(ref, channel),
        "blocks": [
            context(
                "The legal deadlines run from when the organisation became aware. Changing it moves every "
                "deadline and re-plans the alerts; the old and new times and your reason go on the timeline."
            ),
            *time_blocks("aware_at", "When did the organisation actually become aware?"),
            _input(
                "reason",
                "Why is it changing?",
                multiline=True,
                hint="What was learnt that moves it. The register and the ICO may ask.",
                max_length=REASON_INPUT_LIMIT,
            ),
        ],
    }


def sweeper_health(
    status: SweepStatus | None,
    *,
    open_incidents: int,
    now: datetime,
    stale_after: timedelta = SWEEPER_STALE_AFTER,
) -> tuple[bool, str]:
    """(healthy, plain words). Unhealthy only matters while incidents are open: with none, no alert is
    waiting to be sent."""
    if status is None:
        if not open_incidents:
            return True, "has never run (no incidents are open, so no alert is waiting)"
        return False, f"has never run, and {open_incidents} incident(s) are open: their deadline alerts are not sent"
    age = max(timedelta(0), timedelta(seconds=status.age_seconds(now)))
    words = f"last ran {describe_duration(age)} ago ({status.worker_id})"
    if age > stale_after and open_incidents:
        return False, f"{words}, and {open_incidents} incident(s) are open: deadline alerts may be late"
    return True, words


def sweeper_home_line(status: SweepStatus | None, *, open_incidents: int, now: datetime, zone: ZoneInfo) -> str:
    healthy, words = sweeper_health(status, open_incidents=open_incidents, now=now)
    when = f" ({date_token(status.last_run_at, zone)})" if status is not None else ""
    if healthy:
        return f"Deadline alerts: the sweeper {words}{when}."
    return (
        f":warning: *Deadline alerts:* the sweeper {words}{when}. Start the bot (`breachbot run`) or "
        "`breachbot alerts worker`."
    )
