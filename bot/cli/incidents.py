"""`breachbot incident ...`: open, list, show, update and close incidents."""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.cli import alerts_commands, incident_records, status_commands
from bot.cli.common import actor_name, add_json_flag, emit, runtime
from bot.domain.clock import format_local
from bot.domain.eu_authorities import format_countries, parse_countries
from bot.domain.timeparse import load_zone, parse_instant
from bot.services import alerts as alert_service
from bot.services import incidents as service


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("incident", help="open, list, show and close incidents")
    sub = group.add_subparsers(dest="incident_command", metavar="ACTION", parser_class=type(group))
    sub.required = True

    opener = sub.add_parser("open", help="open an incident and start its clocks")
    opener.add_argument("--title", required=True)
    opener.add_argument("--aware-at", required=True, help='when the organisation became aware, e.g. "27/03/2026 12:00"')
    opener.add_argument("--tz", default=None, help="zone for times without one (default BREACHBOT_TIMEZONE)")
    opener.add_argument(
        "--regime", action="append", default=[], help="uk-gdpr, pecr, eidas, nis, processor, eu-gdpr (repeatable)"
    )
    opener.add_argument("--countries", help="EEA countries where affected people live, with counts: FR:120,IE,DE:40")
    opener.add_argument("--description", help="what happened")
    opener.add_argument("--occurred-at", help="when it happened, if known")
    opener.add_argument("--discovered-how", help="how it was discovered")
    opener.add_argument("--processor", action="store_true", help="the data is processed for another controller")
    opener.add_argument("--controller", help="the controller to tell (for a processor)")
    opener.add_argument(
        "--contract-hours", type=int, help="processor: hours from awareness the contract gives to tell the controller"
    )
    opener.add_argument("--near-miss", action="store_true", help="record a near miss: no personal data was compromised")
    opener.add_argument("--as", dest="actor", help="who is reporting (default: your user name)")
    add_json_flag(opener)
    opener.set_defaults(handler=open_incident)

    lister = sub.add_parser("list", help="list incidents")
    lister.add_argument("--open", action="store_true", help="only open ones, nearest deadline first")
    add_json_flag(lister)
    lister.set_defaults(handler=list_incidents)

    shower = sub.add_parser("show", help="show one incident and its clocks")
    shower.add_argument("ref")
    add_json_flag(shower)
    shower.set_defaults(handler=show_incident)

    closer = sub.add_parser("close", help="close an incident")
    closer.add_argument("ref")
    closer.add_argument("--reason", required=True)
    closer.add_argument("--outcome", help="e.g. reported, not-reportable, near-miss, false-alarm")
    closer.add_argument("--as", dest="actor")
    add_json_flag(closer)
    closer.set_defaults(handler=close_incident)

    delay = sub.add_parser("delay-reasons", help="record why the report is late (Art 33(1))")
    delay.add_argument("ref")
    delay.add_argument("--reason", required=True)
    delay.add_argument("--as", dest="actor")
    add_json_flag(delay)
    delay.set_defaults(handler=delay_reasons)
    status_commands.register_incident_actions(sub)
    incident_records.register_incident_actions(sub)
    alerts_commands.register_incident_actions(sub)


def _optional_time(text: str | None, zone: str, now: datetime) -> datetime | None:
    return parse_instant(text, zone=zone, now=now) if text else None


