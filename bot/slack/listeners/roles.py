"""Roles in Slack: `/breach lead @someone` and `/breach role lead|dpo @someone` (or `/breach role` to see
them). Only the privacy team or the incident's current lead may assign; the handoff is posted in the
channel, the new holder is invited and told what is expected of them."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.errors import BreachbotError, NotAllowed
from bot.services import roles as role_service
from bot.services.roles import EXPECTED, ROLES, TITLES, Handoff
from bot.slack import state
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.subcommands import subcommand
from bot.slack.views.text import escape, mention

log = logging.getLogger(__name__)

ROLE_WORDS = {"lead": "lead", "dpo": "dpo_owner", "dpo-owner": "dpo_owner", "dpo_owner": "dpo_owner"}
ROLE_USAGE = "`/breach role lead @someone` or `/breach role dpo @someone` in the incident's channel"


def role_line(role: str, user: str | None) -> str:
    return f"*{TITLES[role]}:* {mention(user) if user else 'not assigned'}"


def assign_in_slack(ctx: BotContext, ack: Ack, command: dict[str, Any], changes: dict[str, str]) -> None:
    user, channel = str(command.get("user_id") or ""), str(command.get("channel_id") or "")
    try:
        with ctx.runtime.database.unit_of_work() as session:
            incident = state.incident_in_channel(session, channel)
            if incident is None:
                raise BreachbotError(f"Use {ROLE_USAGE}.")
            if not ctx.team.is_member(user) and incident.lead_user_id != user:
                raise NotAllowed(f"Only {ctx.team.who()} or the incident lead can assign roles on {incident.ref}.")
            incident, handoffs = role_service.assign_roles(session, incident.ref, changes, actor=user, now=ctx.now())
            ref = incident.ref
    except BreachbotError as problem:
        ack(text=escape(str(problem)), response_type="ephemeral")
        return
    if not handoffs:
        ack(text="Nothing changed: they already hold that role.", response_type="ephemeral")
        return
    ack()
    # The pinned summary shows the roles: the projector refreshes it when this flow ends.
    for handoff in handoffs:
        announce_handoff(ctx, ref, handoff, actor=user)


def announce_handoff(ctx: BotContext, ref: str, handoff: Handoff, *, actor: str | None) -> str | None:
    """Bring the new holder into the channel, then post the handoff there, addressed to them."""
    with ctx.runtime.database.unit_of_work() as session:
        channel = state.incident_channel_id(session, ref)
    if channel:
        try:
            ctx.calls("conversations.invite", channel=channel, users=handoff.after)
        except SlackCallFailed as problem:
            if problem.error != "already_in_channel":
                log.warning("could not invite %s to %s: %s", handoff.after, ref, problem)
    by = f" ({mention(actor)} assigned it)" if actor and actor != handoff.after else ""
    was = f", taking over from {mention(handoff.before)}" if handoff.before else ""
    text = (
        f":busts_in_silhouette: {mention(handoff.after)} is now the {ROLES[handoff.role]} of {ref}{was}{by}.\n"
        f"{mention(handoff.after)}: {EXPECTED[handoff.role]}"
    )
    return post_to_incident(ctx, ref, text)


@subcommand("lead", "/breach lead @someone", "in an incident's channel, make someone the incident lead")
def lead_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    if not rest:
        ack(text="Say who: `/breach lead @someone`.", response_type="ephemeral")
        return
    assign_in_slack(ctx, ack, command, {"lead": rest})


@subcommand("role", "/breach role [lead|dpo @someone]", "in an incident's channel, show or assign its roles")
def role_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    word, _, who = rest.partition(" ")
    if not rest:
        with ctx.runtime.database.unit_of_work() as session:
            incident = state.incident_in_channel(session, str(command.get("channel_id") or ""))
            if incident is None:
                ack(text=f"Use {ROLE_USAGE}.", response_type="ephemeral")
                return
            lines = [role_line(role, role_service.holder(incident, role)) for role in ROLES]
        ack(text="\n".join(lines) + f"\nAssign with {ROLE_USAGE}.", response_type="ephemeral")
        return
    role = ROLE_WORDS.get(word.lower())
    if role is None or not who.strip():
        ack(text=f"Use {ROLE_USAGE}.", response_type="ephemeral")
        return
    assign_in_slack(ctx, ack, command, {role: who.strip()})


def register(app: App, ctx: BotContext) -> None:
    """Subcommands only: registered with the /breach router by importing this module."""
