"""`breachbot alerts ...` (the sweeper, and an incident's alerts) and the two `breachbot incident`
actions that stop or move the clocks: `reported` and `aware-at`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from types import FrameType

from bot.alerts.worker import MAX_BATCHES, Sweeper
from bot.cli.common import actor_name, add_json_flag, emit, runtime
from bot.domain.clock import format_local
from bot.domain.timeparse import load_zone, parse_instant
from bot.errors import BreachbotError
from bot.runtime import Runtime
from bot.services import alerts as alert_service
from bot.services import eu_gdpr, reporting
from bot.services.incidents import get_incident
from bot.slack.client import SlackCalls, make_web_client
from bot.slack.projector import Projector


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("alerts", help="deadline alerts: the sweeper, and an incident's alerts")
    sub = group.add_subparsers(dest="alerts_command", metavar="ACTION", parser_class=type(group))
    sub.required = True

    worker = sub.add_parser("worker", help="run the alert sweeper until interrupted")
    worker.add_argument("--interval", type=float, default=15.0, help="seconds between sweeps (default 15)")
    worker.set_defaults(handler=run_worker)

    once = sub.add_parser("run-once", help="do one sweep and exit")
    once.add_argument("--batch", type=int, default=100, help="alerts claimed per transaction (default 100)")
    add_json_flag(once)
    once.set_defaults(handler=run_once)

    lister = sub.add_parser("list", help="an incident's planned alerts and what became of each")
    lister.add_argument("ref")
    add_json_flag(lister)
    lister.set_defaults(handler=list_alerts)

    stopper = sub.add_parser("stop", help="stop a clock's alerts, e.g. after a decision not to notify")
    stopper.add_argument("ref")
    stopper.add_argument("--regime", action="append", required=True, help="the clock to stop (repeatable)")
    stopper.add_argument("--reason", required=True)
    stopper.add_argument("--as", dest="actor")
    add_json_flag(stopper)
    stopper.set_defaults(handler=stop_alerts)


def register_incident_actions(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds `incident reported` and `incident aware-at` to the `incident` group."""
    reported = sub.add_parser(
        "reported", help="record the ICO notification (or, with --authority, one EU authority's); stops its clock"
    )
    reported.add_argument("ref")
    reported.add_argument("--ico-ref", help="the ICO's case reference")
    reported.add_argument("--authority", metavar="CC", help="an EEA authority notified (country code, e.g. FR)")
    reported.add_argument("--ref", dest="case_ref", help="the case reference the authority gave")
    reported.add_argument("--reported-at", help="when it was submitted (default: now)")
    reported.add_argument("--tz", default=None, help="zone for times without one (default BREACHBOT_TIMEZONE)")
    reported.add_argument("--as", dest="actor")
    add_json_flag(reported)
    reported.set_defaults(handler=record_reported)

    aware = sub.add_parser("aware-at", help="correct the awareness time (privacy team); re-plans the alerts")
    aware.add_argument("ref")
    aware.add_argument("--aware-at", required=True, help='e.g. "27/03/2026 12:00"')
    aware.add_argument("--reason", required=True, help="what was learnt that moves it")
    aware.add_argument("--tz", default=None, help="zone for times without one (default BREACHBOT_TIMEZONE)")
    aware.add_argument("--as", dest="actor")
    add_json_flag(aware)
    aware.set_defaults(handler=change_aware_at)


def _sweeper(rt: Runtime, batch: int = 100, max_batches: int = MAX_BATCHES) -> Sweeper:
    token = rt.settings.slack_bot_token
    if not token:
        raise BreachbotError("the sweeper posts to Slack: set SLACK_BOT_TOKEN (xoxb-...) first")
    # max_sleep=0: a 429 comes back to the sweeper, which reschedules the alert for Retry-After.
    client = make_web_client(token, rt.settings.slack_api_url)
    slack = SlackCalls(client, max_sleep=0)
    # The sweeper also brings the Slack views up to date: that is how changes made here reach Slack.
    projector = Projector(rt.database, rt.clock, rt.settings, slack)
    from bot.slack.serve import setup_resumer

    return Sweeper(
        rt.database,
        rt.clock,
        slack,  # type: ignore[arg-type]
        rt.settings,
        batch=batch,
        max_batches=max_batches,
        projector=projector,
        # Unfinished Slack setups are resumed by whichever sweeper runs, in the bot or on its own.
        extra_work=[setup_resumer(rt, client)],
    )


