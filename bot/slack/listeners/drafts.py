"""Notice drafts in Slack (privacy team only): "Draft notices" or `/breach drafts` drafts every notice the
decision calls for and posts each to the incident's own channel, and nowhere else, as Markdown and Word
files with a short preview. The drafts hold personal data, so the channel is the only place they go.

Each draft version is posted once: the timeline records which versions went to the channel, claimed in
the drafting transaction so that a double click cannot post them twice, and released if the upload fails
so that the next click tries again."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.orm import Session

from bot.domain.worddoc import markdown_to_docx
from bot.errors import BreachbotError
from bot.services import incidents as incident_service
from bot.services.notices import DraftingFailed, draft_notices, file_stem
from bot.services.timeline import append_event, events_for
from bot.slack import state
from bot.slack.context import BotContext
from bot.slack.incident_channel import post_to_incident
from bot.slack.middleware.auth import refusal, team_only
from bot.slack.middleware.errors import after_ack_errors
from bot.slack.replies import user_of
from bot.slack.subcommands import subcommand
from bot.slack.views.drafts import DraftCopy, preview_blocks, preview_text
from bot.slack.views.text import escape
from bot.store.models import Incident

log = logging.getLogger(__name__)

DOING = "draft notices"
NOT_IN_CHANNEL = "Use `/breach drafts` in the incident's own channel: the drafts hold personal data and go only there."
POSTED, POST_FAILED = "drafts_posted", "drafts_post_failed"


def _posted(session: Session, incident: Incident) -> set[tuple[str, int]]:
    """Draft versions already in the channel: claimed, less those whose upload failed later."""
    posted: set[tuple[str, int]] = set()
    for event in events_for(session, incident):
        if event.kind not in (POSTED, POST_FAILED):
            continue
        listed = {(str(d["kind"]), int(d["version"])) for d in (event.after or {}).get("drafts", [])}
        posted = posted | listed if event.kind == POSTED else posted - listed
    return posted


def _record(session: Session, ref: str, kind: str, drafts: list[DraftCopy], actor: str, now: datetime) -> None:
    incident = incident_service.get_incident(session, ref, lock=True)
    names = ", ".join(f"{d.title} v{d.version}" for d in drafts)
    summary = (
        f"Posted to the incident's Slack channel as Markdown and Word files: {names}"
        if kind == POSTED
        else f"Upload to the incident's Slack channel failed: {names}"
    )
    append_event(
        session,
        incident,
        actor=actor,
        kind=kind,
        summary=summary,
        at=now,
        after={"drafts": [{"kind": d.kind, "version": d.version} for d in drafts]},
    )


def draft_and_claim(ctx: BotContext, ref: str, actor: str) -> tuple[str, list[DraftCopy], list[DraftCopy]]:
    """Draft (new versions only where the text changed) and claim the versions not yet posted.
    Returns the channel, every current draft, and the ones this call must post."""
    settings = ctx.runtime.settings
    with ctx.runtime.database.unit_of_work() as session:
        incident = incident_service.get_incident(session, ref)
        if not incident.slack_channel_id:
            raise BreachbotError(f"{incident.ref} has no Slack channel yet: finish its setup first.")
        drafts = draft_notices(session, incident.ref, actor=actor, now=ctx.now(), templates_dir=settings.templates_dir)
        copies = [
            DraftCopy(
                kind=d.kind,
                version=d.version,
                title=d.title,
                markdown=d.markdown,
                unknowns=tuple(d.unknowns or ()),
                warnings=tuple(d.warnings or ()),
                stem=file_stem(d, incident.ref),
                assessment_version=d.assessment_version,
            )
            for d in drafts
        ]
        # draft_notices holds the incident row locked, so a twin click waits and then sees this claim.
        already = _posted(session, incident)
        fresh = [c for c in copies if (c.kind, c.version) not in already]
        if fresh:
            _record(session, incident.ref, POSTED, fresh, actor, ctx.now())
        return incident.slack_channel_id, copies, fresh


def upload(ctx: BotContext, channel: str, draft: DraftCopy) -> None:
    """Both files in one upload, to the incident channel only."""
    ctx.calls.client.files_upload_v2(
        channel=channel,
        file_uploads=[
            {
                "filename": f"{draft.stem}.md",
                "content": draft.markdown.encode("utf-8"),
                "title": f"{draft.title} (.md)",
            },
            {
                "filename": f"{draft.stem}.docx",
                "content": markdown_to_docx(draft.markdown, title=draft.title),
                "title": f"{draft.title} (.docx)",
            },
        ],
        request_file_info=False,
    )


def post_drafts(ctx: BotContext, ref: str, *, actor: str) -> int:
    """Draft and post; every problem ends as a message in the incident channel. Returns drafts posted."""
    try:
        channel, every, fresh = draft_and_claim(ctx, ref, actor)
    except DraftingFailed as problem:
        post_to_incident(
            ctx,
            ref,
            f":warning: Could not draft the notices for *{escape(ref)}*: {escape(str(problem))}\n"
            "Fix the template (see BREACHBOT_TEMPLATES_DIR) and try again; nothing was drafted.",
        )
        return 0
    if not fresh:
        names = ", ".join(f"{escape(d.title)} v{d.version}" for d in every) or "none"
        post_to_incident(ctx, ref, f"The drafts have not changed since they were posted here ({names}).")
        return 0
    uploaded: list[DraftCopy] = []
    try:
        for draft in fresh:
            post_to_incident(ctx, ref, preview_text(draft), preview_blocks(draft))
            try:
                upload(ctx, channel, draft)
                uploaded.append(draft)
            except Exception as problem:  # Slack, the network, or building the Word file: all are "not posted"
                log.warning("could not upload %s for %s: %s", draft.stem, ref, problem)
    finally:
        # The claim is released for every draft not uploaded, whatever stopped it, so the next press posts it.
        failed = [d for d in fresh if d not in uploaded]
        if failed:
            with ctx.runtime.database.unit_of_work() as session:
                _record(session, ref, POST_FAILED, failed, actor, ctx.now())
            names = ", ".join(escape(d.title) for d in failed)
            post_to_incident(ctx, ref, f":warning: The files for {names} were not posted: press *Draft notices* again.")
    return len(uploaded)


@subcommand("drafts", "/breach drafts", "draft the notices this incident needs, posted here as files", team_only=True)
def drafts_command(ctx: BotContext, ack: Ack, command: dict[str, Any], rest: str) -> None:
    user = str(command.get("user_id") or "")
    if not ctx.team.is_member(user):
        ack(text=refusal(ctx, DOING), response_type="ephemeral")
        return
    with ctx.runtime.database.unit_of_work() as session:
        incident = state.incident_in_channel(session, str(command.get("channel_id") or ""))
        ref = incident.ref if incident else None
    if ref is None:
        ack(text=NOT_IN_CHANNEL, response_type="ephemeral")
        return
    ack(text=f"Drafting the notices for {ref}: they will appear in this channel.", response_type="ephemeral")
    post_drafts(ctx, ref, actor=user)


def register(app: App, ctx: BotContext) -> None:
    safe = after_ack_errors(ctx)

    @app.action("drafts_post", middleware=[team_only(ctx, DOING)])
    @safe
    def drafts_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        post_drafts(ctx, str(action.get("value") or ""), actor=user_of(body) or "unknown")
