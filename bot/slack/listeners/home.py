"""The App Home: everyone gets a "Report a breach" button; the privacy team also sees open incidents by
nearest deadline and when the alert sweeper last ran. The global shortcut opens the same report modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack import home
from bot.slack.context import BotContext
from bot.slack.listeners.open import open_report_modal
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.views.lists import REPORT_ACTION

GLOBAL_SHORTCUT = "report_breach_global"  # manifest.yml: the ⚡ shortcut, the same modal as /breach open


def publish_home(ctx: BotContext, user: str, team_id: str | None) -> None:
    rt = ctx.runtime
    home.publish_home(rt.database, rt.clock, rt.settings, ctx.calls, ctx.team, user, team_id, opened=True)


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        publish_home(ctx, str(event["user"]), body.get("team_id"))

    @app.action("open_channel")
    def open_channel(ack: Ack) -> None:
        # A URL button: Slack opens the link itself, but still expects an acknowledgement.
        ack()

    @app.action(REPORT_ACTION)
    @safe
    def report_from_home(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        open_report_modal(ctx, str(body.get("trigger_id") or ""))

    @app.shortcut(GLOBAL_SHORTCUT)
    @safe
    def report_from_shortcut(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        open_report_modal(ctx, str(body.get("trigger_id") or ""))
