"""What every CLI command shares: one-line errors, JSON output, and starting the runtime."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any, NoReturn

from bot.config import settings
from bot.runtime import Runtime, start_runtime


class CliParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr, like every other error."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (try --help)\n")
        raise SystemExit(2)


def fail(message: str, *, code: int = 1) -> int:
    single_line = " ".join(message.split())
    sys.stderr.write(f"breachbot: {single_line}\n")
    return code


def emit(args: argparse.Namespace, data: Any, human: str) -> None:
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(human.rstrip("\n") + "\n")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def runtime() -> Runtime:
    current = settings()
    logging.basicConfig(
        level=current.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    if current.log_level.upper() != "DEBUG":
        # Migration chatter is noise on a command's stderr, which scripts read for errors.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return start_runtime(current)


def actor_name(args: argparse.Namespace) -> str:
    """Who did it, for the timeline: --as, or the operating-system user, marked as the CLI."""
    import getpass

    explicit = getattr(args, "actor", None)
    if explicit:
        return str(explicit)
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"
