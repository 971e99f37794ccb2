"""Malformed Slack requests, for the fuzz test (tests/slack/test_fuzz.py) and bench/fuzz_requests.py.

Every registered listener has a base payload here (as Slack would send it, or as close as a stranger
could make it); a hypothesis strategy breaks one to three of its fields (wrong types, NUL and control
characters, huge text, metadata that is not what the bot wrote, parts removed), encodes it the way Slack
does or wrongly, and signs it or not. `FuzzTarget` runs the real app in-process with its listeners inline,
so each request's whole effect (reply, log, database) is seen before the next. Needs the dev extras."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from bot.alerts.messages import SNOOZE_ACTION_ID
from bot.domain.triage import QUESTIONS
from bot.runtime import Runtime
from bot.slack import subcommands
from bot.slack.app import create_app, wsgi_app
from bot.slack.sandbox.webapi import TEAM_ID
from bot.slack.views import facts, lists, org, privacy_card, records, report, reporting, triage
from bot.store.models import Base

SECRET = "fuzz-signing-secret"
STRANGER = "U_STRANGER"  # on no team, in no incident: nothing they send may change anything
GHOST_REF = "BR-2026-0999"  # an incident that does not exist
ELSEWHERE = "C_ELSEWHERE"

ACTION_IDS = (
    "add_update",
    "delay_reasons",
    "ico_reported",
    "aware_change",
    "close_incident",
    "triage_open",
    "triage_override",
    "drafts_post",
    "retry_setup",
    "open_channel",
    SNOOZE_ACTION_ID,
    org.POLICY_BUTTON,
    lists.REPORT_ACTION,
    privacy_card.JOIN_ACTION,
)
CALLBACK_IDS = (
    report.CALLBACK_ID,
    "add_update",
    "delay_reasons",
    "close_incident",
    reporting.ICO_CALLBACK,
    reporting.AWARE_CALLBACK,
    triage.CALLBACK_ID,
    triage.OVERRIDE_CALLBACK,
    facts.CALLBACK_ID,
    org.SETUP_CALLBACK,
    org.POLICY_CALLBACK,
    records.ACTION_CALLBACK,
    records.CONTROLLER_CALLBACK,
)
SHORTCUT_IDS = ("report_breach", "add_to_timeline")  # on a message
GLOBAL_SHORTCUT_IDS = ("report_breach_global",)  # the ⚡ menu
EVENT_TYPES = ("app_home_opened", "reaction_added")
TEXT_BLOCKS = (
    *("text", "title", "description", "aware_at", "occurred_at", "discovered_how", "controller", "reason"),
    *("case_ref", "reported_at", "justification", "policy", "name", "ico_registration", "address", "dpo_name"),
    *("dpo_email", "dpo_phone", "dpo_address", "likely_consequences", "staff_involved", "others_told"),
    *("individuals_told_at", "individuals_told_how", "subjects_count", "records_count", "at", "how"),
    *("contract_hours", "public_description", "public_measures", "measures_in_place"),
    *("known", "doing", "need"),
)
CHOICE_BLOCKS = ("outcome", "cyber_incident", "notify_ico", "individuals", "state", "is_processor", "processors")
CHOICE_BLOCKS += tuple(q.key for q in QUESTIONS)


def _text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def _state(user_text: str) -> dict[str, Any]:
    values = {block: _text(user_text) for block in TEXT_BLOCKS}
    for block in CHOICE_BLOCKS:
        values[block] = {"value": {"type": "static_select", "selected_option": {"value": "x"}, "selected_options": []}}
    values["regimes"] = {"value": {"type": "checkboxes", "selected_options": [{"value": "uk-gdpr"}]}}
    return values


def base_payloads(
    user: str = STRANGER, ref: str = GHOST_REF, channel: str = ELSEWHERE, typed: str = ""
) -> list[tuple[str, Any]]:
    """(kind, payload) for every listener: kind is "command", "interaction" or "event". `typed` fills every
    text field and follows each command: left empty, no form or command is complete enough to act on
    (anyone may report a breach or a near miss, so a complete one would rightly change something)."""
    team = {"id": TEAM_ID, "domain": "sandbox"}
    who = {"id": user, "team_id": TEAM_ID, "username": "someone"}
    bases: list[tuple[str, Any]] = []
    for verb in ["", "help", *subcommands.verbs()]:
        bases.append(
            (
                "command",
                {
                    "team_id": TEAM_ID,
                    "channel_id": channel,
                    "user_id": user,
                    "command": "/breach",
                    "text": f"{verb} {ref} {typed}".strip() if typed else verb,
                    "trigger_id": "TRIGGERFUZZ",
                    "response_url": "https://hooks.slack.test/commands/1",
                },
            )
        )
    for action_id in ACTION_IDS:
        payload = {
            "type": "block_actions",
            "team": team,
            "user": who,
            "api_app_id": "A_BREACHBOT",
            "trigger_id": "TRIGGERFUZZ",
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.0"},
            "message": {"ts": "1.0", "text": ""},
            "actions": [
                {"type": "button", "action_id": action_id, "block_id": "b", "value": ref, "action_ts": "ACTIONFUZZ"}
            ],
        }
        bases.append(("interaction", payload))
    for callback_id in CALLBACK_IDS:
        view = {
            "id": "VIEWFUZZ",
            "hash": "HASHFUZZ",
            "type": "modal",
            "callback_id": callback_id,
            "team_id": TEAM_ID,
            "private_metadata": json.dumps({"ref": ref, "channel": channel, "kind": "ico_report", "version": 1}),
            "state": {"values": _state(typed)},
        }
        payload = {"type": "view_submission", "team": team, "user": who, "trigger_id": "TRIGGERFUZZ", "view": view}
        bases.append(("interaction", payload))
    for callback_id in SHORTCUT_IDS:
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "team": team,
            "user": who,
            "channel": {"id": channel},
            "message": {"type": "message", "text": "sent the file to the wrong Sam", "ts": "1.0", "user": user},
            "message_ts": "1.0",
            "trigger_id": "TRIGGERFUZZ",
        }
        bases.append(("interaction", payload))
    for callback_id in GLOBAL_SHORTCUT_IDS:
        bases.append(
            (
                "interaction",
                {
                    "type": "shortcut",
                    "callback_id": callback_id,
                    "team": team,
                    "user": who,
                    "trigger_id": "TRIGGERFUZZ",
                },
            )
        )
    for event_type in EVENT_TYPES:
        payload = {
            "team_id": TEAM_ID,
            "api_app_id": "A_BREACHBOT",
            "type": "event_callback",
            "event_id": "EVENTFUZZ",
            "event": {
                "type": event_type,
                "user": user,
                "tab": "home",
                "channel": channel,
                "reaction": "pushpin",
                "item": {"type": "message", "channel": channel, "ts": "1.0"},
            },
        }
        bases.append(("event", payload))
    return bases


# ---- breaking a payload

_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=10),  # control characters, NUL
    st.sampled_from(["\x00", "x\x00y", "\ud800", "\x01", "x" * 50_000, "BR-2026-0001", "U_DPO", "<!channel>"]),
    st.sampled_from(['{"ref": 5}', '{"ref": null}', '{"ref": ["BR"]}', '{"ref": {"a": 1}}', "[]", "5", '"x"', "{"]),
    st.sampled_from(['{"channel": 7, "ref": "BR-2026-0001"}', '{"kind": 3, "version": "x", "ref": "BR-2026-0001"}']),
)
BAD_VALUES = st.recursive(
    _LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
NOT_SLACK = st.one_of(st.text(max_size=200), st.sampled_from(["payload=notjson", "payload=", "{", "[]", "payload=%7B"]))


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value, parents before children."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def _replace(payload: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return payload


@st.composite
def broken(draw: st.DrawFn, kind: str, payload: Any) -> Any:
    payload = json.loads(json.dumps(payload))  # a fresh copy to break
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = draw(st.sampled_from(list(paths(payload))))
        deleting = bool(where) and draw(st.booleans()) and draw(st.booleans())
        if kind == "command":
            new: Any = draw(st.one_of(st.text(max_size=40), st.sampled_from(["\x00", "x" * 50_000, "payload=x"])))
            where = where[:1] or (draw(st.sampled_from(list(payload))),)
        else:
            new = draw(BAD_VALUES)
        payload = _replace(payload, where, new, deleting)
    return payload


@dataclass(frozen=True)
class FuzzRequest:
    body: bytes
    content_type: str
    signed: bool
    headers: dict[str, str] = field(default_factory=dict)


def encode(kind: str, payload: Any) -> tuple[str, str]:
    if kind == "command":
        return urlencode({k: str(v) for k, v in payload.items()} if isinstance(payload, dict) else {}), "form"
    if kind == "event":
        return json.dumps(payload), "json"
    return urlencode({"payload": json.dumps(payload)}), "form"


CONTENT_TYPES = {"form": "application/x-www-form-urlencoded", "json": "application/json"}


@st.composite
def requests(draw: st.DrawFn, bases: list[tuple[str, Any]]) -> FuzzRequest:
    """One malformed request built from one of `bases`; some are not signed (or carry a malformed
    timestamp), and a few are bodies that are not Slack's at all."""
    kind, payload = draw(st.sampled_from(bases))
    shape = draw(st.integers(min_value=0, max_value=19))
    if shape == 0:
        body = draw(NOT_SLACK)
        content_type = draw(st.sampled_from([*CONTENT_TYPES.values(), "text/plain", ""]))
    else:
        body, encoding = encode(kind, draw(broken(kind, payload)))
        if shape == 1:  # the wrong content type for the body
            encoding = "json" if encoding == "form" else "form"
        content_type = CONTENT_TYPES[encoding]
    signed = not (draw(st.booleans()) and draw(st.booleans()))
    headers: dict[str, str] = {}
    if not signed:
        headers["X-Slack-Request-Timestamp"] = draw(st.sampled_from(["soon", "", str(int(time.time())), "1e3", "-1"]))
        headers["X-Slack-Signature"] = draw(st.sampled_from(["", "v0=00", "v1=abc", "garbage"]))
    return FuzzRequest(body.encode("utf-8", errors="surrogatepass"), content_type, signed, headers)


