"""`breachbot incident update` and `breachbot incident role`: the CLI faces of status updates and roles.

When Slack is configured (SLACK_BOT_TOKEN) the CLI posts the update or the handoff in the incident's
channel itself, right after the change is committed, exactly as the Slack face does; if Slack refuses,
the change stands (it is on the timeline) and the command says it was not posted."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.common import actor_name, add_json_flag, emit, runtime
from bot.domain.timeparse import parse_instant
from bot.runtime import Runtime
from bot.services import roles as role_service
from bot.services import status_updates
from bot.services.status_updates import StatusUpdate

if TYPE_CHECKING:
    from bot.slack.context import BotContext


def register_incident_actions(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    updater = sub.add_parser("update", help="post a status update (to the timeline, and the channel if Slack is set)")
    updater.add_argument("ref")
    updater.add_argument("text", help="what we know now")
    updater.add_argument("--doing", default="", help="what we are doing")
    updater.add_argument("--need", default="", help="what we need")
    updater.add_argument("--next-update-by", help="when the next update will come")
    updater.add_argument("--at", help="backdate it: when this was the position")
    updater.add_argument("--as", dest="actor")
    add_json_flag(updater)
    updater.set_defaults(handler=update_incident)

    roles = sub.add_parser("role", help="assign the incident lead and the DPO owner (Slack member IDs)")
    roles.add_argument("ref")
    roles.add_argument("--lead", help="the incident lead's Slack member ID (U...)")
    roles.add_argument("--dpo-owner", help="the DPO owner's Slack member ID (U...)")
    roles.add_argument("--as", dest="actor")
    add_json_flag(roles)
    roles.set_defaults(handler=assign_roles)


def _slack_context(rt: Runtime) -> BotContext | None:
    """A Slack context for posting, or None when Slack is not configured. Imported late: most CLI
    commands never touch Slack and should not pay for importing it."""
    if not rt.settings.slack_bot_token:
        return None
    from bot.slack.app import build_context
    from bot.slack.client import make_web_client

    return build_context(rt, make_web_client(rt.settings.slack_bot_token, rt.settings.slack_api_url))


def _posted_note(rt: Runtime, posted: list[str | None]) -> str:
    if not rt.settings.slack_bot_token:
        return "not posted to Slack (SLACK_BOT_TOKEN is not set)"
    if posted and all(posted):
        return "posted in the incident's Slack channel"
    return "NOT posted to Slack (no channel, or Slack refused: see the log); it is on the timeline"


def update_incident(args: argparse.Namespace) -> int:
    rt = runtime()
    now, zone = rt.clock.now(), rt.settings.timezone
    at = parse_instant(args.at, zone=zone, now=now) if args.at else None
    # The next update is a promise, so it is in the future: read it against a "now" far ahead.
    next_by = (
        parse_instant(args.next_update_by, zone=zone, now=now.replace(year=now.year + 10))
        if (args.next_update_by)
        else None
    )
    status = StatusUpdate(known=args.text, doing=args.doing, need=args.need, next_update_by=next_by)
    actor = actor_name(args)
    with rt.database.unit_of_work() as session:
        posted = status_updates.post_update(
            session,
            args.ref,
            status,
            actor=actor,
            now=now,
            at=at,
            remind_after=rt.settings.update_reminder_every,
            zone=rt.settings.zone,
        )
        ref = posted.incident.ref
    ctx = _slack_context(rt)
    sent: list[str | None] = []
    if ctx is not None:
        from bot.slack.listeners.status_updates import announce_update

        sent.append(announce_update(ctx, ref, status, actor=actor, at=at))
    note = _posted_note(rt, sent)
    emit(args, {"ref": ref, "ok": True, "slack": note}, f"{ref}: status update added to the timeline; {note}")
    return 0


def assign_roles(args: argparse.Namespace) -> int:
    rt = runtime()
    changes = {role: value for role, value in (("lead", args.lead), ("dpo_owner", args.dpo_owner)) if value}
    if not changes:
        raise role_service.RoleProblem("say who: --lead U123 and/or --dpo-owner U456")
    with rt.database.unit_of_work() as session:
        incident, handoffs = role_service.assign_roles(
            session, args.ref, changes, actor=actor_name(args), now=rt.clock.now()
        )
        ref, lead, owner, incident_id = incident.ref, incident.lead_user_id, incident.dpo_owner_user_id, incident.id
    ctx = _slack_context(rt)
    sent: list[str | None] = []
    if ctx is not None and handoffs:
        from bot.slack.listeners.roles import announce_handoff
        from bot.slack.projector import refresh_views

        sent = [announce_handoff(ctx, ref, handoff, actor=None) for handoff in handoffs]
        refresh_views(ctx, [incident_id])  # the summary shows the roles; the sweeper would catch up too
    note = _posted_note(rt, sent) if handoffs else "nothing changed"
    data = {"ref": ref, "lead": lead, "dpo_owner": owner, "changed": [h.role for h in handoffs], "slack": note}
    emit(args, data, f"{ref}: lead {lead or 'not assigned'}, DPO owner {owner or 'not assigned'}; {note}")
    return 0
