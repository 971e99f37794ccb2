"""`breachbot notices REF --out DIR`: draft every notice the incident needs, as Markdown and Word."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import actor_name, add_json_flag, emit, runtime
from bot.services import notices as service


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("notices", help="draft the notices an incident needs")
    parser.add_argument("ref")
    parser.add_argument("--out", required=True, help="the folder to write the .md and .docx drafts into")
    parser.add_argument("--as", dest="actor")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    with rt.database.unit_of_work() as session:
        drafts = service.draft_notices(
            session, args.ref, actor=actor_name(args), now=now, templates_dir=rt.settings.templates_dir
        )
        ref = args.ref.strip().upper()
        written = service.write_drafts(drafts, ref, Path(args.out))
        data = {
            "ref": ref,
            "drafts": [
                {
                    "kind": d.kind,
                    "title": d.title,
                    "version": d.version,
                    "assessment_version": d.assessment_version,
                    "unknowns": d.unknowns,
                    "warnings": d.warnings,
                }
                for d in drafts
            ],
            "files": [str(path) for path in written],
        }
    lines = [f"{ref}: {len(drafts)} draft(s) written to {args.out}"]
    for draft in data["drafts"]:
        lines.append(f"  {draft['title']} v{draft['version']}: {len(draft['unknowns'])} fact(s) still unknown")
        lines += [f"    WARNING: {warning}" for warning in draft["warnings"]]
    emit(args, data, "\n".join(lines))
    return 0