# ---- running them


BOOKKEEPING = ("slack_event_seen", "slack_view", "slack_home_view")
IDENTITY_TOKENS = (b"TRIGGERFUZZ", b"ACTIONFUZZ", b"VIEWFUZZ", b"HASHFUZZ", b"EVENTFUZZ")


class InlineExecutor(Executor):
    """Runs each listener on the calling thread, so its after-ack work is done when dispatch returns."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as problem:
            future.set_exception(problem)
        return future


class _Recorder(logging.Handler):
    """Errors and tracebacks logged on the thread that sends (where the listeners run inline), so that
    another test's leftover threads are not blamed on the request."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if (record.levelno >= logging.ERROR or record.exc_info) and record.thread == self.thread:
            self.records.append(record)


def _described(record: logging.LogRecord) -> str:
    """The message, and for a traceback the error and where in the bot it was raised."""
    if not record.exc_info or record.exc_info[1] is None:
        return record.getMessage()
    error = record.exc_info[1]
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/bot/" in f.filename] or [None]
    where = f"{frames[-1].filename.split('/bot/')[-1]}:{frames[-1].lineno}" if frames[-1] else "outside bot/"
    return f"{record.getMessage()}: {type(error).__name__}: {error} at {where} (traceback)"


@dataclass
class Outcome:
    status: int
    problems: list[str]  # tracebacks and errors logged while it ran


