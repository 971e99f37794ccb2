"""The privacy card's "Join the incident channel" button: a privacy-team member is added to the
incident's private channel. Only the team may: the channel holds the personal data the card leaves out."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services import incidents as incident_service
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.middleware.auth import team_only
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import tell, user_of
from bot.slack.views.privacy_card import JOIN_ACTION
from bot.slack.views.text import channel_link, escape


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)

    @app.action(JOIN_ACTION, middleware=[team_only(ctx, "join an incident's channel from the privacy card")])
    @safe
    def join_incident(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user = user_of(body) or ""
        with ctx.runtime.database.unit_of_work() as session:
            incident = incident_service.get_incident(session, str(action.get("value") or ""))
            ref, channel = incident.ref, incident.slack_channel_id
        if not channel:
            tell(ctx, body, f"{escape(ref)} has no Slack channel yet: its setup has not finished.")
            return
        try:
            ctx.calls("conversations.invite", channel=channel, users=user)
        except SlackCallFailed as problem:
            if problem.error != "already_in_channel":
                said = escape(problem.error)
                tell(ctx, body, f"Could not add you to {escape(ref)}'s channel (Slack said: `{said}`).")
                return
        tell(ctx, body, f"You are in {channel_link(channel)}, {escape(ref)}'s channel.")
