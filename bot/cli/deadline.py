"""`breachbot deadline`: when a regime's clock runs out, exactly as contracts.md specifies."""

from __future__ import annotations

import argparse

from bot.cli.common import add_json_flag, emit
from bot.domain.clock import deadline_for, describe_duration, format_local
from bot.domain.timeparse import load_zone, parse_instant
from bot.timesource import SystemClock


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("deadline", help="compute a regime's deadline from the awareness time")
    parser.add_argument("--aware-at", required=True, help='when you became aware, e.g. "27/03/2026 12:00"')
    parser.add_argument("--tz", default="Europe/London", help="zone for times without one (default Europe/London)")
    parser.add_argument("--regime", default="uk-gdpr", help="uk-gdpr (default), pecr, eidas, nis or processor")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    zone = load_zone(args.tz)
    now = SystemClock().now()
    aware_at = parse_instant(args.aware_at, zone=zone, now=now)
    deadline = deadline_for(args.regime, aware_at)
    data = deadline.to_dict(now, zone)
    if deadline.due_at is None:
        human = (
            f"{deadline.regime.label}: tell {deadline.regime.report_to} without undue delay "
            f"(no fixed hours). Aware at {format_local(aware_at, zone)}."
        )
    else:
        left = deadline.time_left(now)
        assert left is not None
        human = (
            f"{deadline.regime.label}: report to {deadline.regime.report_to} by "
            f"{format_local(deadline.due_at, zone)} ({deadline.due_at.isoformat()}), "
            f"{deadline.regime.hours} h after awareness at {format_local(aware_at, zone)}. "
            f"{'Overdue by ' if deadline.overdue(now) else 'Time left: '}{describe_duration(abs(left))}."
        )
    emit(args, data, human)
    return 0
