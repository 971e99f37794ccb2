"""The one wrapper every Slack Web API call goes through.

It honours 429 Retry-After (sleeping when the wait is short, otherwise handing the wait back to the
caller so a worker can reschedule), retries Slack outages with backoff, and never retries errors that
cannot succeed on a second try.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from bot.errors import BreachbotError

log = logging.getLogger(__name__)

# Errors a retry cannot fix: the request itself or the app's setup is wrong.
PERMANENT_ERRORS = frozenset(
    {
        "already_in_channel",
        "already_pinned",
        "cant_invite_self",
        "channel_not_found",
        "invalid_auth",
        "invalid_blocks",
        "invalid_name",
        "invalid_name_specials",
        "invalid_name_punctuation",
        "invalid_trigger_id",
        "expired_trigger_id",
        "is_archived",
        "message_not_found",
        "missing_scope",
        "name_taken",
        "no_text",
        "not_authed",
        "not_in_channel",
        "no_such_subteam",
        "restricted_action",
        "token_revoked",
        "user_not_found",
        "account_inactive",
        "msg_too_long",
        "too_many_attachments",
        "invalid_arguments",
        "not_found",
        "view_too_large",
    }
)


# Calls that must not be sent twice on an unclear failure (a timeout or a 5xx may mean Slack already acted):
# a second attempt would make a second channel or message. Their callers resume from recorded state instead.
NOT_SAFE_TO_REPEAT = frozenset(
    {
        "conversations.create",
        "chat.postMessage",
        "chat.postEphemeral",
        "files.completeUploadExternal",
    }
)


class SlackCallFailed(BreachbotError):
    def __init__(self, method: str, error: str, *, retryable: bool, retry_after: float | None = None) -> None:
        self.method = method
        self.error = error
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(f"Slack {method} failed: {error}")


def make_web_client(token: str | None, base_url: str) -> WebClient:
    return configure_web_client(WebClient(token=token), base_url)


def configure_web_client(client: WebClient, base_url: str) -> WebClient:
    # No slack_sdk retry handlers: SlackCalls decides, so a rate limit is never slept on twice.
    client.base_url = base_url
    client.timeout = 10
    return client


class SlackCalls:
    def __init__(
        self,
        client: WebClient,
        *,
        max_sleep: float = 10.0,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.max_sleep = max_sleep
        self.attempts = attempts
        self.sleep = sleep

    def __call__(self, method: str, **params: Any) -> SlackResponse:
        return self.call(method, **params)

    def call(self, method: str, **params: Any) -> SlackResponse:
        backoff = 0.5
        for attempt in range(1, self.attempts + 1):
            try:
                return (
                    self.client.api_call(method, json=params)
                    if _wants_json(method)
                    else self.client.api_call(method, params=params)
                )
            except SlackApiError as problem:
                response = problem.response
                error = str(response.get("error") or "unknown_error") if response is not None else "unknown_error"
                status = getattr(response, "status_code", 200)
                if status == 429:
                    wait = _retry_after(response)
                    if wait > self.max_sleep or attempt == self.attempts:
                        raise SlackCallFailed(method, "ratelimited", retryable=True, retry_after=wait) from None
                    log.info("Slack %s rate limited: waiting %.1fs as Retry-After asks", method, wait)
                    self.sleep(wait)
                    continue
                if error in PERMANENT_ERRORS or status < 500:
                    raise SlackCallFailed(method, error, retryable=error not in PERMANENT_ERRORS) from None
                if attempt == self.attempts or method in NOT_SAFE_TO_REPEAT:
                    raise SlackCallFailed(method, error, retryable=True) from None
            except SlackClientError as problem:
                if attempt == self.attempts or method in NOT_SAFE_TO_REPEAT:
                    raise SlackCallFailed(method, f"connection problem: {problem}", retryable=True) from None
            except OSError as problem:
                if attempt == self.attempts or method in NOT_SAFE_TO_REPEAT:
                    raise SlackCallFailed(method, f"connection problem: {problem}", retryable=True) from None
            self.sleep(backoff)
            backoff = min(backoff * 4, self.max_sleep)
        raise AssertionError("unreachable")


def _wants_json(method: str) -> bool:
    # Methods whose nested arguments (blocks, views) Slack accepts as a JSON body.
    return method.startswith(("chat.", "views.")) or method == "files.completeUploadExternal"


def _retry_after(response: SlackResponse | None) -> float:
    headers = getattr(response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value[0] if isinstance(value, list) else value))
            except (TypeError, ValueError):
                break
    return 1.0