class FuzzTarget:
    """The real WSGI app (gate, Bolt, listeners) with listeners run inline, and the log watched."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        app = create_app(runtime, sleep=lambda _: None, listener_executor=InlineExecutor())
        self.application = wsgi_app(app)
        self.recorder = _Recorder()
        self._sent = 0

    def __enter__(self) -> FuzzTarget:
        root = logging.getLogger()
        root.addHandler(self.recorder)
        # Errors must reach the recorder whatever level the caller's logging is set to.
        self._level = root.level
        root.setLevel(min(root.level, logging.WARNING))
        self._hook = threading.excepthook
        threading.excepthook = lambda args: self.recorder.records.append(
            logging.LogRecord("thread", logging.ERROR, "", 0, f"uncaught in a thread: {args.exc_value!r}", None, None)
        )
        return self

    def __exit__(self, *_: object) -> None:
        logging.getLogger().removeHandler(self.recorder)
        logging.getLogger().setLevel(self._level)
        threading.excepthook = self._hook

    def send(self, request: FuzzRequest) -> Outcome:
        """Send one request; the base payloads' ids are made this request's own, so that the
        de-duplication does not answer a later request as a copy of an earlier one."""
        self._sent += 1
        body = request.body
        for token in IDENTITY_TOKENS:
            body = body.replace(token, token + str(self._sent).encode())
        request = FuzzRequest(body, request.content_type, request.signed, request.headers)
        stamp = str(int(time.time()))
        headers = {"X-Slack-Request-Timestamp": stamp}
        if request.signed:
            signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=request.body)
            headers["X-Slack-Signature"] = str(signature)
        headers.update(request.headers)
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": request.content_type,
            "CONTENT_LENGTH": str(len(request.body)),
            "wsgi.input": BytesIO(request.body),
            "wsgi.url_scheme": "http",
            **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
        }
        statuses: list[str] = []
        self.recorder.thread = threading.get_ident()
        before = len(self.recorder.records)
        try:
            b"".join(self.application(environ, lambda status, _headers, *_: statuses.append(status)))
        except Exception as escaped:  # what a WSGI server answers with a 500 and a logged traceback
            record = logging.LogRecord("wsgi", logging.ERROR, "", 0, "escaped the app", None, (None, escaped, None))
            self.recorder.records.append(record)
            statuses = ["500 Internal Server Error"]
        problems = [_described(record) for record in self.recorder.records[before:]]
        return Outcome(int(statuses[0].split()[0]), problems)

    def snapshot(self) -> dict[str, str]:
        """A digest of each table's rows, but the bot's Slack bookkeeping (the delivery claims, and which
        timeline event each Slack view last showed): records, not the state of Slack's screens."""
        digests: dict[str, str] = {}
        with self.runtime.database.unit_of_work() as session:
            for table in Base.metadata.sorted_tables:
                if table.name in BOOKKEEPING:
                    continue
                digest = hashlib.sha256()
                for row in session.execute(select(table)):
                    digest.update(repr(tuple(row)).encode())
                digests[table.name] = digest.hexdigest()
        return digests
