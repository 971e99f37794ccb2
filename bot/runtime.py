"""What every face starts with: the settings, the database (migrated if empty) and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings, load_settings
from bot.store.migrate import ensure_schema
from bot.store.session import Database
from bot.store.timeline_key import load_timeline_key
from bot.timesource import Clock, SystemClock


@dataclass
class Runtime:
    settings: Settings
    database: Database
    clock: Clock


def start_runtime(settings: Settings | None = None, clock: Clock | None = None, *, migrate: bool = True) -> Runtime:
    chosen = settings or load_settings()
    database = Database(chosen.resolved_database_url, timeline_key=lambda: load_timeline_key(chosen))
    if migrate:
        ensure_schema(database)
    return Runtime(settings=chosen, database=database, clock=clock or SystemClock())
