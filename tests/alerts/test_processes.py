"""Sweepers as separate processes: exactly once across two workers on one PostgreSQL database, and a
worker killed mid-sweep loses nothing and doubles nothing once its lease runs out."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.sweep import seed
from bot.store import migrate
from bot.store.models import AlertState, PlannedAlert
from bot.store.session import Database, dispose_engine
from bot.timesource import ManualClock
from tests.alerts.helpers import empty_database, make_sweeper
from tests.alerts.standins import PRIVACY, CountingStandIn, alert_posts
from tests.conftest import SKIP_POSTGRES


def worker_env(url: str, slack: CountingStandIn, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BREACHBOT_"))}
    env.update(
        BREACHBOT_DATABASE_URL=url,
        BREACHBOT_DATA_DIR=str(tmp_path / "data"),
        BREACHBOT_PRIVACY_CHANNEL=PRIVACY,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=slack.api_url,
    )
    return env


def run_once(env: dict[str, str], cwd: Path, batch: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "bot", "alerts", "run-once", "--json", "--batch", str(batch)]
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def due_alert_ids(database: Database) -> set[int]:
    with database.unit_of_work() as session:
        return set(session.scalars(select(PlannedAlert.id).where(PlannedAlert.kind == "24h-left")))


def make_database(kind: str, postgres_url: str | None, tmp_path: Path) -> Database:
    if kind == "postgres":
        if postgres_url is None:
            pytest.skip(SKIP_POSTGRES)
        empty_database(postgres_url)
        return Database(postgres_url)
    database = Database(f"sqlite:///{tmp_path / 'workers.sqlite3'}")
    migrate.upgrade(database)
    return database


# PostgreSQL is the database the issue asks this of; SQLite (fewer incidents, to keep the run short)
# shows its BEGIN IMMEDIATE claim holds across processes too.
@pytest.mark.parametrize(("kind", "count"), [("postgres", 1000), ("sqlite", 200)])
def test_two_worker_processes_post_each_alert_exactly_once(
    kind: str, count: int, postgres_url: str | None, tmp_path: Path
) -> None:
    database = make_database(kind, postgres_url, tmp_path)
    seed(database, incidents=count, due=count, now=datetime.now(UTC))
    expected = due_alert_ids(database)
    assert len(expected) == count
    with CountingStandIn() as slack:
        env = worker_env(database.url, slack, tmp_path)
        workers = [run_once(env, tmp_path, batch=20) for _ in range(2)]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            results.append(json.loads(out))
        posts = alert_posts(slack)
    assert all(result["sent"] > 0 for result in results), "both workers should have shared the work"
    assert sum(result["sent"] for result in results) == count
    assert {alert for alert, _ in posts} == expected
    assert set(posts.values()) == {1} and len(posts) == 2 * count
    with database.unit_of_work() as session:
        states = dict(
            session.execute(
                select(PlannedAlert.state, func.count())
                .where(PlannedAlert.id.in_(expected))
                .group_by(PlannedAlert.state)
            ).all()
        )
    assert states == {AlertState.SENT.value: count}
    if kind == "sqlite":
        dispose_engine(database.url)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_worker_killed_mid_sweep_loses_nothing_and_doubles_nothing(
    kind: str, postgres_url: str | None, tmp_path: Path
) -> None:
    database = make_database(kind, postgres_url, tmp_path)
    url = database.url
    started = datetime.now(UTC)
    seed(database, incidents=30, due=30, now=started)
    expected = due_alert_ids(database)
    with CountingStandIn() as slack:
        slack.hang_on_post = 11  # five alerts reach both channels; the sixth hangs until the kill
        worker = run_once(worker_env(url, slack, tmp_path), tmp_path, batch=100)
        try:
            assert slack.hanging.wait(60), worker.stderr.read() if worker.poll() is not None else "no hang"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            slack.hang_on_post = None
            slack.release.set()
        before = alert_posts(slack)
        assert len(before) == 10 and set(before.values()) == {1}
        with database.unit_of_work() as session:
            claimed = session.scalar(select(func.count()).where(PlannedAlert.state == AlertState.CLAIMED.value))
        assert claimed == 25  # the dead worker's claims: nobody may take them until the lease runs out
        within_lease = make_sweeper(database, ManualClock(started + timedelta(seconds=60)), slack)
        assert within_lease.sweep_once().sent == 0
        after_lease = make_sweeper(database, ManualClock(datetime.now(UTC) + timedelta(minutes=3)), slack)
        assert after_lease.sweep_once().sent == 25
        posts = alert_posts(slack)
    assert {alert for alert, _ in posts} == expected
    assert set(posts.values()) == {1} and len(posts) == 60
    if kind == "sqlite":
        dispose_engine(url)
