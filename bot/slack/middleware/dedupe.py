"""Events API de-duplication: Slack redelivers an event it thinks we missed (X-Slack-Retry-Num), and
Bolt hands every delivery to the listeners. The first delivery of an event_id wins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from bot.slack import state
from bot.slack.context import BotContext

log = logging.getLogger(__name__)


def dedupe_events(ctx: BotContext) -> Callable[..., Any]:
    def middleware(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with ctx.runtime.database.unit_of_work() as session:
                first = state.first_delivery(session, str(event_id), ctx.now())
            if not first:
                log.info("event %s already handled: ignoring the redelivery", event_id)
                return BoltResponse(status=200, body="")
        return next()

    return middleware
