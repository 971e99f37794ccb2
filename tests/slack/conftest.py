"""A real Breachbot Slack app served over HTTP on 127.0.0.1, with the Web API answered by the stand-in.

Requests go through SlackDriver (signed, in Slack's body formats) to the same WSGI app gunicorn serves.
The clock is fixed at 2026-11-23 12:00 UTC; the Slack signature timestamps are real time."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.config import load_settings
from bot.runtime import Runtime
from bot.slack.app import create_app, wsgi_app
from bot.slack.sandbox.driver import Reply, SlackDriver
from bot.slack.sandbox.webapi import SlackStandIn
from bot.slack.serve import LocalServer
from bot.store.models import Incident
from bot.store.session import Database
from bot.timesource import ManualClock
from tests.conftest import NOW

SECRET = "test-signing-secret"
TEAM_USERS = ("U_DPO", "U_ANALYST")
USERGROUP = "S_PRIVACY"
GROUP_MEMBERS = ["U_GROUPIE", "U_DPO"]
REPORTER = "U_REPORTER"
OUTSIDER = "U_OUTSIDER"


def report_values(
    title: str = "Laptop stolen from car",
    description: str = "Unencrypted laptop with the HR spreadsheet was taken from a car.",
    aware: str = "23/11/2026 09:00",
    *,
    occurred: str = "",
    regimes: tuple[str, ...] = ("uk-gdpr",),
    processor: bool = False,
    controller: str = "",
) -> dict[str, Any]:
    def text(value: str) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value or None}}

    def boxes(keys: list[str]) -> dict[str, Any]:
        return {"value": {"type": "checkboxes", "selected_options": [{"value": key} for key in keys]}}

    return {
        "title": text(title),
        "description": text(description),
        "aware_at": text(aware),
        "occurred_at": text(occurred),
        "discovered_how": text("A colleague phoned it in."),
        "regimes": boxes(list(regimes)),
        "processor": boxes(["yes"] if processor else []),
        "controller": text(controller),
    }


@dataclass
class Harness:
    slack: SlackStandIn
    driver: SlackDriver
    runtime: Runtime
    clock: ManualClock
    server: LocalServer

    @property
    def database(self) -> Database:
        return self.runtime.database

    def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
        """Poll for after-ack work (listeners run on Bolt's pool after the HTTP reply)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.02)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    def settle(self, quiet: float = 0.25, timeout: float = 10.0) -> None:
        """Wait until the bot has run no SQL and made no Slack call for `quiet` seconds: a flow's after-ack
        work (its setup, then bringing its Slack views up to date) has ended. Slack calls count too: on a
        loaded machine one call can outlast the quiet window with no SQL around it."""
        last = [time.monotonic()]
        calls_seen = [len(self.slack.calls)]

        def note(*_: Any) -> None:
            last[0] = time.monotonic()

        def quiet_now() -> bool:
            calls = len(self.slack.calls)
            if calls != calls_seen[0]:
                calls_seen[0] = calls
                last[0] = time.monotonic()
            return time.monotonic() - last[0] > quiet

        event.listen(self.database.engine, "before_cursor_execute", note)
        try:
            self.wait_for(quiet_now, "the bot to go quiet", timeout)
        finally:
            event.remove(self.database.engine, "before_cursor_execute", note)

    def wait_for_call(self, method: str, count: int = 1) -> list[Any]:
        return self.wait_for(
            lambda: len(self.slack.calls_to(method)) >= count and self.slack.calls_to(method), f"{count} x {method}"
        )

    def open_modal(self, text: str = "open", *, user: str = REPORTER, channel: str = "C_GENERAL") -> tuple[str, dict]:
        """Send `/breach open`; return the id and body of the modal the bot opened."""
        before = set(self.slack.views)
        reply = self.driver.command(text, user=user, channel=channel)
        assert reply.status == 200, reply.body
        view_id = self.wait_for(lambda: max(set(self.slack.views) - before, default=None), "views.open")
        return view_id, self.slack.views[view_id]

    def submit(self, view_id: str, view: dict, values: dict[str, Any] | None = None, *, user: str = REPORTER) -> Reply:
        return self.driver.view_submission(view, values or report_values(), user=user, view_id=view_id)

    def report(self, **values: Any) -> Incident:
        """The whole happy path: open, submit, wait for the pin; returns the stored incident."""
        pins_before = len(self.slack.calls_to("pins.add"))
        view_id, view = self.open_modal()
        reply = self.submit(view_id, view, report_values(**values))
        assert reply.status == 200 and not reply.body, reply.body
        self.wait_for_call("pins.add", pins_before + 1)
        return self.incidents()[-1]

    def incidents(self) -> list[Incident]:
        with self.database.unit_of_work() as session:
            return list(session.scalars(select(Incident).order_by(Incident.id)))


@pytest.fixture
def make_harness(db_env: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Harness]]:
    with contextlib.ExitStack() as stack:

        def build(*, sleep: Callable[[float], None] = time.sleep, **settings: str) -> Harness:
            slack = stack.enter_context(SlackStandIn(usergroups={USERGROUP: GROUP_MEMBERS}))
            env = {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "BREACHBOT_PRIVACY_TEAM_USERS": ",".join(TEAM_USERS),
                "BREACHBOT_PRIVACY_TEAM_USERGROUP": USERGROUP,
                **settings,
            }
            clock = ManualClock(NOW)
            runtime = Runtime(settings=load_settings(**env), database=db_env, clock=clock)
            server = stack.enter_context(LocalServer(wsgi_app(create_app(runtime, sleep=sleep))))
            return Harness(slack, SlackDriver(server.url, SECRET), runtime, clock, server)

        yield build


@pytest.fixture
def harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()


def channel_message_text(message: dict[str, Any]) -> str:
    """Everything a message would show, as one string: its fallback text and every text in its blocks."""
    parts = [str(message.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(parts)
