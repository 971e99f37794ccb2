"""The HTTP front door, in front of Bolt: size, then Slack's signature, then the payload's shape.

Bolt parses the body when it builds its request object, before its own signature check, so an unsigned
`payload=notjson` was a 500 with a traceback and a malformed timestamp header reached the error handler.
Here nothing reads the body until the signature is good, and a signed body that is not the shape Slack
sends (the fields Bolt and the listeners route on have the wrong types) is refused with a 400, before
any listener runs, so it can change nothing."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import parse_body
from slack_bolt.request.payload_utils import (
    to_action,
    to_command,
    to_event,
    to_message,
    to_options,
    to_shortcut,
    to_step,
    to_view,
)

log = logging.getLogger(__name__)

# Slack's own payloads are far smaller; a modal of 100 blocks of 3,000 characters is about 300 kB.
BODY_LIMIT = 2_000_000
CLOCK_SKEW = 300  # seconds, as Bolt and Slack's documentation allow

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_ANY = object()
Shape = type | tuple[type, ...] | dict[str, Any] | list[Any] | object
_ID = (str, type(None))
_ITEM = {"id": _ID, "team_id": _ID, "name": _ID}
_ACTION = {
    "type": _ID,
    "action_id": _ID,
    "block_id": _ID,
    "value": _ID,
    "action_ts": _ID,
    "selected_option": (dict, type(None)),
    "selected_options": (list, type(None)),
    "selected_date": _ID,
    "selected_time": _ID,
}
_VIEW = {
    "id": _ID,
    "type": _ID,
    "callback_id": _ID,
    "private_metadata": _ID,
    "hash": _ID,
    "team_id": _ID,
    "app_installed_team_id": _ID,
    "state": (dict, type(None)),
}
# What Slack sends, for every field Bolt or a listener reads: the types each may have.
PAYLOAD: dict[Any, Shape] = {
    "type": _ID,
    "token": _ID,
    "team_id": _ID,
    "user_id": _ID,
    "channel_id": _ID,
    "enterprise_id": _ID,
    "api_app_id": _ID,
    "event_id": _ID,
    "trigger_id": _ID,
    "callback_id": _ID,
    "command": _ID,
    "text": _ID,
    "response_url": _ID,
    "action_ts": _ID,
    "message_ts": _ID,
    "thread_ts": _ID,
    "function_execution_id": _ID,
    "is_enterprise_install": (bool, str, type(None)),
    "user": _ITEM,
    "team": (_ITEM, type(None)),
    "channel": _ITEM,
    "enterprise": (dict, str, type(None)),
    "container": {"channel_id": _ID, "message_ts": _ID, "view_id": _ID, "type": _ID},
    "message": {"ts": _ID, "text": _ID, "user": _ID, "thread_ts": _ID},
    "previous_message": dict,
    "view": _VIEW,
    "actions": [_ACTION],
    "authorizations": [{"team_id": _ID, "enterprise_id": _ID, "user_id": _ID, "is_enterprise_install": _ANY}],
    "function_data": dict,
    "event": {
        "type": _ID,
        "subtype": _ID,
        "user": (str, dict, type(None)),
        "channel": (str, dict, type(None)),
        "tab": _ID,
        "ts": _ID,
        "thread_ts": _ID,
        "text": _ID,
        "team": _ID,
        "item": dict,
        "message": dict,
        "previous_message": dict,
        "view": _VIEW,
    },
}


_WHO = {"id": str}
_VIEW_NEEDS = {"id": str, "type": str, "callback_id": str}
# What Slack always sends with each kind of payload, and Bolt's routing reads without checking.
REQUIRED: dict[str, dict[str, Any]] = {
    "block_actions": {"user": _WHO, "actions": [{"action_id": str, "block_id": str}]},
    "view_submission": {"user": _WHO, "view": _VIEW_NEEDS},
    "view_closed": {"user": _WHO, "view": _VIEW_NEEDS},
    "shortcut": {"user": _WHO, "callback_id": str, "trigger_id": str},
    "message_action": {"user": _WHO, "callback_id": str, "trigger_id": str},
    "event_callback": {"event": {"type": str}},
}


def missing(value: Any, needs: Any, where: str = "payload") -> str | None:
    """The first thing `needs` asks for that `value` lacks: every key of a dict shape must be present."""
    if isinstance(needs, type):
        return None if isinstance(value, needs) else f"{where} is {type(value).__name__}, not {needs.__name__}"
    if isinstance(needs, list):
        if not isinstance(value, list) or not value:
            return f"{where} is not a list with items"
        return next((p for i, item in enumerate(value) if (p := missing(item, needs[0], f"{where}[{i}]"))), None)
    if not isinstance(value, dict):
        return f"{where} is not an object"
    for key, wanted in needs.items():
        if key not in value:
            return f"{where}.{key} is missing"
        if problem := missing(value[key], wanted, f"{where}.{key}"):
            return problem
    return None


def shape_problem(value: Any, shape: Shape, where: str = "payload") -> str | None:
    """Where `value` is not the shape: a dict shape lists the keys it checks (others pass), `_ANY` as a
    key checks every value, a one-item list checks each item, a tuple is any of its shapes."""
    if shape is _ANY:
        return None
    if isinstance(shape, tuple):
        problems = [shape_problem(value, option, where) for option in shape]
        return None if any(p is None for p in problems) else next(p for p in problems if p)
    if isinstance(shape, type):
        return None if isinstance(value, shape) else f"{where} is {type(value).__name__}, not {shape.__name__}"
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where} is {type(value).__name__}, not a list"
        for index, item in enumerate(value):
            if problem := shape_problem(item, shape[0], f"{where}[{index}]"):
                return problem
        return None
    assert isinstance(shape, dict)
    if not isinstance(value, dict):
        return f"{where} is {type(value).__name__}, not an object"
    for key, item in value.items():
        expected = shape.get(key, shape.get(_ANY, _ANY))
        if problem := shape_problem(item, expected, f"{where}.{key}"):
            return problem
    return None


def signed_by_slack(secret: str, raw: bytes, timestamp: str, signature: str, now: float) -> bool:
    """Slack's v0 signature over the raw bytes, with a timestamp no more than five minutes off."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs(now - stamp) > CLOCK_SKEW:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}", signature)


