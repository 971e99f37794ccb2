"""The privacy team's card: one message per incident in the privacy channel, kept up to date in place.

It carries no personal data: the reference, the status, the deadlines and the lead, never the title,
the description or any reason someone typed. Later features add a line (the incident lead, say) by
appending a function to CARD_LINES."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.register import OUTCOME_LABELS
from bot.slack.views.clock_states import clock_states
from bot.slack.views.summary import STATUS_LABELS, is_closed, is_late
from bot.slack.views.text import button, context, date_token, section
from bot.store.models import Incident

JOIN_ACTION = "join_incident"

CARD_LINES: tuple[Callable[[Incident, datetime], str | None], ...] = ()


def card_status(incident: Incident, now: datetime) -> str:
    status = STATUS_LABELS.get(incident.status, incident.status)
    if is_closed(incident):
        outcome = OUTCOME_LABELS.get(incident.close_outcome or "", incident.close_outcome or "")
        return f"{status} ({outcome})" if outcome else status
    if is_late(incident, now):
        status += " · :warning: *LATE*"
    return status


def card_deadline_lines(incident: Incident, now: datetime, zone: ZoneInfo) -> list[str]:
    lines = []
    for clock in clock_states(incident, now):
        label, to = clock.regime.label, clock.regime.report_to
        due = date_token(clock.due_at, zone) if clock.due_at else ""
        if clock.state == "no-fixed-deadline":
            lines.append(f"• {label}: tell {to} without undue delay")
        elif clock.state == "reported":
            eu_report = (incident.eu_reports or {}).get(clock.regime.authority or "")
            at = datetime.fromisoformat(eu_report["reported_at"]) if eu_report else incident.ico_reported_at
            when = date_token(at, zone) if at else ""
            lines.append(f"• {label}: reported {when} (was due {due})")
        elif clock.state == "stopped":
            lines.append(f"• {label}: no report due (was due {due})")
        elif clock.state == "closed":
            lines.append(f"• {label}: was due {due}")
        elif clock.state == "late":
            lines.append(f"• {label}: report to {to} was due {due}: :warning: *LATE*")
        else:
            lines.append(f"• {label}: report to {to} by {due}")
    return lines


def card_text(incident: Incident, now: datetime) -> str:
    """The notification fallback: the reference and status only."""
    return f"Incident {incident.ref}: {card_status(incident, now).replace('*', '')}"


def card_blocks(incident: Incident, *, now: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    kind = "Near miss" if incident.near_miss else "Personal-data breach"
    facts = [f"*{incident.ref}* · {kind}", f"*Status:* {card_status(incident, now)}"]
    facts += [extra for line in CARD_LINES if (extra := line(incident, now))]
    if is_closed(incident) and incident.closed_at:
        facts.append(f"*Closed:* {date_token(incident.closed_at, zone)}")
    blocks: list[dict[str, Any]] = [
        section("\n".join(facts)),
        section("*Deadlines*\n" + ("\n".join(card_deadline_lines(incident, now, zone)) or "None")),
    ]
    if incident.slack_channel_id and not is_closed(incident):
        blocks.append(
            {
                "type": "actions",
                "block_id": f"card:{incident.ref}",
                "elements": [button("Join the incident channel", JOIN_ACTION, incident.ref, "primary")],
            }
        )
    blocks.append(context("The details stay in the incident's private channel. This card is updated as it changes."))
    return blocks
