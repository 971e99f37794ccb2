"""`breachbot org show|set|import-policy`: the organisation's profile."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli.common import add_json_flag, emit, runtime
from bot.errors import BreachbotError
from bot.services import org as service


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("org", help="the organisation's profile")
    sub = group.add_subparsers(dest="org_command", metavar="ACTION", parser_class=type(group))
    sub.required = True

    show = sub.add_parser("show", help="show the profile")
    add_json_flag(show)
    show.set_defaults(handler=show_profile)

    setter = sub.add_parser("set", help="change profile fields")
    setter.add_argument("--name")
    setter.add_argument("--ico-registration", help="the data protection fee reference, e.g. ZA123456")
    setter.add_argument("--address")
    setter.add_argument("--dpo-name")
    setter.add_argument("--dpo-email")
    setter.add_argument("--dpo-phone")
    setter.add_argument("--dpo-address")
    setter.add_argument("--regime", action="append", help="uk-gdpr, pecr, eidas, nis (repeatable; replaces)")
    setter.add_argument(
        "--processor",
        dest="is_processor",
        action="store_true",
        default=None,
        help="the organisation acts as a processor for others",
    )
    setter.add_argument("--not-processor", dest="is_processor", action="store_false")
    setter.add_argument("--category", action="append", help="a data category it holds (repeatable; replaces)")
    setter.add_argument("--uses-processor", action="append", help="a processor it uses (repeatable; replaces)")
    setter.add_argument("--eu-gdpr", choices=("yes", "no"), help="does the EU GDPR apply too (Art 3(2))?")
    setter.add_argument(
        "--eu-main-establishment", metavar="CC", help="country of the main establishment in the EEA ('none' clears)"
    )
    setter.add_argument("--eu-representative", metavar="TEXT", help="the Art 27 representative: name and contact")
    setter.add_argument(
        "--eu-de-authority",
        metavar="DE-XX|NAME",
        help="the competent German authority a person chose (DE-BE, DE-BY ...)",
    )
    add_json_flag(setter)
    setter.set_defaults(handler=set_profile)

    importer = sub.add_parser("import-policy", help="propose a profile from a privacy policy's text")
    importer.add_argument("file")
    importer.add_argument("--apply", action="store_true", help="save the proposal into the profile")
    importer.add_argument("--which", type=int, default=1, help="with two policies in one file: which (1, 2 ...)")
    add_json_flag(importer)
    importer.set_defaults(handler=import_policy)


def _human(profile: dict[str, Any]) -> str:
    lines = []
    for key, value in profile.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "(none)"
        lines.append(f"{key.replace('_', ' ').capitalize()}: {value if value not in (None, '') else '(not set)'}")
    return "\n".join(lines)


def show_profile(args: argparse.Namespace) -> int:
    rt = runtime()
    with rt.database.unit_of_work() as session:
        profile = service.profile_dict(service.get_profile(session))
    emit(args, profile, _human(profile))
    return 0


def set_profile(args: argparse.Namespace) -> int:
    changes = {
        "name": args.name,
        "ico_registration": args.ico_registration,
        "address": args.address,
        "dpo_name": args.dpo_name,
        "dpo_email": args.dpo_email,
        "dpo_phone": args.dpo_phone,
        "dpo_address": args.dpo_address,
        "regimes": args.regime,
        "is_processor": args.is_processor,
        "data_categories": args.category,
        "processors": args.uses_processor,
        "eu_gdpr": None if args.eu_gdpr is None else args.eu_gdpr == "yes",
        "eu_main_establishment": args.eu_main_establishment,
        "eu_representative": args.eu_representative,
        "eu_de_authority": args.eu_de_authority,
    }
    if all(value is None for value in changes.values()):
        raise BreachbotError("nothing to change: give at least one field, e.g. --dpo-email dpo@example.org")
    rt = runtime()
    with rt.database.unit_of_work() as session:
        profile = service.profile_dict(service.update_profile(session, changes, now=rt.clock.now()))
    emit(args, profile, _human(profile))
    return 0


def import_policy(args: argparse.Namespace) -> int:
    try:
        data = Path(args.file).read_bytes()
    except FileNotFoundError:
        raise BreachbotError(f"no file at {args.file}") from None
    except OSError as problem:
        raise BreachbotError(f"cannot read {args.file}: {problem.strerror}") from None
    proposals = service.propose_from_policy(service.read_policy_text(data))
    if not 1 <= args.which <= len(proposals):
        raise BreachbotError(f"--which must be between 1 and {len(proposals)}: the file holds {len(proposals)}")
    chosen = proposals[args.which - 1]
    changes = service.proposal_changes(chosen)
    result: dict[str, Any] = {
        "policies_found": len(proposals),
        "proposals": [p.to_dict() for p in proposals],
        "changes": changes,
        "applied": False,
    }
    lines = [f"Found {len(proposals)} polic{'y' if len(proposals) == 1 else 'ies'}; proposal {args.which}:"]
    for field, finding in chosen.to_dict().items():
        findings = finding if isinstance(finding, list) else [finding] if finding else []
        for item in findings:
            lines.append(f'  {field}: {item["value"]}\n      from: "{item["sentence"]}"')
    if args.apply:
        rt = runtime()
        with rt.database.unit_of_work() as session:
            result["profile"] = service.profile_dict(service.update_profile(session, changes, now=rt.clock.now()))
        result["applied"] = True
        lines.append("Saved to the profile. Check it with: breachbot org show")
    else:
        lines.append("Nothing saved. Check each value against its sentence, then run again with --apply.")
    emit(args, result, "\n".join(lines))
    return 0
