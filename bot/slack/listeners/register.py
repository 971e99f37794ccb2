"""The register's Slack face: `/breach register` (privacy team) posts the register as an XLSX file to
the privacy team's channel and nowhere else; `/breach stats` posts the board report's charts there (counts
only); `/breach near-miss` records a near miss through the report modal; `/breach action TEXT` records
remedial action as it happens."""

from __future__ import annotations

import logging
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select

from bot.domain import register_stats
from bot.errors import BreachbotError
from bot.services import actions as action_service
from bot.services.incidents import get_incident
from bot.services.register import load_register
from bot.services.register_export import export_register
from bot.services.register_report import build_board_report
from bot.services.register_report import count as counted
from bot.slack.context import BotContext
from bot.slack.listeners.open import open_report_modal
from bot.slack.listeners.reporting import open_then_check
from bot.slack.middleware.auth import require_team
from bot.slack.replies import tell
from bot.slack.subcommands import subcommand
from bot.slack.views.records import action_modal
from bot.slack.views.text import channel_link, date_token, escape, mention
from bot.store.models import Incident

log = logging.getLogger(__name__)

EXPORTING = "export the breach register"
NO_PRIVACY_CHANNEL = (
    "No privacy team channel is configured, so there is nowhere safe to post the register: nothing was "
    "exported. An admin sets BREACHBOT_PRIVACY_CHANNEL (the channel's ID, with the bot invited); meanwhile "
    "`breachbot register export --format xlsx --out FILE` writes it on the server."
)
ACTION_USAGE = (
    "Say what was done: `/breach action Reset the passwords of the 40 affected accounts`, or what is "
    "planned: `/breach action planned: Retrain the team on sending spreadsheets`. `/breach action` alone "
    "opens a form that also asks when it was done."
)
# `/breach action planned: TEXT` (or `--planned TEXT`) records an action still to be done.
_PLANNED = re.compile(r"^(?:planned\s*:|--planned\b)\s*", re.IGNORECASE)
# The same words from the same person this soon after are a repeat of the command, not a new action.
REPEAT_WINDOW = timedelta(minutes=10)


def export_to_privacy_channel(ctx: BotContext, *, user: str, privacy_channel: str) -> str:
    """Export the whole register as XLSX and upload it to the privacy channel only; returns the
    confirmation for the person who asked. The temporary file is gone when this returns."""
    now, zone = ctx.now(), ctx.runtime.settings.zone
    with ctx.runtime.database.unit_of_work() as session:
        register = load_register(session, now=now)
    name = f"breach-register-{now.astimezone(zone):%Y-%m-%d-%H%M}.xlsx"
    count = len(register.entries)
    verified = (
        "every incident's timeline verified"
        if register.all_verified
        else f":warning: the integrity check FAILED for {len(register.failed)} record(s)"
    )
    # The comment shows in the channel: counts only, no incident details.
    comment = (
        f"The breach register as of {date_token(now, zone)}, asked for by {mention(user)}: {count} entries; {verified}."
    )
    with tempfile.TemporaryDirectory(prefix="breachbot-register-") as scratch:
        path = export_register(register, "xlsx", Path(scratch) / name)
        try:
            ctx.calls.client.files_upload_v2(
                channel=privacy_channel,
                file=str(path),
                filename=name,
                title=f"Breach register {now.astimezone(zone):%d %b %Y %H:%M}",
                initial_comment=comment,
            )
        except (SlackClientError, OSError) as problem:
            raise _upload_failure(problem, privacy_channel, "the register") from None
    return f"Posted {name} to {channel_link(privacy_channel)}: {count} entries; {verified}."


def _upload_failure(problem: Exception, privacy_channel: str, what: str) -> BreachbotError:
    if isinstance(problem, SlackApiError):
        error = str(problem.response.get("error") or "unknown_error")
        return BreachbotError(
            f"Could not post {what} to {channel_link(privacy_channel)} ({error}): invite the bot to that "
            "channel and check the app has the files:write scope (`breachbot doctor`)."
        )
    log.warning("%s upload failed: %s", what, problem)
    return BreachbotError(f"Could not reach Slack to post {what}: try again shortly.")


