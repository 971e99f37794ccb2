"""Time to ack under load: Breachbot's HTTP app under gunicorn against bare Bolt apps.

Two floors: a bare app that only acks, and, for `/breach open`, the fair floor: a bare app that acks and
makes the same views.open call (the same report modal) to the same stand-in. All are served the same way
(gunicorn gthread workers on 127.0.0.1, started as subprocesses) and driven the same way: CONCURRENCY
client threads, each with a keep-alive connection, sending signed /breach commands until REQUESTS have been
answered. The Web API is the local stand-in, the database a throwaway SQLite file (or, with --postgres URL, a
throwaway database on that PostgreSQL server, as in production); only loopback traffic.
Prints p50/p99 time to ack and requests per second, and the verdict against the targets: `/breach open` at
least 0.8 of the fair floor's throughput, with a p99 at most 1.25 times the floor's.

Every run starts from the same stand-in: it forgets the calls and views of the runs before. Kept, they
grew this process's heap run after run, and its full garbage collections, which pause the timing clients
and the stand-in alike, with it (from 0.1 s to 0.7 s over one bench); the tail of each run was set by
that pause, so whichever app ran later in a round looked slower.

It also measures, against the same Breachbot server, the time from a report modal's submission to the
summary being pinned in the new channel (p50, p99), and, in process, how late the alert sweeper posts an
alert after it falls due (p50, p99), whose floor is the sweeper's interval.

    .venv/bin/python -m bench.ack_latency [--requests 3000] [--concurrency 50] [--submissions 200]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SECRET = "bench-signing-secret"
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.8
TARGET_P99_FACTOR = 1.25


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(kind: str, port: int, workers: int, threads: int) -> None:
    """Entry point of the server subprocesses."""
    from bot.slack.serve import serve_gunicorn

    if kind != "breachbot":
        # Bolt reads SLACK_BOT_TOKEN when it is set, and a bare app given its client as well prints at start
        # that the token "will be unused": the bare apps need no token.
        os.environ.pop("SLACK_BOT_TOKEN", None)

    def load_bare() -> object:
        from concurrent.futures import ThreadPoolExecutor

        from slack_bolt import Ack, App

        from bot.slack.app import wsgi_app
        from bot.slack.client import make_web_client

        app = App(
            client=make_web_client("xoxb-bench", os.environ["SLACK_API_URL"]),
            signing_secret=SECRET,
            token_verification_enabled=False,
            process_before_response=False,
            listener_executor=ThreadPoolExecutor(max_workers=50),
        )

        @app.command("/breach")
        def ack_only(ack: Ack) -> None:
            ack()

        return wsgi_app(app)

    def load_bare_views_open() -> object:
        """The fair floor for `/breach open`: ack, then the same views.open call with the same modal."""
        from concurrent.futures import ThreadPoolExecutor
        from datetime import UTC, datetime

        from slack_bolt import Ack, App

        from bot.slack.app import wsgi_app
        from bot.slack.client import make_web_client
        from bot.slack.context import OrgProfile
        from bot.slack.views.report import report_modal

        client = make_web_client("xoxb-bench", os.environ["SLACK_API_URL"])
        app = App(
            client=client,
            signing_secret=SECRET,
            token_verification_enabled=False,
            process_before_response=False,
            listener_executor=ThreadPoolExecutor(max_workers=50),
        )

        @app.command("/breach")
        def ack_then_open(ack: Ack, command: dict) -> None:
            ack()
            view = report_modal(
                OrgProfile(("uk-gdpr",), False), title="Bench", origin_channel="C_GENERAL", now=datetime.now(UTC)
            )
            client.api_call("views.open", json={"trigger_id": command["trigger_id"], "view": view})

        return wsgi_app(app)

    def load_breachbot() -> object:
        from bot.config import load_settings
        from bot.runtime import start_runtime
        from bot.slack.app import create_app, wsgi_app

        return wsgi_app(create_app(start_runtime(load_settings(), migrate=False)))

    loader = {"bare": load_bare, "bare-views-open": load_bare_views_open, "breachbot": load_breachbot}[kind]
    serve_gunicorn(loader, bind=f"127.0.0.1:{port}", workers=workers, threads=threads, log_level="warning")  # type: ignore[arg-type]


@dataclass
class Result:
    name: str
    latencies: list[float]
    elapsed: float
    errors: int

    def row(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rps = len(ordered) / self.elapsed
        return f"{self.name:<28} {len(ordered):>6} {p50:>8.1f} {p99:>8.1f} {rps:>9.0f} {self.errors:>6}"

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else float("nan")

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


def command_body(text: str) -> str:
    return urlencode(
        {
            "team_id": "TSANDBOX",
            "channel_id": "C_GENERAL",
            "user_id": "U_BENCH",
            "command": "/breach",
            "text": text,
            "api_app_id": "A_BREACHBOT",
            "response_url": "https://hooks.slack.test/commands/1",
            "trigger_id": f"trigger-{uuid.uuid4().hex[:12]}",
        }
    )


def drive(name: str, port: int, text: str, total: int, concurrency: int, time_limit: float) -> Result:
    signer = SignatureVerifier(SECRET)
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + time_limit

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while next(counter) < total and time.monotonic() < stop_at:
            body = command_body(text)
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=body),
            }
            started = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            took = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(took)
                else:
                    errors[0] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, latencies, time.perf_counter() - started, errors[0])


def submission_to_pin(slack: object, port: int, total: int, concurrency: int) -> Result:
    """Submit `total` report modals (signed, as Slack sends them) and time each until Slack is asked to pin
    its summary: storing the incident, creating the channel, inviting, posting and pinning. Each of the
    `concurrency` clients waits for its incident's pin before reporting the next, so this is the latency
    with that many setups running at once, not the length of a queue."""
    import json
    import re

    from bot.slack.sandbox.driver import SlackDriver

    def report_values(title: str) -> dict[str, object]:
        def typed(value: str) -> dict[str, object]:
            return {"value": {"type": "plain_text_input", "value": value}}

        return {
            "title": typed(title),
            "description": typed("A benchmark report."),
            "aware_at": typed("23/11/2026 09:00"),
            "regimes": {"value": {"type": "checkboxes", "selected_options": [{"value": "uk-gdpr"}]}},
        }

    submitted: dict[int, float] = {}
    pinned: dict[int, float] = {}
    done: dict[int, threading.Event] = {n: threading.Event() for n in range(total)}
    lock = threading.Lock()
    number = re.compile(r"bench-pin-(\d+)")

    def on_call(call: object) -> None:
        if getattr(call, "method", "") != "pins.add":
            return
        channel = slack.channels.get(str(call.params.get("channel")))  # type: ignore[attr-defined]
        found = number.search(channel.name) if channel else None
        if found:
            with lock:
                pinned.setdefault(int(found.group(1)), time.perf_counter())
            done[int(found.group(1))].set()

    slack.on_call = on_call  # type: ignore[attr-defined]
    driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET)
    view = {"type": "modal", "callback_id": "open_incident", "private_metadata": json.dumps({"channel": "C_GENERAL"})}
    counter = itertools.count()
    errors = [0]

    def client() -> None:
        while (n := next(counter)) < total:
            values = report_values(f"Bench pin {n}")
            with lock:
                submitted[n] = time.perf_counter()
            reply = driver.view_submission(view, values, user="U_BENCH", view_id=f"V_BENCH_{uuid.uuid4().hex[:10]}")
            if reply.status != 200 or reply.body:
                with lock:
                    errors[0] += 1
                continue
            done[n].wait(30)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 60
    while len(pinned) < total - errors[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    slack.on_call = None  # type: ignore[attr-defined]
    latencies = [pinned[n] - submitted[n] for n in pinned if n in submitted]
    return Result("submission to pin", latencies, time.perf_counter() - started, total - len(latencies))


def alert_lateness(total: int, interval: float) -> Result:
    """Run the sweeper thread (real clock, `interval` seconds) over alerts falling due one after another
    across a few intervals; return how late each was posted after its due time."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, update

    from bench.sweep import CountingSlack, seed
    from bot.alerts.worker import Sweeper
    from bot.config import load_settings
    from bot.store import migrate
    from bot.store.models import AlertState, PlannedAlert
    from bot.store.session import Database, dispose_engine
    from bot.timesource import SystemClock

    with tempfile.TemporaryDirectory(prefix="breachbot-bench-alerts-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'alerts.sqlite3'}"
        database = Database(url)
        migrate.upgrade(database)
        now = datetime.now(UTC)
        ids = seed(database, incidents=total, due=0, now=now)
        window = timedelta(seconds=interval * 5)
        with database.unit_of_work() as session:
            session.execute(
                update(PlannedAlert)
                .where(PlannedAlert.state == AlertState.PENDING.value)
                .values(state=AlertState.CANCELLED.value)
            )
            for index, incident_id in enumerate(ids):
                due = now + timedelta(seconds=2) + window * index / total
                session.execute(
                    update(PlannedAlert)
                    .where(PlannedAlert.incident_id == incident_id, PlannedAlert.kind == "24h-left")
                    .values(state=AlertState.PENDING.value, due_at=due, next_attempt_at=due)
                )
        settings = load_settings(BREACHBOT_DATABASE_URL=url, SLACK_BOT_TOKEN=None, BREACHBOT_PRIVACY_CHANNEL=None)
        sweeper = Sweeper(database, SystemClock(), CountingSlack(), settings)
        stop = threading.Event()
        thread = threading.Thread(target=sweeper.run, args=(stop, interval), daemon=True)
        started = time.perf_counter()
        thread.start()
        deadline = time.monotonic() + window.total_seconds() + interval * 4 + 30
        rows: list = []
        while time.monotonic() < deadline:
            with database.unit_of_work() as session:
                rows = session.execute(
                    select(PlannedAlert.due_at, PlannedAlert.sent_at).where(PlannedAlert.kind == "24h-left")
                ).all()
            if all(sent is not None for _, sent in rows):
                break
            time.sleep(interval / 2)
        stop.set()
        thread.join(10)
        dispose_engine(url)
    latencies = [(sent - due).total_seconds() for due, sent in rows if sent is not None]
    return Result("alert lateness", latencies, time.perf_counter() - started, total - len(latencies))


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not become healthy")


@contextmanager
def bench_database(postgres: str | None, scratch: Path) -> Iterator[str]:
    """Breachbot's database for the run: a SQLite file by default, or a throwaway PostgreSQL database (as in
    production) made on the given server and dropped afterwards."""
    if not postgres:
        yield f"sqlite:///{scratch / 'bench.sqlite3'}"
        return
    from bench.scratch_database import scratch_postgres

    with scratch_postgres(postgres) as url:
        yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    # Measured best on a 2-CPU machine (also 2x8, 3x8 tried); serve the bare app and Breachbot alike.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per run at most")
    parser.add_argument("--rounds", type=int, default=3, help="alternating floor / `/breach open` rounds")
    parser.add_argument("--submissions", type=int, default=200, help="report submissions timed to the pin")
    parser.add_argument("--alerts", type=int, default=200, help="alerts timed from due to posted")
    parser.add_argument("--sweep-interval", type=float, default=2.0, help="the sweeper's interval for that run")
    parser.add_argument(
        "--postgres", metavar="URL", help="serve Breachbot from a temporary database on this PostgreSQL server"
    )
    parser.add_argument("--serve", choices=["bare", "bare-views-open", "breachbot"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.workers, args.threads)
        return 0

    from bot.slack.sandbox.webapi import SlackStandIn
    from bot.store import migrate
    from bot.store.session import Database, dispose_engine

    with (
        SlackStandIn() as slack,
        tempfile.TemporaryDirectory(prefix="breachbot-bench-") as scratch,
        bench_database(args.postgres, Path(scratch)) as url,
    ):
        migrate.upgrade(Database(url))
        dispose_engine(url)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BREACHBOT_"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.api_url,
            BREACHBOT_DATABASE_URL=url,
            BREACHBOT_PRIVACY_TEAM_USERS="U_DPO",
            BREACHBOT_LOG_LEVEL="WARNING",
        )
        servers = {}
        try:
            for kind in ("bare", "bare-views-open", "breachbot"):
                port = free_port()
                command = [sys.executable, "-m", "bench.ack_latency", "--serve", kind, "--port", str(port)]
                command += ["--workers", str(args.workers), "--threads", str(args.threads)]
                servers[kind] = (port, subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1]))
            for port, process in servers.values():
                wait_healthy(port, process)
            runs = [
                ("bare Bolt app (ack only)", "bare", "help"),
                ("bare app + views.open", "bare-views-open", "open Bench"),
                ("breachbot /breach help", "breachbot", "help"),
                ("breachbot /breach open", "breachbot", "open Bench"),
            ]

            def timed(name: str, kind: str, text: str, total: int) -> Result:
                slack.forget_history()
                return drive(name, servers[kind][0], text, total, args.concurrency, args.time_limit)

            for _, kind, text in runs:  # warm up: imports, auth.test, connection pools
                timed("warm-up", kind, text, 200)
            results = [timed(name, kind, text, args.requests) for name, kind, text in runs]
            # On a shared machine one pair of runs is at the mercy of whatever else runs meanwhile: the
            # floor and `/breach open` are run again, alternately, and judged on the median round. Which
            # goes first alternates too, so neither is always the one that runs on a warmer (or fuller)
            # machine.
            rounds = [(results[1], results[3])]
            for number in range(1, args.rounds):
                pair = (runs[3], runs[1]) if number % 2 else (runs[1], runs[3])
                measured = {kind: timed(name, kind, text, args.requests) for name, kind, text in pair}
                rounds.append((measured["bare-views-open"], measured["breachbot"]))
            slack.forget_history()
            to_pin = submission_to_pin(slack, servers["breachbot"][0], args.submissions, min(args.concurrency, 10))
        finally:
            for _, process in servers.values():
                process.terminate()
            for _, process in servers.values():
                process.wait(timeout=15)
    print(
        f"{args.concurrency} concurrent clients, {args.workers} gunicorn gthread workers x {args.threads} threads, "
        f"{os.cpu_count()} CPUs, loopback only"
    )
    print(f"{'app':<28} {'acks':>6} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9} {'errors':>6}")
    for result in results:
        print(result.row())
    bare, _, help_, opened = results
    ratio = help_.rps / bare.rps
    verdict = "meets" if help_.p99_ms < TARGET_P99_MS and ratio >= TARGET_RATIO else "MISSES"
    print(
        f"{help_.name}: p99 {help_.p99_ms:.1f} ms (target < {TARGET_P99_MS:.0f}), "
        f"{ratio:.2f} of the ack-only app's throughput (target >= {TARGET_RATIO}): {verdict} the target"
    )
    ratios = [pair[1].rps / pair[0].rps for pair in rounds]
    factors = [pair[1].p99_ms / pair[0].p99_ms for pair in rounds]
    for number, (floor_run, open_run) in enumerate(rounds, 1):
        first = "/breach open" if number % 2 == 0 else "floor"
        print(
            f"  round {number} ({first} first): floor {floor_run.rps:.0f} req/s p99 {floor_run.p99_ms:.0f} ms; "
            f"/breach open {open_run.rps:.0f} req/s p99 {open_run.p99_ms:.0f} ms"
        )
    ratio, factor = statistics.median(ratios), statistics.median(factors)
    verdict = "meets" if factor <= TARGET_P99_FACTOR and ratio >= TARGET_RATIO else "MISSES"
    print(
        f"{opened.name}: {ratio:.2f} of the fair floor's throughput (target >= {TARGET_RATIO}), p99 {factor:.2f} x "
        f"the floor's (target <= {TARGET_P99_FACTOR}), medians of {len(rounds)} alternating rounds: "
        f"{verdict} the target"
    )
    print(
        f"report submitted -> summary pinned: {len(to_pin.latencies)} of {args.submissions}, "
        f"p50 {to_pin.p50_ms:.0f} ms, p99 {to_pin.p99_ms:.0f} ms ({to_pin.errors} not pinned)"
    )
    late = alert_lateness(args.alerts, args.sweep_interval)
    print(
        f"alert posted after falling due: {len(late.latencies)} of {args.alerts} alerts, "
        f"p50 {late.p50_ms / 1000:.2f} s, p99 {late.p99_ms / 1000:.2f} s "
        f"(floor: the sweeper's interval, {args.sweep_interval:g} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
