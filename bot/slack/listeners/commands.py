"""`/breach` and its subcommands: help, open, status, list, close.

Quick subcommands answer in the acknowledgement itself (ephemeral), so the answer never needs the
response_url; `open` and `close` acknowledge first and then open their modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.errors import BreachbotError
from bot.services import incidents as incident_service
from bot.slack import state, subcommands
from bot.slack.context import BotContext
from bot.slack.listeners.close import open_close_modal, still_needed
from bot.slack.listeners.open import open_report_modal
from bot.slack.middleware.auth import require_team
from bot.slack.middleware.errors import after_ack_errors, user_message
from bot.slack.views.lists import help_blocks, reporter_status_blocks, team_list_blocks
from bot.slack.views.summary import summary_blocks, summary_text
from bot.slack.views.text import escape, unescape
from bot.store.models import Incident

NOT_IN_CHANNEL = "Use `/breach {what}` in the incident's own channel."


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)

    @app.command("/breach")
    @safe
    def breach(ack: Ack, command: dict[str, Any]) -> None:
        text = unescape(str(command.get("text") or "")).strip()
        verb, _, rest = text.partition(" ")
        verb = verb.lower()
        user = str(command.get("user_id") or "")
        channel = str(command.get("channel_id") or "")
        extra = subcommands.find(verb)
        if extra is not None:
            extra.handler(ctx, ack, command, rest.strip())
            return
        if verb == "open":
            ack()
            open_report_modal(ctx, str(command.get("trigger_id") or ""), title=rest.strip()[:200], channel=channel)
            return
        try:
            if verb == "close":
                ref = _closeable_here(ctx, user, channel)
            else:
                answer = _answer(ctx, verb, rest.strip(), user, channel)
        except BreachbotError as problem:
            ack(text=user_message(problem), response_type="ephemeral")
            return
        if verb == "close":
            ack()
            open_close_modal(ctx, str(command.get("trigger_id") or ""), ref, still_needed(ctx, ref))
            return
        ack(**answer, response_type="ephemeral")


def _answer(ctx: BotContext, verb: str, rest: str, user: str, channel: str) -> dict[str, Any]:
    if verb in ("", "help"):
        return {"text": "Breachbot commands", "blocks": help_blocks(ctx.team.who())}
    if verb == "status":
        return _status(ctx, user, channel)
    if verb == "list":
        require_team(ctx, user, "list incidents")
        now, zone = ctx.now(), ctx.runtime.settings.zone
        with ctx.runtime.database.unit_of_work() as session:
            found = incident_service.list_incidents(session, open_only=True)
            blocks = team_list_blocks(found, now, zone, "Open incidents, nearest deadline first")
        return {"text": f"{len(found)} open incidents", "blocks": blocks}
    return {
        "text": f"I don't know `/breach {escape(verb)}`.",
        "blocks": help_blocks(ctx.team.who()),
    }


def _incident_here(session: Any, channel: str, what: str) -> Incident:
    incident = state.incident_in_channel(session, channel)
    if incident is None:
        raise BreachbotError(NOT_IN_CHANNEL.format(what=what))
    return incident


def _closeable_here(ctx: BotContext, user: str, channel: str) -> str:
    require_team(ctx, user, "close incidents")
    with ctx.runtime.database.unit_of_work() as session:
        incident = _incident_here(session, channel, "close")
        if incident.status == "closed":
            raise BreachbotError(f"{incident.ref} is already closed.")
        return incident.ref


def _status(ctx: BotContext, user: str, channel: str) -> dict[str, Any]:
    now, zone = ctx.now(), ctx.runtime.settings.zone
    with ctx.runtime.database.unit_of_work() as session:
        here = state.incident_in_channel(session, channel)
        if here is not None:
            return {"text": summary_text(here, zone), "blocks": summary_blocks(here, now=now, zone=zone)}
        if ctx.team.is_member(user):
            found = incident_service.list_incidents(session, open_only=True)
            return {"text": "Open incidents", "blocks": team_list_blocks(found, now, zone, "Open incidents")}
        own = [i for i in incident_service.list_incidents(session) if i.reported_by == user]
        incomplete = state.incomplete_setups(session, [i.ref for i in own])
        return {"text": "Incidents you reported", "blocks": reporter_status_blocks(own, now, zone, incomplete)}
