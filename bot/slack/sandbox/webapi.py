"""A local stand-in for Slack's Web API: answers like Slack, records every call, fails on request.

Point a WebClient at `stand_in.api_url` (or set SLACK_API_URL) and the bot talks to it as to Slack.
It keeps just enough state (channels, members, messages, pins, views, files) for tests and the
sandbox demo to see what Slack would show.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER_ID = "UBREACHBOT"
TEAM_ID = "TSANDBOX"
DEFAULT_SCOPES = (
    "commands,chat:write,chat:write.public,channels:manage,groups:write,groups:read,pins:write,"
    "users:read,usergroups:read,files:write,groups:history,channels:history,reactions:read"
)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None
    times: int | None = 1  # None: every call until cleared
    applied: bool = False  # the call takes effect, but its answer is lost (as with a timeout after Slack acted)


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    members: set[str] = field(default_factory=set)
    pins: list[str] = field(default_factory=list)
    topic: str = ""
    archived: bool = False


class _BackloggedServer(ThreadingHTTPServer):
    # The benchmark's servers call it from 100 threads at once: the default backlog of 5 resets connections.
    request_queue_size = 128


class SlackStandIn:
    """Start with `with SlackStandIn() as slack:`; read `slack.calls`, `slack.messages`, `slack.channels`."""

    def __init__(self, *, scopes: str = DEFAULT_SCOPES, usergroups: dict[str, list[str]] | None = None) -> None:
        self.scopes = scopes
        self.usergroups = usergroups or {}
        # Guest accounts: Slack refuses to invite them to channels the bot makes (user_is_restricted).
        self.guests: set[str] = set()
        self.calls: list[Call] = []
        self.channels: dict[str, Channel] = {}
        self.messages: list[dict[str, Any]] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, list[Failure]] = defaultdict(list)
        self.is_down = False
        # Called with each call as it arrives, before it is answered: lets a test look at the world
        # (e.g. the database) at the exact moment the bot makes a given call.
        self.on_call: Callable[[Call], None] | None = None
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle
    def start(self) -> SlackStandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, headers, payload = stand_in.handle(self.path, self.headers.get("Content-Type", ""), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = _BackloggedServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # ---- failure injection
    def fail(
        self,
        method: str,
        error: str = "internal_error",
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int | None = 1,
        applied: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` fail (None: until `clear_failures`); with `applied`,
        the call still takes effect and only its answer is lost."""
        with self._lock:
            self.failures[method].append(Failure(error, status, retry_after, times, applied))

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        self.fail(method, "ratelimited", status=429, retry_after=retry_after, times=times)

    def clear_failures(self) -> None:
        with self._lock:
            self.failures.clear()
            self.is_down = False

    def go_down(self) -> None:
        with self._lock:
            self.is_down = True

    def forget_history(self) -> None:
        """Drop the record of past calls and the views they opened; channels, members, messages and files
        stay. A long benchmark calls views.open tens of thousands of times: kept, the views fill the
        process's heap, and each full garbage collection then pauses every thread of it for longer."""
        with self._lock:
            self.calls.clear()
            self.views.clear()

    # ---- reading what happened
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["channel"] == channel]

    def channel_named(self, prefix: str) -> Channel | None:
        with self._lock:
            return next((c for c in self.channels.values() if c.name.startswith(prefix)), None)

    # ---- the Web API
    def handle(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        if path.startswith("/upload/"):
            file_id = path.rsplit("/", 1)[-1]
            with self._lock:
                if file_id in self.files:
                    self.files[file_id]["content"] = body
            return 200, {}, {"ok": True}
        method = path.removeprefix("/api/").strip("/")
        params = self._params(content_type, body)
        with self._lock:
            call = Call(method, params, time.time())
            self.calls.append(call)
            if self.on_call is not None:
                self.on_call(call)
            if self.is_down:
                return 503, {}, {"ok": False, "error": "service_unavailable"}
            failure = self._take_failure(method)
            if failure is not None:
                if failure.applied and (effect := getattr(self, "_" + method.replace(".", "_"), None)):
                    effect(params)
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                return failure.status, headers, {"ok": False, "error": failure.error}
            answer = getattr(self, "_" + method.replace(".", "_"), None)
            if answer is None:
                return 200, {}, {"ok": True}
            result = answer(params)
        headers = {"x-oauth-scopes": self.scopes} if method == "auth.test" else {}
        return 200, headers, result

    def _take_failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        if failure.times is not None:
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
        return failure

    @staticmethod
    def _params(content_type: str, body: bytes) -> dict[str, Any]:
        if "json" in content_type:
            return json.loads(body or b"{}")
        parsed = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        for key in ("blocks", "view", "files", "attachments", "metadata"):
            if isinstance(parsed.get(key), str):
                with contextlib.suppress(ValueError):
                    parsed[key] = json.loads(parsed[key])
        return parsed

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def _ts(self) -> str:
        return f"{time.time():.6f}".replace(".", "")[:10] + f".{next(self._ids):06d}"

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://sandbox.slack.test/",
            "team": "Sandbox",
            "user": "breachbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "BBREACHBOT",
        }

    def _conversations_create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("name", ""))
        if any(c.name == name for c in self.channels.values()):
            return {"ok": False, "error": "name_taken"}
        if not name or len(name) > 80 or name != name.lower() or any(ch in name for ch in " .,#@"):
            return {"ok": False, "error": "invalid_name_specials"}
        is_private = str(params.get("is_private", "false")).lower() in ("true", "1")
        channel = Channel(self._next_id("C"), name, is_private, {BOT_USER_ID})
        self.channels[channel.id] = channel
        return {"ok": True, "channel": {"id": channel.id, "name": name, "is_private": is_private}}

    def _conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        # Like Slack: private channels are listed only for members (the bot).
        wanted = str(params.get("types") or "public_channel").split(",")
        found = [
            {"id": c.id, "name": c.name, "is_private": c.is_private}
            for c in self.channels.values()
            if ("private_channel" if c.is_private else "public_channel") in wanted
            and (not c.is_private or BOT_USER_ID in c.members)
        ]
        return {"ok": True, "channels": found, "response_metadata": {"next_cursor": ""}}

    def _conversations_invite(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        users = [u for u in str(params.get("users", "")).split(",") if u]
        refused = [u for u in users if u in self.guests]
        if refused:
            # With force, Slack adds everyone it can and still reports the refusal.
            channel.members.update(u for u in users if u not in self.guests)
            return {"ok": False, "error": "user_is_restricted", "errors": [{"user": u} for u in refused]}
        new = [u for u in users if u not in channel.members]
        if users and not new:
            return {"ok": False, "error": "already_in_channel"}
        channel.members.update(new)
        return {"ok": True, "channel": {"id": channel.id, "name": channel.name}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not channel.is_private and "channels:read" not in self.scopes.split(","):
            return {"ok": False, "error": "missing_scope", "needed": "channels:read"}
        return {
            "ok": True,
            "channel": {"id": channel.id, "name": channel.name, "is_private": channel.is_private},
        }

    def _conversations_setTopic(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.archived:
            return {"ok": False, "error": "is_archived"}
        channel.topic = str(params.get("topic") or "")[:250]
        return {"ok": True, "channel": {"id": channel.id, "topic": {"value": channel.topic}}}

    def _conversations_archive(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.archived:
            return {"ok": False, "error": "already_archived"}
        channel.archived = True
        return {"ok": True}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "wss://sandbox.slack.test/link/?ticket=1"}

    def _chat_scheduleMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel in self.channels and BOT_USER_ID not in self.channels[channel].members:
            return {"ok": False, "error": "not_in_channel"}
        return {"ok": True, "channel": channel, "scheduled_message_id": self._next_id("Q")}

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self._ts()
        message = {
            "channel": channel,
            "ts": ts,
            "text": params.get("text"),
            "blocks": params.get("blocks"),
            "thread_ts": params.get("thread_ts"),
            "metadata": params.get("metadata"),
        }
        self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Like Slack: newest first, from `oldest` on, a page of `limit` with a cursor; message metadata
        only with include_all_metadata."""
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        # `latest` bounds the page from above (inclusive here, as the bot asks for it): one message by its ts.
        latest = float(params.get("latest") or "inf")
        limit = max(1, min(int(params.get("limit") or 100), 999))
        start = int(params.get("cursor") or 0)
        with_metadata = str(params.get("include_all_metadata", "false")).lower() in ("true", "1")
        found = sorted(
            (m for m in self.messages if m["channel"] == channel and oldest <= float(m["ts"]) <= latest),
            key=lambda m: float(m["ts"]),
            reverse=True,
        )
        page = found[start : start + limit]
        more = start + limit < len(found)
        shown = [{k: v for k, v in m.items() if k != "channel" and (with_metadata or k != "metadata")} for m in page]
        return {
            "ok": True,
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts") or "")
        found = [m for m in self.messages if m["channel"] == channel and ts in (m["ts"], m.get("thread_ts"))]
        return {"ok": True, "messages": found, "has_more": False}

    def post_as(self, user: str, channel: str, text: str, *, ts: str | None = None) -> str:
        """A message a person posted (not the bot): what a reaction or the timeline shortcut points at."""
        with self._lock:
            stamp = ts or self._ts()
            self.messages.append({"channel": channel, "ts": stamp, "text": text, "blocks": None, "user": user})
            return stamp

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        for message in self.messages:
            if message["channel"] == params.get("channel") and message["ts"] == params.get("ts"):
                message["text"] = params.get("text", message["text"])
                message["blocks"] = params.get("blocks", message["blocks"])
                return {"ok": True, "channel": message["channel"], "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self.ephemerals.append(dict(params))
        return {"ok": True, "message_ts": self._ts()}

    def _chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "permalink": f"https://sandbox.slack.test/archives/{params.get('channel')}/p{params.get('message_ts')}",
        }

    def _pins_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(params.get("timestamp"))
        if ts in channel.pins:
            return {"ok": False, "error": "already_pinned"}
        channel.pins.append(ts)
        return {"ok": True}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view_id = self._next_id("V")
        view = dict(params.get("view") or {})
        view["id"] = view_id
        # Slack gives each version of a view a new hash; a double submit carries the same one.
        view["hash"] = self._next_id("H")
        self.views[view_id] = view
        return {"ok": True, "view": view}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._views_open(params)

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = str(params.get("view_id", ""))
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        view = dict(params.get("view") or {})
        view["id"] = view_id
        view["hash"] = self._next_id("H")
        self.views[view_id] = view
        return {"ok": True, "view": view}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id"))
        self.home_views[user] = dict(params.get("view") or {})
        return {"ok": True, "view": self.home_views[user]}

    def _usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        group = str(params.get("usergroup"))
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user"))
        return {
            "ok": True,
            "user": {"id": user, "name": user.lower(), "real_name": f"User {user}", "tz": "Europe/London"},
        }

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = self._next_id("F")
        self.files[file_id] = {
            "id": file_id,
            "filename": params.get("filename"),
            "content": b"",
            "channel": None,
        }
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files") or []
        if isinstance(files, str):
            files = json.loads(files)
        done = []
        for item in files:
            stored = self.files.get(item["id"])
            if stored is None:
                return {"ok": False, "error": "file_not_found"}
            stored["title"] = item.get("title")
            stored["channel"] = params.get("channel_id") or params.get("channels")
            stored["initial_comment"] = params.get("initial_comment")
            done.append({"id": stored["id"], "title": stored.get("title"), "name": stored["filename"]})
        return {"ok": True, "files": done}
