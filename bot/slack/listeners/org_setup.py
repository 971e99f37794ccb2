"""`/breach setup` (privacy team only, from any channel): the organisation profile in a modal, pre-filled
from the saved profile. "Fill from a privacy policy" pushes a view for the policy's text; its submission
turns back into the setup form with the proposals filled in and each one's source sentence shown.
Nothing is saved until the setup form itself is submitted."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.clock import UnknownRegime
from bot.services.org import (
    InvalidProfile,
    get_profile,
    profile_dict,
    proposal_changes,
    propose_from_policy,
    update_profile,
)
from bot.slack.context import BotContext
from bot.slack.listeners.triage import fill_placeholder
from bot.slack.middleware.auth import refusal, team_only
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import tell, user_of
from bot.slack.subcommands import subcommand
from bot.slack.views import forms
from bot.slack.views.org import (
    FIELD_BLOCKS,
    POLICY_BUTTON,
    POLICY_CALLBACK,
    POLICY_INPUTS,
    SETUP_CALLBACK,
    policy_modal,
    read_setup,
    setup_modal,
    source_lines,
)
from bot.slack.views.text import escape
from bot.slack.views.triage import loading_modal

DOING = "set up the organisation profile"


def saved_profile(ctx: BotContext) -> dict[str, Any]:
    with ctx.runtime.database.unit_of_work() as session:
        return profile_dict(get_profile(session))


def open_setup(ctx: BotContext, trigger_id: str, channel: str | None) -> None:
    """A placeholder first (the trigger dies in about 3 s), then the form filled from the saved profile."""
    opened = ctx.quick("views.open", trigger_id=trigger_id, view=loading_modal("Organisation setup"))
    shown = opened.get("view") or {}
    view = setup_modal(saved_profile(ctx), channel=channel)
    fill_placeholder(ctx, shown, view)


@subcommand(
    "setup", "/breach setup", "set the organisation's profile, or read it from a privacy policy", team_only=True
)
def setup_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    if not ctx.team.is_member(str(command.get("user_id") or "")):
        ack(text=refusal(ctx, DOING), response_type="ephemeral")
        return
    ack()
    open_setup(ctx, str(command.get("trigger_id") or ""), str(command.get("channel_id") or "") or None)


def profile_error(problem: Exception) -> dict[str, str]:
    """The service names the field first ("dpo_email: ..."): show the message on that field's block."""
    message = str(problem)
    if isinstance(problem, UnknownRegime):
        return {"regimes": message}
    field, _, detail = message.partition(": ")
    if field in FIELD_BLOCKS and detail:
        return {field: detail[:1].upper() + detail[1:]}
    return {"name": message}


def proposed_view(ctx: BotContext, view: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The setup form with a pasted policy's proposals over what was typed (or the saved profile)."""
    text = "\n".join(forms.text(view, block) for block in POLICY_INPUTS if forms.text(view, block))
    if not text:
        return None, {POLICY_INPUTS[0]: "Paste the privacy policy's text."}
    try:
        proposals = propose_from_policy(text)
    except InvalidProfile as problem:
        return None, {POLICY_INPUTS[0]: str(problem)}
    meta = forms.metadata(view)
    typed = meta.get("typed")
    base = dict(typed) if isinstance(typed, dict) else saved_profile(ctx)
    first = proposals[0]
    values = {**base, **proposal_changes(first)}
    note = "Proposed from the policy: check each value against its sentence below, then *Save*."
    if len(proposals) > 1:
        name = escape(first.name.value) if first.name else "the first"
        note += f" The text holds {len(proposals)} policies: these come from {name}."
    return setup_modal(values, channel=meta.get("channel"), sources=source_lines(first), note=note), {}


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)
    guard = team_only(ctx, DOING)

    @app.action(POLICY_BUTTON, middleware=[guard])
    @safe
    def policy_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        setup = body.get("view") or {}
        typed = read_setup(setup)
        view = policy_modal(forms.metadata(setup).get("channel"), typed)
        ctx.quick("views.push", trigger_id=body.get("trigger_id"), view=view)

    @app.view(POLICY_CALLBACK, middleware=[guard])
    @safe
    def submit_policy(ack: Ack, view: dict[str, Any]) -> None:
        updated, errors = proposed_view(ctx, view)
        if updated is None:
            ack(response_action="errors", errors=errors)
            return
        ack(response_action="update", view=updated)

    @app.view(SETUP_CALLBACK, middleware=[guard])
    @safe
    def submit_setup(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            # Saved before the acknowledgement so a field the service refuses shows on that field.
            with ctx.runtime.database.unit_of_work() as session:
                name = update_profile(session, read_setup(view), now=ctx.now()).name
        except (InvalidProfile, UnknownRegime) as problem:
            ack(response_action="errors", errors=profile_error(problem))
            return
        # "clear": after a policy was read the form sits on a pushed view, with the original beneath it.
        ack(response_action="clear")
        ctx.org.refresh()
        where = {"user": {"id": user_of(body)}, "channel_id": forms.metadata(view).get("channel")}
        tell(ctx, where, f"Saved the organisation profile{f' for {escape(name)}' if name else ''}.")
