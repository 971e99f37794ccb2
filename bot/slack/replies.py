"""Telling one person something outside a request's own response: ephemeral where they are, else a DM."""

from __future__ import annotations

import logging
from typing import Any

from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.views.text import section

log = logging.getLogger(__name__)


def user_of(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    return body.get("user_id") or (body.get("event") or {}).get("user")


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container") or {}
    return body.get("channel_id") or container.get("channel_id")


def tell(ctx: BotContext, body: dict[str, Any], text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """Ephemeral in the channel the person acted in; when the bot cannot post there, a DM."""
    user = user_of(body)
    if not user:
        log.warning("cannot tell anyone %r: the request names no user", text[:200])
        return
    blocks = blocks or [section(text)]
    channel = channel_of(body)
    if channel and not channel.startswith("D"):
        try:
            ctx.calls("chat.postEphemeral", channel=channel, user=user, text=text, blocks=blocks)
            return
        except SlackCallFailed as problem:
            log.info("ephemeral to %s in %s failed (%s): sending a DM", user, channel, problem.error)
    try:
        ctx.calls("chat.postMessage", channel=user, text=text, blocks=blocks)
    except SlackCallFailed as problem:
        log.warning("could not tell %s %r: %s", user, text[:200], problem)


def notice_view(title: str, text: str) -> dict[str, Any]:
    """A modal that replaces a submitted one to say why nothing happened."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(text)],
    }
