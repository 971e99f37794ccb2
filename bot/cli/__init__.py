"""The `breachbot` command: every decision the Slack bot makes, for scripts, audits and Slack outages."""

from __future__ import annotations

import argparse
import logging
import sys
import uuid
from collections.abc import Sequence

from bot.cli import (
    alerts_commands,
    db_commands,
    deadline,
    incidents,
    notices_commands,
    org_commands,
    register_commands,
    slack_commands,
    timeline,
    triage_commands,
)
from bot.cli.common import CliParser, fail
from bot.domain.plaintext import clean_text
from bot.errors import BreachbotError

COMMAND_MODULES = (
    deadline,
    incidents,
    timeline,
    triage_commands,
    notices_commands,
    org_commands,
    db_commands,
    alerts_commands,
    register_commands,
    slack_commands,
)

log = logging.getLogger("breachbot")


def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(prog="breachbot", description="Breachbot: personal-data breach response.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CliParser)
    commands.required = True
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # Text enters here: control characters (a pasted \x01) are removed once, for every command.
    args = parser.parse_args([clean_text(arg) for arg in (sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args) or 0)
    except BreachbotError as problem:
        return fail(str(problem))
    except KeyboardInterrupt:
        return fail("interrupted", code=130)
    except Exception:
        # A person gets one line and an id; the traceback is shown at BREACHBOT_LOG_LEVEL=DEBUG, for
        # whoever fixes it, and never otherwise: stderr is read by scripts, which expect one line.
        error_id = uuid.uuid4().hex[:8]
        log.debug("unexpected error %s", error_id, exc_info=True)
        return fail(f"unexpected error (id {error_id}); run with BREACHBOT_LOG_LEVEL=DEBUG to see the details")
