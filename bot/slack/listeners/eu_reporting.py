"""`/breach reported-eu CC [CASE REF]` (privacy team, in the incident's channel): record the report to one
EU authority. Only that authority's clock stops; the channel is told and the pinned summary refreshed,
once: repeating the command changes nothing."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.eu_authorities import authority, country_code
from bot.services import eu_gdpr
from bot.services.incidents import get_incident
from bot.slack.context import BotContext
from bot.slack.listeners.reporting import Outcome, announce, ref_for
from bot.slack.middleware.auth import require_team
from bot.slack.subcommands import subcommand
from bot.slack.views.text import date_token, escape, mention

RECORDING = "record a report to an EU authority"
USAGE = "`/breach reported-eu CC [CASE REF]`, e.g. `/breach reported-eu FR CNIL-2026-123`, in the incident's channel"


@subcommand("reported-eu", "/breach reported-eu CC [CASE REF]", "record the report to one EU authority", team_only=True)
def reported_eu_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    user, channel = str(command.get("user_id") or ""), str(command.get("channel_id") or "")
    require_team(ctx, user, RECORDING)
    parts = rest.split(maxsplit=1)
    if not parts:
        ack(text=f"Say which authority: {USAGE}.", response_type="ephemeral")
        return
    ack()
    code = country_code(parts[0])
    case_ref = parts[1].strip() if len(parts) > 1 else None
    with ctx.runtime.database.unit_of_work() as session:
        incident = get_incident(session, ref_for(session, None, channel, "reported-eu"), lock=True)
        before = dict((incident.eu_reports or {}).get(code) or {})
        eu_gdpr.record_authority_report(session, incident.ref, code, case_ref=case_ref, actor=user, now=ctx.now())
        ref, after = incident.ref, dict((incident.eu_reports or {}).get(code) or {})
    name = authority(code).addressed
    if after == before:
        outcome = Outcome(ref, False, "", f"{ref} is already recorded as notified to {name}: nothing changed.")
    else:
        case = f"case reference {escape(after['case_ref'])}" if after.get("case_ref") else "no case ref yet"
        text = (
            f":inbox_tray: {mention(user)} recorded that *{ref}* was notified to {name} "
            f"{date_token(eu_gdpr.reported_at(after), ctx.runtime.settings.zone)} ({case}). "
            "Only this authority's alerts are stopped."
        )
        if after.get("late") and not before:
            text += "\n:warning: This was after its deadline: record the reasons for the delay (Art 33(1))."
        outcome = Outcome(ref, True, text, f"Recorded: {ref} notified to {name} ({case}).")
    announce(ctx, outcome, command)


def register(app: App, ctx: BotContext) -> None:
    """The subcommand registers itself on import; nothing else to wire."""
