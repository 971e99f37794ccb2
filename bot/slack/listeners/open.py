"""Reporting a breach: `/breach open` and the shortcut open the modal; its submission stores the incident
and runs the Slack setup; "Retry setup" resumes a setup that failed."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App

from bot.domain.clock import UnknownRegime, get_regime
from bot.errors import NotAllowed
from bot.services import alerts as alert_service
from bot.services import incidents as incident_service
from bot.services.incidents import TEXT_LIMIT, TITLE_LIMIT, IncidentDraft, InvalidIncident
from bot.slack import state
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import tell, user_of
from bot.slack.setup import run_setup, setup_done_text
from bot.slack.views import eu, forms
from bot.slack.views.report import CALLBACK_ID, is_near_miss, origin_channel, report_modal
from bot.slack.views.text import escape, section
from bot.slack.views.times import TimeFieldError, read_time

log = logging.getLogger(__name__)


def open_report_modal(
    ctx: BotContext,
    trigger_id: str,
    *,
    title: str = "",
    description: str = "",
    channel: str | None = None,
    near_miss: bool = False,
) -> None:
    """views.open first (the trigger expires in about 3 s), then refresh the cached organisation profile."""
    view = report_modal(
        ctx.org.current(),
        title=title,
        description=description,
        origin_channel=channel,
        near_miss=near_miss,
        now=ctx.now(),
    )
    ctx.quick("views.open", trigger_id=trigger_id, view=view)
    ctx.org.refresh_if_stale()


def read_report(view: dict[str, Any], *, now: datetime, zone: str) -> tuple[IncidentDraft | None, dict[str, str]]:
    """The submitted modal as a draft, or field errors keyed by block id (Slack shows them in place)."""
    errors: dict[str, str] = {}
    title = forms.text(view, "title")
    description = forms.text(view, "description")
    if not title:
        errors["title"] = "Give a title: a few words saying what happened."
    elif len(title) > TITLE_LIMIT:
        errors["title"] = f"Keep the title to {TITLE_LIMIT} characters; put the detail below."
    if not description:
        errors["description"] = "Say what happened, even briefly."
    elif len(description) > TEXT_LIMIT:
        errors["description"] = f"That is longer than {TEXT_LIMIT:,} characters: shorten it."
    aware_at = occurred_at = None
    try:
        aware_at = read_time(view, "aware_at", zone=zone, now=now)
    except TimeFieldError as problem:
        errors[problem.block_id] = str(problem)
    try:
        occurred_at = read_time(view, "occurred_at", zone=zone, now=now, required=False)
    except TimeFieldError as problem:
        errors[problem.block_id] = str(problem)
    if occurred_at and aware_at and occurred_at > aware_at:
        errors["occurred_at"] = "It cannot have happened after you became aware of it: check both times."
    chosen = forms.selected(view, "regimes")
    try:
        for key in chosen:
            get_regime(key)
    except UnknownRegime as problem:
        errors["regimes"] = str(problem)
    is_processor = "yes" in forms.selected(view, "processor")
    controller = forms.text(view, "controller")
    if not chosen and not is_processor:
        errors["regimes"] = "Choose at least one, or say the data is processed for another organisation."
    if is_processor and not controller:
        errors["controller"] = "Name the organisation you process this data for: it must be told."
    if len(controller) > 200:
        errors["controller"] = "Keep the name to 200 characters."
    countries, countries_error = eu.read_countries(view)
    if countries_error:
        errors[eu.COUNTRIES_BLOCK] = countries_error
    if errors or aware_at is None:
        return None, errors
    draft = IncidentDraft(
        title=title,
        description=description,
        aware_at=aware_at,
        occurred_at=occurred_at,
        discovered_how=forms.text(view, "discovered_how") or None,
        regimes=tuple(chosen),
        is_processor=is_processor,
        controller_name=controller or None,
        near_miss=is_near_miss(view),
        source_key=f"slack-view:{view.get('id')}",
        eu_countries=countries,
    )
    return draft, {}


def store_report(ctx: BotContext, draft: IncidentDraft, *, reporter: str, channel: str | None) -> str:
    """Store the incident, its setup record and its deadline alerts in one transaction (so no sweep can
    see an incident without its plan); a double submit gets the incident the first one made."""
    for attempt in (1, 2):
        try:
            with ctx.runtime.database.unit_of_work() as session:
                incident = incident_service.open_incident(session, draft, actor=reporter, now=ctx.now())
                state.ensure_setup(session, incident, reporter=reporter, origin_channel=channel, now=ctx.now())
                alert_service.plan_for_incident(session, incident, ctx.now())
                return incident.ref
        except InvalidIncident:
            # The twin submission committed first: the second pass finds it by source_key.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)

    @app.view(CALLBACK_ID)
    @safe
    def submit_report(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reporter = user_of(body) or "unknown"
        draft, errors = read_report(view, now=ctx.now(), zone=ctx.runtime.settings.timezone)
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        ref = store_report(ctx, draft, reporter=reporter, channel=origin_channel(view))
        run_setup(ctx, ref)

    @app.shortcut("report_breach")
    @safe
    def report_from_message(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        message = body.get("message") or {}
        text = str(message.get("text") or "")
        channel = (body.get("channel") or {}).get("id")
        link = _permalink((body.get("team") or {}).get("domain"), channel, body.get("message_ts") or message.get("ts"))
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        description = "> " + text.replace("\n", "\n> ") if text else ""
        if link:
            description += f"\n\nReported from this message: {link}"
        open_report_modal(ctx, body["trigger_id"], title=first_line[:80], description=description, channel=channel)

    @app.action("retry_setup")
    @safe
    def retry_setup(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        ref = str(action.get("value") or "")
        user = user_of(body)
        with ctx.runtime.database.unit_of_work() as session:
            current = state.setup_state(session, ref)
        if current is None:
            tell(ctx, body, f"There is no Slack setup to retry for {ref or 'that incident'}.")
            return
        if user != current.reporter and not ctx.team.is_member(user):
            raise NotAllowed(f"Only the reporter or {ctx.team.who()} can retry the setup of {escape(ref)}.")
        outcome = run_setup(ctx, ref)
        if outcome.busy:
            tell(ctx, body, f"The setup of {ref} is already running: give it a moment.")
        elif outcome.complete:
            _replace_button_message(ctx, body, setup_done_text(outcome))


def _permalink(domain: object, channel: str | None, ts: object) -> str | None:
    """The message's link, built from the payload: asking Slack (chat.getPermalink) before opening the modal
    could outlive the trigger id's 3 seconds."""
    if not domain or not channel or not ts:
        return None
    return f"https://{domain}.slack.com/archives/{channel}/p{str(ts).replace('.', '')}"


def _replace_button_message(ctx: BotContext, body: dict[str, Any], text: str) -> None:
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if channel and ts:
        try:
            ctx.calls("chat.update", channel=channel, ts=ts, text=text, blocks=[section(text)])
            return
        except SlackCallFailed as problem:
            log.info("could not update the retry message: %s", problem)
    tell(ctx, body, text)
