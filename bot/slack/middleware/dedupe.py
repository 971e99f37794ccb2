"""Each delivery acts once: the one de-duplication for everything Slack sends that changes something.

Slack redelivers events it thinks we missed (X-Slack-Retry-Num), a modal's Submit can arrive twice, and a
button's payload can be resent; Bolt hands every copy to the listeners. This global middleware names each
delivery by Slack's own identity for it, claims that name in the database (a unique key, so two copies
racing on two threads or two processes cannot both win), and answers a copy with an empty 200:

- an Events API event: its event_id;
- a modal submission: the view's id, hash and metadata, and what was typed (a double submit repeats them);
- a button or menu: the action's action_ts, action_id and block_id, and the trigger_id;
- a shortcut: its trigger_id.

A claim is given back when the listener answers with field errors or fails before answering, so the
person can correct or retry the same form. Slash commands are not claimed: Slack does not resend them,
and typing one twice is meant twice. Listeners registered anywhere get this without doing anything."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.slack import state
from bot.slack.context import BotContext

log = logging.getLogger(__name__)

_SHORTCUTS = ("shortcut", "message_action")


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:40]


def delivery_key(body: dict[str, Any]) -> str | None:
    """Slack's identity for this delivery, or None for what is not claimed (commands, view_closed)."""
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return str(body["event_id"])
    if kind == "view_submission" and isinstance(body.get("view"), dict):
        view = body["view"]
        return "view:" + _digest(view.get("id"), view.get("hash"), view.get("private_metadata"), view.get("state"))
    if kind == "block_actions" and isinstance(body.get("actions"), list) and body["actions"]:
        action = body["actions"][0] if isinstance(body["actions"][0], dict) else {}
        parts = (action.get("action_ts"), action.get("action_id"), action.get("block_id"), body.get("trigger_id"))
        return "action:" + _digest(*parts)
    if kind in _SHORTCUTS and body.get("trigger_id"):
        return "shortcut:" + _digest(body["trigger_id"])
    return None


class _GivesBackOnErrors(Ack):
    """An ack that gives the claim back when it answers with field errors: the form stays open, and the
    corrected (or unchanged) form must be read again."""

    def __init__(self, give_back: Callable[[], None]) -> None:
        super().__init__()
        self._give_back = give_back

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        if kwargs.get("response_action") == "errors":
            self._give_back()
        return super().__call__(*args, **kwargs)


def give_back(ctx: BotContext, body: dict[str, Any]) -> None:
    """Forget this delivery's claim (after a failure), so that Slack's or the person's retry acts."""
    key = delivery_key(body) if isinstance(body, dict) else None
    if key is None:
        return
    try:
        with ctx.runtime.database.unit_of_work() as session:
            state.forget_delivery(session, key)
    except Exception as problem:  # the failure being reported matters more than this clean-up
        log.warning("could not release the claim on %s: %s", key, problem)


class OncePerDelivery(Middleware):
    # A Middleware rather than a function given to app.use: Bolt would build a function's arguments for
    # every request, on the thread that acks, though a slash command (not claimed) needs none of them.
    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        body = req.body
        key = delivery_key(body)
        if key is None:
            return next()
        ctx = self.ctx
        with ctx.runtime.database.unit_of_work() as session:
            first = state.first_delivery(session, key, ctx.now())
        if not first:
            log.info("%s %s already handled: ignoring the copy", body.get("type"), key)
            return BoltResponse(status=200, body="")
        req.context["ack"] = _GivesBackOnErrors(lambda: give_back(ctx, body))
        return next()
