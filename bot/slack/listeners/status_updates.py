"""Status updates people see: `/breach update [TEXT]` and the summary's "Add update" post to the incident's
channel and go on its timeline; posting one moves the lead's update reminder on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App

from bot.errors import BreachbotError
from bot.services import status_updates
from bot.services.incidents import get_incident
from bot.services.status_updates import StatusUpdate
from bot.slack import state
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.middleware.auth import in_incident
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import channel_of, user_of
from bot.slack.subcommands import subcommand
from bot.slack.views import forms
from bot.slack.views.status_update import CALLBACK_ID, update_message, update_modal
from bot.slack.views.text import escape
from bot.slack.views.times import TimeFieldError, read_time

USAGE = "Use `/breach update` in the incident's own channel (`/breach update TEXT` posts TEXT at once)."


def record_update(
    ctx: BotContext,
    ref: str,
    status: StatusUpdate,
    *,
    actor: str,
    at: datetime | None = None,
    source_key: str | None = None,
) -> tuple[str, bool]:
    """Record the update in one unit of work: (reference, whether it is new rather than a repeat)."""
    now, zone = ctx.now(), ctx.runtime.settings.zone
    with ctx.runtime.database.unit_of_work() as session:
        posted = status_updates.post_update(
            session,
            ref,
            status,
            actor=actor,
            now=now,
            at=at,
            remind_after=ctx.runtime.settings.update_reminder_every,
            zone=zone,
            source_key=source_key,
        )
        return posted.incident.ref, posted.new


def announce_update(ctx: BotContext, ref: str, status: StatusUpdate, *, actor: str, at: datetime | None) -> str | None:
    """Post a recorded update in the incident's channel (after commit: a Slack failure loses nothing).
    Returns the message ts, or None when it could not be posted."""
    zone = ctx.runtime.settings.zone
    text, blocks = update_message(ref, status, author=actor, at=at or ctx.now(), zone=zone, backdated=at is not None)
    return post_to_incident(ctx, ref, text, blocks)


@subcommand("update", "/breach update [TEXT]", "in an incident's channel, post a status update (TEXT, or a form)")
def update_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    user, channel = str(command.get("user_id") or ""), str(command.get("channel_id") or "")
    with ctx.runtime.database.unit_of_work() as session:
        incident = state.incident_in_channel(session, channel)
        ref = incident.ref if incident is not None else None
    if ref is None:
        ack(text=USAGE, response_type="ephemeral")
        return
    if not rest:
        ack()
        ctx.quick("views.open", trigger_id=command.get("trigger_id"), view=update_modal(ref, channel))
        return
    status = StatusUpdate(known=rest)
    try:
        ref, new = record_update(ctx, ref, status, actor=user, source_key=f"slack-command:{command.get('trigger_id')}")
    except BreachbotError as problem:
        ack(text=escape(str(problem)), response_type="ephemeral")
        return
    ack(text=f"Posted in {ref}'s channel and kept on its timeline.", response_type="ephemeral")
    if new:
        announce_update(ctx, ref, status, actor=user, at=None)


def read_update(view: dict[str, Any], *, now: datetime, zone: str) -> tuple[StatusUpdate | None, datetime | None, dict]:
    errors: dict[str, str] = {}
    parts = {key: forms.text(view, key) for key in ("known", "doing", "need")}
    if not parts["known"]:
        errors["known"] = "Say what you know now, even if it is little."
    for key, text in parts.items():
        if len(text) > status_updates.PART_LIMIT:
            errors[key] = f"Keep it to {status_updates.PART_LIMIT:,} characters."
    raw_next = forms.element(view, "next_update_by").get("selected_date_time")
    next_by = None
    if isinstance(raw_next, int | str) and not isinstance(raw_next, bool) and str(raw_next).isdigit():
        next_by = datetime.fromtimestamp(int(raw_next), UTC)
        if next_by <= now:
            errors["next_update_by"] = "Promise the next update for a time still to come."
    at = None
    try:
        at = read_time(view, "at", zone=zone, now=now, required=False)
    except TimeFieldError as problem:
        errors[problem.block_id] = str(problem)
    if errors:
        return None, None, errors
    return StatusUpdate(next_update_by=next_by, **parts), at, {}


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)

    @app.action("add_update")
    @safe
    def add_update_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        view = update_modal(str(action.get("value") or ""), channel_of(body))
        ctx.quick("views.open", trigger_id=body.get("trigger_id"), view=view)

    @app.view(CALLBACK_ID)
    @safe
    def submit_update(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        status, at, errors = read_update(view, now=ctx.now(), zone=ctx.runtime.settings.timezone)
        if status is None:
            ack(response_action="errors", errors=errors)
            return
        user = user_of(body) or "unknown"
        # The reference comes back from the client in private_metadata: check the person belongs to that
        # incident before writing to its timeline, which can never be edited afterwards.
        try:
            with ctx.runtime.database.unit_of_work() as session:
                incident = get_incident(session, str(forms.metadata(view).get("ref") or ""))
                ref, reporter, channel_id = incident.ref, incident.reported_by, incident.slack_channel_id
        except BreachbotError:
            ack(response_action="errors", errors={"known": "That incident was not found."})
            return
        if not in_incident(ctx, user, reporter=reporter, channel_id=channel_id):
            ack(response_action="errors", errors={"known": "Only people in the incident's channel can add to it."})
            return
        ack()
        ref, new = record_update(ctx, ref, status, actor=user, at=at, source_key=f"slack-view:{view.get('id')}")
        if new:
            announce_update(ctx, ref, status, actor=user, at=at)
