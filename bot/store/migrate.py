"""Applying the Alembic migrations in db/, by command and automatically on an empty database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.errors import BreachbotError
from bot.store.session import Database

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "db"


class SchemaOutOfDate(BreachbotError):
    pass


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest revision(s), joined with '+' when features landed as parallel branches."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return "+".join(sorted(heads)) or None


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return "+".join(sorted(heads)) or None


def upgrade(database: Database) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision(s); returns (before, after)."""
    before = current_revision(database)
    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    return before, current_revision(database)


def ensure_schema(database: Database) -> None:
    """Migrate an empty database; refuse to run against a populated one that is behind the code."""
    current = current_revision(database)
    head = head_revision()
    if current == head:
        return
    if current is None:
        tables = set(inspect(database.engine).get_table_names())
        if tables - {"alembic_version"}:
            raise SchemaOutOfDate(
                "the database has tables but no Breachbot schema version: point BREACHBOT_DATABASE_URL "
                "at an empty database or one made by Breachbot"
            )
        upgrade(database)
        return
    raise SchemaOutOfDate(
        f"the database schema is at {current}, this Breachbot needs {head}: run `breachbot db upgrade`"
    )
