"""An incident's Slack setup, resumable: private channel, invites, pinned summary, team notice.

Each step is skipped when already done. A step that must not be repeated (making the channel, posting
the summary, the announcement) is recorded as soon as it succeeds, in its own short transaction: a Slack
side effect cannot be rolled back, so its result must be durable before the next step starts. Steps Slack
lets us repeat (invites, the pin) are recorded with the next such step. When a step fails the incident is
already stored; the reporter is told, with a "Retry setup" button that runs this again from the failed
step, and the alert sweeper resumes any setup left unfinished (resume_abandoned_setups).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from bot.services import incidents as incident_service
from bot.slack import state
from bot.slack.client import SlackCallFailed
from bot.slack.context import BotContext
from bot.slack.projector import Projector, remember_posted
from bot.slack.views.summary import summary_blocks, summary_text
from bot.slack.views.text import button, channel_link, escape, section

log = logging.getLogger(__name__)

CHANNEL_NAME_LIMIT = 80
NAME_ATTEMPTS = 5
ACTOR = "breachbot"
OK_ERRORS = {"already_in_channel", "cant_invite_self", "already_pinned"}
# Slack's refusals to add one particular person (a guest, a deactivated account, someone from another
# workspace): the reporter may be one, and that must not stop the privacy team getting the channel.
PERSON_REFUSED = {
    "cant_invite",
    "user_is_restricted",
    "user_is_ultra_restricted",
    "ura_max_channels",
    "user_not_found",
    "user_disabled",
    "user_team_not_in_channel",
    "missing_profile_id",
}
STEP_LABELS = {
    "create_channel": "creating the private channel",
    "invite_reporter": "inviting you to the channel",
    "invite_team": "inviting the privacy team",
    "post_summary": "posting the summary",
    "pin_summary": "pinning the summary",
    "announce": "posting the privacy team's card and the channel topic",
}


@dataclass(frozen=True)
class SetupOutcome:
    ref: str
    complete: bool
    channel_id: str | None = None
    failed_step: str | None = None
    error: str | None = None
    busy: bool = False


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", ascii_text.lower())).strip("-")


def channel_name(ref: str, title: str, attempt: int = 1) -> str:
    """'br-2026-0001-laptop-stolen', at most 80 characters, with '-2', '-3' on a name clash."""
    suffix = f"-{attempt}" if attempt > 1 else ""
    base = ref.lower()
    room = CHANNEL_NAME_LIMIT - len(base) - len(suffix) - 1
    words = slug(title)[:room].rstrip("-")
    return f"{base}-{words}{suffix}" if words else f"{base}{suffix}"


def run_setup(ctx: BotContext, ref: str) -> SetupOutcome:
    """Do every setup step not done yet. Safe to call twice at once: only one caller holds the lease."""
    with ctx.runtime.database.unit_of_work() as session:
        current = state.claim_setup(session, ref, ctx.now())
        if current is None:
            existing = state.setup_state(session, ref)
    if current is None:
        if existing is not None and existing.complete:
            return SetupOutcome(ref, True, existing.channel_id)
        return SetupOutcome(ref, False, existing.channel_id if existing else None, busy=True)
    channel_id = current.channel_id
    step = "create_channel"
    # Steps Slack lets us repeat harmlessly (invites, the pin) are saved with the next step that must not be
    # repeated (the summary post, the announcement): fewer write transactions, the same safety on resume.
    done: dict[str, object] = {}
    try:
        if channel_id is None:
            channel_id = _create_channel(ctx, current)
        step = "invite_reporter"
        if not current.reporter_invited:
            _invite_reporter(ctx, current, channel_id)
            done["reporter_invited"] = True
        step = "invite_team"
        if not current.team_invited:
            team, complete = ctx.team.lookup()
            _invite(ctx, channel_id, sorted(team - {current.reporter}))
            if not complete:
                # The listed users are in; the user group's members must not be silently left out.
                raise SlackCallFailed(
                    "usergroups.users.list", "the privacy team's user group could not be read", retryable=True
                )
            done["team_invited"] = True
        step = "post_summary"
        summary_ts = current.summary_ts or _post_summary(ctx, current, channel_id, done)
        step = "pin_summary"
        if not current.summary_pinned:
            _ok_if_done(lambda: ctx.calls("pins.add", channel=channel_id, timestamp=summary_ts))
            done["summary_pinned"] = True
        step = "announce"
        if not current.announced:
            _announce(ctx, current)
            done["announced"] = True
    except SlackCallFailed as failure:
        _record_failure(ctx, current, step, failure.error, done)
        return SetupOutcome(ref, False, channel_id, failed_step=step, error=failure.error)
    except Exception:
        # A database error or a bug: the incident is stored, so say so and offer the retry, as for Slack's
        # failures. If even recording this fails, the lease lapses and the sweeper resumes the setup.
        log.exception("Slack setup of %s failed at %s", ref, step)
        try:
            _record_failure(ctx, current, step, "internal_error", done)
        except Exception:
            log.exception("could not record the failed setup of %s; its lease will lapse and it resumes", ref)
            tell_setup_failed(ctx, current.ref, current.reporter, step, "internal_error")
        return SetupOutcome(ref, False, channel_id, failed_step=step, error="internal_error")
    _progress(ctx, current, **done, complete=True, failed_step=None, last_error=None, claimed_until=None)
    _confirm_to_reporter(ctx, current, channel_id)
    return SetupOutcome(ref, True, channel_id)


def _progress(ctx: BotContext, current: state.SetupState, **flags: object) -> None:
    with ctx.runtime.database.unit_of_work() as session:
        state.record_progress(session, current.incident_id, ctx.now(), **flags)


def _ok_if_done(call) -> None:  # type: ignore[no-untyped-def]
    try:
        call()
    except SlackCallFailed as failure:
        if failure.error not in OK_ERRORS:
            raise


def _create_channel(ctx: BotContext, current: state.SetupState) -> str:
    for attempt in range(1, NAME_ATTEMPTS + 1):
        name = channel_name(current.ref, current.title, attempt)
        try:
            response = ctx.calls("conversations.create", name=name, is_private=True)
            channel_id = str(response["channel"]["id"])
        except SlackCallFailed as failure:
            if failure.error != "name_taken":
                raise
            # The name holds the incident's unique reference: a private channel by that name that the bot
            # is in is this incident's, made by an earlier attempt whose answer was lost.
            own = _own_channel_named(ctx, name)
            if own is None and attempt < NAME_ATTEMPTS:
                continue
            if own is None:
                raise
            channel_id = own
        with ctx.runtime.database.unit_of_work() as session:
            incident_service.record_slack_setup(
                session,
                current.ref,
                summary=f"Private Slack channel #{name} created",
                actor=ACTOR,
                now=ctx.now(),
                channel_id=channel_id,
            )
            state.record_progress(session, current.incident_id, ctx.now(), channel_name=name)
        return channel_id
    raise AssertionError("unreachable: the last attempt raises")


def _own_channel_named(ctx: BotContext, name: str) -> str | None:
    cursor = ""
    for _ in range(50):  # bounded: 50 pages of 1,000 channels
        page = ctx.calls(
            "conversations.list", types="private_channel", exclude_archived=True, limit=1000, cursor=cursor
        )
        for channel in page.get("channels") or []:
            if channel.get("name") == name:
                return str(channel["id"])
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return None
    return None


def _invite(ctx: BotContext, channel_id: str, users: list[str]) -> None:
    if users:
        # force: invite the valid users even if one id is wrong, rather than nobody.
        _ok_if_done(lambda: ctx.calls("conversations.invite", channel=channel_id, users=",".join(users), force=True))


def _post_summary(ctx: BotContext, current: state.SetupState, channel_id: str, done: dict[str, object]) -> str:
    zone = ctx.runtime.settings.zone
    with ctx.runtime.database.unit_of_work() as session:
        incident = incident_service.get_incident(session, current.ref)
        blocks = summary_blocks(incident, now=ctx.now(), zone=zone)
        text = summary_text(incident, zone)
    response = ctx.calls("chat.postMessage", channel=channel_id, text=text, blocks=blocks)
    ts = str(response["ts"])
    with ctx.runtime.database.unit_of_work() as session:
        incident = incident_service.record_slack_setup(
            session,
            current.ref,
            summary="Summary posted in the incident channel",
            actor=ACTOR,
            now=ctx.now(),
            summary_ts=ts,
        )
        remember_posted(session, incident, "summary", channel_id, ts, ctx.now())
        state.record_progress(session, current.incident_id, ctx.now(), **done)
    return ts


def _announce(ctx: BotContext, current: state.SetupState) -> None:
    """Post the privacy team's card (reference, status and deadlines only: titles are personal details)
    and set the channel topic, through the projector that keeps them current from then on."""
    projector = Projector(ctx.runtime.database, ctx.runtime.clock, ctx.runtime.settings, ctx.calls)
    projector.project([current.incident_id], strict=True)


def _confirm_to_reporter(ctx: BotContext, current: state.SetupState, channel_id: str) -> None:
    """Tell the reporter, in a DM they can find again, that it is recorded and where it is being handled."""
    text = (
        f":white_check_mark: Thank you. Your report is recorded as *{current.ref}* and its deadlines are "
        f"running. The privacy team is handling it in {channel_link(channel_id)}."
    )
    try:
        ctx.calls("chat.postMessage", channel=current.reporter, text=text, blocks=[section(text)])
    except SlackCallFailed as problem:
        log.warning("could not confirm %s to its reporter: %s", current.ref, problem)


def _invite_reporter(ctx: BotContext, current: state.SetupState, channel_id: str) -> None:
    """Invite the reporter; a reporter Slack will not add (a guest) is recorded and told, and setup goes on."""
    try:
        _invite(ctx, channel_id, [current.reporter])
    except SlackCallFailed as failure:
        if failure.error not in PERSON_REFUSED:
            raise
        log.info("reporter %s of %s cannot be invited: %s", current.reporter, current.ref, failure.error)
        with ctx.runtime.database.unit_of_work() as session:
            incident_service.record_slack_setup(
                session,
                current.ref,
                summary=(
                    f"The reporter could not be added to the channel (Slack said: {failure.error}, as for a "
                    "guest account); the privacy team carries on there"
                ),
                actor=ACTOR,
                now=ctx.now(),
            )
            # Saved at once, unlike a successful invite: a retry must not record and tell it twice.
            state.record_progress(session, current.incident_id, ctx.now(), reporter_invited=True)
        _tell(
            ctx,
            current.reporter,
            f"{current.ref} is saved and the privacy team has its private channel, but Slack would not add you "
            f"to it (`{escape(failure.error)}`, usually a guest account). The privacy team will contact you; "
            f"`/breach status` shows your reports.",
        )


def _tell(ctx: BotContext, user: str, text: str, blocks: list[dict[str, object]] | None = None) -> None:
    try:
        ctx.calls("chat.postMessage", channel=user, text=text, blocks=blocks or [section(text)])
    except SlackCallFailed as problem:
        log.warning("could not tell %s about %s: %s", user, text[:40], problem)


def _record_failure(
    ctx: BotContext, current: state.SetupState, step: str, error: str, done: dict[str, object] | None = None
) -> None:
    what = STEP_LABELS.get(step, step)
    log.warning("Slack setup of %s failed at %s: %s", current.ref, step, error)
    said = f"Slack said: {error}" if error != "internal_error" else "an internal error, logged"
    with ctx.runtime.database.unit_of_work() as session:
        state.record_progress(
            session,
            current.incident_id,
            ctx.now(),
            **(done or {}),
            failed_step=step,
            last_error=error,
            claimed_until=None,
        )
        incident_service.record_slack_setup(
            session,
            current.ref,
            summary=f"Slack setup stopped while {what} ({said}); it can be resumed",
            actor=ACTOR,
            now=ctx.now(),
            failed=True,
        )
    # An automatic retry that fails the same way again says nothing new: one message per distinct failure.
    if (current.failed_step, current.last_error) != (step, error):
        tell_setup_failed(ctx, current.ref, current.reporter, step, error)


def failure_blocks(ref: str, step: str, error: str) -> list[dict[str, object]]:
    what = STEP_LABELS.get(step, step)
    said = f"Slack said: `{escape(error)}`" if error != "internal_error" else "an internal error, logged"
    return [
        section(
            f":warning: *{ref}* is saved and its deadlines are running, but Slack setup stopped while "
            f"{what} ({said}). Nothing is lost: Breachbot retries by itself, or press Retry setup."
        ),
        {
            "type": "actions",
            "block_id": f"setup:{ref}",
            "elements": [button("Retry setup", "retry_setup", ref, "primary")],
        },
    ]


def tell_setup_failed(ctx: BotContext, ref: str, reporter: str, step: str, error: str) -> None:
    """DM the reporter; if Slack is down that fails too, and `/breach status` still offers the retry."""
    try:
        ctx.calls(
            "chat.postMessage",
            channel=reporter,
            text=f"{ref} is saved, but its Slack setup stopped: press Retry setup",
            blocks=failure_blocks(ref, step, error),
        )
    except SlackCallFailed as problem:
        log.warning("could not tell %s that setup of %s failed: %s", reporter, ref, problem)


def resume_abandoned_setups(ctx: BotContext, *, limit: int = 20) -> list[SetupOutcome]:
    """Carry on with setups nobody is finishing: a lease that lapsed (the process died mid-setup), one never
    started, or one Slack stopped a while ago. Run by the alert sweeper, so no incident is stranded."""
    with ctx.runtime.database.unit_of_work() as session:
        refs = state.abandoned_setups(session, ctx.now(), limit=limit)
    return [run_setup(ctx, ref) for ref in refs]


def setup_done_text(outcome: SetupOutcome) -> str:
    return f"*{outcome.ref}* is set up: {channel_link(outcome.channel_id)}"
