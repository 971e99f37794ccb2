"""`breachbot timeline REF` and `breachbot timeline verify [REF]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.common import add_json_flag, emit, fail, runtime
from bot.domain.clock import format_local
from bot.errors import BreachbotError
from bot.services import incidents as incident_service
from bot.services import timeline as service
from bot.services.register_export import timeline_markdown


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "timeline",
        help="print an incident's timeline; `timeline verify [REF] [--against FILE]` checks the chains and seals; "
        "`timeline witness --out FILE` records the heads to keep outside the database",
    )
    parser.add_argument(
        "target", metavar="REF|verify|witness", help="an incident reference, or the word verify or witness"
    )
    parser.add_argument("ref", nargs="?", help="with verify: one incident (default: all)")
    parser.add_argument(
        "--against", type=Path, metavar="FILE", help="with verify: also check the heads in this witness file"
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="with witness: the witness file to add today's heads to"
    )
    parser.add_argument(
        "--format", dest="fmt", choices=("text", "md"), default="text", help="md: a Markdown evidence document"
    )
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.target == "verify":
        return verify(args)
    if args.target == "witness":
        return write_witness(args)
    if args.ref or args.against or args.out:
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


def _witnessed(path: Path) -> list[dict[str, Any]]:
    """The witness file's entries, one JSON object a line; a file that is not one is a one-line error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as problem:
        raise BreachbotError(f"cannot read the witness file {path}: {problem.strerror}") from None
    entries = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or "breachbot_witness" not in entry:
            raise BreachbotError(f"{path} line {number} is not a Breachbot witness: write one with `timeline witness`")
        entries.append(entry)
    return entries


def write_witness(args: argparse.Namespace) -> int:
    if args.out is None or args.ref:
        return fail("usage: breachbot timeline witness --out FILE", code=2)
    rt = runtime()
    with rt.database.unit_of_work() as session:
        entry = service.witness(session, now=rt.clock.now())
    line = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
    try:
        with args.out.open("a", encoding="utf-8") as handle:
            handle.write(line)
    except OSError as problem:
        raise BreachbotError(f"cannot write the witness file {args.out}: {problem.strerror}") from None
    count = len(entry["incidents"])
    emit(args, entry, f"witnessed {count} incident(s) in {args.out}: keep it where the database's users cannot write")
    return 0


def verify(args: argparse.Namespace) -> int:
    witnessed = _witnessed(args.against) if args.against else []
    rt = runtime()
    with rt.database.unit_of_work() as session:
        if args.ref:
            reports = [service.verify_incident(session, incident_service.get_incident(session, args.ref))]
        else:
            reports = service.verify_all(session)
        for entry in witnessed:
            against = service.check_witness(session, entry)
            if args.ref:
                against = [r for r in against if r.ref == args.ref]
            reports.extend(against)
    broken = [r for r in reports if not r.ok]
    lines = []
    for report in broken:
        for problem in report.problems:
            where = f"event {problem.seq}" if problem.seq is not None else "record"
            lines.append(f"{report.ref} {where}: {problem.problem}")
    if broken:
        human = "TAMPERING DETECTED\n" + "\n".join(lines)
    else:
        events = sum(r.events for r in reports)
        human = f"timeline verified: {len(reports)} incident(s), {events} events, no tampering found"
    emit(args, {"ok": not broken, "incidents": [r.to_dict() for r in reports]}, human)
    return 1 if broken else 0
