"""The one error handler: a person's mistake comes back as its one-line message; anything unexpected is
logged with an error id and the person is told that id, never a traceback."""

from __future__ import annotations

import functools
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.errors import BreachbotError, NotAllowed
from bot.slack.context import BotContext
from bot.slack.middleware.dedupe import give_back
from bot.slack.projector import refresh_views
from bot.slack.replies import notice_view, tell
from bot.slack.views.text import escape
from bot.store.changes import touched_incidents
from bot.store.session import DatabaseUnavailable

log = logging.getLogger("breachbot.slack")


def user_message(error: BaseException) -> str:
    """The person's one line, as mrkdwn. A refusal is built here from mentions (`<@U1>`, the user group)
    and is sent as it is; every other message may quote what someone typed, so it is escaped."""
    if isinstance(error, DatabaseUnavailable):
        # Where the database lives is for the operator's log, not for whoever pressed the button.
        log.error("%s", error)
        return "Breachbot cannot reach its database just now, so nothing was saved. Try again in a minute."
    if isinstance(error, NotAllowed):
        return str(error)
    if isinstance(error, BreachbotError):
        return escape(str(error))
    error_id = secrets.token_hex(3)
    log.error("unexpected error %s", error_id, exc_info=error)
    return f"Something went wrong (error id {error_id}). Try again; if it keeps happening, tell the privacy team."


def install_error_handler(app: App, ctx: BotContext) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], response: BoltResponse | None) -> BoltResponse | None:
        message = user_message(error)
        if response is None:
            # Already acknowledged: the only way left to reach the person is a message.
            tell(ctx, body, message)
            return None
        # Failed before answering, so nothing was done: the same submission or click may be tried again.
        give_back(ctx, body)
        headers = {"content-type": ["application/json;charset=utf-8"]}
        if body.get("command"):
            return BoltResponse(
                status=200, body=json.dumps({"response_type": "ephemeral", "text": message}), headers=headers
            )
        if body.get("type") == "view_submission":
            view = notice_view("Not done", message)
            return BoltResponse(
                status=200, body=json.dumps({"response_action": "update", "view": view}), headers=headers
            )
        tell(ctx, body, message)
        return BoltResponse(status=200, body="")


def after_ack_errors(ctx: BotContext) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a listener so an error raised after it acknowledged is told to the person here, and so the
    Slack views of every incident it wrote to are brought up to date when it ends (bot/slack/projector.py).

    Bolt (1.30) resets the acknowledgement when a listener raises after ack(), so a quick failure turns
    an already-good reply into a 404 and Slack shows "trouble connecting". Errors before ack() still go
    to the app's error handler, which answers the request itself."""

    def decorate(listener: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(listener)  # Bolt injects arguments by the wrapped function's parameter names
        def wrapper(**kwargs: Any) -> Any:
            touched: set[int] = set()
            try:
                with touched_incidents() as touched:
                    return listener(**kwargs)
            except Exception as error:
                ack = kwargs.get("ack")
                if ack is None or ack.response is None:
                    raise
                tell(ctx, kwargs.get("body") or kwargs.get("command") or {}, user_message(error))
                return None
            finally:
                # Whatever the flow wrote to an incident's timeline, every Slack view of it now shows.
                if touched:
                    refresh_views(ctx, touched)

        return wrapper

    return decorate
