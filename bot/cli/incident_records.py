"""`breachbot incident action|facts`: what was done, and the facts the ICO form and register ask for."""

from __future__ import annotations

import argparse

from bot.cli.common import actor_name, add_json_flag, emit, runtime
from bot.domain.timeparse import parse_instant
from bot.services import actions, facts


def register_incident_actions(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    action = sub.add_parser("action", help="record a remedial action taken (or --planned)")
    action.add_argument("ref")
    action.add_argument("text")
    action.add_argument("--planned", action="store_true", help="an action planned, not yet done")
    action.add_argument("--as", dest="actor")
    add_json_flag(action)
    action.set_defaults(handler=add_action)

    fact = sub.add_parser("facts", help="record facts the ICO form and the register ask for")
    fact.add_argument("ref")
    fact.add_argument("--likely-consequences")
    fact.add_argument("--staff-involved", help="staff involvement and their data protection training")
    fact.add_argument("--cyber", choices=("yes", "no"), help="was it a cyber incident?")
    fact.add_argument("--others-told", help="police, other regulators, media coverage")
    fact.add_argument("--individuals-told-at", help="when the people affected were told")
    fact.add_argument("--individuals-told-how", help="how they were told (letter, email, public notice)")
    fact.add_argument("--as", dest="actor")
    add_json_flag(fact)
    fact.set_defaults(handler=set_facts)


def add_action(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    with rt.database.unit_of_work() as session:
        recorded = actions.add_action(
            session, args.ref, args.text, actor=actor_name(args), now=now, planned=args.planned
        )
        data = {"ref": args.ref.upper(), "action": recorded.text, "planned": recorded.planned}
    emit(args, data, f"{data['ref']}: {'planned' if recorded.planned else 'remedial'} action recorded")
    return 0


def set_facts(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    told_at = (
        parse_instant(args.individuals_told_at, zone=rt.settings.zone, now=now) if args.individuals_told_at else None
    )
    changes = {
        "likely_consequences": args.likely_consequences,
        "staff_involved": args.staff_involved,
        "cyber_incident": None if args.cyber is None else args.cyber == "yes",
        "others_told": args.others_told,
        "individuals_told_at": told_at,
        "individuals_told_how": args.individuals_told_how,
    }
    with rt.database.unit_of_work() as session:
        incident = facts.set_facts(session, args.ref, changes, actor=actor_name(args), now=now)
        data = {"ref": incident.ref, **{k: getattr(incident, k) for k in changes}}
    emit(args, data, f"{data['ref']}: facts recorded")
    return 0
