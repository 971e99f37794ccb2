"""The registry of `/breach` subcommands added by feature modules.

Each feature (triage, drafts, alerts, register ...) registers its verbs here from its own listener
module, so `/breach` grows without one listener file growing with it. A handler must ack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack

from bot.slack.context import BotContext

Handler = Callable[[BotContext, Ack, dict[str, Any], str], None]


@dataclass(frozen=True)
class Subcommand:
    verb: str
    usage: str  # e.g. "/breach triage"
    help: str  # one line for `/breach help`
    handler: Handler
    team_only: bool = False


_REGISTRY: dict[str, Subcommand] = {}


def subcommand(verb: str, usage: str, help: str, *, team_only: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _REGISTRY[verb] = Subcommand(verb, usage, help, handler, team_only)
        return handler

    return register


def verbs() -> list[str]:
    return list(_REGISTRY)


def find(verb: str) -> Subcommand | None:
    return _REGISTRY.get(verb)


def help_lines() -> list[str]:
    return [
        f"• `{entry.usage}`: {entry.help}{' (privacy team)' if entry.team_only else ''}" for entry in _REGISTRY.values()
    ]
