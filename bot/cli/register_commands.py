"""`breachbot register export|show`: the breach register every incident and near miss is kept in."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.cli.common import add_json_flag, emit, runtime
from bot.domain import register_stats
from bot.domain.timeparse import TimeInputError, parse_instant
from bot.services import pecr_log, register_export, register_report
from bot.services import register as service

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UK_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("register", help="the breach register: export it or show it")
    sub = group.add_subparsers(dest="register_command", metavar="ACTION", parser_class=type(group))
    sub.required = True

    exporter = sub.add_parser("export", help="write the register to a file (CSV, XLSX or JSON)")
    exporter.add_argument("--format", dest="fmt", required=True, help="csv, xlsx or json")
    _add_filters(exporter)
    exporter.add_argument("--out", required=True, help="the file to write")
    add_json_flag(exporter)
    exporter.set_defaults(handler=export)

    shower = sub.add_parser("show", help="print the register, one incident a line")
    _add_filters(shower)
    add_json_flag(shower)
    shower.set_defaults(handler=show)

    pecr = sub.add_parser("pecr-log", help="the month's PECR breach log (reg 5A(8)), or a nil return")
    pecr.add_argument("--month", required=True, help="the month, YYYY-MM")
    pecr.add_argument("--out", required=True, help="the file to write: .xlsx, .csv or .json")
    add_json_flag(pecr)
    pecr.set_defaults(handler=write_pecr_log)

    board = sub.add_parser("report", help="a board report with charts, as a Word document")
    board.add_argument("--since", required=True, help="the first day, e.g. 2026-01-01")
    board.add_argument("--until", help="the last day (default: today)")
    board.add_argument("--out", required=True, help="the .docx file to write")
    add_json_flag(board)
    board.set_defaults(handler=write_board_report)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="incidents aware or opened on or after this date, e.g. 2026-11-01")
    parser.add_argument("--status", help=f"only incidents in this status: {', '.join(service.STATUSES)}")


def parse_since(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A date means the start of that day in the local zone; a full date and time is read as usual."""
    raw = text.strip()
    try:
        if _ISO_DATE.match(raw):
            day = datetime.strptime(raw, "%Y-%m-%d").date()
        elif _UK_DATE.match(raw):
            day = datetime.strptime(raw, "%d/%m/%Y").date()
        else:
            return parse_instant(raw, zone=zone, now=now)
    except ValueError:
        raise TimeInputError(f"--since {raw!r} is not a date: use e.g. 2026-11-01 or 01/11/2026") from None
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def parse_day(text: str, flag: str) -> date:
    try:
        return register_stats.parse_day(text, flag)
    except register_stats.DayInputError as problem:
        raise TimeInputError(str(problem)) from None


def _load(args: argparse.Namespace) -> service.Register:
    rt = runtime()
    now = rt.clock.now()
    since = parse_since(args.since, rt.settings.zone, now) if args.since else None
    with rt.database.unit_of_work() as session:
        return service.load_register(session, now=now, since=since, status=args.status)


def export(args: argparse.Namespace) -> int:
    if args.fmt not in register_export.FORMATS:
        raise register_export.ExportProblem(
            f"unknown format {args.fmt!r}: use one of {', '.join(register_export.FORMATS)}"
        )
    loaded = _load(args)
    path = register_export.export_register(loaded, args.fmt, args.out)
    unverified = loaded.failed
    human = f"{len(loaded.entries)} incident(s) written to {path} ({args.fmt})"
    if unverified:
        human += f"\nWARNING: integrity check FAILED for {', '.join(unverified)}: see `breachbot timeline verify`"
    data = {
        "out": str(path),
        "format": args.fmt,
        "incidents": len(loaded.entries),
        "timeline_events": len(loaded.timeline),
        "all_chains_verified": loaded.all_verified,
        "unverified": unverified,
    }
    emit(args, data, human)
    return 0


def _line(entry: dict[str, object]) -> str:
    kind = "near miss" if entry["near_miss"] else "incident"
    decision = entry["decision"] if isinstance(entry["decision"], str) else "no decision yet"
    if entry["near_miss"]:
        decision = "no decision needed"
    flags = []
    if entry["late"] is True:
        flags.append("LATE")
    if entry["overridden"]:
        flags.append("overridden")
    if not entry["chain_verified"]:
        flags.append("TIMELINE CHECK FAILED")
    extra = f" [{', '.join(flags)}]" if flags else ""
    return f"{entry['ref']}  {entry['status']:<8} {kind}: {entry['title']} | {decision}{extra}"


def show(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if args.json:
        emit(args, register_export.register_document(loaded)["incidents"], "")
        return 0
    lines = [_line(entry) for entry in loaded.entries] or ["the register is empty"]
    emit(args, None, "\n".join(lines))
    return 0


def write_pecr_log(args: argparse.Namespace) -> int:
    month = pecr_log.parse_month(args.month)
    rt = runtime()
    with rt.database.unit_of_work() as session:
        log = pecr_log.load_pecr_log(session, month, zone=rt.settings.zone, now=rt.clock.now())
    path = pecr_log.export_pecr_log(log, args.out)
    data = {"out": str(path), "month": args.month, "nil_return": log.nil_return, "breaches": len(log.entries)}
    emit(args, data, f"{log.statement()} Written to {path}.")
    return 0


def write_board_report(args: argparse.Namespace) -> int:
    since = parse_day(args.since, "--since")
    rt = runtime()
    now = rt.clock.now()
    today = now.astimezone(rt.settings.zone).date()
    last = parse_day(args.until, "--until") if args.until else today
    if since > today:
        raise TimeInputError(f"--since {args.since!r} is in the future")
    with rt.database.unit_of_work() as session:
        report = register_report.build_board_report(
            session, since=since, until=last + timedelta(days=1), zone=rt.settings.zone, now=now
        )
    path = register_report.write_board_report(report, args.out)
    figures = report.figures
    data = {
        "out": str(path),
        "since": since.isoformat(),
        "until": last.isoformat(),
        "breaches": figures.breaches,
        "near_misses": figures.near_misses,
        "reported": figures.reported,
        "reported_on_time": figures.on_time,
        "charts": [c.key for c in report.charts],
    }
    emit(args, data, f"board report for {since:%d/%m/%Y} to {last:%d/%m/%Y} written to {path}")
    return 0
