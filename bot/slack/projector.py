"""Keeps every Slack view of an incident in step with its timeline.

The timeline is the source of truth. Each view (the pinned summary, the privacy team's card, the channel
topic, and the channel's archiving once closed) remembers the newest timeline event it showed; so does
each privacy-team App Home (bot/slack/home.py), which lists every open incident. The
projector re-renders the views whose incident has newer events, or whose refresh time has passed (a
deadline falling due changes what they show with no event). It runs after every Slack flow (the listener
wrapper in middleware/errors.py collects the incidents the flow wrote to) and from the alert sweeper for
everything else: changes made on the command line, and deadlines passing. An unchanged rendering costs
no Slack call, and the sweeper's pass is bounded, so Slack's rate limits (chat.update is Tier 3,
conversations.setTopic Tier 2) bound one loop rather than a dozen call sites.
"""

from __future__ import annotations

import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.slack import view_records
from bot.slack.client import SlackCallFailed, SlackCalls
from bot.slack.context import BotContext, PrivacyTeam
from bot.slack.home import refresh_homes
from bot.slack.views.clock_states import next_deadline_change
from bot.slack.views.privacy_card import card_blocks, card_text
from bot.slack.views.summary import is_closed, summary_blocks, summary_text
from bot.slack.views.topic import topic_text
from bot.store.models import Incident, SlackView
from bot.store.session import Database
from bot.timesource import Clock

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
RETRY_AFTER = timedelta(minutes=1)
ROUNDS = 3  # re-check after publishing: a change committed meanwhile is shown by the same projector
SWEEP_LIMIT = 10  # incidents per sweeper pass: at most ~40 Slack calls every 15 s, inside Tier 2/3 limits
# Slack errors after which trying again changes nothing until the view's incident changes.
GONE = frozenset({"message_not_found", "channel_not_found", "is_archived", "not_in_channel", "cant_update_message"})


@dataclass(frozen=True)
class Rendered:
    kind: str
    seq: int
    payload: dict[str, Any]
    channel_id: str | None
    ts: str | None
    digest: str
    unchanged: bool
    refresh_at: datetime | None


