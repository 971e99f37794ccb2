"""`breachbot run` with no Slack credentials: play a short incident through the real app, locally.

The stand-in answers the Web API, the real WSGI app runs on 127.0.0.1, and the driver sends signed
requests as Slack would. The register is a throwaway SQLite file, so the demo never touches real records.
Nothing leaves this machine."""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.alerts.worker import Sweeper
from bot.config import load_settings
from bot.domain.triage import QUESTIONS
from bot.runtime import start_runtime
from bot.slack.app import create_app, wsgi_app
from bot.slack.client import SlackCalls, make_web_client
from bot.slack.sandbox import render
from bot.slack.sandbox.driver import Reply, SlackDriver
from bot.slack.sandbox.webapi import SlackStandIn
from bot.slack.serve import LocalServer
from bot.slack.views.triage import CALLBACK_ID as TRIAGE_CALLBACK
from bot.slack.views.triage import NOT_KNOWN
from bot.store.session import dispose_engine

REPORTER = "U0ALEX"
DPO = "U0DPO"


def _wait(predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.02)
    raise RuntimeError(f"the sandbox timed out waiting for {what}")


# The DPO's answers in the demo: a stolen laptop whose full-disk encryption held, so the data are
# unintelligible to the thief and the breach is recorded, not reported (UK GDPR Art 33(1), 34(3)(a)).
DEMO_ANSWERS: dict[str, Any] = {
    "personal_data": True,
    "breach_types": ["confidentiality"],
    "cause": "malicious",
    "data_categories": ["basic_identifiers", "economic_financial"],
    "subject_types": ["employees"],
    "subjects_count": 40,
    "records_count": 40,
    "exposure": "unknown",
    "protection": "encrypted",
    "protection_intact": True,
    "recovered": False,
    "availability": "not_affected",
    "impact_on_people": "none",
}


def triage_state(answers: dict[str, Any]) -> dict[str, Any]:
    """The triage modal's submitted state, as Slack sends it."""
    state: dict[str, Any] = {}
    for question in QUESTIONS:
        given = answers.get(question.key)
        if question.kind == "count":
            state[question.key] = {"value": {"type": "number_input", "value": None if given is None else str(given)}}
        elif question.kind == "multi":
            chosen = [{"value": value} for value in given or []]
            state[question.key] = {"value": {"type": "multi_static_select", "selected_options": chosen}}
        else:
            value = NOT_KNOWN if given is None else {True: "yes", False: "no"}.get(given, given)
            state[question.key] = {"value": {"type": "radio_buttons", "selected_option": {"value": value}}}
    return state


