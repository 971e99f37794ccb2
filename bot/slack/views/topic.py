"""The incident channel's topic: the reference, the status and the deadline that matters next, in the
configured zone (a topic shows no date tokens), within Slack's 250 characters."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.clock import format_local
from bot.slack.views.clock_states import clock_states
from bot.slack.views.privacy_card import card_status
from bot.slack.views.text import clip
from bot.store.models import Incident

TOPIC_LIMIT = 250


def topic_text(incident: Incident, now: datetime, zone: ZoneInfo) -> str:
    parts = [incident.ref, card_status(incident, now).replace("*", "").replace(":warning: ", "")]
    clocks = clock_states(incident, now)
    pending = sorted(
        (c for c in clocks if c.state in ("running", "late") and c.due_at is not None),
        key=lambda c: c.due_at,  # type: ignore[arg-type, return-value]
    )
    if pending:
        first = pending[0]
        verb = "was due" if first.state == "late" else "due"
        due = format_local(first.due_at, zone)  # type: ignore[arg-type]
        parts.append(f"{first.regime.label} report to {first.regime.report_to} {verb} {due}")
    elif any(c.state == "reported" for c in clocks) and incident.ico_reported_at:
        parts.append(f"reported to the ICO {format_local(incident.ico_reported_at, zone)}")
    return clip(" · ".join(parts), TOPIC_LIMIT)
