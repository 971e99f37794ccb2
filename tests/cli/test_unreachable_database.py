"""A database that cannot be opened or reached: one line naming it (no password) and what to check,
a non-zero exit, and within seconds when the host never answers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.session import safe_url

COMMANDS = [
    ["incident", "list"],
    ["incident", "show", "BR-2026-0001"],
    ["incident", "open", "--title", "Laptop", "--aware-at", "01/11/2026 09:00"],
    ["timeline", "verify"],
    ["register", "show"],
    ["alerts", "run-once"],
    ["org", "show"],
    ["db", "upgrade"],
    ["serve"],
    ["run"],
]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word, like a host that has hung."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield int(server.getsockname()[1])
    server.close()


def _breachbot(args: list[str], url: str, tmp_path: Path) -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BREACHBOT_"))}
    env |= {
        "BREACHBOT_DATABASE_URL": url,
        "BREACHBOT_DATA_DIR": str(tmp_path / "data"),
        # serve and run need Slack settings to get as far as the database.
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    return done.returncode, done.stderr, time.monotonic() - began


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_closed_port_is_one_line_without_the_password(args: list[str], tmp_path: Path) -> None:
    url = f"postgresql+psycopg://breach:hunter2@127.0.0.1:{_closed_port()}/breachbot"
    code, err, _ = _breachbot(args, url, tmp_path)
    assert code != 0
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and "hunter2" not in err
    assert f"breach@127.0.0.1:{url.split(':')[3]}" in err
    assert "BREACHBOT_DATABASE_URL" in err and "running" in err
    assert not (tmp_path / "data").exists()  # nothing written, not even a timeline key


def test_a_host_that_never_answers_fails_in_seconds(silent_listener: int, tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{silent_listener}/breachbot"
    code, err, seconds = _breachbot(["incident", "list"], url, tmp_path)
    assert code != 0 and err.count("\n") == 1, err
    assert "timeout" in err
    assert seconds < 15


def test_a_missing_database_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/breachbot_no_such_database"
    code, err, _ = _breachbot(["incident", "list"], url, tmp_path)
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err, err


def test_an_sqlite_file_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")
    code, err, _ = _breachbot(["incident", "list"], f"sqlite:///{blocker}/breachbot.sqlite3", tmp_path)
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "cannot open the database" in err


def test_safe_url_drops_the_password() -> None:
    assert safe_url("postgresql+psycopg://u:p%40ss@db.example:5432/x") == "postgresql+psycopg://u@db.example:5432/x"


def test_doctor_names_the_unreachable_database_and_what_to_check(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://breach:hunter2@127.0.0.1:{_closed_port()}/breachbot"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BREACHBOT_"))}
    env |= {"BREACHBOT_DATABASE_URL": url, "BREACHBOT_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor", "--json"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr and "hunter2" not in done.stdout
    database = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "database")
    assert not database["ok"] and "Connection refused" in database["detail"]
    assert "BREACHBOT_DATABASE_URL" in database["fix"]


def test_a_slack_user_is_told_the_database_is_unreachable_but_not_where_it_is() -> None:
    from bot.slack.middleware.errors import user_message
    from bot.store.session import _unreachable

    problem = _unreachable("postgresql+psycopg://breach:pw@db.internal:5432/breachbot", "Connection refused")
    message = user_message(problem)
    assert "database" in message and "nothing was saved" in message
    assert "db.internal" not in message and "pw" not in message and "BREACHBOT_" not in message
