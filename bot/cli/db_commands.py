"""`breachbot db upgrade`: apply the schema migrations."""

from __future__ import annotations

import argparse

from bot.cli.common import add_json_flag, emit
from bot.config import settings
from bot.store import migrate
from bot.store.session import Database


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("db", help="database schema")
    sub = group.add_subparsers(dest="db_command", metavar="ACTION", parser_class=type(group))
    sub.required = True
    upgrade = sub.add_parser("upgrade", help="apply migrations up to the newest schema")
    add_json_flag(upgrade)
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    database = Database(settings().resolved_database_url)
    before, after = migrate.upgrade(database)
    human = f"schema at {after}" + (f" (was {before})" if before != after else " (already up to date)")
    emit(args, {"before": before, "after": after}, human)
    return 0
