"""Slack stand-ins for the alert tests: count each alert's posts, fail one channel, or hang mid-sweep."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from bot.slack.sandbox.webapi import SlackStandIn

PRIVACY = "CPRIVACY"


def alert_posts(slack: CountingStandIn) -> Counter[tuple[int, str]]:
    """How many times Slack accepted each (alert id, destination); failed calls are not counted."""
    with slack._lock:
        return Counter(slack.accepted)


class CountingStandIn(SlackStandIn):
    """Marks each chat.postMessage call Slack accepted, can fail one channel's posts, and can hang on
    the nth post (the moment a test kills the worker) and then refuse it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channel_failures: dict[str, list[tuple[int, str, int]]] = {}
        self.hang_on_post: int | None = None
        self.hanging = threading.Event()
        self.release = threading.Event()
        self._posts = 0
        self.accepted: list[tuple[int, str]] = []
        self.accepted_params: list[dict[str, Any]] = []

    def fail_channel(self, channel: str, error: str = "internal_error", *, status: int = 500, times: int = 1) -> None:
        with self._lock:
            self.channel_failures.setdefault(channel, []).append((status, error, times))

    def handle(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        if not path.endswith("chat.postMessage"):
            return super().handle(path, content_type, body)
        params = self._params(content_type, body)
        with self._lock:
            self._posts += 1
            hang = self.hang_on_post is not None and self._posts >= self.hang_on_post
            queue = self.channel_failures.get(str(params.get("channel")))
            failure = None
            if queue and not self.is_down:
                status, error, times = queue[0]
                failure = (status, error)
                if times <= 1:
                    queue.pop(0)
                else:
                    queue[0] = (status, error, times - 1)
        if hang:
            # The worker is killed while it waits; whatever happens to this request, it was not accepted.
            self.hanging.set()
            self.release.wait(60)
            return 503, {}, {"ok": False, "error": "service_unavailable"}
        if failure is not None:
            return failure[0], {}, {"ok": False, "error": failure[1]}
        status, headers, payload = super().handle(path, content_type, body)
        if status == 200 and payload.get("ok"):
            alert = params["metadata"]["event_payload"]
            with self._lock:
                self.accepted.append((int(alert["alert_id"]), str(alert["destination"])))
                self.accepted_params.append(params)
        return status, headers, payload
