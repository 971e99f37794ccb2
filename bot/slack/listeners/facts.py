"""`/breach facts` in an incident's channel (privacy team): the facts the ICO form and the register need
beyond the triage answers, such as the likely consequences and when the people affected were told."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.errors import BreachbotError
from bot.services import advice as advice_service
from bot.services import facts as facts_service
from bot.services import processor as processor_service
from bot.services.incidents import get_incident
from bot.slack import state
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.listeners.triage import fill_placeholder
from bot.slack.middleware.auth import refusal, team_only
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import notice_view, user_of
from bot.slack.subcommands import subcommand
from bot.slack.views import forms
from bot.slack.views.facts import (
    ADVICE_FIELDS,
    ADVICE_TIME,
    CALLBACK_ID,
    CAUSE_BLOCK,
    REGISTER_TEXT_FIELDS,
    TEXT_FIELDS,
    describe_changes,
    facts_modal,
)
from bot.slack.views.text import escape, mention
from bot.slack.views.times import TimeFieldError, read_time
from bot.slack.views.triage import loading_modal

DOING = "record register facts"
NOT_IN_CHANNEL = "Use `/breach facts` in the incident's own channel."


@subcommand(
    "facts", "/breach facts", "in an incident's channel, record consequences, who was told and when", team_only=True
)
def facts_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    if not ctx.team.is_member(str(command.get("user_id") or "")):
        ack(text=refusal(ctx, DOING), response_type="ephemeral")
        return
    ack()
    # The trigger id lives about 3 s: open a placeholder first, then read the incident.
    opened = ctx.quick(
        "views.open", trigger_id=str(command.get("trigger_id") or ""), view=loading_modal("Register facts")
    )
    try:
        with ctx.runtime.database.unit_of_work() as session:
            incident = state.incident_in_channel(session, str(command.get("channel_id") or ""))
            if incident is None:
                raise BreachbotError(NOT_IN_CHANNEL)
            view = facts_modal(incident, ctx.runtime.settings.zone)
    except BreachbotError as problem:
        view = notice_view("Register facts", escape(str(problem)))
    fill_placeholder(ctx, opened.get("view") or {}, view)


def read_changes(ctx: BotContext, view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    changes: dict[str, Any] = {
        key: forms.text(view, key) or None for key, _, _ in (*TEXT_FIELDS, *REGISTER_TEXT_FIELDS)
    }
    changes["cause_category"] = forms.selected_one(view, CAUSE_BLOCK) or None
    cyber = forms.selected_one(view, "cyber_incident")
    changes["cyber_incident"] = {"yes": True, "no": False}.get(cyber)
    errors: dict[str, str] = {}
    try:
        told_at = read_time(view, "individuals_told_at", zone=ctx.runtime.settings.zone, now=ctx.now(), required=False)
    except TimeFieldError as problem:
        errors[problem.block_id] = str(problem)[:150]
    else:
        if told_at is not None:
            changes["individuals_told_at"] = told_at
    adviser, advice = (forms.text(view, block) for block, *_ in ADVICE_FIELDS)
    advice_block = ADVICE_TIME[0]
    try:
        given_at = read_time(view, advice_block, zone=ctx.runtime.settings.zone, now=ctx.now(), required=False)
    except TimeFieldError as problem:
        errors[problem.block_id] = str(problem)[:150]
        given_at, time_problem = None, True
    else:
        time_problem = False
    if adviser or advice or given_at or time_problem:
        given = {ADVICE_FIELDS[0][0]: adviser, ADVICE_FIELDS[1][0]: advice}
        if not time_problem:
            given[advice_block] = given_at
        missing = [block for block, value in given.items() if not value]
        for block in missing:
            errors[block] = "Advice needs who gave it, when and what it was."
        if not missing and not time_problem:
            changes["advice"] = (adviser, given_at, advice)
    hours = forms.text(view, "contract_hours")
    if hours:
        if hours.isdigit() and int(hours) > 0:
            changes["contract_hours"] = int(hours)
        else:
            errors["contract_hours"] = "A whole number of hours, e.g. 24."
    return changes, errors


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)
    team = team_only(ctx, DOING)

    @app.view(CALLBACK_ID, middleware=[team])
    @safe
    def submit_facts(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        changes, errors = read_changes(ctx, view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ref = str(forms.metadata(view).get("ref") or "")
        user = user_of(body) or "unknown"
        try:
            # A refusal leaves the unit of work by its exception, so nothing of the submission is kept.
            with ctx.runtime.database.unit_of_work() as session:
                before = get_incident(session, ref)
                advice = changes.pop("advice", None)
                changed = {k: v for k, v in changes.items() if v is not None and getattr(before, k) != v}
                hours = changed.pop("contract_hours", None)
                if changed:
                    facts_service.set_facts(session, ref, changed, actor=user, now=ctx.now())
                if hours is not None:
                    processor_service.set_contract_hours(session, ref, hours, actor=user, now=ctx.now())
                    changed["contract_hours"] = hours
                if advice is not None and advice_service.record_advice_once(
                    session, ref, adviser=advice[0], given_at=advice[1], advice=advice[2], actor=user, now=ctx.now()
                ):
                    changed["advice"] = advice
        except BreachbotError as problem:
            ack(response_action="errors", errors={"likely_consequences": str(problem)[:150]})
            return
        ack()
        if not changed:
            return
        lines = "\n".join(f"• {escape(line)}" for line in describe_changes(changed, ctx.runtime.settings.zone))
        post_to_incident(ctx, ref, f"{mention(user)} recorded register facts:\n{lines}")
