"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is found at BREACHBOT_TEST_POSTGRES_URL (default: the local server, database `test`).
Each test run makes its own database there and drops it afterwards, so runs never share state.
When PostgreSQL cannot be reached, its tests are skipped with one visible reason, except when
CI=true: there an unreachable PostgreSQL fails the run, because CI must test both.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.store import migrate
from bot.store.models import Base
from bot.store.session import Database, dispose_engine

# A shared CI machine can stall any single example past hypothesis's 200 ms default: the properties
# under test are about results, not speed (the bench/ scripts measure speed).
hypothesis_settings.register_profile("breachbot", deadline=None)
hypothesis_settings.load_profile("breachbot")
# One timeline key for the whole run (and the commands it starts), so what one test fixture writes the
# next verifies; the tests of making a key on first use unset it.
os.environ.setdefault("BREACHBOT_TIMELINE_KEY", "test-timeline-key-" + "0123456789abcdef" * 2)

POSTGRES_ADMIN_URL = os.environ.get("BREACHBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SKIP_POSTGRES = (
    f"PostgreSQL not reachable at {make_url(POSTGRES_ADMIN_URL).render_as_string()}: PostgreSQL tests skipped"
)
_postgres_problem: str | None = None
_SKIPPED_POSTGRES = pytest.StashKey[int]()


def _probe_postgres() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as problem:
        return " ".join(str(problem).split())[:200]


def pytest_sessionstart(session: pytest.Session) -> None:
    global _postgres_problem
    _postgres_problem = _probe_postgres()
    if _postgres_problem and os.environ.get("CI", "").lower() == "true":
        pytest.exit(f"CI=true and PostgreSQL is unreachable ({_postgres_problem}): failing the run", returncode=3)


def _needs_postgres(item: pytest.Item) -> bool:
    # A test runs on PostgreSQL through the `database` fixture, or asks for `postgres_url` itself and is
    # parametrized by a "kind" of database.
    params = getattr(getattr(item, "callspec", None), "params", {})
    return "postgres" in (params.get("database"), params.get("kind"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL (and not in CI), leave its tests out and say so once, not once per test."""
    if _postgres_problem is None:
        return
    skipped = [item for item in items if _needs_postgres(item)]
    if skipped:
        items[:] = [item for item in items if not _needs_postgres(item)]
        config.hook.pytest_deselected(items=skipped)
        config.stash[_SKIPPED_POSTGRES] = len(skipped)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    count = config.stash.get(_SKIPPED_POSTGRES, 0)
    if count:
        terminalreporter.write_line(f"SKIPPED {count} tests: {SKIP_POSTGRES}", yellow=True, bold=True)


def pytest_report_header(config: pytest.Config) -> str:
    if _postgres_problem is None:
        return "PostgreSQL: reachable; database tests run on SQLite and PostgreSQL"
    return f"{SKIP_POSTGRES} ({_postgres_problem})"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    if _postgres_problem is not None:
        yield None
        return
    name = f"breachbot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(Database(url))
    yield url
    dispose_engine(url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test: far faster than migrating every time."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(Database(url))
    dispose_engine(url)
    return path


def _empty_postgres(url: str) -> None:
    database = Database(url)
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "breachbot.sqlite3"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        if url is None:
            pytest.skip(SKIP_POSTGRES)
        _empty_postgres(url)
    yield Database(url)
    if request.param == "sqlite":
        dispose_engine(url)


@pytest.fixture
def db_env(database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Database]:
    """Points the settings (and so the CLI and the bot) at the test database."""
    from bot.config import settings

    monkeypatch.setenv("BREACHBOT_DATABASE_URL", database.url)
    monkeypatch.setenv("BREACHBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    settings.cache_clear()
    yield database
    settings.cache_clear()


@pytest.fixture(autouse=True)
def _clean_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Bolt switches to OAuth when these are set, and a developer's shell may have real tokens.
    for name in (
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
