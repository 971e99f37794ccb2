"""`breachbot timeline REF` and `breachbot timeline verify [REF]`."""

from __future__ import annotations

import argparse

from bot.cli.common import add_json_flag, emit, fail, runtime
from bot.domain.clock import format_local
from bot.services import incidents as incident_service
from bot.services import timeline as service
from bot.services.register_export import timeline_markdown


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "timeline", help="print an incident's timeline, or `timeline verify [REF]` to check the hash chain"
    )
    parser.add_argument("target", metavar="REF|verify", help="an incident reference, or the word verify")
    parser.add_argument("ref", nargs="?", help="with verify: one incident (default: all)")
    parser.add_argument(
        "--format", dest="fmt", choices=("text", "md"), default="text", help="md: a Markdown evidence document"
    )
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.target == "verify":
        return verify(args)
    if args.ref:
        return fail("usage: breachbot timeline REF, or breachbot timeline verify [REF]", code=2)
    return show(args)


def show(args: argparse.Namespace) -> int:
    rt = runtime()
    zone = rt.settings.zone
    with rt.database.unit_of_work() as session:
        incident = incident_service.get_incident(session, args.target)
        events = service.events_for(session, incident)
        report = service.verify_incident(session, incident)
        rows = [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "kind": e.kind,
                "summary": e.summary,
                "before": e.before,
                "after": e.after,
                "hash": e.hash,
            }
            for e in events
        ]
        ref = incident.ref
        title = incident.title
    if args.fmt == "md" and not args.json:
        markdown = timeline_markdown(
            ref, title, [{**row, "at": e.at} for row, e in zip(rows, events, strict=True)], report
        )
        emit(args, None, markdown)
        return 0 if report.ok else 1
    lines = [f"{ref} timeline ({len(rows)} events)"]
    for row, event in zip(rows, events, strict=True):
        lines.append(
            f"{row['seq']:>3}  {format_local(event.at, zone)}  {row['actor']}  [{row['kind']}]  {row['summary']}"
        )
    lines.append(
        "Integrity: verified" if report.ok else "Integrity: FAILED: " + "; ".join(p.problem for p in report.problems)
    )
    emit(args, {"ref": ref, "events": rows, "integrity": report.to_dict()}, "\n".join(lines))
    return 0


def verify(args: argparse.Namespace) -> int:
    rt = runtime()
    with rt.database.unit_of_work() as session:
        if args.ref:
            reports = [service.verify_incident(session, incident_service.get_incident(session, args.ref))]
        else:
            reports = service.verify_all(session)
    broken = [r for r in reports if not r.ok]
    lines = []
    for report in broken:
        for problem in report.problems:
            where = f"event {problem.seq}" if problem.seq is not None else "chain head"
            lines.append(f"{report.ref} {where}: {problem.problem}")
    if broken:
        human = "TAMPERING DETECTED\n" + "\n".join(lines)
    else:
        events = sum(r.events for r in reports)
        human = f"timeline verified: {len(reports)} incident(s), {events} events, no tampering found"
    emit(args, {"ok": not broken, "incidents": [r.to_dict() for r in reports]}, human)
    return 1 if broken else 0
