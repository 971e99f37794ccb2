"""`breachbot incident action|facts|controller-told`: what was done and when, the facts the ICO form,
the letters and the register ask for, and (for a processor) when the controller was told."""

from __future__ import annotations

import argparse

from bot.cli.common import actor_name, add_json_flag, emit, runtime
from bot.domain.causes import causes
from bot.domain.eu_authorities import parse_countries
from bot.domain.timeparse import parse_instant
from bot.services import actions, advice, eu_gdpr, facts, processor


def register_incident_actions(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    action = sub.add_parser("action", help="record a remedial action taken (or --planned)")
    action.add_argument("ref")
    action.add_argument("text")
    action.add_argument("--planned", action="store_true", help="an action planned, not yet done")
    action.add_argument("--at", help='when it was done, if not just now (e.g. "24/11/2026 10:30")')
    action.add_argument("--why", help="why it was done (the register records it beside the action)")
    action.add_argument("--as", dest="actor")
    add_json_flag(action)
    action.set_defaults(handler=add_action)

    fact = sub.add_parser("facts", help="record facts the ICO form and the register ask for")
    fact.add_argument("ref")
    fact.add_argument("--likely-consequences")
    fact.add_argument("--staff-involved", help="whether a member of staff was involved, and how")
    fact.add_argument("--staff-training", help="the data protection training of the staff involved")
    fact.add_argument("--discovered-how", help="how the breach was discovered")
    fact.add_argument(
        "--cause-category",
        choices=tuple(causes()),
        metavar="CAUSE",
        help="the cause, as the ICO's incident types: " + ", ".join(causes()),
    )
    fact.add_argument("--reasons-not-told", help="why the people affected were not told")
    fact.add_argument("--cyber", choices=("yes", "no"), help="was it a cyber incident?")
    fact.add_argument("--others-told", help="police, other regulators, media coverage")
    fact.add_argument("--individuals-told-at", help="when the people affected were told")
    fact.add_argument("--individuals-told-how", help="how they were told (letter, email, public notice)")
    fact.add_argument(
        "--measures-in-place", help="security before the breach: access controls, policies, training, encryption"
    )
    fact.add_argument("--public-description", help="what happened, in plain words for the people affected")
    fact.add_argument("--public-consequences", help="what it could mean for them, written to them ('you')")
    fact.add_argument("--public-measures", help="what was done about it, in plain words for the people affected")
    fact.add_argument(
        "--contract-hours", type=int, help="processor: hours from awareness the contract gives to tell the controller"
    )
    fact.add_argument("--at", help="when these facts came true (e.g. when the police were told), if not just now")
    fact.add_argument("--countries", help="EEA countries where affected people live (FR:120,IE,DE:40); re-plans")
    fact.add_argument("--as", dest="actor")
    add_json_flag(fact)
    fact.set_defaults(handler=set_facts)

    told = sub.add_parser("controller-told", help="processor: record when and how the controller was told")
    told.add_argument("ref")
    told.add_argument("--at", required=True, help="when the controller was told")
    told.add_argument("--how", required=True, help="how, e.g. 'phone call to their DPO, then email'")
    told.add_argument("--as", dest="actor")
    add_json_flag(told)
    told.set_defaults(handler=controller_told)

    advised = sub.add_parser("advice", help="record advice received (from whom, when, what)")
    advised.add_argument("ref")
    advised.add_argument("text", help="what the advice was")
    advised.add_argument("--from", dest="adviser", required=True, help="who gave it, e.g. 'ICO helpline'")
    advised.add_argument("--at", required=True, help="when it was given, e.g. '24/11/2026 10:30'")
    advised.add_argument("--as", dest="actor")
    add_json_flag(advised)
    advised.set_defaults(handler=add_advice)


def add_action(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    happened_at = parse_instant(args.at, zone=rt.settings.zone, now=now) if args.at else None
    with rt.database.unit_of_work() as session:
        recorded = actions.add_action(
            session,
            args.ref,
            args.text,
            actor=actor_name(args),
            now=now,
            planned=args.planned,
            happened_at=happened_at,
            reason=args.why,
        )
        data = {
            "ref": args.ref.upper(),
            "action": recorded.text,
            "planned": recorded.planned,
            "at": (recorded.happened_at or recorded.created_at).isoformat(),
            "why": recorded.reason,
        }
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
        "staff_training": args.staff_training,
        "discovered_how": args.discovered_how,
        "cause_category": args.cause_category,
        "reasons_not_told": args.reasons_not_told,
        "cyber_incident": None if args.cyber is None else args.cyber == "yes",
        "others_told": args.others_told,
        "individuals_told_at": told_at,
        "individuals_told_how": args.individuals_told_how,
        "measures_in_place": args.measures_in_place,
        "public_description": args.public_description,
        "public_consequences": args.public_consequences,
        "public_measures": args.public_measures,
    }
    countries = parse_countries(args.countries) if args.countries is not None else None
    with rt.database.unit_of_work() as session:
        happened_at = parse_instant(args.at, zone=rt.settings.zone, now=now) if args.at else None
        incident = facts.set_facts(session, args.ref, changes, actor=actor_name(args), now=now, happened_at=happened_at)
        if args.contract_hours is not None:
            processor.set_contract_hours(session, args.ref, args.contract_hours, actor=actor_name(args), now=now)
        if countries is not None:
            incident = eu_gdpr.set_countries(session, args.ref, countries, actor=actor_name(args), now=now)
        data = {"ref": incident.ref, **{k: getattr(incident, k) for k in changes}}
        data["contract_hours"] = incident.contract_hours
        if countries is not None:
            data["eu"] = eu_gdpr.describe_eu(incident)
    human = f"{data['ref']}: facts recorded"
    if "eu" in data:
        names = [a["name"] for a in data["eu"]["authorities"]]
        human += f"; EU authorities to notify: {'; '.join(names) or 'none'}"
    emit(args, data, human)
    return 0


def controller_told(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    told_at = parse_instant(args.at, zone=rt.settings.zone, now=now)
    with rt.database.unit_of_work() as session:
        incident = processor.record_controller_told(
            session, args.ref, told_at=told_at, how=args.how, actor=actor_name(args), now=now
        )
        data = {
            "ref": incident.ref,
            "controller_name": incident.controller_name,
            "controller_told_at": incident.controller_told_at.isoformat() if incident.controller_told_at else None,
            "controller_told_how": incident.controller_told_how,
        }
    emit(args, data, f"{data['ref']}: controller told; the processor clock's alerts are stopped")
    return 0


def add_advice(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    given_at = parse_instant(args.at, zone=rt.settings.zone, now=now)
    with rt.database.unit_of_work() as session:
        row = advice.record_advice(
            session,
            args.ref,
            adviser=args.adviser,
            given_at=given_at,
            advice=args.text,
            actor=actor_name(args),
            now=now,
        )
        data = {"ref": args.ref.upper(), "from": row.adviser, "at": row.given_at.isoformat(), "advice": row.advice}
    emit(args, data, f"{data['ref']}: advice from {row.adviser} recorded")
    return 0
