"""What happened and when, from Slack: the remedial-action form (`/breach action` with no words) records
when the action was done; `/breach controller-told` (privacy team, a processor's incident) records when
and how the controller was told, which stops the processor clock's alerts. Both are announced in the
incident's channel only when they changed something, so a double submission posts once."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.clock import format_local
from bot.errors import BreachbotError
from bot.services import processor
from bot.services.incidents import get_incident
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.listeners.register import record_action
from bot.slack.listeners.reporting import open_then_check, ref_for
from bot.slack.middleware.auth import require_team, team_only
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import tell, user_of
from bot.slack.subcommands import subcommand
from bot.slack.views import forms
from bot.slack.views.records import ACTION_CALLBACK, CONTROLLER_CALLBACK, PLANNED, controller_told_modal
from bot.slack.views.text import date_token, escape, mention
from bot.slack.views.times import TimeFieldError, read_time

TELLING = "record that the controller was told"


@subcommand(
    "controller-told", "/breach controller-told", "processor: record when and how the controller was told",
    team_only=True,
)  # fmt: skip
def controller_told_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    channel = str(command.get("channel_id") or "")
    require_team(ctx, str(command.get("user_id") or ""), TELLING)
    ack()
    view = controller_told_modal(channel, now=ctx.now(), zone=ctx.runtime.settings.zone)
    open_then_check(ctx, str(command.get("trigger_id") or ""), view, channel, "controller-told")


def _reply_to(body: dict[str, Any], channel: str | None) -> dict[str, Any]:
    return {"user": {"id": user_of(body)}, "channel_id": channel}


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)
    tellers = team_only(ctx, TELLING)

    @app.view(ACTION_CALLBACK)
    @safe
    def submit_action(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        channel = forms.metadata(view).get("channel")
        text = forms.text(view, "text")
        planned = forms.selected_one(view, "state") == PLANNED
        errors: dict[str, str] = {}
        happened_at = None
        if not text:
            errors["text"] = "Say what was done, e.g. 'Reset the passwords of the 40 affected accounts'."
        if not planned:
            try:
                happened_at = read_time(view, "at", zone=ctx.runtime.settings.timezone, now=ctx.now(), required=False)
            except TimeFieldError as problem:
                errors[problem.block_id] = str(problem)[:150]
        if errors:
            ack(response_action="errors", errors=errors)
            return
        user = user_of(body) or "unknown"
        try:
            ref, added = record_action(
                ctx, channel=str(channel or ""), text=text, planned=planned, user=user, happened_at=happened_at
            )
        except BreachbotError as problem:
            ack(response_action="errors", errors={"text": str(problem)[:150]})
            return
        ack()
        if not added:
            return
        kind = "a planned action" if planned else "a remedial action"
        when = f" (done {date_token(happened_at, ctx.runtime.settings.zone)})" if happened_at else ""
        post_to_incident(ctx, ref, f"{mention(user)} recorded {kind} on *{ref}*{when}:\n>{escape(text[:2000])}")

    @app.view(CONTROLLER_CALLBACK, middleware=[tellers])
    @safe
    def submit_controller_told(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        channel = forms.metadata(view).get("channel")
        how, zone = forms.text(view, "how"), ctx.runtime.settings.zone
        errors: dict[str, str] = {}
        told_at = None
        try:
            told_at = read_time(view, "at", zone=ctx.runtime.settings.timezone, now=ctx.now())
        except TimeFieldError as problem:
            errors[problem.block_id] = str(problem)[:150]
        if not how:
            errors["how"] = "Say how the controller was told, e.g. 'phone call to their DPO, then email'."
        if errors or told_at is None:
            ack(response_action="errors", errors=errors)
            return
        user = user_of(body) or "unknown"
        try:
            with ctx.runtime.database.unit_of_work() as session:
                incident = get_incident(session, ref_for(session, None, channel, "controller-told"), lock=True)
                before = (incident.controller_told_at, incident.controller_told_how)
                processor.record_controller_told(
                    session, incident.ref, told_at=told_at, how=how, actor=user, now=ctx.now()
                )
                ref, controller = incident.ref, incident.controller_name or "the controller"
                changed = before != (incident.controller_told_at, incident.controller_told_how)
        except BreachbotError as problem:
            ack(response_action="errors", errors={"how": str(problem)[:150]})
            return
        ack()
        if not changed:
            tell(ctx, _reply_to(body, channel), f"{ref}: that is already recorded; nothing changed.")
            return
        post_to_incident(
            ctx,
            ref,
            f":handshake: {mention(user)} recorded that {escape(controller)} was told about *{ref}* "
            f"{date_token(told_at, zone)}:\n>{escape(how[:2000])}\nThe processor clock's alerts are stopped.",
        )
        tell(ctx, _reply_to(body, channel), f"Recorded: {escape(controller)} told {format_local(told_at, zone)}.")
