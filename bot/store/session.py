"""Engines, sessions and the unit of work: one transaction per flow, committed once by the flow."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import BreachbotError
from bot.store import sealing

# A PostgreSQL host that never answers fails in seconds, not after the operating system's TCP timeout.
# A `connect_timeout` in the URL's query wins.
CONNECT_TIMEOUT_SECONDS = 5

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
        # instead of one failing with "database is locked" when it upgrades a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class DatabaseUnavailable(BreachbotError):
    """The database cannot be opened or reached: one line naming it (never its password) and what to check."""

    def __init__(self, shown_url: str, reason: str, check: str) -> None:
        self.shown_url = shown_url
        self.reason = reason
        self.check = check
        super().__init__(f"cannot open the database {shown_url}: {reason}; {check}")


def safe_url(url: str | URL) -> str:
    """The URL to show people and logs: everything but the password."""
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


def _unreachable(url: str, reason: str) -> DatabaseUnavailable:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        check = "check BREACHBOT_DATABASE_URL (or BREACHBOT_DATA_DIR) names a file this user can create and write"
    else:
        check = (
            "check BREACHBOT_DATABASE_URL (user, host, port, database name), that the server is running "
            "and reachable from here, and that the database exists"
        )
    first_line = " ".join(reason.strip().splitlines()[0].split()) if reason.strip() else "no reason given"
    return DatabaseUnavailable(safe_url(parsed), first_line[:240], check)


def _translate_connect_errors(engine: Engine, url: str) -> None:
    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        # Only failures to connect: errors inside a statement keep their own type. A failed pre-ping
        # is retried by the pool with a fresh connection, which comes back here if that fails too.
        if context.connection is not None or context.is_pre_ping:
            return
        raise _unreachable(url, str(getattr(context.original_exception, "args", [""])[0] or context.original_exception))


def get_engine(url: str) -> Engine:
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite":
                if parsed.database and parsed.database != ":memory:":
                    try:
                        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                    except OSError as problem:
                        raise _unreachable(url, problem.strerror or str(problem)) from None
                engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
                _configure_sqlite(engine)
            else:
                connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
                engine = create_engine(
                    url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args
                )
            _translate_connect_errors(engine, url)
            _engines[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


class Database:
    """A database the services work in; `unit_of_work()` is the only way flows get a session.

    `timeline_key` (bytes, or a function giving them on first need) makes the timeline's hashes and the
    incident seals (store/sealing.py); without it, the key comes from the settings (store/timeline_key.py)."""

    def __init__(self, url: str, *, timeline_key: bytes | Callable[[], bytes] | None = None) -> None:
        self.url = url
        self.engine = get_engine(url)
        info = {sealing.KEY_INFO: timeline_key} if timeline_key is not None else {}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def read_one_snapshot(session: Session) -> bool:
    """Make the rest of this unit of work read the database as it stood at one moment; True when it does.

    A check that compares rows read at different moments (the register against its seal) must not see a
    write committed in between. SQLite's transactions already read one state (BEGIN IMMEDIATE); on
    PostgreSQL this asks for REPEATABLE READ, which only the transaction's first statement can do, so it
    gives False when the session has already begun one."""
    if session.get_bind().dialect.name == "sqlite":
        return True
    if session.in_transaction():
        return False
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return True
