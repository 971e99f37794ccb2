"""The App Home: the privacy team sees open incidents by nearest deadline and when the alert sweeper last
ran; everyone else, how to report."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services import incidents as incident_service
from bot.services.alerts import last_sweep
from bot.slack.context import BotContext
from bot.slack.views.lists import home_view
from bot.slack.views.reporting import sweeper_home_line


def publish_home(ctx: BotContext, user: str, team_id: str | None) -> None:
    now, zone = ctx.now(), ctx.runtime.settings.zone
    if ctx.team.is_member(user):
        with ctx.runtime.database.unit_of_work() as session:
            found = incident_service.list_incidents(session, open_only=True)
            sweeper = sweeper_home_line(last_sweep(session), open_incidents=len(found), now=now, zone=zone)
            view = home_view(found, now, zone, ctx.team.who(), team_id, sweeper=sweeper)
    else:
        view = home_view(None, now, zone, ctx.team.who(), team_id)
    ctx.calls("views.publish", user_id=user, view=view)


def register(app: App, ctx: BotContext) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        publish_home(ctx, str(event["user"]), body.get("team_id"))

    @app.action("open_channel")
    def open_channel(ack: Ack) -> None:
        # A URL button: Slack opens the link itself, but still expects an acknowledgement.
        ack()