def stats_to_privacy_channel(ctx: BotContext, *, user: str, privacy_channel: str, since_text: str) -> str:
    """Post the board report's charts (counts only, no personal data) to the privacy channel."""
    now, zone = ctx.now(), ctx.runtime.settings.zone
    today = now.astimezone(zone).date()
    try:
        since = register_stats.parse_day(since_text, "The start date") if since_text else None
    except register_stats.DayInputError as problem:
        raise BreachbotError(f"{problem}. Try `/breach stats 2026-01-01`, or `/breach stats` for 12 months.") from None
    since = since or register_stats.default_since(today)
    if since > today:
        raise BreachbotError("The start date is in the future: give a day on or before today.")
    with ctx.runtime.database.unit_of_work() as session:
        report = build_board_report(session, since=since, until=today + timedelta(days=1), zone=zone, now=now)
    figures = report.figures
    period = f"{since:%d %b %Y} to {today:%d %b %Y}"
    comment = (
        f"Breach register charts, {period}, asked for by {mention(user)}: "
        f"{counted(figures.breaches, 'breach', 'breaches')}, "
        f"{counted(figures.near_misses, 'near miss', 'near misses')}; {figures.on_time} of "
        f"{counted(figures.reported, 'ICO report', 'ICO reports')} within the deadline."
    )
    with tempfile.TemporaryDirectory(prefix="breachbot-stats-") as scratch:
        uploads = []
        for chart in report.charts:
            path = Path(scratch) / f"{chart.key}-{today:%Y-%m-%d}.png"
            path.write_bytes(chart.png)
            uploads.append({"file": str(path), "filename": path.name, "title": chart.title})
        try:
            ctx.calls.client.files_upload_v2(channel=privacy_channel, file_uploads=uploads, initial_comment=comment)
        except (SlackClientError, OSError) as problem:
            raise _upload_failure(problem, privacy_channel, "the charts") from None
    return f"Posted {len(uploads)} charts for {period} to {channel_link(privacy_channel)}."


@subcommand(
    "stats",
    "/breach stats [since]",
    "post the register's charts (counts only) to the privacy team's channel; since e.g. 2026-01-01",
    team_only=True,
)
def stats_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    user = str(command.get("user_id") or "")
    require_team(ctx, user, "post the register's charts")
    privacy = ctx.runtime.settings.privacy_channel
    if not privacy:
        ack(text=NO_PRIVACY_CHANNEL.replace("the register", "the charts"), response_type="ephemeral")
        return
    ack(text=f"Drawing the register's charts for {channel_link(privacy)}…", response_type="ephemeral")
    tell(ctx, command, stats_to_privacy_channel(ctx, user=user, privacy_channel=privacy, since_text=rest.strip()))


@subcommand(
    "register", "/breach register", "post the breach register (XLSX) to the privacy team's channel", team_only=True
)
def register_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    user = str(command.get("user_id") or "")
    require_team(ctx, user, EXPORTING)
    privacy = ctx.runtime.settings.privacy_channel
    if not privacy:
        ack(text=NO_PRIVACY_CHANNEL, response_type="ephemeral")
        return
    elsewhere = "" if command.get("channel_id") == privacy else " (never to this channel: it holds personal data)"
    ack(text=f"Exporting the breach register to {channel_link(privacy)}{elsewhere}…", response_type="ephemeral")
    tell(ctx, command, export_to_privacy_channel(ctx, user=user, privacy_channel=privacy))


@subcommand("near-miss", "/breach near-miss [title]", "record a near miss: nothing was compromised, but it is kept")
def near_miss_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    ack()
    open_report_modal(
        ctx,
        str(command.get("trigger_id") or ""),
        title=rest[:200],
        channel=str(command.get("channel_id") or ""),
        near_miss=True,
    )


def record_action(
    ctx: BotContext, *, channel: str, text: str, planned: bool, user: str, happened_at: datetime | None = None
) -> tuple[str, bool]:
    """Record the action on the channel's incident; (ref, False) when it repeats the last one."""
    now = ctx.now()
    with ctx.runtime.database.unit_of_work() as session:
        ref = session.scalar(select(Incident.ref).where(Incident.slack_channel_id == channel)) if channel else None
        if ref is None:
            raise BreachbotError("Use `/breach action` in the incident's own channel.")
        # Locked first, so a repeated command waits for the first and then sees its action.
        incident = get_incident(session, ref, lock=True)
        previous = action_service.actions_for(session, incident)
        last = previous[-1] if previous else None
        cleaned = " ".join(text.split())
        if (
            last is not None
            and last.text == cleaned
            and last.planned == planned
            and last.recorded_by == user
            and now - last.created_at < REPEAT_WINDOW
        ):
            return ref, False
        action_service.add_action(session, ref, text, actor=user, now=now, planned=planned, happened_at=happened_at)
    return ref, True


@subcommand("action", "/breach action [planned:] TEXT", "record remedial action taken, or planned, on the timeline")
def action_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    planned = bool(_PLANNED.match(rest))
    text = _PLANNED.sub("", rest, count=1).strip()
    if not rest.strip():
        # No words: a modal asks what was done and when it was done.
        ack()
        channel = str(command.get("channel_id") or "")
        view = action_modal(channel, now=ctx.now(), zone=ctx.runtime.settings.zone)
        open_then_check(ctx, str(command.get("trigger_id") or ""), view, channel, "action")
        return
    if not text:
        ack(text=ACTION_USAGE, response_type="ephemeral")
        return
    ref, added = record_action(
        ctx, channel=str(command.get("channel_id") or ""), text=text, planned=planned, user=str(command.get("user_id"))
    )
    kind = "planned action" if planned else "remedial action"
    shown = escape(text[:300])
    if not added:
        ack(text=f"That {kind} is already on {ref}'s timeline: {shown}", response_type="ephemeral")
        return
    ack(text=f"Recorded a {kind} on {ref}'s timeline and register: {shown}", response_type="ephemeral")


def register(app: App, ctx: BotContext) -> None:
    """The subcommands above register themselves on import; this module has no buttons of its own."""
