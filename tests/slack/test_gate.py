"""The HTTP front door: nothing reads a body before its signature is good, and a signed body that is not
the shape Slack sends is refused before any listener runs."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.slack.gate import BODY_LIMIT, guard, payload_problem, shape_problem, signed_by_slack
from bot.slack.sandbox.driver import SlackDriver
from tests.slack.conftest import SECRET, Harness

FORM = "application/x-www-form-urlencoded"


def unsigned(harness: Harness) -> SlackDriver:
    return SlackDriver(harness.server.url, "not-the-secret")


def test_an_unsigned_payload_that_is_not_json_is_401_not_500(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    reply = unsigned(harness).send("payload=notjson", FORM)
    assert reply.status == 401
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("stamp", ["soon", "", "12.5", "-", "9" * 40])
def test_a_malformed_timestamp_header_is_401(harness: Harness, stamp: str) -> None:
    reply = harness.driver.send(
        "payload=notjson", FORM, signature="v0=00", headers={"X-Slack-Request-Timestamp": stamp}
    )
    assert reply.status == 401


def test_a_correct_signature_with_a_stale_timestamp_is_401(harness: Harness) -> None:
    reply = harness.driver.command("help", timestamp=int(time.time()) - 600)
    assert reply.status == 401


def test_a_signed_payload_that_is_not_json_is_400_and_changes_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    reply = harness.driver.send("payload=notjson", FORM)
    assert reply.status == 400 and "Traceback" not in caplog.text
    assert harness.slack.calls == [] and harness.incidents() == []


def test_a_signed_good_request_still_reaches_the_bot(harness: Harness) -> None:
    reply = harness.driver.command("help")
    assert reply.status == 200 and "/breach" in reply.body


def test_a_body_over_the_limit_is_refused_unread() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("the app must not be reached")

    class Unreadable:
        def read(self, *_: Any) -> bytes:
            raise AssertionError("the body must not be read")

    statuses: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(BODY_LIMIT + 1), "wsgi.input": Unreadable()}
    guard(app, SECRET)(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Payload Too Large"]


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "user": "U1", "actions": [{"action_id": "add_update"}]},
        {"type": "block_actions", "user": {"id": 5}, "actions": [{"action_id": "add_update"}]},
        {"type": "block_actions", "actions": "add_update"},
        {"type": "view_submission", "view": {"callback_id": ["add_update"]}},
        {"type": "view_submission", "view": {"state": "filled"}},
        {"type": ["event_callback"]},
        [1, 2],
        "just a string",
    ],
)
def test_shapes_slack_never_sends_are_refused(payload: Any) -> None:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert payload_problem(body, FORM)


@pytest.mark.parametrize("event", ["app_home_opened", ["app_home_opened"], 7])
def test_an_event_that_is_not_an_object_is_refused(event: Any) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": event}).encode()
    assert payload_problem(body, "application/json")


def test_shapes_slack_does_send_pass() -> None:
    home = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened", "user": "U1"}}
    user_change = {"type": "event_callback", "event": {"type": "user_change", "user": {"id": "U1"}}}
    for body in (home, user_change):
        assert payload_problem(json.dumps(body).encode(), "application/json") is None
    assert payload_problem(b"command=%2Fbreach&text=help&user_id=U1", FORM) is None
    assert shape_problem({"team": None, "user": {"id": "U1", "extra": [1]}}, {"team": (dict, type(None))}) is None


def test_the_signature_covers_the_raw_bytes() -> None:
    now = time.time()
    stamp = str(int(now))
    good = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body="a=1")
    assert good and signed_by_slack(SECRET, b"a=1", stamp, good, now)
    assert not signed_by_slack(SECRET, b"a=2", stamp, good, now)
