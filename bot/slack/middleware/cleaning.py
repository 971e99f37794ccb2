"""Text from Slack enters the bot here, cleaned once: control characters (but tab and newline) removed
from every string of the payload before any listener reads it (bot/domain/plaintext.py says why)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.domain.plaintext import clean_strings


class CleanPayload(Middleware):
    # A Middleware rather than a function given to app.use: Bolt would build a function's arguments (the
    # command, view, action ... each extracted from the body) for every request, on the thread that acks.
    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        # In place: the view, action and command a listener is given are parts of this same body.
        clean_strings(req.body)
        return next()
