"""Malformed requests, signed and unsigned, over the payload shapes of every registered listener: never a
500, never an error or traceback logged, and (from a stranger) nothing changed.

The same strategy sends 5,000 requests in bench/fuzz_requests.py; here a modest number keeps the suite fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.config import load_settings
from bot.runtime import Runtime
from bot.services import incidents
from bot.slack.app import create_app
from bot.slack.sandbox.fuzz import (
    SECRET,
    FuzzRequest,
    FuzzTarget,
    InlineExecutor,
    base_payloads,
    encode,
    requests,
)
from bot.slack.sandbox.webapi import SlackStandIn
from bot.store.session import Database
from bot.timesource import ManualClock
from tests.conftest import NOW

DPO = "U_DPO"
INCIDENT_CHANNEL = "C_INCIDENT"
FORM = "application/x-www-form-urlencoded"
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def runtime(database: Database) -> Iterator[Runtime]:
    with SlackStandIn() as slack:
        config = load_settings(
            SLACK_BOT_TOKEN="xoxb-fuzz",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.api_url,
            BREACHBOT_PRIVACY_TEAM_USERS=DPO,
        )
        yield Runtime(settings=config, database=database, clock=ManualClock(NOW))


@pytest.fixture
def real_ref(runtime: Runtime) -> str:
    draft = incidents.IncidentDraft(title="Laptop stolen", aware_at=NOW - timedelta(hours=3))
    with runtime.database.unit_of_work() as session:
        incident = incidents.open_incident(session, draft, actor=DPO, now=NOW)
        incident.slack_channel_id = INCIDENT_CHANNEL
        return incident.ref


@pytest.fixture
def target(runtime: Runtime, real_ref: str) -> Iterator[FuzzTarget]:
    with FuzzTarget(runtime) as fuzz_target:
        yield fuzz_target


def interaction(payload: Any) -> FuzzRequest:
    return FuzzRequest(urlencode({"payload": json.dumps(payload)}).encode(), FORM, signed=True)


def base(kind: str, ident: str, **who: str) -> dict[str, Any]:
    """A copy of the base payload of that kind for this action id, callback id or event type."""
    for found_kind, payload in base_payloads(**who):
        names = (
            [a.get("action_id") for a in payload.get("actions", [])]
            + [(payload.get("view") or {}).get("callback_id"), payload.get("callback_id")]
            + [(payload.get("event") or {}).get("type")]
        )
        if found_kind == kind and ident in names:
            return json.loads(json.dumps(payload))
    raise AssertionError(f"no base {kind} payload for {ident}")


def assert_harmless(target: FuzzTarget, request: FuzzRequest, *, unchanged: bool = True) -> int:
    before = target.snapshot() if unchanged else {}
    outcome = target.send(request)
    assert outcome.status < 500, request.body[:500]
    assert outcome.problems == [], (outcome.problems, request.body[:500])
    if not request.signed:
        assert outcome.status == 401
    if unchanged:
        after = target.snapshot()
        changed = [table for table in after if after[table] != before.get(table)]
        assert changed == [], (changed, request.body[:500])
    return outcome.status


def test_the_shapes_the_review_found_are_answered_without_a_500(target: FuzzTarget, real_ref: str) -> None:
    team = {"user": DPO, "ref": real_ref, "channel": INCIDENT_CHANNEL, "typed": "23/11/2026 09:00"}
    event = base("event", "app_home_opened")
    for bad_event in ("app_home_opened", ["app_home_opened"], 7, None, {"type": 5}):
        assert_harmless(
            target, FuzzRequest(json.dumps({**event, "event": bad_event}).encode(), "application/json", True)
        )
    button = base("interaction", "add_update", **team)
    assert button["type"] == "block_actions"
    for bad_user in ("U_DPO", ["U_DPO"], 5, None, {}, {"id": ["U_DPO"]}):
        assert_harmless(target, interaction({**button, "user": bad_user}))
    assert_harmless(target, interaction({**button, "actions": []}))
    assert_harmless(target, interaction({**button, "actions": [{**button["actions"][0], "value": "BR-\x00"}]}))
    for callback in ("add_update", "delay_reasons", "register_facts", "close_incident", "aware_change"):
        view = next(
            payload
            for kind, payload in base_payloads(**team)
            if payload.get("type") == "view_submission" and payload["view"]["callback_id"] == callback
        )
        for metadata in ('{"ref": 5}', '{"ref": ["x"]}', '{"ref": {"a": 1}}', "[]", "5", "{", '{"channel": 9}'):
            # Nothing can change: the reference is not an incident's.
            assert_harmless(target, interaction({**view, "view": {**view["view"], "private_metadata": metadata}}))
    for unsigned in ("payload=notjson", "payload=%7B%7D", "x" * 5000):
        request = FuzzRequest(unsigned.encode(), FORM, signed=False, headers={"X-Slack-Signature": "v0=00"})
        assert_harmless(target, request)
    stamp = FuzzRequest(b"payload=notjson", FORM, signed=False, headers={"X-Slack-Request-Timestamp": "soon"})
    assert_harmless(target, stamp)


@FUZZ
@given(request=requests(base_payloads()))
def test_malformed_requests_from_a_stranger_change_nothing(target: FuzzTarget, request: FuzzRequest) -> None:
    assert_harmless(target, request)


@FUZZ
@given(data=requests(base_payloads(user=DPO, ref="BR-2026-0001", channel=INCIDENT_CHANNEL, typed="23/11/2026 09:00")))
def test_malformed_requests_from_the_team_about_a_real_incident_never_fail(
    target: FuzzTarget, data: FuzzRequest
) -> None:
    # A request may still be valid after breaking one field (and so rightly change something).
    assert_harmless(target, data, unchanged=False)


def test_every_registered_listener_has_a_payload_the_fuzzer_breaks(runtime: Runtime) -> None:
    """A listener added without a base payload in bot/slack/sandbox/fuzz.py would go unfuzzed."""
    app = create_app(runtime, listener_executor=InlineExecutor())
    requests_for_bases = []
    for kind, payload in base_payloads(typed="x"):
        body, encoding = encode(kind, payload)
        content_type = "application/json" if encoding == "json" else FORM
        requests_for_bases.append(BoltRequest(body=body, headers={"content-type": content_type}))
    # Bolt keeps its listeners privately; this reads them only to find any the catalogue misses.
    unmatched = [
        getattr(listener.ack_function, "__name__", repr(listener))
        for listener in app._listeners
        if not any(listener.matches(req=request, resp=BoltResponse(status=200)) for request in requests_for_bases)
    ]
    assert unmatched == [], f"add base payloads for {unmatched} to bot/slack/sandbox/fuzz.py"
