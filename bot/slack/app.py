"""The app factory: one Bolt App per call, wired to a runtime. There is no module-global app."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.errors import BreachbotError
from bot.runtime import Runtime
from bot.slack.client import SlackCalls, configure_web_client
from bot.slack.context import BotContext, OrgProfileCache, PrivacyTeam
from bot.slack.gate import WsgiApp, guard
from bot.slack.listeners import (
    alerts,
    capture,
    close,
    commands,
    drafts,
    eu_reporting,
    facts,
    home,
    open,
    org_setup,
    privacy_card,
    records,
    reporting,
    roles,
    status_updates,
    triage,
    updates,
)
from bot.slack.listeners import register as breach_register
from bot.slack.middleware.cleaning import CleanPayload
from bot.slack.middleware.dedupe import OncePerDelivery
from bot.slack.middleware.errors import install_error_handler

EVENTS_PATH = "/slack/events"
LISTENER_THREADS = 50
LISTENER_MODULES = (
    commands,
    open,
    close,
    updates,
    status_updates,
    roles,
    capture,
    home,
    triage,
    drafts,
    org_setup,
    alerts,
    reporting,
    eu_reporting,
    breach_register,
    facts,
    privacy_card,
    records,
)

log = logging.getLogger(__name__)


class SlackNotConfigured(BreachbotError):
    pass


def build_context(
    runtime: Runtime,
    client: WebClient,
    *,
    sleep: Callable[[float], None] = time.sleep,
    team_cache_seconds: float = 60.0,
) -> BotContext:
    settings = runtime.settings
    quick = SlackCalls(client, attempts=1, max_sleep=0, sleep=sleep)
    return BotContext(
        runtime=runtime,
        calls=SlackCalls(client, sleep=sleep),
        quick=quick,
        # Membership is checked before acknowledging, so its lookup gets one attempt and no sleeping.
        team=PrivacyTeam(quick, settings.privacy_team_users, settings.privacy_team_usergroup, ttl=team_cache_seconds),
        org=OrgProfileCache(runtime),
    )


def create_app(
    runtime: Runtime,
    *,
    web_client: WebClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
    team_cache_seconds: float = 60.0,
    listener_executor: Executor | None = None,
) -> App:
    """A Bolt app for this runtime. `web_client` (or SLACK_API_URL) points it at Slack or a stand-in;
    `sleep` is what the Slack-call wrapper waits with between retries; `listener_executor` replaces the
    listener thread pool (the fuzzer runs listeners inline, to see each request's whole effect)."""
    settings = runtime.settings
    if not settings.slack_bot_token:
        raise SlackNotConfigured("SLACK_BOT_TOKEN is not set: see the Slack section of the README")
    if not settings.slack_signing_secret and not settings.slack_app_token:
        raise SlackNotConfigured("set SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)")
    # Bolt reads SLACK_BOT_TOKEN from the environment even when handed a client, and then warns at every
    # start that the token "will be unused". So Bolt is given the token and builds the client itself,
    # which is then pointed at SLACK_API_URL. A client passed in (a test's) is used as it is.
    bolt_client: dict[str, Any] = (
        {"client": web_client} if web_client is not None else {"token": settings.slack_bot_token}
    )
    app = App(
        # Socket Mode requests are not signed (the socket is the trust), so the secret may be absent there.
        signing_secret=settings.slack_signing_secret or "socket-mode-unsigned",
        token_verification_enabled=False,
        process_before_response=False,
        # Bolt's default pool of 5 delays acks under load; measured in the engineering guide.
        listener_executor=listener_executor
        or ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt"),
        **bolt_client,
    )
    client = app.client
    if web_client is None:
        configure_web_client(client, settings.slack_api_url)
    ctx = build_context(runtime, client, sleep=sleep, team_cache_seconds=team_cache_seconds)
    ctx.org.refresh_if_stale()
    app.use(CleanPayload())
    app.use(OncePerDelivery(ctx))
    install_error_handler(app, ctx)
    for module in LISTENER_MODULES:
        module.register(app, ctx)
    return app


def wsgi_app(app: App, *, health: Callable[[], tuple[bool, str]] | None = None) -> WsgiApp:
    """Slack's endpoint at /slack/events, plus GET /healthz for load balancers and uptime checks: 200,
    or 503 when `health` (this process's alert sweeper, in `breachbot serve`) says it is not well.
    Every POST passes the gate (signature, then shape) before Bolt parses it."""
    # The gate checks with the secret Bolt was given; Bolt keeps it only as a private attribute.
    handler = guard(SlackRequestHandler(app, path=EVENTS_PATH), app._signing_secret)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            healthy, words = health() if health is not None else (True, "ok")
            body = words.encode("utf-8")
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
            return [body]
        return handler(environ, start_response)

    return application
