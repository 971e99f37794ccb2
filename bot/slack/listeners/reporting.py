"""Recording the ICO report and correcting the awareness time (privacy team only).

`/breach reported REFERENCE` records the report at once; `/breach reported` with no reference, or the
summary's "ICO report made" button, opens a modal for the case reference and the time. `/breach aware-at`
and the summary's "Change awareness time" button open a modal for the new time and the reason. Each
change is announced in the incident channel and refreshes the pinned summary, but only when it changed
something: pressing twice records and announces once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.clock import earliest_due
from bot.errors import BreachbotError
from bot.services import reporting
from bot.services.alerts import ico_regimes
from bot.services.incidents import get_incident
from bot.services.reporting import CASE_REF_LIMIT, ReportingProblem
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.middleware.auth import require_team, team_only
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import channel_of, notice_view, tell, user_of
from bot.slack.subcommands import subcommand
from bot.slack.views import forms
from bot.slack.views.reporting import AWARE_CALLBACK, ICO_CALLBACK, aware_change_modal, ico_report_modal
from bot.slack.views.text import date_token, escape, mention
from bot.slack.views.times import TimeFieldError, read_time
from bot.store.models import Incident

log = logging.getLogger(__name__)

RECORDING = "record the report to the ICO"
_INCIDENT_REF = re.compile(r"BR-\d{4}-\d+\b", re.IGNORECASE)
CHANGING = "change the awareness time"


class CaseRefConflict(ReportingProblem):
    """A second, different ICO case reference: shown on the case reference field, not the time."""


@dataclass(frozen=True)
class Outcome:
    ref: str
    changed: bool
    channel_text: str  # mrkdwn for the incident channel; people's words already escaped
    reply: str  # for the person who did it


def ref_for(session: Session, ref: str | None, channel: str | None, verb: str) -> str:
    """The incident a modal or command is about: its own reference, else the channel it was used in.
    Only the reference is read here, so the caller's locking read loads the row fresh."""
    if ref:
        return ref
    found = session.scalar(select(Incident.ref).where(Incident.slack_channel_id == channel)) if channel else None
    if found is None:
        raise BreachbotError(f"Use `/breach {verb}` in the incident's own channel, or the button on its summary.")
    return found


def record_report(
    ctx: BotContext,
    *,
    ref: str | None,
    channel: str | None,
    case_ref: str,
    reported_at: datetime,
    actor: str,
) -> Outcome:
    zone = ctx.runtime.settings.zone
    with ctx.runtime.database.unit_of_work() as session:
        # Locked first, so a twin click waits and then sees this one's record.
        incident = get_incident(session, ref_for(session, ref, channel, "reported"), lock=True)
        was_reported, had_case_ref = incident.ico_reported_at is not None, incident.ico_case_ref
        if was_reported and had_case_ref and case_ref and case_ref != had_case_ref:
            raise CaseRefConflict(
                f"{incident.ref} is already recorded as reported with ICO case reference {had_case_ref}. "
                "Record a follow-up as an update instead."
            )
        reporting.record_ico_report(
            session, incident.ref, ico_case_ref=case_ref or None, actor=actor, now=ctx.now(), reported_at=reported_at
        )
        ref, when = incident.ref, incident.ico_reported_at
        assert when is not None  # record_ico_report always sets it
        due = earliest_due(ico_regimes(incident), incident.aware_at)
        late = due is not None and when > due
        case_words = f"ICO case reference {escape(incident.ico_case_ref)}" if incident.ico_case_ref else "no case ref"
        needs_reasons = not incident.delay_reasons
    if was_reported and (had_case_ref or not case_ref):
        return Outcome(ref, False, "", f"{ref} is already recorded as reported to the ICO: nothing changed.")
    if was_reported:
        text = f":memo: {mention(actor)} recorded the ICO case reference for *{ref}*: {escape(case_ref)}."
        return Outcome(ref, True, text, f"Recorded the ICO case reference for {ref}.")
    text = (
        f":inbox_tray: {mention(actor)} recorded that *{ref}* was reported to the ICO "
        f"{date_token(when, zone)} ({case_words}). The ICO deadline's alerts are stopped."
    )
    if late and needs_reasons:
        text += "\n:warning: The report was after the deadline: record the reasons for the delay (Art 33(1))."
    return Outcome(ref, True, text, f"Recorded: {ref} reported to the ICO ({case_words}).")


def change_aware_at(
    ctx: BotContext, *, ref: str | None, channel: str | None, aware_at: datetime, reason: str, actor: str
) -> Outcome:
    zone = ctx.runtime.settings.zone
    with ctx.runtime.database.unit_of_work() as session:
        incident = get_incident(session, ref_for(session, ref, channel, "aware-at"), lock=True)
        before = incident.aware_at
        reporting.change_awareness(session, incident.ref, aware_at=aware_at, reason=reason, actor=actor, now=ctx.now())
        ref, after, due = incident.ref, incident.aware_at, incident.next_deadline_at
    if after == before:
        return Outcome(ref, False, "", f"{ref}'s awareness time is already {date_token(after, zone)}: nothing changed.")
    deadline = f" The first deadline is now {date_token(due, zone)}." if due else ""
    text = (
        f":clock3: {mention(actor)} changed when the organisation became aware of *{ref}* from "
        f"{date_token(before, zone)} to {date_token(after, zone)}:\n>{escape(reason)}\n"
        f"The deadlines moved and the alerts are re-planned.{deadline}"
    )
    return Outcome(ref, True, text, f"Changed {ref}'s awareness time; its alerts are re-planned.")