class Demo:
    def __init__(
        self, slack: SlackStandIn, driver: SlackDriver, out: TextIO, sweep: Callable[[], object] | None = None
    ) -> None:
        self.slack, self.driver, self.out = slack, driver, out
        # The bot runs its alert sweeper every few seconds; the demo runs one sweep at a chosen moment.
        self.sweep = sweep

    def channels(self) -> dict[str, str]:
        return {cid: channel.name for cid, channel in self.slack.channels.items()}

    def show(self, heading: str, text: str) -> None:
        self.out.write(f"\n### {heading}\n{text.rstrip()}\n")

    def reply(self, heading: str, reply: Reply) -> None:
        body = reply.json() if reply.body.startswith("{") else {"text": reply.body}
        self.show(heading, render.message(body or {"text": "(acknowledged)"}, self.channels()))

    def new_view(self, before: set[str]) -> tuple[str, dict[str, Any]]:
        view_id = _wait(lambda: max(set(self.slack.views) - before, default=None), "a modal")
        return view_id, self.slack.views[view_id]

    def play(self, now_text: str) -> None:
        d, slack = self.driver, self.slack
        self.reply("Alex types /breach help", d.command("help", user=REPORTER))

        before = set(slack.views)
        d.command("open Laptop stolen from a car", user=REPORTER)
        view_id, modal = self.new_view(before)
        self.show("Alex types /breach open Laptop stolen from a car: the modal opens", render.view(modal))

        text = lambda value: {"value": {"type": "plain_text_input", "value": value}}  # noqa: E731
        values = {
            "title": text("Laptop stolen from a car"),
            "description": text("Work laptop taken from a parked car overnight. It holds the payroll spreadsheet."),
            "aware_at": text(now_text),
            "discovered_how": text("Alex found the car broken into this morning."),
            "regimes": {"value": {"type": "checkboxes", "selected_options": [{"value": "uk-gdpr"}]}},
        }
        d.view_submission(modal, values, user=REPORTER, view_id=view_id)
        _wait(lambda: slack.calls_to("pins.add"), "the pinned summary")
        [channel] = slack.channels.values()
        members = ", ".join(sorted(channel.members))
        self.show(
            f"Alex submits: private channel #{channel.name} created (private={channel.is_private})",
            f"members: {members}",
        )
        summary = slack.messages_in(channel.id)[0]
        self.show(f"Pinned in #{channel.name}", render.message(summary, self.channels()))
        if self.sweep is not None:
            self.sweep()
            for message in slack.messages_in(channel.id)[1:]:
                self.show(f"The alert sweeper posts in #{channel.name}", render.message(message, self.channels()))
        shown = len(slack.messages_in(channel.id))

        update = "Police report filed; the laptop has full-disk encryption and the key was not with it."
        self.reply(
            "Alex, in the channel: /breach update ...", d.command(f"update {update}", user=REPORTER, channel=channel.id)
        )
        _wait(lambda: len(slack.messages_in(channel.id)) > shown, "the status update")
        self.show(f"Posted in #{channel.name}", render.message(slack.messages_in(channel.id)[shown], self.channels()))
        shown = len(slack.messages_in(channel.id))
        d.command(f"lead <@{DPO}>", user=DPO, channel=channel.id)
        _wait(lambda: len(slack.messages_in(channel.id)) > shown, "the handoff")
        self.show(
            "The DPO takes the lead: /breach lead @me; posted",
            render.message(slack.messages_in(channel.id)[shown], self.channels()),
        )
        shown = len(slack.messages_in(channel.id))
        self.reply("Alex, elsewhere: /breach status", d.command("status", user=REPORTER))
        self.reply("Alex tries /breach list", d.command("list", user=REPORTER))
        self.reply("The DPO: /breach list", d.command("list", user=DPO))

        d.event({"type": "app_home_opened", "user": DPO, "tab": "home", "channel": "D0DPO"})
        _wait(lambda: DPO in slack.home_views, "the App Home")
        self.show("The DPO opens Breachbot's App Home", render.view(slack.home_views[DPO], self.channels()))

        before = set(slack.views)
        d.command("triage", user=DPO, channel=channel.id)
        view_id, modal = self.new_view(before)
        _wait(lambda: slack.views[view_id].get("callback_id") == TRIAGE_CALLBACK, "the triage questions")
        self.show("The DPO, in the channel: /breach triage", render.view(slack.views[view_id]))
        d.view_submission(slack.views[view_id], triage_state(DEMO_ANSWERS), user=DPO, view_id=view_id)
        _wait(lambda: len(slack.messages_in(channel.id)) > shown, "the triage result")
        self.show(
            f"The DPO submits; posted in #{channel.name}",
            render.message(slack.messages_in(channel.id)[shown], self.channels()),
        )
        shown = len(slack.messages_in(channel.id))
        action = "Remote wipe sent to the laptop; the user's password and VPN certificate revoked."
        self.reply("The DPO: /breach action ...", d.command(f"action {action}", user=DPO, channel=channel.id))

        before = set(slack.views)
        d.command("close", user=DPO, channel=channel.id)
        view_id, modal = self.new_view(before)
        self.show("The DPO, in the channel: /breach close", render.view(modal))
        close_values = {
            "outcome": {"value": {"type": "static_select", "selected_option": {"value": "not-reportable"}}},
            "reason": text(
                "Encrypted with the key kept apart, so unlikely to result in a risk: recorded, not reported."
            ),
        }
        updates = len(slack.calls_to("chat.update"))
        d.view_submission(modal, close_values, user=DPO, view_id=view_id)
        _wait(lambda: len(slack.calls_to("chat.update")) > updates, "the updated summary")
        for message in slack.messages_in(channel.id)[shown:]:
            self.show(f"Posted in #{channel.name}", render.message(message, self.channels()))
        self.show("The pinned summary now reads", render.message(slack.messages_in(channel.id)[0], self.channels()))


def run_demo(out: TextIO) -> int:
    with SlackStandIn(usergroups={}) as slack, tempfile.TemporaryDirectory(prefix="breachbot-demo-") as scratch:
        secret = secrets.token_hex(16)
        url = f"sqlite:///{Path(scratch) / 'demo.sqlite3'}"
        settings = load_settings(
            SLACK_BOT_TOKEN="xoxb-sandbox",
            SLACK_SIGNING_SECRET=secret,
            SLACK_APP_TOKEN="",
            SLACK_API_URL=slack.api_url,
            BREACHBOT_DATABASE_URL=url,
            # The demo's timeline key is thrown away with its database.
            BREACHBOT_TIMELINE_KEY=secrets.token_hex(32),
            BREACHBOT_PRIVACY_TEAM_USERS=DPO,
            BREACHBOT_PRIVACY_TEAM_USERGROUP="",
            BREACHBOT_PRIVACY_CHANNEL="",
        )
        runtime = start_runtime(settings)
        out.write(
            "Breachbot sandbox: no Slack credentials, so this plays a short incident through the real app\n"
            f"against a local Slack stand-in ({slack.base_url}) and a throwaway database. Alex ({REPORTER}) reports;\n"
            f"the privacy team is the DPO ({DPO}). Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)\n"
            "to run against your workspace; see the README's Slack section.\n"
        )
        # The listeners' after-ack work (bringing Slack views up to date) must end before the throwaway
        # database is removed, so the demo owns their thread pool and waits for it.
        listeners = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bolt")
        try:
            with LocalServer(wsgi_app(create_app(runtime, listener_executor=listeners))) as server:
                aware = (runtime.clock.now() - timedelta(hours=5)).astimezone(settings.zone)
                calls = SlackCalls(make_web_client(settings.slack_bot_token, settings.slack_api_url), max_sleep=0)
                sweeper = Sweeper(runtime.database, runtime.clock, calls, settings)
                demo = Demo(slack, SlackDriver(server.url, secret), out, sweep=sweeper.sweep_once)
                demo.play(aware.strftime("%d/%m/%Y %H:%M"))
        finally:
            listeners.shutdown(wait=True)
            dispose_engine(url)
        calls = [c.method for c in slack.calls]
        out.write(f"\nDone. The bot made {len(calls)} Web API calls: {json.dumps(sorted(set(calls)))}\n")
    return 0
