"""Closing an incident (privacy team only): `/breach close` or the summary's Close button open a modal
asking for the outcome and the reason; submitting closes it, says so in the channel and updates the
pinned summary. Closing twice is one close."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.domain.register import OUTCOME_LABELS
from bot.services import incidents as incident_service
from bot.services import register as register_service
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.middleware.auth import team_only
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import tell, user_of
from bot.slack.views import forms
from bot.slack.views.text import context, escape, mention, plain
from bot.store.models import Status

CALLBACK_ID = "close_incident"
OUTCOMES = OUTCOME_LABELS


def still_needed(ctx: BotContext, ref: str, *, outcome: str | None = None, reason: str | None = None) -> list[str]:
    """What the register still lacks before this incident may close, besides the outcome and reason the
    modal itself asks for; each with where to record it."""
    with ctx.runtime.database.unit_of_work() as session:
        incident = incident_service.get_incident(session, ref)
        missing = register_service.close_requirements_missing(
            session, incident, outcome=outcome or None, reason=reason or None, now=ctx.now()
        )
    return [
        f"{r.need} ({r.slack or '`' + r.how.format(ref=ref) + '`'})"
        for r in missing
        if r.key not in ("outcome", "reason")
    ]


def close_modal(ref: str, needed: list[str] | None = None) -> dict[str, Any]:
    options = [{"text": plain(label), "value": key} for key, label in OUTCOMES.items()]
    guidance = (
        "A near miss or a false alarm needs only the outcome and the reason. To close it as a breach, the "
        "register still needs: " + "; ".join(escape(n) for n in needed) + "."
        if needed
        else "The register has what it needs: choose the outcome and say why."
    )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(f"Close {ref}", 24),
        "submit": plain("Close incident", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"ref": ref}),
        "blocks": [
            context(guidance),
            {
                "type": "input",
                "block_id": "outcome",
                "label": plain("Outcome"),
                "element": {"type": "static_select", "action_id": "value", "options": options},
            },
            {
                "type": "input",
                "block_id": "reason",
                "label": plain("Why is it closed?"),
                "hint": plain("This goes in the breach register: say why, in a sentence a regulator would follow."),
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000},
            },
        ],
    }


def open_close_modal(ctx: BotContext, trigger_id: str, ref: str, needed: list[str] | None = None) -> None:
    ctx.quick("views.open", trigger_id=trigger_id, view=close_modal(ref, needed))


def close_and_announce(ctx: BotContext, ref: str, *, outcome: str, reason: str, actor: str) -> bool:
    """Close; only the call that actually closed it posts in the channel. True when this call closed it."""
    with ctx.runtime.database.unit_of_work() as session:
        # Lock first, so a concurrent twin waits and then sees "closed".
        was_open = incident_service.get_incident(session, ref, lock=True).status != Status.CLOSED.value
        incident_service.close_incident(session, ref, reason=reason, outcome=outcome, actor=actor, now=ctx.now())
    if was_open:
        label = OUTCOMES.get(outcome, outcome)
        post_to_incident(ctx, ref, f":lock: {mention(actor)} closed *{ref}*: {escape(label)}.\n>{escape(reason)}")
    return was_open


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)
    guard = team_only(ctx, "close incidents")

    @app.action("close_incident", middleware=[guard])
    @safe
    def close_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        ref = str(action.get("value") or "")
        with ctx.runtime.database.unit_of_work() as session:
            closed = incident_service.get_incident(session, ref).status == Status.CLOSED.value
        if closed:
            tell(ctx, body, f"{ref} is already closed.")
            return
        open_close_modal(ctx, str(body.get("trigger_id") or ""), ref, still_needed(ctx, ref))

    @app.view(CALLBACK_ID, middleware=[guard])
    @safe
    def submit_close(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ref = str(forms.metadata(view).get("ref") or "")
        outcome, reason = forms.selected_one(view, "outcome"), forms.text(view, "reason")
        errors = {}
        if outcome not in OUTCOMES:
            errors["outcome"] = "Choose the outcome."
        if not reason:
            errors["reason"] = "Say why the incident is closed: the register needs it."
        if not errors:
            needed = still_needed(ctx, ref, outcome=outcome, reason=reason)
            if needed:
                errors["outcome"] = ("Not yet: the register still needs " + "; ".join(needed))[:1900]
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        close_and_announce(ctx, ref, outcome=outcome, reason=reason, actor=user_of(body) or "unknown")