def announce(ctx: BotContext, outcome: Outcome, body: dict[str, Any]) -> None:
    if outcome.changed:
        post_to_incident(ctx, outcome.ref, outcome.channel_text)
    tell(ctx, body, outcome.reply)


def open_then_check(ctx: BotContext, trigger_id: str, view: dict[str, Any], channel: str, verb: str) -> None:
    """Open the modal at once (the trigger dies in about 3 s), then check the channel is an incident's;
    when it is not, replace the modal with a note saying where to use the command."""
    opened = ctx.quick("views.open", trigger_id=trigger_id, view=view).get("view") or {}
    with ctx.runtime.database.unit_of_work() as session:
        try:
            ref_for(session, None, channel, verb)
            return
        except BreachbotError as problem:
            message = str(problem)
    try:
        ctx.calls("views.update", view_id=opened.get("id"), view=notice_view("Not here", message))
    except SlackCallFailed as problem:
        log.info("could not replace the modal %s: %s", opened.get("id"), problem)


@subcommand("reported", "/breach reported [ICO CASE REF]", "record the report to the ICO", team_only=True)
def reported_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    user, channel = str(command.get("user_id") or ""), str(command.get("channel_id") or "")
    require_team(ctx, user, RECORDING)
    ack()
    # The alerts say `/breach reported BR-2026-0001`: an incident reference names the incident, so it
    # is never stored as the ICO's case reference.
    named = _INCIDENT_REF.match(rest)
    ref = named.group(0).upper() if named else None
    case_ref = rest[named.end() :].strip() if named else rest
    if not case_ref:
        view = ico_report_modal(ref, channel, now=ctx.now(), zone=ctx.runtime.settings.zone)
        if ref:
            ctx.quick("views.open", trigger_id=command.get("trigger_id"), view=view)
        else:
            open_then_check(ctx, str(command.get("trigger_id") or ""), view, channel, "reported")
        return
    if len(case_ref) > CASE_REF_LIMIT:
        raise ReportingProblem(f"An ICO case reference is at most {CASE_REF_LIMIT} characters.")
    outcome = record_report(ctx, ref=ref, channel=channel, case_ref=case_ref, reported_at=ctx.now(), actor=user)
    announce(ctx, outcome, command)


@subcommand("aware-at", "/breach aware-at", "correct when the organisation became aware", team_only=True)
def aware_at_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    channel = str(command.get("channel_id") or "")
    require_team(ctx, str(command.get("user_id") or ""), CHANGING)
    ack()
    open_then_check(ctx, str(command.get("trigger_id") or ""), aware_change_modal(None, channel), channel, "aware-at")


def _who(body: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    # A modal's submission has no channel: reply where the modal was opened from.
    return {"user": {"id": user_of(body)}, "channel_id": meta.get("channel")}


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)
    recorders = team_only(ctx, RECORDING)
    changers = team_only(ctx, CHANGING)

    @app.action("ico_reported", middleware=[recorders])
    @safe
    def ico_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        ref = str(action.get("value") or "")
        view = ico_report_modal(ref, channel_of(body), now=ctx.now(), zone=ctx.runtime.settings.zone)
        ctx.quick("views.open", trigger_id=body.get("trigger_id"), view=view)

    @app.action("aware_change", middleware=[changers])
    @safe
    def aware_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        view = aware_change_modal(str(action.get("value") or ""), channel_of(body))
        ctx.quick("views.open", trigger_id=body.get("trigger_id"), view=view)

    @app.view(ICO_CALLBACK, middleware=[recorders])
    @safe
    def submit_ico(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta, now = forms.metadata(view), ctx.now()
        case_ref = forms.text(view, "case_ref")
        try:
            when = read_time(view, "reported_at", zone=ctx.runtime.settings.timezone, now=now, required=False) or now
        except TimeFieldError as problem:
            ack(response_action="errors", errors={problem.block_id: str(problem)})
            return
        if len(case_ref) > CASE_REF_LIMIT:
            ack(response_action="errors", errors={"case_ref": f"At most {CASE_REF_LIMIT} characters."})
            return
        try:
            outcome = record_report(
                ctx,
                ref=meta.get("ref"),
                channel=meta.get("channel"),
                case_ref=case_ref,
                reported_at=when,
                actor=user_of(body) or "unknown",
            )
        except ReportingProblem as problem:
            field = "case_ref" if isinstance(problem, CaseRefConflict) else "reported_at"
            ack(response_action="errors", errors={field: str(problem)})
            return
        ack()
        announce(ctx, outcome, _who(body, meta))

    @app.view(AWARE_CALLBACK, middleware=[changers])
    @safe
    def submit_aware(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta, now = forms.metadata(view), ctx.now()
        reason = forms.text(view, "reason")
        errors: dict[str, str] = {}
        aware_at = None
        try:
            aware_at = read_time(view, "aware_at", zone=ctx.runtime.settings.timezone, now=now)
        except TimeFieldError as problem:
            errors[problem.block_id] = str(problem)
        if not reason:
            errors["reason"] = "Say why the awareness time is changing: the register and the ICO may ask."
        if errors or aware_at is None:
            ack(response_action="errors", errors=errors)
            return
        try:
            outcome = change_aware_at(
                ctx,
                ref=meta.get("ref"),
                channel=meta.get("channel"),
                aware_at=aware_at,
                reason=reason,
                actor=user_of(body) or "unknown",
            )
        except ReportingProblem as problem:
            # The reason was checked above, so what the service refuses is the time.
            ack(response_action="errors", errors={"aware_at": str(problem)})
            return
        ack()
        announce(ctx, outcome, _who(body, meta))
