"""Benchmark: the alert sweep over 100,000 open incidents with 1% of their alerts due.

    .venv/bin/python -m bench.sweep [--incidents 100000] [--due-percent 1] [--only postgres|sqlite]

PostgreSQL runs in its own scratch database (created and dropped; BENCH_POSTGRES_URL, default the local
server); SQLite in a temporary file. Slack is a no-op counter, so the figures are the database's cost.
It prints the claim query's plan (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), the
claim query's time and rows, an idle sweep (nothing due: the cost every 15 seconds of an ordinary day),
and busy sweeps that claim, "send" and record the due alerts, with the claim transactions timed apart.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import TextClause, bindparam, func, select, text
from sqlalchemy.engine import make_url

from bench.scratch_database import scratch_postgres
from bot.alerts.worker import Sweeper
from bot.config import load_settings
from bot.domain.alert_plan import plan_alerts
from bot.store import migrate
from bot.store.models import AlertPlan, AlertState, Incident, PlannedAlert, UTCDateTime
from bot.store.session import Database, dispose_engine
from bot.timesource import ManualClock

POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CHUNK = 5_000


class CountingSlack:
    """Answers chat.postMessage like Slack, instantly, and counts each (alert, destination)."""

    def __init__(self) -> None:
        self.posts: Counter[tuple[int, str]] = Counter()

    def call(self, method: str, **params: Any) -> Mapping[str, Any]:
        if method == "conversations.history":  # a retried alert is looked for first: nothing was posted
            return {"ok": True, "messages": [], "has_more": False}
        payload = params["metadata"]["event_payload"]
        self.posts[(payload["alert_id"], payload["destination"])] += 1
        return {"ok": True, "ts": f"{time.time():.6f}"}


def seed(
    database: Database, *, incidents: int, due: int, now: datetime, regime: str = "uk-gdpr", first: int = 1
) -> list[int]:
    """Bulk-insert open incidents with planned alerts: `due` of them have one alert just due (24 h
    left), the rest have only future alerts; every "clock started" alert was already sent."""
    ids: list[int] = []
    with database.unit_of_work() as session:
        for start in range(0, incidents, CHUNK):
            rows = []
            for n in range(start, min(start + CHUNK, incidents)):
                # Due ones became aware 48 h and a minute ago; the others 1 to 47 hours ago.
                aware = now - (timedelta(hours=48, minutes=1) if n < due else timedelta(minutes=60 + n % (46 * 60)))
                rows.append(
                    {
                        "ref": f"BR-2026-{first + n:06d}",
                        "ref_year": 2026,
                        "ref_number": first + n,
                        "title": f"Bench incident {first + n}",
                        "aware_at": aware,
                        "reported_by": "bench",
                        "status": "open",
                        "regimes": [regime],
                        "is_processor": False,
                        "near_miss": False,
                        "late": False,
                        "next_deadline_at": aware + timedelta(hours=72),
                        "slack_channel_id": f"C{first + n:08d}",
                        "created_at": aware,
                        "updated_at": aware,
                        "timeline_count": 0,
                    }
                )
            chunk_ids = list(session.scalars(Incident.__table__.insert().returning(Incident.id), rows))
            ids.extend(chunk_ids)
            plans, alerts = [], []
            for incident_id, row in zip(chunk_ids, rows, strict=True):
                plans.append({"incident_id": incident_id, "generation": 1, "aware_at": row["aware_at"]})
                for planned in plan_alerts(regime, row["aware_at"]):
                    sent = planned.key == "started"
                    alerts.append(
                        {
                            "incident_id": incident_id,
                            "generation": 1,
                            "regime": regime,
                            "kind": planned.key,
                            "step": 0,
                            "due_at": planned.due_at,
                            "next_attempt_at": planned.due_at,
                            "state": (AlertState.SENT if sent else AlertState.PENDING).value,
                            "attempts": 1 if sent else 0,
                            "sent_at": planned.due_at if sent else None,
                        }
                    )
            session.execute(
                AlertPlan.__table__.insert(), [{**p, "planned_at": p["aware_at"], "stopped": {}} for p in plans]
            )
            session.execute(PlannedAlert.__table__.insert(), alerts)
    return ids


def _claim_sql(database: Database) -> TextClause:
    """The claim's candidate query, as alert_delivery.claim_due sends it."""
    lock = " FOR UPDATE SKIP LOCKED" if database.dialect == "postgresql" else ""
    return text(
        "SELECT planned_alert.incident_id FROM planned_alert "
        "WHERE planned_alert.state IN ('pending', 'claimed') AND planned_alert.next_attempt_at <= :now "
        f"ORDER BY planned_alert.next_attempt_at LIMIT :limit{lock}"
    ).bindparams(bindparam("now", type_=UTCDateTime()))


