"""Capturing messages into the timeline: the "Add to breach timeline" message shortcut, and the timeline
reaction (BREACHBOT_TIMELINE_REACTION, :pushpin: by default). Incident channels only: the shortcut
elsewhere is refused (ephemeral); the reaction elsewhere is ignored, since people pin things in every
channel for their own reasons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.errors import BreachbotError
from bot.services import captures
from bot.services.captures import CapturedMessage
from bot.slack import state
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import tell, user_of
from bot.slack.views.text import date_token, escape

log = logging.getLogger(__name__)

SHORTCUT_ID = "add_to_timeline"
ELSEWHERE = "*Add to breach timeline* works in an incident's own channel only: nothing was recorded."


def _permalink(ctx: BotContext, channel: str, ts: str) -> str | None:
    try:
        return str(ctx.calls("chat.getPermalink", channel=channel, message_ts=ts).get("permalink") or "") or None
    except SlackCallFailed as problem:
        log.info("no permalink for %s/%s: %s", channel, ts, problem)
        return None


def capture(ctx: BotContext, channel: str, message: dict[str, Any], *, actor: str) -> captures.Captured | None:
    """Record the message on the channel's incident; None when the channel is no incident's."""
    with ctx.runtime.database.unit_of_work() as session:
        incident = state.incident_in_channel(session, channel)
        ref = incident.ref if incident is not None else None
    if ref is None:
        return None
    ts = str(message.get("ts") or "")
    found = CapturedMessage(
        channel=channel,
        ts=ts,
        author=str(message.get("user") or message.get("bot_id") or "") or None,
        text=str(message.get("text") or ""),
        permalink=_permalink(ctx, channel, ts),
    )
    with ctx.runtime.database.unit_of_work() as session:
        return captures.capture_message(session, ref, found, actor=actor, now=ctx.now())


def _confirmation(ctx: BotContext, captured: captures.Captured) -> str:
    when = date_token(captured.at, ctx.runtime.settings.zone)
    if not captured.new:
        return f"That message is already on {captured.ref}'s timeline (at {when})."
    return f"Added to {captured.ref}'s timeline at the time it was posted ({when})."


def _message_at(ctx: BotContext, channel: str, ts: str) -> dict[str, Any] | None:
    """The reacted-to message itself: the reaction event carries only its channel and ts."""
    try:
        found = ctx.calls("conversations.history", channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
        messages = found.get("messages") or []
        if not messages:  # a reply in a thread is not in the channel's history
            found = ctx.calls("conversations.replies", channel=channel, ts=ts, latest=ts, inclusive=True, limit=1)
            messages = [m for m in found.get("messages") or [] if m.get("ts") == ts]
    except SlackCallFailed as problem:
        log.warning("could not read the message %s/%s to capture it: %s", channel, ts, problem)
        return None
    return dict(messages[0]) if messages else None


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)

    @app.shortcut(SHORTCUT_ID)
    @safe
    def add_to_timeline(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        channel = str((body.get("channel") or {}).get("id") or "")
        message = dict(body.get("message") or {})
        message.setdefault("ts", body.get("message_ts"))
        try:
            captured = capture(ctx, channel, message, actor=user_of(body) or "unknown")
        except BreachbotError as problem:
            tell(ctx, body, escape(str(problem)))
            return
        tell(ctx, body, ELSEWHERE if captured is None else _confirmation(ctx, captured))

    @app.event("reaction_added")
    def reaction_added(event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != ctx.runtime.settings.timeline_reaction or item.get("type") != "message":
            return
        channel, ts, user = str(item.get("channel") or ""), str(item.get("ts") or ""), str(event.get("user") or "")
        with ctx.runtime.database.unit_of_work() as session:
            if state.incident_in_channel(session, channel) is None:
                return
        message = _message_at(ctx, channel, ts)
        if message is None:
            return
        message["ts"] = ts
        try:
            captured = capture(ctx, channel, message, actor=user or "unknown")
        except BreachbotError as problem:
            log.warning("could not capture %s/%s: %s", channel, ts, problem)
            return
        if captured is not None:
            tell(ctx, {"user": {"id": user}, "channel": {"id": channel}}, _confirmation(ctx, captured))
