"""Sends requests to the bot's HTTP endpoint the way Slack does: signed, in Slack's body formats.

Slash commands are form-encoded; interactivity is form-encoded `payload=<JSON>`; the Events API is
JSON. Each request carries X-Slack-Request-Timestamp and an HMAC-SHA256 X-Slack-Signature.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.slack.sandbox.webapi import TEAM_ID


@dataclass
class Reply:
    status: int
    body: str
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackDriver:
    def __init__(self, url: str, signing_secret: str) -> None:
        self.url = url
        self.signing_secret = signing_secret

    def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signed = signature or SignatureVerifier(self.signing_secret).generate_signature(timestamp=stamp, body=body)
        request = urllib.request.Request(
            self.url,
            data=body.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signed,
                **(headers or {}),
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read().decode("utf-8"), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode("utf-8"), time.perf_counter() - started)

    # ---- the shapes Slack sends
    def command(
        self,
        text: str = "",
        *,
        user: str = "U_REPORTER",
        channel: str = "C_GENERAL",
        command: str = "/breach",
        trigger_id: str | None = None,
        **send_options: Any,
    ) -> Reply:
        form = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "team_domain": "sandbox",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A_BREACHBOT",
            "response_url": "https://hooks.slack.test/commands/1",
            "trigger_id": trigger_id or f"trigger-{uuid.uuid4().hex[:12]}",
        }
        return self.send(urlencode(form), "application/x-www-form-urlencoded", **send_options)

    def interaction(self, payload: dict[str, Any], **send_options: Any) -> Reply:
        body = urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded", **send_options)

    def view_submission(
        self,
        view: dict[str, Any],
        values: dict[str, Any],
        *,
        user: str = "U_REPORTER",
        view_id: str = "V_TEST",
        **send_options: Any,
    ) -> Reply:
        return self.interaction(self.view_submission_payload(view, values, user=user, view_id=view_id), **send_options)

    @staticmethod
    def view_submission_payload(
        view: dict[str, Any], values: dict[str, Any], *, user: str = "U_REPORTER", view_id: str = "V_TEST"
    ) -> dict[str, Any]:
        """A modal's submission as Slack sends it (send it with `interaction`, once or twice)."""
        submitted = {**view, "id": view_id, "state": {"values": values}, "team_id": TEAM_ID}
        return {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "sandbox"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A_BREACHBOT",
            "trigger_id": f"trigger-{uuid.uuid4().hex[:12]}",
            "view": submitted,
        }

    def block_action(
        self,
        action_id: str,
        value: str = "",
        *,
        user: str = "U_REPORTER",
        channel: str | None = None,
        message_ts: str | None = None,
        block_id: str = "actions",
        **send_options: Any,
    ) -> Reply:
        payload = self.block_action_payload(
            action_id, value, user=user, channel=channel, message_ts=message_ts, block_id=block_id
        )
        return self.interaction(payload, **send_options)

    @staticmethod
    def block_action_payload(
        action_id: str,
        value: str = "",
        *,
        user: str = "U_REPORTER",
        channel: str | None = None,
        message_ts: str | None = None,
        block_id: str = "actions",
    ) -> dict[str, Any]:
        """One button press as Slack sends it: its action_ts and trigger_id are this press's own."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "sandbox"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A_BREACHBOT",
            "trigger_id": f"trigger-{uuid.uuid4().hex[:12]}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if channel:
            payload["channel"] = {"id": channel}
            payload["container"] = {
                "type": "message",
                "channel_id": channel,
                "message_ts": message_ts or "1.0",
            }
            payload["message"] = {"ts": message_ts or "1.0", "text": ""}
        return payload

    def message_shortcut(
        self,
        callback_id: str,
        message_text: str,
        *,
        user: str = "U_REPORTER",
        channel: str = "C_GENERAL",
        message_ts: str = "1700000000.000100",
        **send_options: Any,
    ) -> Reply:
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": TEAM_ID, "domain": "sandbox"},
            "user": {"id": user, "team_id": TEAM_ID},
            "channel": {"id": channel, "name": "general"},
            "message": {"type": "message", "text": message_text, "ts": message_ts, "user": "U_AUTHOR"},
            "message_ts": message_ts,
            "trigger_id": f"trigger-{uuid.uuid4().hex[:12]}",
            "response_url": "https://hooks.slack.test/actions/1",
        }
        return self.interaction(payload, **send_options)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **send_options: Any,
    ) -> Reply:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "api_app_id": "A_BREACHBOT",
                "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = dict(send_options.pop("headers", {}) or {})
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        return self.send(body, "application/json", headers=headers, **send_options)
