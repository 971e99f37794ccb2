"""The gate in front of Bolt holds under gunicorn too: `breachbot serve` as it runs in production."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.sandbox.driver import SlackDriver
from bot.slack.sandbox.webapi import SlackStandIn

SECRET = "gunicorn-test-secret"
FORM = "application/x-www-form-urlencoded"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    with SlackStandIn() as slack:
        env = {
            **os.environ,
            "BREACHBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
            "SLACK_BOT_TOKEN": "xoxb-served",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "PORT": str(port),
            "BREACHBOT_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--workers", "1", "--threads", "4"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=1) as reply:
                        if reply.status == 200:
                            break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(
                            f"breachbot serve did not start: {process.stdout and process.stdout.read()}"
                        ) from None
                    time.sleep(0.1)
            yield f"{base}/slack/events"
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
    assert "Traceback" not in output, output


def test_gunicorn_refuses_unsigned_and_malformed_requests_before_parsing(served: str) -> None:
    stranger = SlackDriver(served, "not-the-secret")
    assert stranger.send("payload=notjson", FORM).status == 401
    driver = SlackDriver(served, SECRET)
    odd_stamp = driver.send("payload=notjson", FORM, signature="v0=00", headers={"X-Slack-Request-Timestamp": "soon"})
    assert odd_stamp.status == 401
    assert driver.send("payload=notjson", FORM).status == 400
    assert driver.send('payload={"type": "block_actions", "actions": []}', FORM).status == 400
    assert driver.command("help").status == 200


def test_a_worker_keeps_what_loading_made_out_of_the_collectors_reach() -> None:
    """Full collections in a loaded worker walked every module and rule loaded (about 90 ms each, a pause
    that every request in flight waits out); frozen after loading, they are not walked again."""
    import gc

    from bot.slack.serve import GunicornServer, gunicorn_options

    loaded = object()
    server = GunicornServer(lambda: loaded, gunicorn_options(bind="127.0.0.1:0", workers=1, threads=1))  # type: ignore[arg-type]
    try:
        assert server.load() is loaded
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
