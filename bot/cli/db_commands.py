"""`breachbot db upgrade`: apply the schema migrations."""

from __future__ import annotations

import argparse

from bot.cli.common import add_json_flag, emit
from bot.config import settings
from bot.services.timeline import seal_unsealed
from bot.store import migrate
from bot.store.session import Database
from bot.store.timeline_key import load_timeline_key


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("db", help="database schema")
    sub = group.add_subparsers(dest="db_command", metavar="ACTION", parser_class=type(group))
    sub.required = True
    upgrade = sub.add_parser("upgrade", help="apply migrations up to the newest schema")
    add_json_flag(upgrade)
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    current = settings()
    database = Database(current.resolved_database_url, timeline_key=lambda: load_timeline_key(current))
    before, after = migrate.upgrade(database)
    # Incidents from before seals are sealed now, not at their next change, when their chain verifies.
    with database.unit_of_work() as session:
        sealed, refused = seal_unsealed(session)
    human = f"schema at {after}" + (f" (was {before})" if before != after else " (already up to date)")
    if sealed:
        human += f"; sealed {sealed} incident(s) written before seals"
    if refused:
        human += f"; NOT sealed, their timeline does not verify: {', '.join(refused)} (see `breachbot timeline verify`)"
    emit(args, {"before": before, "after": after, "sealed": sealed, "not_sealed": refused}, human)
    return 0
