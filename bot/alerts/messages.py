"""Block Kit for deadline alerts: the full alert for the incident channel, and a version without
personal data for the privacy team's channel (reference, deadline, time left and status only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.alert_plan import AlertContext, spec_for, urgency
from bot.domain.clock import describe_duration, format_local, get_regime, require_aware
from bot.slack.views.text import date_token, escape, mention

__all__ = [
    "SNOOZE_ACTION_ID",
    "AlertContext",
    "Message",
    "incident_channel_message",
    "privacy_channel_message",
    "update_reminder_message",
]

SNOOZE_ACTION_ID = "alert_snooze"
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def time_left(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return "without undue delay"
    return describe_duration(deadline - require_aware(now))


def _deadline_text(context: AlertContext, zone: ZoneInfo) -> str:
    if context.deadline is None:
        return f"without undue delay (aware since {date_token(context.aware_at, zone)})"
    return date_token(context.deadline, zone)


def _header(context: AlertContext) -> str:
    spec = context.spec
    text = f"{context.ref}: {spec.headline}"
    return f"{urgency(spec.urgency).emoji} {text}"[:150]


def _fields(context: AlertContext, now: datetime, zone: ZoneInfo) -> list[dict[str, str]]:
    regime = get_regime(context.regime)
    return [
        {"type": "mrkdwn", "text": f"*Reference*\n{context.ref}"},
        {"type": "mrkdwn", "text": f"*{regime.label} deadline*\n{_deadline_text(context, zone)}"},
        {"type": "mrkdwn", "text": f"*Time left*\n{time_left(context.deadline, now)}"},
        {"type": "mrkdwn", "text": f"*Status*\n{context.status}"},
    ]


def _missed_text(context: AlertContext, zone: ZoneInfo) -> str | None:
    if not context.missed:
        return None
    names = []
    for item in context.missed:
        spec = spec_for(str(item["regime"]), str(item["kind"]))
        due = datetime.fromisoformat(str(item["due_at"]))
        names.append(f"{get_regime(str(item['regime'])).label} \u201c{spec.headline}\u201d ({format_local(due, zone)})")
    return "Not sent separately, because this more urgent alert was due by the time it could be sent: " + (
        "; ".join(names)
    )


def _for_lead(context: AlertContext) -> str:
    """Reminders go to the incident lead: the alert in the incident's channel mentions them."""
    return f" ({mention(context.lead)}, as incident lead)" if context.lead else ""


def incident_channel_message(context: AlertContext, *, now: datetime, zone: ZoneInfo = LONDON) -> Message:
    spec = context.spec
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _header(context), "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(context.title)}*"}},
        {"type": "section", "fields": _fields(context, now, zone)},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*What to do next*{_for_lead(context)}\n{spec.next_step_for(context.ref, context.regime)}",
            },
        },
    ]
    others = [
        f"{get_regime(regime).label}: {date_token(deadline, zone)} ({time_left(deadline, now)})"
        for regime, deadline in context.other_deadlines
    ]
    if others:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Other clocks: " + "; ".join(others)}]}
        )
    missed = _missed_text(context, zone)
    if missed:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": missed}]})
    if not spec.final:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"alert_{context.alert_id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": SNOOZE_ACTION_ID,
                        "text": {"type": "plain_text", "text": "Remind me in 1 hour"},
                        "value": str(context.alert_id),
                    }
                ],
            }
        )
    return Message(text=_fallback(context, now, zone), blocks=blocks)


def privacy_channel_message(context: AlertContext, *, now: datetime, zone: ZoneInfo = LONDON) -> Message:
    """No title, no description, no next steps: the privacy channel sees the clock, not the breach."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _header(context), "emoji": True}},
        {"type": "section", "fields": _fields(context, now, zone)},
    ]
    return Message(text=_fallback(context, now, zone), blocks=blocks)


def _fallback(context: AlertContext, now: datetime, zone: ZoneInfo) -> str:
    # The notification text: what a phone lock screen shows, so it carries no personal data either.
    due = format_local(context.deadline, zone) if context.deadline else "without undue delay"
    return (
        f"{context.ref}: {context.spec.headline}. {get_regime(context.regime).label} deadline {due} "
        f"({time_left(context.deadline, now)}). Status: {context.status}."
    )


def update_reminder_message(context: AlertContext, *, now: datetime, zone: ZoneInfo = LONDON) -> Message:
    """To the incident channel only, mentioning the lead: a nudge to post what people need to know."""
    since = (
        f"the last status update was {date_token(context.last_update_at, zone)}"
        if context.last_update_at
        else "no status update has been posted yet"
    )
    who = (
        f"{mention(context.lead)}, " if context.lead else "No incident lead is assigned (`/breach lead @someone`), so: "
    )
    text = (
        f":speech_balloon: {who}{context.ref} needs a status update: {since}. Post what you know now, what you "
        "are doing, what you need and when the next update comes: `/breach update`, or *Add update* on the "
        "pinned summary."
    )
    return Message(text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
