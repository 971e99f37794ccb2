"""`breachbot run`, `breachbot serve` and `breachbot doctor`: running the Slack bot and checking its setup."""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli.common import add_json_flag, emit, fail, runtime
from bot.config import settings


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = commands.add_parser(
        "run",
        help="run the Slack bot: Socket Mode with SLACK_APP_TOKEN, HTTP with SLACK_SIGNING_SECRET, "
        "otherwise a short incident in a local sandbox",
    )
    _serving_options(run)
    run.set_defaults(handler=run_bot)

    serve = commands.add_parser("serve", help="serve Slack's HTTP endpoint /slack/events with gunicorn on PORT")
    _serving_options(serve)
    serve.set_defaults(handler=serve_http)

    doctor = commands.add_parser("doctor", help="check the Slack setup, the token's scopes and the database")
    add_json_flag(doctor)
    doctor.set_defaults(handler=run_doctor)


def _serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")), help="gunicorn worker processes"
    )
    parser.add_argument("--threads", type=int, default=32, help="threads per worker (gthread)")


def run_bot(args: argparse.Namespace) -> int:
    current = settings()
    if current.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.slack.app import create_app
        from bot.slack.serve import start_alert_sweeper

        rt = runtime()
        app = create_app(rt)
        sweeper = start_alert_sweeper(rt, app)
        try:
            SocketModeHandler(app, current.slack_app_token).start()
        finally:
            sweeper.stop()
        return 0
    if current.slack_bot_token or current.slack_signing_secret:
        return serve_http(args)
    from bot.slack.sandbox.demo import run_demo

    return run_demo(sys.stdout)


def serve_http(args: argparse.Namespace) -> int:
    from bot.alerts.worker import SweeperHandle
    from bot.runtime import start_runtime
    from bot.slack.app import SlackNotConfigured, create_app, wsgi_app
    from bot.slack.serve import serve_gunicorn, start_alert_sweeper
    from bot.store.session import dispose_engine

    current = settings()
    if not current.slack_bot_token or not current.slack_signing_secret:
        raise SlackNotConfigured(
            "HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET: see the README's Slack section"
        )
    # Migrate once here, then drop the connections: workers are forked and must open their own.
    dispose_engine(runtime().database.url)

    # Filled in each worker after the fork: one sweeper per worker process, stopped as it exits.
    sweepers: list[SweeperHandle] = []

    def load() -> object:
        rt = start_runtime(current, migrate=False)
        app = create_app(rt)
        sweeper = start_alert_sweeper(rt, app)
        sweepers.append(sweeper)
        return wsgi_app(app, health=lambda: sweeper.health(current.sweeper_stale_after))

    def stop_sweepers() -> None:
        for sweeper in sweepers:
            sweeper.stop()

    sys.stderr.write(f"breachbot: serving /slack/events on {args.host}:{current.port}\n")
    serve_gunicorn(
        load,  # type: ignore[arg-type]
        bind=f"{args.host}:{current.port}",
        workers=args.workers,
        threads=args.threads,
        log_level=current.log_level,
        on_worker_exit=stop_sweepers,
    )
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    from bot.slack.doctor import run_checks

    checks = run_checks()
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        mark = "FIX" if not check.ok else "WARN" if check.warning else "OK "
        lines.append(f"{mark:<4} {check.name:<{width}}  {check.detail}")
        if check.fix:
            lines.append(f"     {'':<{width}}  -> {check.fix}")
    broken = [c for c in checks if not c.ok]
    lines.append("Ready." if not broken else f"{len(broken)} thing(s) to fix.")
    emit(args, {"ok": not broken, "checks": [c.to_dict() for c in checks]}, "\n".join(lines))
    if broken and not getattr(args, "json", False):
        fail(f"{len(broken)} check(s) need fixing: see FIX above")
    return 1 if broken else 0
