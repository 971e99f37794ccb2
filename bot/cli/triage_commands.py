"""`breachbot triage`: compute a decision from answers, record it on an incident, or override it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.common import actor_name, add_json_flag, emit, runtime
from bot.domain.decision import capitalised, decision_text, regime_words
from bot.domain.plaintext import clean_strings
from bot.errors import BreachbotError
from bot.services import assessments as service
from bot.services.incidents import get_incident

ANSWERS_LIMIT = 1_000_000


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "triage",
        help="decide whether to notify the ICO and the individuals",
        description=(
            "triage --answers FILE: compute only. triage REF --answers FILE: record an assessment. "
            "triage REF --override notify|no-notify --individuals yes|no --reason TEXT: override. "
            "triage REF: show the decision in force."
        ),
    )
    parser.add_argument("ref", nargs="?", help="incident reference (omit to compute without recording)")
    parser.add_argument("--answers", help="a JSON file of answers (contracts.md), or - for standard input")
    parser.add_argument("--processor", action="store_true", help="compute on the processor path (no REF)")
    parser.add_argument(
        "--regime",
        action="append",
        default=[],
        help="without REF: a regime to decide for (uk-gdpr, pecr, eidas, nis; repeatable; default uk-gdpr). "
        "With REF the incident's own regimes are used",
    )
    parser.add_argument("--override", choices=("notify", "no-notify"), help="override the ICO decision")
    parser.add_argument("--individuals", choices=("yes", "no"), help="with --override: tell the individuals?")
    parser.add_argument("--reason", help="with --override: the written justification")
    parser.add_argument("--as", dest="actor", help="who is deciding (default: your user name)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def read_answers(source: str) -> Any:
    import sys

    try:
        text = sys.stdin.read(ANSWERS_LIMIT + 1) if source == "-" else Path(source).read_text("utf-8")
    except FileNotFoundError:
        raise BreachbotError(f"no answers file at {source}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise BreachbotError(f"cannot read the answers file {source}: {problem}") from None
    if len(text) > ANSWERS_LIMIT:
        raise BreachbotError("the answers file is too large to be triage answers")
    try:
        return clean_strings(json.loads(text))
    except json.JSONDecodeError as problem:
        raise BreachbotError(f"the answers file is not valid JSON: {problem}") from None


def describe_result(result: dict[str, Any]) -> str:
    words = decision_text(
        result["notify_ico"],
        result["notify_individuals"],
        public=result["public_communication"],
        role=str(result.get("role") or ""),
    )
    decision = capitalised(words) + "."
    severity = result["severity"]
    lines = [decision, f"Severity: {severity['band']} ({severity['score']:g}, ENISA)"]
    if result.get("exemption"):
        lines.append(f"Exemption: {result['exemption']}")
    for entry in result.get("regimes") or ():
        lines.append(f"{regime_words(entry, processor=result.get('role') == 'processor')} (test: {entry['test']})")
    lines += ["Reasons:"] + [f"  - {reason}" for reason in result["reasons"]]
    if result["missing"]:
        lines.append("Still unknown (could change the decision): " + ", ".join(result["missing"]))
    if "disproportionate_effort_reason" in result["missing"]:
        lines.append(
            "Asked: why would telling each person take disproportionate effort when you hold their contact details? "
            'Answer with "disproportionate_effort_reason" in the answers file and triage again, or tell them directly.'
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.override or args.individuals or args.reason:
        return run_override(args)
    if args.ref is None:
        if not args.answers:
            raise BreachbotError("give --answers FILE (and a REF to record it on an incident)")
        regimes = args.regime or ["uk-gdpr"]
        _, result = service.compute(read_answers(args.answers), processor=args.processor, regimes=regimes)
        data = result.to_dict()
        emit(args, data, describe_result(data))
        return 0
    if args.regime:
        raise BreachbotError("--regime is for computing without an incident: with REF the incident's regimes apply")
    rt = runtime()
    now = rt.clock.now()
    if args.answers:
        raw = read_answers(args.answers)
        with rt.database.unit_of_work() as session:
            assessment = service.record_assessment(session, args.ref, raw, actor=actor_name(args), now=now)
            incident = get_incident(session, args.ref)
            data = {"ref": incident.ref, **service.current_decision(session, incident).to_dict()}
        emit(args, data, f"{data['ref']} triage v{assessment.version}\n{describe_result(assessment.result)}")
        return 0
    with rt.database.unit_of_work() as session:
        incident = get_incident(session, args.ref)
        data = {"ref": incident.ref, **service.current_decision(session, incident).to_dict()}
        if data["computed"] is not None and "regimes" not in data:
            # Assessed before per-regime results existed: say what each regime requires on today's rules.
            _, recomputed = service.compute(
                data["answers"] or {},
                processor=data["computed"].get("role") == "processor",
                regimes=service.incident_regimes(incident),
            )
            data["regimes"] = recomputed.to_dict()["regimes"]
    if data["computed"] is None:
        human = f"{data['ref']} has not been triaged yet: breachbot triage {data['ref']} --answers FILE"
    else:
        human = f"{data['ref']} triage v{data['version']}\n{describe_result(data['computed'])}"
        if data["override"]:
            human += f"\nOVERRIDDEN by {data['override']['by']}: {data['override']['reason']}"
    emit(args, data, human)
    return 0


def run_override(args: argparse.Namespace) -> int:
    if not args.ref:
        raise BreachbotError("an override needs the incident: breachbot triage REF --override ...")
    if not (args.override and args.individuals and args.reason):
        raise BreachbotError("an override needs --override notify|no-notify, --individuals yes|no and --reason")
    rt = runtime()
    now = rt.clock.now()
    with rt.database.unit_of_work() as session:
        service.record_override(
            session,
            args.ref,
            notify_ico=args.override == "notify",
            notify_individuals=args.individuals == "yes",
            justification=args.reason,
            actor=actor_name(args),
            now=now,
        )
        incident = get_incident(session, args.ref)
        data = {"ref": incident.ref, **service.current_decision(session, incident).to_dict()}
    emit(args, data, f"{data['ref']}: override recorded beside the computed decision")
    return 0