def explain_claim(database: Database, now: datetime, limit: int) -> str:
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if database.dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    query = _claim_sql(database)
    explain = text(prefix + query.text).bindparams(bindparam("now", type_=UTCDateTime()))
    with database.engine.begin() as connection:
        rows = connection.execute(explain, {"now": now, "limit": limit}).all()
    return "\n".join(" | ".join(str(c) for c in row) for row in rows)


def run(database: Database, *, incidents: int, due_percent: float, batch: int, sweeps: int, sweep_batches: int) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    per_incident = len(plan_alerts("uk-gdpr", now))
    due = round(incidents * per_incident * due_percent / 100)
    began = time.monotonic()
    seed(database, incidents=incidents, due=due, now=now)
    if database.dialect == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    with database.unit_of_work() as session:
        total = session.scalar(select(func.count()).select_from(PlannedAlert))
        due_rows = session.scalar(
            select(func.count()).where(PlannedAlert.state == "pending", PlannedAlert.next_attempt_at <= now)
        )
    print(f"  seeded {incidents:,} incidents, {total:,} alerts, {due_rows:,} due, in {time.monotonic() - began:.1f}s")
    print("  claim query plan:\n    " + explain_claim(database, now, batch).replace("\n", "\n    "))

    timings = []
    for _ in range(5):
        with database.engine.begin() as connection:
            t = time.perf_counter()
            rows = connection.execute(_claim_sql(database), {"now": now, "limit": batch}).all()
            timings.append(time.perf_counter() - t)
    print(f"  claim query: {min(timings) * 1000:.2f} ms (best of 5), {len(rows)} rows returned")

    slack = CountingSlack()
    settings = load_settings(BREACHBOT_DATABASE_URL=database.url, BREACHBOT_PRIVACY_CHANNEL="CPRIVACY")
    # An idle sweep first: an hour earlier nothing is due, so this is the cost paid every 15 seconds on an
    # ordinary day (the claim query plus the check for incidents opened without a plan).
    idle = Sweeper(database, ManualClock(now - timedelta(hours=1)), slack, settings, batch=batch).sweep_once()
    print(f"  idle sweep (nothing due): {idle.seconds * 1000:.1f} ms, {idle.examined} rows examined")
    sweeper = Sweeper(database, ManualClock(now), slack, settings, batch=batch, max_batches=sweep_batches)
    sent = 0
    for number in range(1, sweeps + 1):
        busy = sweeper.sweep_once()
        if not busy.sent:
            break
        sent += busy.sent
        print(
            f"  busy sweep {number}: {busy.seconds:.2f}s for {busy.sent:,} alerts to two destinations each "
            f"({busy.sent / busy.seconds:,.0f} alerts/s; {busy.seconds / busy.sent * 1000:.1f} ms per alert), "
            f"claim transactions {busy.claim_seconds * 1000:.0f} ms for {busy.batches} batches of up to {batch} "
            f"({busy.claim_seconds / busy.batches * 1000:.1f} ms each), {busy.examined:,} rows examined"
        )
    posted = sorted(set(slack.posts.values()))
    print(
        f"  posts: {sum(slack.posts.values()):,} for {len(slack.posts):,} (alert, destination) pairs; counts {posted}"
    )
    if len(slack.posts) != 2 * sent or posted != [1]:
        raise SystemExit(f"bench: expected {sent} alerts posted once to each destination, got counts {posted}")


def _postgres(args: argparse.Namespace) -> None:
    with scratch_postgres(POSTGRES_ADMIN_URL, prefix="bench_sweep") as url:
        database = Database(url)
        migrate.upgrade(database)
        print(f"PostgreSQL ({make_url(url).database}):")
        run(
            database,
            incidents=args.incidents,
            due_percent=args.due_percent,
            batch=args.batch,
            sweeps=args.sweeps,
            sweep_batches=args.sweep_batches,
        )


def _sqlite(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        database = Database(url)
        migrate.upgrade(database)
        print("SQLite (temporary file):")
        try:
            run(
                database,
                incidents=args.incidents,
                due_percent=args.due_percent,
                batch=args.batch,
                sweeps=args.sweeps,
                sweep_batches=args.sweep_batches,
            )
        finally:
            dispose_engine(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--due-percent", type=float, default=1.0, help="percent of all planned alerts due now")
    parser.add_argument("--batch", type=int, default=100, help="alerts claimed per transaction")
    parser.add_argument("--sweep-batches", type=int, default=10, help="batches per busy sweep")
    parser.add_argument("--sweeps", type=int, default=2, help="busy sweeps to time")
    parser.add_argument("--only", choices=("postgres", "sqlite"))
    args = parser.parse_args()
    if args.only != "sqlite":
        _postgres(args)
    if args.only != "postgres":
        _sqlite(args)


if __name__ == "__main__":
    main()
