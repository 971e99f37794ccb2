"""Help, incident lists and the App Home: what people see outside an incident's channel.

A line with a title is only for the privacy team (titles are personal details); reporters see their
own references and statuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.clock import deadlines_for, describe_duration
from bot.domain.eu_authorities import is_eu_clock
from bot.slack import subcommands
from bot.slack.views.summary import STATUS_LABELS, deadline_lines, is_closed, is_late
from bot.slack.views.text import button, channel_link, context, date_token, escape, section
from bot.store.models import Incident

MAX_LISTED = 40  # keeps a message under Slack's 50 blocks and a Home tab under 100
REPORT_ACTION = "report_from_home"
REPORT_BUTTON = button("Report a breach", REPORT_ACTION, "report", "danger")


def help_blocks(team: str) -> list[dict[str, Any]]:
    return [
        section(
            "*Breachbot* runs the response to a personal-data breach: the legal clocks, a private channel "
            "for each incident, and the record the law asks for.\n"
            "• `/breach open [title]`: report a breach. Anyone can, and should, even if unsure.\n"
            "• `/breach status`: in an incident's channel, its summary; elsewhere, the incidents you may see.\n"
            "• `/breach list`: open incidents, nearest deadline first (privacy team).\n"
            "• `/breach close`: in an incident's channel, close it with an outcome and a reason (privacy team).\n"
            "• The *Report a breach* shortcut (the ⚡ menu, or ⋮ on a message) and the button in the app's "
            "Home tab report one too."
        ),
        *([section("\n".join(extra))] if (extra := subcommands.help_lines()) else []),
        context(f"Who can list and close incidents: {team}."),
    ]


def clock_phrase(incident: Incident, now: datetime, zone: ZoneInfo) -> str:
    first = next((d for d in deadlines_for(incident.regimes, incident.aware_at) if d.due_at), None)
    if first is None or first.due_at is None:
        return "no fixed deadline"
    left = first.time_left(now)
    timing = (
        describe_duration(left) if left is not None and left.total_seconds() < 0 else f"{describe_duration(left)} left"
    )  # type: ignore[arg-type]
    return f"{first.regime.label} due {date_token(first.due_at, zone)} ({timing})"


def incident_line(incident: Incident, now: datetime, zone: ZoneInfo, *, with_title: bool) -> str:
    parts = [f"*{incident.ref}*", STATUS_LABELS.get(incident.status, incident.status)]
    if not is_closed(incident):
        parts.append(clock_phrase(incident, now, zone))
        if is_late(incident, now):
            parts.append(":warning: *LATE*")
    line = " · ".join(parts)
    if not is_closed(incident):
        # Each EU authority notified separately has its own clock: one line each (deadlines only).
        line += "".join(f"\n{eu_line}" for eu_line in deadline_lines(incident, now, zone, only=is_eu_clock))
    if with_title:
        line += f"\n{escape(incident.title)} · {channel_link(incident.slack_channel_id)}"
    return line


def team_list_blocks(incidents: list[Incident], now: datetime, zone: ZoneInfo, heading: str) -> list[dict[str, Any]]:
    if not incidents:
        return [section(f"*{heading}*\nNone.")]
    blocks = [section(f"*{heading}*")]
    blocks += [section(incident_line(i, now, zone, with_title=True)) for i in incidents[:MAX_LISTED]]
    if len(incidents) > MAX_LISTED:
        blocks.append(context(f"…and {len(incidents) - MAX_LISTED} more: `breachbot incident list --open` shows all."))
    return blocks


def reporter_status_blocks(
    incidents: list[Incident], now: datetime, zone: ZoneInfo, incomplete: set[str]
) -> list[dict[str, Any]]:
    """A reporter's own incidents: references and status only, plus a retry for an unfinished setup."""
    if not incidents:
        return [section("You have not reported any incidents. `/breach open` reports one.")]
    blocks: list[dict[str, Any]] = [section("*Incidents you reported*")]
    for incident in incidents[:MAX_LISTED]:
        block = section(incident_line(incident, now, zone, with_title=False))
        if incident.ref in incomplete:
            block["accessory"] = button("Retry setup", "retry_setup", incident.ref, "primary")
        blocks.append(block)
    blocks.append(context("Details are kept in each incident's private channel."))
    return blocks


def channel_url(channel_id: str, team_id: str | None) -> str:
    url = f"https://slack.com/app_redirect?channel={channel_id}"
    return url + (f"&team={team_id}" if team_id else "")


def home_view(
    incidents: list[Incident] | None,
    now: datetime,
    zone: ZoneInfo,
    team: str,
    team_id: str | None,
    *,
    sweeper: str | None = None,
) -> dict[str, Any]:
    """The App Home. `incidents` is None for people outside the privacy team: they see how to report.
    `sweeper` is the alert sweeper's health line, for the privacy team."""
    report_button = {"type": "actions", "block_id": "home_report", "elements": [REPORT_BUTTON]}
    if incidents is None:
        blocks = [
            {"type": "header", "text": {"type": "plain_text", "text": "Report a personal-data breach"}},
            section(
                "If personal data may have been lost, stolen, sent to the wrong person, changed or made "
                "unavailable, report it *now*, even if you are not sure. The organisation may have only "
                "72 hours from becoming aware to tell the ICO.\n\n"
                "• Press *Report a breach* below, or\n"
                "• type `/breach open` in any channel, or\n"
                "• use the *Report a breach* shortcut (the ⚡ menu, or ⋮ on a message)."
            ),
            report_button,
            context(f"Questions? Ask {team}."),
        ]
        return {"type": "home", "blocks": blocks}
    blocks = [report_button, {"type": "header", "text": {"type": "plain_text", "text": "Open incidents"}}]
    if not incidents:
        blocks.append(section("No open incidents."))
    for incident in incidents[:MAX_LISTED]:
        block = section(incident_line(incident, now, zone, with_title=True))
        if incident.slack_channel_id:
            block["accessory"] = {
                **button("Open channel", "open_channel", incident.ref),
                "url": channel_url(incident.slack_channel_id, team_id),
            }
        blocks.append(block)
    if len(incidents) > MAX_LISTED:
        blocks.append(context(f"…and {len(incidents) - MAX_LISTED} more: `/breach list` or the CLI shows all."))
    if sweeper:
        blocks.append(context(sweeper))
    blocks.append(context(f"Nearest deadline first. Updated {date_token(now, zone)}."))
    return {"type": "home", "blocks": blocks}