def run_once(args: argparse.Namespace) -> int:
    if args.batch < 1:
        raise BreachbotError("--batch must be at least 1")
    # One sweep, but a complete one: everything due is sent before the command exits.
    stats = _sweeper(runtime(), args.batch, max_batches=sys.maxsize).sweep_once()
    data = stats.to_dict()
    human = (
        f"sent {stats.sent}, claimed {stats.claimed}, missed {stats.missed}, retrying {stats.retrying}, "
        f"failed {stats.failed}, planned {stats.planned}, cancelled {stats.cancelled}; "
        f"{stats.examined} rows examined in {stats.seconds:.2f}s"
    )
    emit(args, data, human)
    return 0


def run_worker(args: argparse.Namespace) -> int:
    sweeper = _sweeper(runtime())
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sys.stderr.write(f"breachbot: alert sweeper {sweeper.worker_id} running every {args.interval:g}s\n")
    sweeper.run(stop, args.interval)
    return 0


def list_alerts(args: argparse.Namespace) -> int:
    rt = runtime()
    zone = rt.settings.zone
    with rt.database.unit_of_work() as session:
        incident = get_incident(session, args.ref)
        rows = alert_service.alerts_for(session, incident)
        ref = incident.ref
    lines = [f"{ref}: {len(rows)} alerts"]
    for row in rows:
        due = format_local(datetime.fromisoformat(row["due_at"]), zone)
        extra = f"  ({row['last_error']})" if row["last_error"] and row["state"] != "sent" else ""
        lines.append(f"  #{row['id']:<6} {row['regime']:<8} {row['headline']:<45} {due:<27} {row['state']}{extra}")
    emit(args, {"ref": ref, "alerts": rows}, "\n".join(lines))
    return 0


def stop_alerts(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    with rt.database.unit_of_work() as session:
        incident = get_incident(session, args.ref, lock=True)
        stopped = alert_service.stop_alerts(
            session, incident, args.regime, reason=args.reason, actor=actor_name(args), now=now
        )
        ref = incident.ref
    human = (
        f"{ref}: alerts stopped for {', '.join(stopped)}" if stopped else f"{ref}: those alerts were already stopped"
    )
    emit(args, {"ref": ref, "stopped": stopped}, human)
    return 0


def record_reported(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    zone = args.tz or rt.settings.timezone
    load_zone(zone)
    reported_at = parse_instant(args.reported_at, zone=zone, now=now) if args.reported_at else None
    if args.authority:
        return _record_eu_report(args, rt, now, reported_at)
    with rt.database.unit_of_work() as session:
        incident = reporting.record_ico_report(
            session,
            args.ref,
            ico_case_ref=args.ico_ref or args.case_ref,
            actor=actor_name(args),
            now=now,
            reported_at=reported_at,
        )
        data = {
            "ref": incident.ref,
            "status": incident.status,
            "ico_reported_at": incident.ico_reported_at.isoformat() if incident.ico_reported_at else None,
            "ico_case_ref": incident.ico_case_ref,
        }
    emit(args, data, f"{data['ref']}: reported to the ICO; its clocks' alerts are stopped")
    return 0


def _record_eu_report(args: argparse.Namespace, rt: Runtime, now: datetime, reported_at: datetime | None) -> int:
    if args.ico_ref:
        raise BreachbotError("--ico-ref is for the ICO: give the EU authority's case reference with --ref")
    with rt.database.unit_of_work() as session:
        incident = eu_gdpr.record_authority_report(
            session, args.ref, args.authority, case_ref=args.case_ref, actor=actor_name(args), now=now,
            reported_at=reported_at,
        )  # fmt: skip
        data = {"ref": incident.ref, **eu_gdpr.describe_eu(incident)}
    told = next(a for a in data["authorities"] if a["country"] == args.authority.strip().upper().replace("EL", "GR"))
    human = f"{data['ref']}: notified to the {told['name']}; only its clock's alerts are stopped" + (
        " (after its deadline: record the reasons for the delay)" if told["late"] else ""
    )
    emit(args, data, human)
    return 0


def change_aware_at(args: argparse.Namespace) -> int:
    rt = runtime()
    now = rt.clock.now()
    zone = args.tz or rt.settings.timezone
    load_zone(zone)
    aware_at = parse_instant(args.aware_at, zone=zone, now=now)
    with rt.database.unit_of_work() as session:
        incident = reporting.change_awareness(
            session, args.ref, aware_at=aware_at, reason=args.reason, actor=actor_name(args), now=now
        )
        data = {
            "ref": incident.ref,
            "aware_at": incident.aware_at.isoformat(),
            "next_deadline_at": incident.next_deadline_at.isoformat() if incident.next_deadline_at else None,
            "late": incident.late,
        }
    due = data["next_deadline_at"]
    human = f"{data['ref']}: aware at {format_local(aware_at, rt.settings.zone)}; alerts re-planned" + (
        f"; next deadline {format_local(datetime.fromisoformat(due), rt.settings.zone)}" if due else ""
    )
    emit(args, data, human)
    return 0
