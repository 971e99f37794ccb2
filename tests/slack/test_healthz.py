"""/healthz reports this process's alert sweeper: 200 while it completes sweeps, 503 once it has not
for longer than the limit (or has stopped), so a load balancer or uptime check sees a bot that would
miss a deadline. `breachbot doctor` says the same from the heartbeat in the database."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from bot.alerts.worker import SweeperHandle, SweepStats, start_sweeper_thread
from bot.config import ConfigError, load_settings
from bot.slack.app import create_app, wsgi_app
from bot.slack.serve import LocalServer
from tests.slack.conftest import Harness
from tests.slack.test_alerts_slack import calls


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode()


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def serve_with(harness: Harness, sweeper: SweeperHandle, stale_after: float) -> LocalServer:
    app = create_app(harness.runtime)
    return LocalServer(wsgi_app(app, health=lambda: sweeper.health(stale_after)))


def test_a_sweeper_that_completes_sweeps_is_healthy(harness: Harness) -> None:
    sweeper = start_sweeper_thread(harness.runtime, calls(harness), interval=0.05)
    try:
        wait_until(lambda: sweeper.sweeper.last_completed is not None)
        with serve_with(harness, sweeper, stale_after=60) as server:
            status, body = get(f"{server.base_url}/healthz")
    finally:
        sweeper.stop()
    assert status == 200 and body.startswith("ok: the alert sweeper last completed a sweep")


def test_a_sweeper_that_stops_completing_sweeps_makes_healthz_503(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweeper = start_sweeper_thread(harness.runtime, calls(harness), interval=0.05)
    try:
        wait_until(lambda: sweeper.sweeper.last_completed is not None)
        stuck = threading.Event()

        def failing_sweep(stop: threading.Event | None = None) -> SweepStats:
            stuck.set()
            raise RuntimeError("the database went away")

        monkeypatch.setattr(sweeper.sweeper, "sweep_once", failing_sweep)
        wait_until(stuck.is_set)
        with serve_with(harness, sweeper, stale_after=0.3) as server:
            wait_until(lambda: get(f"{server.base_url}/healthz")[0] == 503)
            status, body = get(f"{server.base_url}/healthz")
            assert status == 503 and "last completed a sweep" in body and "deadline alerts may be late" in body
            sweeper.stop()
            status, body = get(f"{server.base_url}/healthz")
            assert status == 503 and body == "the alert sweeper has stopped"
    finally:
        sweeper.stop()


def test_a_new_process_is_healthy_until_the_limit_passes(harness: Harness) -> None:
    sweeper = start_sweeper_thread(harness.runtime, calls(harness), interval=60)
    sweeper.sweeper.last_completed = None
    try:
        assert sweeper.health(60)[0]
        healthy, words = sweeper.health(0)
        assert not healthy and "has not completed a sweep yet" in words
    finally:
        sweeper.stop()


def test_healthz_without_a_sweeper_answers_ok(harness: Harness) -> None:
    status, body = get(f"{harness.server.base_url}/healthz")
    assert (status, body) == (200, "ok")


def test_the_limit_is_a_setting() -> None:
    assert load_settings().sweeper_stale_after == 300
    assert load_settings(BREACHBOT_SWEEPER_STALE_AFTER="120").sweeper_stale_after == 120
    with pytest.raises(ConfigError, match="BREACHBOT_SWEEPER_STALE_AFTER"):
        load_settings(BREACHBOT_SWEEPER_STALE_AFTER="5")