def payload_problem(raw: bytes, content_type: str | None) -> str | None:
    """Why a signed body cannot be Slack's, or None. Builds Bolt's own request once, as a check."""
    try:
        text = raw.decode("utf-8")
        body = parse_body(text, content_type)
    except ValueError as problem:  # UnicodeDecodeError and json's JSONDecodeError are ValueErrors
        return f"not a Slack payload ({type(problem).__name__})"
    if problem := shape_problem(body, PAYLOAD):
        return problem
    if problem := missing(body, REQUIRED.get(str(body.get("type")), {})):
        return problem
    try:
        request = BoltRequest(body=text, headers={"content-type": content_type or ""})
        # What Bolt extracts for every middleware, listener and error handler (a view without its type
        # once crashed the error handler itself).
        for extract in (to_options, to_shortcut, to_action, to_view, to_command, to_event, to_message, to_step):
            extract(request.body)
    except Exception as problem:  # what Bolt cannot read, it must not be asked to route
        return f"Bolt cannot read it ({type(problem).__name__})"
    return None


def _answer(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    data = text.encode()
    start_response(status, [("Content-Type", "text/plain;charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def guard(application: WsgiApp, signing_secret: str, *, clock: Callable[[], float] = time.time) -> WsgiApp:
    """`application` behind the checks; only POSTs are checked (anything else is the app's 404)."""

    def gate(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return application(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _answer(start_response, "400 Bad Request", "bad Content-Length")
        if length > BODY_LIMIT:
            return _answer(start_response, "413 Payload Too Large", "too large")
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if not signed_by_slack(signing_secret, raw, timestamp, signature, clock()):
            return _answer(start_response, "401 Unauthorized", "invalid request")
        content_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip() or None
        if problem := payload_problem(raw, content_type):
            log.info("refused a signed request: %s", problem)
            return _answer(start_response, "400 Bad Request", "malformed payload")
        # Bolt reads the body again from the stream.
        return application({**environ, "wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw))}, start_response)

    return gate
