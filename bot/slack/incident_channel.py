"""Posting to an incident's private channel. (Its pinned summary and other views are kept current by
bot/slack/projector.py.)

Call this after the flow's unit of work has committed: the record comes first, and a Slack failure
here is logged, not raised, because the change itself is already safe in the database."""

from __future__ import annotations

import logging
from typing import Any

from bot.services import incidents as incident_service
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.views.text import section

log = logging.getLogger(__name__)


def post_to_incident(ctx: BotContext, ref: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None:
    """Post in the incident's channel (text is mrkdwn: escape people's words). Returns the message ts."""
    with ctx.runtime.database.unit_of_work() as session:
        channel = incident_service.get_incident(session, ref).slack_channel_id
    if not channel:
        log.info("%s has no Slack channel yet: not posting %r", ref, text[:80])
        return None
    try:
        response = ctx.calls("chat.postMessage", channel=channel, text=text, blocks=blocks or [section(text)])
        return str(response.get("ts"))
    except SlackCallFailed as problem:
        log.warning("could not post in %s's channel: %s", ref, problem)
        return None
