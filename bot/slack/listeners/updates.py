"""`/breach delay-reasons` and the summary's "Record reasons for delay" button and its modal."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.errors import BreachbotError
from bot.services import incidents as incident_service
from bot.services.incidents import TEXT_LIMIT
from bot.slack import state
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.middleware.auth import require_team, team_only
from bot.slack.middleware.errors import after_ack_errors, user_message
from bot.slack.replies import user_of
from bot.slack.subcommands import subcommand
from bot.slack.views import forms
from bot.slack.views.text import escape, mention, plain

DELAY_USAGE = "Give the reasons in the incident's channel: `/breach delay-reasons The supplier told us on day 4`."
DELAY_CALLBACK = "delay_reasons"


@subcommand(
    "delay-reasons",
    "/breach delay-reasons TEXT",
    "in an incident's channel, record why a report is late (UK GDPR Art 33(1))",
    team_only=True,
)
def delay_reasons_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    user, channel = str(command.get("user_id") or ""), str(command.get("channel_id") or "")
    try:
        require_team(ctx, user, "record the reasons for delay")
        if not rest:
            raise BreachbotError(DELAY_USAGE)
        with ctx.runtime.database.unit_of_work() as session:
            incident = state.incident_in_channel(session, channel)
            if incident is None:
                raise BreachbotError(DELAY_USAGE)
            ref = incident_service.record_delay_reasons(session, incident.ref, rest, actor=user, now=ctx.now()).ref
    except BreachbotError as problem:
        ack(text=user_message(problem), response_type="ephemeral")
        return
    ack(text=f"Recorded the reasons for delay on {ref}.", response_type="ephemeral")
    post_to_incident(ctx, ref, f"{mention(user)} recorded the reasons for delay:\n>{escape(rest)}")


def text_modal(callback_id: str, title: str, label: str, hint: str, ref: str, channel: str | None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"ref": ref, "channel": channel}),
        "blocks": [
            {
                "type": "input",
                "block_id": "text",
                "label": plain(label),
                "hint": plain(hint),
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000},
            }
        ],
    }


def _channel(body: dict[str, Any]) -> str | None:
    return (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)
    team = team_only(ctx, "record the reasons for delay")

    @app.action("delay_reasons", middleware=[team])
    @safe
    def delay_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        view = text_modal(
            DELAY_CALLBACK,
            "Reasons for delay",
            "Why is the report later than the deadline?",
            "UK GDPR Art 33(1): a late report must give the reasons for the delay.",
            str(action.get("value") or ""),
            _channel(body),
        )
        ctx.quick("views.open", trigger_id=body.get("trigger_id"), view=view)

    @app.view(DELAY_CALLBACK, middleware=[team])
    @safe
    def submit_delay(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        text, meta = forms.text(view, "text"), forms.metadata(view)
        if not text or len(text) > TEXT_LIMIT:
            ack(response_action="errors", errors={"text": "Give the reasons (at most 20,000 characters)."})
            return
        ack()
        user = user_of(body) or "unknown"
        with ctx.runtime.database.unit_of_work() as session:
            ref = incident_service.record_delay_reasons(
                session, str(meta.get("ref") or ""), text, actor=user, now=ctx.now()
            ).ref
        post_to_incident(ctx, ref, f"{mention(user)} recorded the reasons for delay:\n>{escape(text)}")
