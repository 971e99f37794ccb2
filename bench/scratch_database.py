"""A throwaway PostgreSQL database for one benchmark run, made on a given server and dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.store.session import dispose_engine


@contextmanager
def scratch_postgres(server_url: str, prefix: str = "breachbot_bench") -> Iterator[str]:
    """`with scratch_postgres(url) as database_url:` a new, empty database on that server; dropped (with any
    connections still open to it) when the block ends."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        dispose_engine(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