class ViewKind(ABC):
    """One kind of view: whether an incident should have it, how it renders, how it reaches Slack."""

    key = ""

    @abstractmethod
    def wanted(self, incident: Incident, settings: Settings) -> bool:
        """Whether this incident should have this view now."""

    @abstractmethod
    def render(self, incident: Incident, view: SlackView, now: datetime, settings: Settings) -> dict[str, Any] | None:
        """The payload to send, or None when there is nothing to show (yet)."""

    def where(self, incident: Incident, view: SlackView, settings: Settings) -> tuple[str | None, str | None]:
        return view.channel_id or incident.slack_channel_id, view.ts

    @abstractmethod
    def publish(
        self, calls: SlackCalls, channel: str, ts: str | None, payload: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        """Send it; returns where it now lives (channel, ts)."""


class SummaryView(ViewKind):
    key = "summary"

    def wanted(self, incident: Incident, settings: Settings) -> bool:
        return bool(incident.slack_channel_id and incident.slack_summary_ts)

    def where(self, incident: Incident, view: SlackView, settings: Settings) -> tuple[str | None, str | None]:
        return incident.slack_channel_id, incident.slack_summary_ts

    def render(self, incident: Incident, view: SlackView, now: datetime, settings: Settings) -> dict[str, Any] | None:
        if not incident.slack_summary_ts:
            return None
        zone = settings.zone
        return {"text": summary_text(incident, zone), "blocks": summary_blocks(incident, now=now, zone=zone)}

    def publish(
        self, calls: SlackCalls, channel: str, ts: str | None, payload: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        calls("chat.update", channel=channel, ts=ts, **payload)
        return channel, ts


class PrivacyCardView(ViewKind):
    key = "privacy_card"

    def wanted(self, incident: Incident, settings: Settings) -> bool:
        return bool(settings.privacy_channel) and not is_closed(incident)

    def where(self, incident: Incident, view: SlackView, settings: Settings) -> tuple[str | None, str | None]:
        # A card stays where it was posted, even if the privacy channel setting changes later.
        return view.channel_id or settings.privacy_channel, view.ts

    def render(self, incident: Incident, view: SlackView, now: datetime, settings: Settings) -> dict[str, Any] | None:
        if not view.ts and is_closed(incident):
            return None  # closed before it ever had a card: nothing to tell the team now
        return {"text": card_text(incident, now), "blocks": card_blocks(incident, now=now, zone=settings.zone)}

    def publish(
        self, calls: SlackCalls, channel: str, ts: str | None, payload: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        if ts:
            calls("chat.update", channel=channel, ts=ts, **payload)
            return channel, ts
        response = calls("chat.postMessage", channel=channel, unfurl_links=False, **payload)
        return str(response.get("channel") or channel), str(response["ts"])


class TopicView(ViewKind):
    key = "topic"

    def wanted(self, incident: Incident, settings: Settings) -> bool:
        return bool(incident.slack_channel_id) and not is_closed(incident)

    def render(self, incident: Incident, view: SlackView, now: datetime, settings: Settings) -> dict[str, Any] | None:
        return {"topic": topic_text(incident, now, settings.zone)} if incident.slack_channel_id else None

    def publish(
        self, calls: SlackCalls, channel: str, ts: str | None, payload: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        calls("conversations.setTopic", channel=channel, **payload)
        return channel, None


class ArchivedChannel(ViewKind):
    """With BREACHBOT_ARCHIVE_ON_CLOSE, a closed incident's channel is archived, after its other views
    have shown the close (an archived channel's messages can no longer be updated)."""

    key = "archive"

    def wanted(self, incident: Incident, settings: Settings) -> bool:
        return settings.archive_on_close and is_closed(incident) and bool(incident.slack_channel_id)

    def render(self, incident: Incident, view: SlackView, now: datetime, settings: Settings) -> dict[str, Any] | None:
        return {"archived": True} if self.wanted(incident, settings) else None

    def publish(
        self, calls: SlackCalls, channel: str, ts: str | None, payload: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        try:
            calls("conversations.archive", channel=channel)
        except SlackCallFailed as problem:
            if problem.error != "already_archived":
                raise
        return channel, None


# In this order: the archive comes last.
VIEW_KINDS: tuple[ViewKind, ...] = (PrivacyCardView(), SummaryView(), TopicView(), ArchivedChannel())
KINDS_BY_KEY = {kind.key: kind for kind in VIEW_KINDS}
KIND_ORDER = {kind.key: index for index, kind in enumerate(VIEW_KINDS)}


def _digest(channel: str | None, payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([channel, payload], sort_keys=True, default=str).encode()).hexdigest()


class Projector:
    def __init__(
        self, database: Database, clock: Clock, settings: Settings, calls: SlackCalls, team: PrivacyTeam | None = None
    ) -> None:
        self.database = database
        self.clock = clock
        self.settings = settings
        self.calls = calls
        self.team = team or PrivacyTeam(calls, settings.privacy_team_users, settings.privacy_team_usergroup)

    def project(self, incident_ids: Iterable[int], *, strict: bool = False) -> None:
        """Bring these incidents' views up to date. Slack failures are recorded and retried by the sweeper;
        with `strict`, a failure Slack may get over is raised as well (the setup's retry button needs it)."""
        for incident_id in sorted(set(incident_ids)):
            self._project_incident(incident_id, strict=strict)
        self.project_homes()

    def project_homes(self) -> int:
        """The privacy team's App Homes list every open incident: republish those that are behind."""
        return refresh_homes(self.database, self.clock, self.settings, self.calls, self.team)

    def project_behind(self, limit: int = SWEEP_LIMIT) -> int:
        """The sweeper's pass: incidents changed elsewhere (the CLI), or whose deadlines have passed.
        Stops at the first rate limit: the rest wait for the next pass."""
        with self.database.unit_of_work() as session:
            ids = view_records.incidents_behind(
                session, self.clock.now(), privacy_channel=bool(self.settings.privacy_channel), limit=limit
            )
        for incident_id in ids:
            try:
                self._project_incident(incident_id, strict=True)
            except SlackCallFailed as problem:
                if problem.error == "ratelimited":
                    break
        self.project_homes()
        return len(ids)

    def _project_incident(self, incident_id: int, *, strict: bool) -> None:
        for _ in range(ROUNDS):
            work = self._claim(incident_id)
            if not work:
                return
            self._publish(incident_id, work, strict=strict)

    def _claim(self, incident_id: int) -> list[Rendered]:
        now = self.clock.now()
        with self.database.unit_of_work() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                return []
            wanted = [kind.key for kind in VIEW_KINDS if kind.wanted(incident, self.settings)]
            view_records.ensure_views(session, incident_id, wanted, now)
            claimed = view_records.claim_behind(session, incident, now, now + LEASE)
            if not claimed:
                return []
            # Read it again: the claim may have seen events committed after the first read (PostgreSQL's
            # READ COMMITTED), and the view must show at least what made it behind.
            session.refresh(incident)
            refresh_at = _refresh_at(session, incident, now)
            work = []
            for view in sorted(claimed, key=lambda v: KIND_ORDER.get(v.kind, len(KIND_ORDER))):
                kind = KINDS_BY_KEY.get(view.kind)
                payload = kind.render(incident, view, now, self.settings) if kind else None
                channel, ts = kind.where(incident, view, self.settings) if kind else (None, None)
                digest = _digest(channel, payload or {})
                work.append(
                    Rendered(
                        kind=view.kind,
                        seq=incident.timeline_count,
                        payload=payload or {},
                        channel_id=channel,
                        ts=ts,
                        digest=digest,
                        unchanged=payload is None or channel is None or digest == view.digest,
                        refresh_at=refresh_at,
                    )
                )
            return work

    def _publish(self, incident_id: int, work: list[Rendered], *, strict: bool) -> None:
        held_back: SlackCallFailed | None = None
        for item in work:
            channel, ts, error = item.channel_id, item.ts, None
            if item.kind == ArchivedChannel.key and held_back is not None:
                self._retry(incident_id, item, held_back)  # archive only once the other views show the close
                continue
            if not item.unchanged and channel:
                try:
                    channel, ts = KINDS_BY_KEY[item.kind].publish(self.calls, channel, ts, item.payload)
                except SlackCallFailed as problem:
                    if problem.retryable and problem.error not in GONE:
                        self._retry(incident_id, item, problem)
                        held_back = held_back or problem
                        continue
                    log.warning("incident %s: Slack refused its %s view: %s", incident_id, item.kind, problem)
                    error = problem.error
            with self.database.unit_of_work() as session:
                view_records.record_shown(
                    session,
                    incident_id,
                    item.kind,
                    seq=item.seq,
                    digest=None if error else item.digest,
                    refresh_at=item.refresh_at,
                    channel_id=channel,
                    ts=ts,
                    error=error,
                    now=self.clock.now(),
                )
        if strict and held_back is not None:
            raise held_back

    def _retry(self, incident_id: int, item: Rendered, problem: SlackCallFailed) -> None:
        now = self.clock.now()
        wait = timedelta(seconds=problem.retry_after) if problem.retry_after is not None else RETRY_AFTER
        log.info("incident %s: %s view not updated (%s); retrying after %s", incident_id, item.kind, problem, wait)
        with self.database.unit_of_work() as session:
            view_records.record_retry(
                session, incident_id, item.kind, retry_at=now + wait, error=problem.error, now=now
            )


def _refresh_at(session: Session, incident: Incident, now: datetime) -> datetime | None:
    """When what the views show changes with no event: the next deadline passing or the next alert."""
    if is_closed(incident):
        return None
    moments = (next_deadline_change(incident, now), view_records.next_alert_due(session, incident.id, now))
    return min((m for m in moments if m is not None), default=None)


def remember_posted(session: Session, incident: Incident, kind: str, channel_id: str, ts: str, now: datetime) -> None:
    """A view just posted by someone else (the setup posts the summary): it shows the timeline as it is."""
    view_records.ensure_views(session, incident.id, [kind], now)
    view_records.record_shown(
        session,
        incident.id,
        kind,
        seq=incident.timeline_count,
        digest=None,
        refresh_at=_refresh_at(session, incident, now),
        channel_id=channel_id,
        ts=ts,
        error=None,
        now=now,
    )


def refresh_views(ctx: BotContext, incident_ids: Iterable[int]) -> None:
    """After a Slack flow: show what it changed. Never raises: the change itself is already recorded,
    and the sweeper's pass retries whatever Slack did not take."""
    try:
        rt = ctx.runtime
        Projector(rt.database, rt.clock, rt.settings, ctx.calls, ctx.team).project(incident_ids)
    except Exception:
        log.exception("bringing the Slack views of incidents %s up to date failed", sorted(incident_ids))
