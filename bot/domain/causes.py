"""The causes a breach is recorded under: the ICO's data security incident types (rules/causes.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.errors import BreachbotError


class UnknownCause(BreachbotError):
    pass


@dataclass(frozen=True)
class Cause:
    key: str
    label: str
    group: str  # "cyber" | "non-cyber", as the ICO splits its figures


@cache
def _table() -> tuple[str, dict[str, Cause]]:
    raw = tomllib.loads(resources.files("bot.rules").joinpath("causes.toml").read_text("utf-8"))
    causes = {row["key"]: Cause(row["key"], row["label"], row["group"]) for row in raw["cause"]}
    return raw["source"], causes


def causes() -> dict[str, Cause]:
    return _table()[1]


def causes_source() -> str:
    return _table()[0]


def get_cause(key: str) -> Cause:
    try:
        return causes()[key]
    except KeyError:
        raise UnknownCause(f"unknown cause {key!r}: use one of {', '.join(causes())}") from None
