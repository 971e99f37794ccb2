"""Serving the WSGI app: gunicorn (gthread workers) for production, a threaded wsgiref server on
loopback for the tests, the sandbox demo and anything else that must not need a config file."""

from __future__ import annotations

import gc
import logging
import socketserver
import threading
from collections.abc import Callable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_sdk import WebClient

from bot.alerts.worker import SweeperHandle, start_sweeper_thread
from bot.runtime import Runtime
from bot.slack import setup
from bot.slack.app import WsgiApp, build_context
from bot.slack.client import SlackCalls
from bot.slack.projector import Projector

log = logging.getLogger(__name__)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Concurrent test clients and the benchmark open many connections at once.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("local server: " + format, *args)


class LocalServer:
    """`with LocalServer(app) as server:` serves on 127.0.0.1 at an ephemeral port; `server.url`."""

    def __init__(self, application: WsgiApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(
            host, port, application, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        # A short poll interval makes shutdown quick: tests start and stop a server each.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="local-wsgi", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/slack/events"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn run from code, so `breachbot serve` needs no config file. `load` runs in each worker
    after the fork, so every worker has its own Bolt app, thread pool and database connections."""

    def __init__(self, loader: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self.loader = loader
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        application = self.loader()
        # What loading made (modules, the app, rules, templates) lives as long as the worker: moved out of
        # the collector's reach, it is not walked again by every full collection, a pause each request in
        # flight waits out (measured: about 90 ms per full collection in a worker, about 0 after).
        gc.collect()
        gc.freeze()
        return application


def gunicorn_options(*, bind: str, workers: int, threads: int, log_level: str = "info") -> dict[str, Any]:
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # Slack waits 3 s for an ack; a stuck request should not hold a worker for gunicorn's default 30 s.
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "loglevel": log_level.lower(),
        "accesslog": None,
    }


def serve_gunicorn(
    loader: Callable[[], WsgiApp],
    *,
    bind: str,
    workers: int,
    threads: int,
    log_level: str,
    on_worker_exit: Callable[[], None] | None = None,
) -> None:
    """`on_worker_exit` runs in each worker as it stops (gunicorn's worker_exit hook), to stop what
    `loader` started in that worker."""
    options = gunicorn_options(bind=bind, workers=workers, threads=threads, log_level=log_level)
    if on_worker_exit is not None:
        options["worker_exit"] = lambda _server, _worker: on_worker_exit()
    GunicornServer(loader, options).run()


def start_alert_sweeper(runtime: Runtime, app: App) -> SweeperHandle:
    """The deadline-alert sweeper as a thread of this bot process. Several processes may each run one:
    the claim hands each alert to one sweeper. max_sleep=0, so a 429 is rescheduled by the sweeper
    rather than slept on. It also brings Slack views up to date (the projector) and resumes Slack setups left
    unfinished (bot/slack/setup.py)."""
    calls = SlackCalls(app.client, max_sleep=0)
    projector = Projector(runtime.database, runtime.clock, runtime.settings, calls)
    return start_sweeper_thread(runtime, calls, projector=projector, extra_work=[setup_resumer(runtime, app.client)])


def setup_resumer(runtime: Runtime, client: WebClient) -> Callable[[], object]:
    ctx = build_context(runtime, client)

    def resume_abandoned_setups() -> object:
        return setup.resume_abandoned_setups(ctx)

    return resume_abandoned_setups
