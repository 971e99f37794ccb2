"""Who may do what: anyone may report; only the privacy team may list, triage, override or close.

`require_team` is the guard for code paths that decide inside a listener (the /breach router);
`team_only` wraps it as Bolt listener middleware for buttons and modals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.errors import NotAllowed
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.replies import notice_view, tell, user_of


def refusal(ctx: BotContext, doing: str) -> str:
    return f"Only {ctx.team.who()} can {doing}. Ask one of them."


def require_team(ctx: BotContext, user_id: str | None, doing: str) -> None:
    """Raise NotAllowed, whose message says who can, unless the user is on the privacy team."""
    if not ctx.team.is_member(user_id):
        raise NotAllowed(refusal(ctx, doing))


def team_only(ctx: BotContext, doing: str) -> Callable[..., Any]:
    """Listener middleware: refuse non-members with an ephemeral message (or a modal) naming the team."""

    def guard(ack: Ack, body: dict[str, Any], next: Callable[[], Any]) -> Any:
        if ctx.team.is_member(user_of(body)):
            return next()
        # Bolt treats a listener middleware that skips next() and returns nothing as "not my
        # listener" (404), so the refusal must be returned as the response.
        message = refusal(ctx, doing)
        if body.get("type") == "view_submission":
            return ack(response_action="update", view=notice_view("Not allowed", message))
        if body.get("command"):
            return ack(text=message, response_type="ephemeral")
        # Tell after replying: the acknowledgement must not wait on another Slack call.
        threading.Thread(target=tell, args=(ctx, body, message), daemon=True).start()
        return ack()

    return guard


def in_incident(ctx: BotContext, user_id: str | None, *, reporter: str, channel_id: str | None) -> bool:
    """Someone the incident's private channel includes: the privacy team, the reporter, or a member of
    the channel (asked of Slack, since people are added to incident channels by hand too)."""
    if not user_id:
        return False
    if user_id == reporter or ctx.team.is_member(user_id):
        return True
    if not channel_id:
        return False
    try:
        members = ctx.quick("conversations.members", channel=channel_id, limit=1000).get("members") or []
    except SlackCallFailed:
        return False
    return user_id in members
