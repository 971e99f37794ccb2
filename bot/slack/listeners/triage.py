"""Triage in Slack (privacy team only): the summary's "Triage" button or `/breach triage` opens the
questions, pre-filled from the last assessment; submitting records a new assessment, posts the result in
the incident channel and updates the pinned summary. "Override decision" records a justified override,
shown beside the computed decision."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.domain import triage
from bot.errors import BreachbotError
from bot.services import incidents as incident_service
from bot.services.assessments import (
    IncidentClosed,
    InvalidOverride,
    current_decision,
    latest_assessment,
    record_assessment,
    record_override,
)
from bot.slack import state
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.middleware.auth import refusal, team_only
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import channel_of, notice_view, tell, user_of
from bot.slack.subcommands import subcommand
from bot.slack.views import forms
from bot.slack.views.text import escape
from bot.slack.views.triage import (
    CALLBACK_ID,
    OVERRIDE_CALLBACK,
    computed_words,
    loading_modal,
    override_modal,
    override_text,
    read_answers,
    result_blocks,
    triage_modal,
)
from bot.store.models import Status

log = logging.getLogger(__name__)

DOING = "triage incidents"
OVERRIDING = "override a triage decision"
NOT_IN_CHANNEL = "Use `/breach triage` in the incident's own channel, or the Triage button on its pinned summary."
QUESTION_KEYS = tuple(q.key for q in triage.QUESTIONS)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def open_triage(ctx: BotContext, trigger_id: str, *, ref: str | None, channel: str | None) -> None:
    """Open a placeholder at once (the trigger dies in about 3 s), then fill it from the database."""
    opened = ctx.quick("views.open", trigger_id=trigger_id, view=loading_modal(f"Triage {ref}" if ref else "Triage"))
    shown = opened.get("view") or {}
    try:
        with ctx.runtime.database.unit_of_work() as session:
            incident = (
                incident_service.get_incident(session, ref) if ref else state.incident_in_channel(session, channel)
            )
            if incident is None:
                raise BreachbotError(NOT_IN_CHANNEL)
            if incident.status == Status.CLOSED.value:
                raise BreachbotError(f"{incident.ref} is closed, so its triage is final.")
            previous = latest_assessment(session, incident)
            view = triage_modal(
                incident.ref,
                previous.answers if previous else None,
                version=previous.version if previous else None,
                channel=incident.slack_channel_id,
            )
    except BreachbotError as problem:
        view = notice_view("Cannot triage", escape(str(problem)))
    fill_placeholder(ctx, shown, view)


def fill_placeholder(ctx: BotContext, shown: dict[str, Any], view: dict[str, Any]) -> None:
    """Replace an opened placeholder; the hash makes Slack refuse if the view changed in between."""
    guard = {"hash": shown["hash"]} if shown.get("hash") else {}
    try:
        ctx.calls("views.update", view_id=shown.get("id"), view=view, **guard)
    except SlackCallFailed as problem:
        # Most often the person closed the placeholder already; nothing is lost.
        log.info("could not fill the modal %s: %s", shown.get("id"), problem)


@subcommand("triage", "/breach triage", "answer the triage questions for this channel's incident", team_only=True)
def triage_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    if not ctx.team.is_member(str(command.get("user_id") or "")):
        ack(text=refusal(ctx, DOING), response_type="ephemeral")
        return
    ack()
    open_triage(ctx, str(command.get("trigger_id") or ""), ref=None, channel=str(command.get("channel_id") or ""))


def record_and_announce(ctx: BotContext, ref: str, raw: dict[str, Any], *, actor: str, channel: str | None) -> bool:
    """Record the assessment; post the result only when it is new (a double submit records and posts once)."""
    with ctx.runtime.database.unit_of_work() as session:
        # Locked first, so a twin submission waits here and then finds this one's assessment.
        incident = incident_service.get_incident(session, ref, lock=True)
        before = latest_assessment(session, incident)
        assessment = record_assessment(session, incident.ref, raw, actor=actor, now=ctx.now())
        created = before is None or before.id != assessment.id
        ref, version = incident.ref, assessment.version
        text = f"Triage v{version} of {ref}: {computed_words(assessment.result)}"
        blocks = result_blocks(ref, assessment, actor)
    if created:
        post_to_incident(ctx, ref, text, blocks)
    else:
        tell(
            ctx,
            {"user": {"id": actor}, "channel_id": channel},
            f"Same answers as triage v{version} of {ref}: nothing new to record.",
        )
    return created


def override_and_announce(
    ctx: BotContext, ref: str, *, notify_ico: bool, notify_individuals: bool, justification: str, actor: str
) -> tuple[str, str | None]:
    """Record the override (raising InvalidOverride); returns the ref and the channel post, None if unchanged."""
    with ctx.runtime.database.unit_of_work() as session:
        incident = incident_service.get_incident(session, ref, lock=True)
        before = current_decision(session, incident).override
        override = record_override(
            session,
            incident.ref,
            notify_ico=notify_ico,
            notify_individuals=notify_individuals,
            justification=justification,
            actor=actor,
            now=ctx.now(),
        )
        if before is not None and before.id == override.id:
            return incident.ref, None
        assessment = current_decision(session, incident).assessment
        assert assessment is not None  # record_override refuses an incident with no assessment
        return incident.ref, override_text(incident.ref, assessment, override)


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)
    guard = team_only(ctx, DOING)
    override_guard = team_only(ctx, OVERRIDING)

    @app.action("triage_open", middleware=[guard])
    @safe
    def triage_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        open_triage(ctx, str(body.get("trigger_id") or ""), ref=str(action.get("value") or ""), channel=None)

    @app.view(CALLBACK_ID, middleware=[guard])
    @safe
    def submit_triage(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = forms.metadata(view)
        raw, errors = read_answers(view)
        if not errors:
            try:
                triage.parse_answers(raw)
            except triage.AnswersError as problem:
                block = problem.key if problem.key in QUESTION_KEYS else QUESTION_KEYS[0]
                errors[block] = _sentence(str(problem).split(": ", 1)[-1])
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        actor = user_of(body) or "unknown"
        record_and_announce(ctx, str(meta.get("ref") or ""), raw, actor=actor, channel=meta.get("channel"))

    @app.action("triage_override", middleware=[override_guard])
    @safe
    def override_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        view = override_modal(str(action.get("value") or ""), channel_of(body))
        ctx.quick("views.open", trigger_id=body.get("trigger_id"), view=view)

    @app.view(OVERRIDE_CALLBACK, middleware=[override_guard])
    @safe
    def submit_override(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = forms.metadata(view)
        choices = {block: forms.selected_one(view, block) for block in ("notify_ico", "notify_individuals")}
        errors = {block: "Choose yes or no." for block, value in choices.items() if value not in ("yes", "no")}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            # Recorded before the acknowledgement so the service's objection can show on its field.
            ref, post = override_and_announce(
                ctx,
                str(meta.get("ref") or ""),
                notify_ico=choices["notify_ico"] == "yes",
                notify_individuals=choices["notify_individuals"] == "yes",
                justification=forms.text(view, "justification"),
                actor=user_of(body) or "unknown",
            )
        except InvalidOverride as problem:
            ack(response_action="errors", errors={problem.field or "notify_ico": _sentence(str(problem))})
            return
        except IncidentClosed as problem:
            ack(response_action="errors", errors={"notify_ico": _sentence(str(problem))})
            return
        ack()
        if post is not None:
            post_to_incident(ctx, ref, post)