def open_incident(args: argparse.Namespace) -> int:
    rt = runtime()
    zone = args.tz or rt.settings.timezone
    load_zone(zone)
    now = rt.clock.now()
    draft = service.IncidentDraft(
        title=args.title,
        aware_at=parse_instant(args.aware_at, zone=zone, now=now),
        occurred_at=_optional_time(args.occurred_at, zone, now),
        regimes=tuple(args.regime),
        description=args.description,
        discovered_how=args.discovered_how,
        is_processor=True if args.processor else None,
        controller_name=args.controller,
        contract_hours=args.contract_hours,
        near_miss=args.near_miss,
        eu_countries=parse_countries(args.countries) if args.countries is not None else None,
    )
    with rt.database.unit_of_work() as session:
        incident = service.open_incident(session, draft, actor=actor_name(args), now=now)
        # In the opening transaction, so no sweep ever sees the incident without its alerts.
        alert_service.plan_for_incident(session, incident, now)
        data = service.describe(incident, now=now, zone=rt.settings.zone)
    lines = [data["ref"]]
    if not args.json:
        for clock in data["deadlines"]:
            if clock["deadline"]:
                due = format_local(datetime.fromisoformat(clock["deadline"]), rt.settings.zone)
                lines.append(f"  {clock['label']}: report to {clock['report_to']} by {due} ({clock['time_left']})")
            else:
                lines.append(f"  {clock['label']}: tell {clock['report_to']} without undue delay")
        if data["eu_basis"] and not any(clock["regime"] == "eu-gdpr" for clock in data["deadlines"]):
            lines.append(f"  EU GDPR: no authority's clock: {data['eu_basis']}")
        if data["late"]:
            lines.append(
                f"  LATE: record the reasons for delay: breachbot incident delay-reasons {data['ref']} --reason ..."
            )
    emit(args, {"ref": data["ref"], "deadlines": data["deadlines"], "late": data["late"]}, "\n".join(lines))
    return 0


def list_incidents(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    with rt.database.unit_of_work() as session:
        found = service.list_incidents(session, open_only=args.open)
        rows = [service.describe(incident, now=now, zone=rt.settings.zone) for incident in found]
    human_lines = []
    for row in rows:
        first = next((c for c in row["deadlines"] if c["deadline"]), None)
        clock = f"{first['label']} {first['time_left']}" if first else "no fixed deadline"
        late = " LATE" if row["late"] else ""
        human_lines.append(f"{row['ref']}  {row['status']:<8} {clock}{late}  {row['title']}")
    emit(args, rows, "\n".join(human_lines) or "no incidents")
    return 0


def show_incident(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    zone = rt.settings.zone
    with rt.database.unit_of_work() as session:
        data = service.describe(service.get_incident(session, args.ref), now=now, zone=zone)
    lines = [
        f"{data['ref']}: {data['title']}",
        f"Status: {data['status']}{' (LATE)' if data['late'] else ''}",
        f"Aware: {format_local(datetime.fromisoformat(data['aware_at']), zone)}",
    ]
    if data["occurred_at"]:
        lines.append(f"Happened: {format_local(datetime.fromisoformat(data['occurred_at']), zone)}")
    for clock in data["deadlines"]:
        if clock.get("reported_at"):
            when = format_local(datetime.fromisoformat(clock["reported_at"]), zone)
            case = f", case {clock['case_ref']}" if clock.get("case_ref") else ""
            lines.append(f"{clock['label']}: notified {when}{case}")
        elif clock["deadline"]:
            due = format_local(datetime.fromisoformat(clock["deadline"]), zone)
            lines.append(f"{clock['label']}: by {due} ({clock['time_left']})")
        else:
            lines.append(f"{clock['label']}: tell {clock['report_to']} without undue delay")
    if data["eu_countries"]:
        lines.append(f"EEA countries where affected people live: {format_countries(data['eu_countries'])}")
    if data["eu_basis"]:
        lines.append(f"EU authorities: {data['eu_basis']}")
    if data["description"]:
        lines.append(f"What happened: {data['description']}")
    if data["controller_name"]:
        lines.append(f"Controller to tell: {data['controller_name']}")
    if data["controller_told_at"]:
        told = format_local(datetime.fromisoformat(data["controller_told_at"]), zone)
        lines.append(f"Controller told: {told} ({data['controller_told_how']})")
    if data["close_reason"]:
        lines.append(f"Closed: {data['close_reason']}")
    emit(args, data, "\n".join(lines))
    return 0


def close_incident(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    with rt.database.unit_of_work() as session:
        incident = service.close_incident(
            session, args.ref, reason=args.reason, outcome=args.outcome, actor=actor_name(args), now=now
        )
        data = service.describe(incident, now=now, zone=rt.settings.zone)
    emit(args, data, f"{data['ref']} closed")
    return 0


def delay_reasons(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    with rt.database.unit_of_work() as session:
        incident = service.record_delay_reasons(session, args.ref, args.reason, actor=actor_name(args), now=now)
        ref = incident.ref
    emit(args, {"ref": ref, "ok": True}, f"{ref}: reasons for delay recorded")
    return 0
