"""The "Remind me in 1 hour" button on a deadline alert in an incident's channel.

Anyone in the channel may press it (the reminder is theirs as much as the privacy team's); the service
decides what moves, never the deadline-passed alert, and a second press on the same message changes
nothing. The answer is ephemeral: the channel is not told who snoozed, the timeline is.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from sqlalchemy import select

from bot.alerts.messages import SNOOZE_ACTION_ID
from bot.errors import NotAllowed, NotFound
from bot.services import alerts as alert_service
from bot.slack.context import BotContext
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import channel_of, tell, user_of
from bot.store.models import Incident, PlannedAlert


def snooze(ctx: BotContext, alert_id: int, *, user: str, channel: str | None) -> str:
    with ctx.runtime.database.unit_of_work() as session:
        home = session.scalar(
            select(Incident.slack_channel_id)
            .join(PlannedAlert, PlannedAlert.incident_id == Incident.id)
            .where(PlannedAlert.id == alert_id)
        )
        if home is None:
            raise NotFound("That alert no longer exists: its plan was replaced. The newer alerts can be snoozed.")
        # The button only ever appears in the incident's channel; a click from anywhere else is not
        # from someone who can see the incident.
        if channel != home:
            raise NotAllowed("Snooze an alert from the incident's own channel.")
        return alert_service.snooze_alert(session, alert_id, actor=user, now=ctx.now()).message


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)

    @app.action(SNOOZE_ACTION_ID)
    @safe
    def snooze_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = str(action.get("value") or "")
        # Nine digits at most: a larger number is no alert id, and would overflow PostgreSQL's integer.
        if not (value.isascii() and value.isdigit() and len(value) <= 9):
            tell(ctx, body, "That button does not name an alert: nothing was snoozed.")
            return
        tell(ctx, body, snooze(ctx, int(value), user=user_of(body) or "unknown", channel=channel_of(body)))
