"""The alert sweeper: claim due alerts, post them to Slack, record each post the moment Slack accepts it.

Runs stand-alone (`breachbot alerts worker`, `breachbot alerts run-once`) and inside the bot process
as a daemon thread. Any number may run against one database: the claim (services/alert_delivery.py)
hands each alert to one sweeper at a time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.alerts.messages import Message, incident_channel_message, privacy_channel_message, update_reminder_message
from bot.config import Settings
from bot.domain.alert_plan import UPDATE_REMINDER, retry_delay
from bot.runtime import Runtime
from bot.services import alert_delivery as delivery
from bot.services import status_updates
from bot.slack.client import SlackCallFailed
from bot.store.session import Database, DatabaseUnavailable
from bot.timesource import Clock

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 100
# A sweep ends after this many batches even with more due, so the heartbeat `breachbot doctor` reads
# stays fresh during a large catch-up; the loop then sweeps again at once.
MAX_BATCHES = 20
# After this many retryable failures in a row Slack is taken to be down: the rest of the batch is
# handed back at once instead of each alert waiting out its own timeouts.
OUTAGE_AFTER = 3
ALERT_EVENT_TYPE = "breachbot_alert"
# How far back, and how much of, a channel's history is searched for an alert posted before a crash.
HISTORY_MARGIN = timedelta(hours=1)
HISTORY_PAGES = 5
HISTORY_PAGE_SIZE = 200


class SlackPoster(Protocol):
    """What the sweeper needs of Slack: bot.slack.client.SlackCalls, or a counter in benchmarks."""

    def call(self, method: str, **params: Any) -> Mapping[str, Any]: ...


class ViewProjector(Protocol):
    """bot.slack.projector.Projector: brings Slack views up to date after changes made outside Slack."""

    def project_behind(self) -> int: ...


@dataclass
class SweepStats:
    worker_id: str = ""
    planned: int = 0
    reminders_planned: int = 0  # status-update reminders for incident leads
    claimed: int = 0
    sent: int = 0
    missed: int = 0
    cancelled: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    examined: int = 0
    batches: int = 0
    claim_seconds: float = 0.0
    seconds: float = 0.0
    more_due: bool = False
    views_projected: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["claim_seconds"] = round(self.claim_seconds, 4)
        data["seconds"] = round(self.seconds, 4)
        data["errors"] = self.errors[:10]
        return data


class _Outage(Exception):
    def __init__(self, retry_at: datetime, error: str) -> None:
        self.retry_at = retry_at
        self.error = error


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:120]


class Sweeper:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        slack: SlackPoster,
        settings: Settings,
        *,
        worker_id: str | None = None,
        lease: timedelta = LEASE,
        batch: int = BATCH,
        max_batches: int = MAX_BATCHES,
        projector: ViewProjector | None = None,
        extra_work: Sequence[Callable[[], object]] = (),
    ) -> None:
        self.extra_work = tuple(extra_work)
        self.database = database
        self.projector = projector
        self.clock = clock
        self.slack = slack
        self.settings = settings
        self.worker_id = worker_id or new_worker_id()
        self.lease = lease
        self.batch = batch
        self.max_batches = max_batches
        self.started_at = clock.now()
        # When this sweeper last finished a sweep (time.monotonic); None until its first. Read by /healthz.
        self.last_completed: float | None = None
        self._created = time.monotonic()

    def sweep_once(self, stop: threading.Event | None = None) -> SweepStats:
        """Plan what is unplanned, then claim and send until nothing is due (or Slack is down)."""
        began = time.monotonic()
        stats = SweepStats(worker_id=self.worker_id)
        stop = stop or threading.Event()
        with self.database.unit_of_work() as session:
            stats.planned = delivery.plan_missing(session, now=self.clock.now())
        every = self.settings.update_reminder_every
        if every is not None:
            with self.database.unit_of_work() as session:
                stats.reminders_planned = status_updates.plan_update_reminders(
                    session, now=self.clock.now(), remind_after=every
                )
        while not stop.is_set():
            if stats.batches >= self.max_batches:
                stats.more_due = True
                break
            claim_began = time.monotonic()
            with self.database.unit_of_work() as session:
                claim = delivery.claim_due(
                    session, worker_id=self.worker_id, now=self.clock.now(), lease=self.lease, limit=self.batch
                )
            stats.claim_seconds += time.monotonic() - claim_began
            stats.batches += 1
            stats.examined += claim.examined
            stats.claimed += len(claim.alerts)
            stats.missed += claim.missed
            stats.cancelled += claim.cancelled
            if not claim.progressed:
                break
            if not self._send_batch(claim.alerts, stats, stop, claim_began):
                break
        for work in self.extra_work:
            # Other chores that must not wait for a person (resuming abandoned Slack setups): one failing
            # never stops the alerts.
            try:
                work()
            except Exception as problem:
                log.exception("sweeper chore %s failed", getattr(work, "__name__", work))
                stats.errors.append(f"{getattr(work, '__name__', 'chore')}: {problem}"[:200])
        if self.projector is not None and not stop.is_set():
            # After the alerts: summaries and cards then show a deadline that has just passed, and any
            # change made on the command line reaches Slack.
            try:
                stats.views_projected = self.projector.project_behind()
            except Exception as problem:
                log.exception("bringing Slack views up to date failed")
                stats.errors.append(f"views: {problem}")
        stats.seconds = time.monotonic() - began
        with self.database.unit_of_work() as session:
            delivery.beat(
                session,
                worker_id=self.worker_id,
                started_at=self.started_at,
                now=self.clock.now(),
                stats=stats.to_dict(),
            )
        self.last_completed = time.monotonic()
        return stats

    def seconds_since_sweep(self) -> float:
        """Since the last completed sweep, or since this sweeper was made if it has not completed one."""
        return time.monotonic() - (self.last_completed if self.last_completed is not None else self._created)

    def _send_batch(
        self, alerts: list[delivery.Claimed], stats: SweepStats, stop: threading.Event, claimed_at: float
    ) -> bool:
        """Send one claimed batch; False when the sweep should end (stopping, or Slack unavailable)."""
        # Stop well inside the lease, so no alert is sent after another sweeper could have taken it.
        send_until = claimed_at + self.lease.total_seconds() / 2
        failures_in_a_row = 0
        for index, alert in enumerate(alerts):
            if stop.is_set() or time.monotonic() > send_until:
                self._release(alerts[index:], self.clock.now(), "handed back unsent", stats)
                return False
            try:
                outcome = self._deliver(alert)
            except _Outage as outage:
                stats.retrying += 1
                stats.errors.append(outage.error)
                self._release(alerts[index + 1 :], outage.retry_at, outage.error, stats)
                return False
            if outcome == "retrying":
                stats.retrying += 1
                failures_in_a_row += 1
                if failures_in_a_row >= OUTAGE_AFTER:
                    retry_at = self.clock.now() + retry_delay(1)
                    self._release(alerts[index + 1 :], retry_at, "Slack unavailable", stats)
                    return False
                continue
            failures_in_a_row = 0
            if outcome == "sent":
                stats.sent += 1
            else:
                stats.failed += 1
        return True

    def _release(self, alerts: list[delivery.Claimed], at: datetime, why: str, stats: SweepStats) -> None:
        if not alerts:
            return
        with self.database.unit_of_work() as session:
            for alert in alerts:
                delivery.record_retry(
                    session,
                    alert.context.alert_id,
                    worker_id=self.worker_id,
                    retry_at=at,
                    error=why,
                    undo_attempt=True,
                )
        stats.released += len(alerts)

    def _destinations(self, alert: delivery.Claimed, now: datetime) -> list[tuple[str, str, Message]]:
        zone = self.settings.zone
        if alert.context.regime == UPDATE_REMINDER:
            # The lead's nudge belongs in the incident's channel only: the privacy channel tracks clocks.
            if alert.channel_id and not alert.channel_ts:
                return [("channel", alert.channel_id, update_reminder_message(alert.context, now=now, zone=zone))]
            return []
        wanted = []
        if alert.channel_id and not alert.channel_ts:
            wanted.append(("channel", alert.channel_id, incident_channel_message(alert.context, now=now, zone=zone)))
        privacy = self.settings.privacy_channel
        if privacy and not alert.privacy_ts:
            wanted.append(("privacy", privacy, privacy_channel_message(alert.context, now=now, zone=zone)))
        return wanted

    def _deliver(self, alert: delivery.Claimed) -> str:
        """Post to each destination still missing the alert. Returns "sent", "retrying" or "failed"."""
        alert_id = alert.context.alert_id
        now = self.clock.now()
        wanted = self._destinations(alert, now)
        if not wanted and not (alert.channel_ts or alert.privacy_ts):
            with self.database.unit_of_work() as session:
                delivery.record_done(
                    session,
                    alert_id,
                    alert.incident_id,
                    worker_id=self.worker_id,
                    now=now,
                    failed=True,
                    error="nowhere to post: the incident has no Slack channel and BREACHBOT_PRIVACY_CHANNEL is unset",
                )
            return "failed"
        refused: list[str] = []
        delivered = bool(alert.channel_ts or alert.privacy_ts)
        last_post: tuple[str, str, str] | None = None
        for index, (destination, channel, message) in enumerate(wanted):
            try:
                # An earlier attempt may have reached Slack and died before it was recorded: look first.
                ts = find_posted_alert(self.slack, channel, alert, destination) if alert.attempts > 1 else None
                if ts is None:
                    response = self.slack.call(
                        "chat.postMessage",
                        channel=channel,
                        text=message.text,
                        blocks=message.blocks,
                        unfurl_links=False,
                        metadata={
                            "event_type": ALERT_EVENT_TYPE,
                            "event_payload": {"alert_id": alert_id, "destination": destination},
                        },
                    )
                    ts = str(response["ts"])
            except SlackCallFailed as problem:
                if not problem.retryable:
                    refused.append(f"{destination} channel {channel}: {problem.error}")
                    continue
                failed_at = self.clock.now()
                if problem.retry_after is not None:
                    retry_at = failed_at + timedelta(seconds=problem.retry_after)
                else:
                    retry_at = failed_at + retry_delay(alert.attempts)
                with self.database.unit_of_work() as session:
                    delivery.record_retry(
                        session, alert_id, worker_id=self.worker_id, retry_at=retry_at, error=problem.error
                    )
                log.info("alert %s to %s: %s; retrying at %s", alert_id, destination, problem.error, retry_at)
                if problem.error == "ratelimited":
                    raise _Outage(retry_at, "ratelimited") from None
                return "retrying"
            delivered = True
            if index == len(wanted) - 1:
                # The last post is recorded in the same transaction that finishes the alert.
                last_post = (destination, channel, ts)
                continue
            with self.database.unit_of_work() as session:
                delivery.record_posted(session, alert_id, destination, channel, ts)
        with self.database.unit_of_work() as session:
            if last_post is not None:
                delivery.record_posted(session, alert_id, *last_post)
            delivery.record_done(
                session,
                alert_id,
                alert.incident_id,
                worker_id=self.worker_id,
                now=self.clock.now(),
                failed=not delivered,
                error="; ".join(refused) or None,
            )
        return "sent" if delivered else "failed"

    def run(self, stop: threading.Event, interval: float = 15.0) -> None:
        """Sweep every `interval` seconds until `stop` is set; one bad sweep never ends the loop."""
        while not stop.is_set():
            more_due = False
            try:
                stats = self.sweep_once(stop)
                more_due = stats.more_due
                if stats.sent or stats.missed or stats.retrying or stats.failed:
                    log.info("sweep: %s", stats.to_dict())
            except DatabaseUnavailable as problem:
                # Expected while the database is down: one line per try, not a traceback every interval.
                log.error("alert sweep failed: %s; trying again in %.0fs", problem, interval)
            except Exception:
                log.exception("alert sweep failed; trying again in %.0fs", interval)
            if not more_due:
                stop.wait(interval)


def find_posted_alert(slack: SlackPoster, channel: str, alert: delivery.Claimed, destination: str) -> str | None:
    """The ts of this alert's message already in `channel`, found by the metadata every alert carries;
    None when it is not there. Looks back from an hour before the alert fell due, a few pages at most.
    Without the history scopes (or another lasting refusal) it says None, and the alert is posted:
    a rare repeat is better than a missed deadline alert. A passing failure is raised, to retry."""
    since = (alert.context.due_at - HISTORY_MARGIN).timestamp()
    cursor = None
    for _ in range(HISTORY_PAGES):
        params: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{since:.6f}",
            "limit": HISTORY_PAGE_SIZE,
            "include_all_metadata": True,
        }
        if cursor:
            params["cursor"] = cursor
        try:
            page = slack.call("conversations.history", **params)
        except SlackCallFailed as problem:
            if problem.retryable:
                raise
            log.warning("alert %s: cannot read %s's history (%s); posting", alert.context.alert_id, channel, problem)
            return None
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == ALERT_EVENT_TYPE
                and str(payload.get("alert_id")) == str(alert.context.alert_id)
                and payload.get("destination") == destination
            ):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None
    return None


@dataclass
class SweeperHandle:
    sweeper: Sweeper
    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)

    def health(self, stale_after: float) -> tuple[bool, str]:
        """(healthy, words) for /healthz: unhealthy when the thread has stopped, or has not completed a
        sweep for longer than `stale_after` seconds (the database down, Slack hanging, a stuck sweep)."""
        age = self.sweeper.seconds_since_sweep()
        if not self.thread.is_alive():
            return False, "the alert sweeper has stopped"
        if self.sweeper.last_completed is None:
            words = f"the alert sweeper started {age:.0f}s ago and has not completed a sweep yet"
        else:
            words = f"the alert sweeper last completed a sweep {age:.0f}s ago"
        if age > stale_after:
            return False, f"{words} (limit {stale_after:.0f}s): deadline alerts may be late"
        return True, f"ok: {words}"


def start_sweeper_thread(
    runtime: Runtime,
    slack_calls: SlackPoster,
    *,
    interval: float = 15.0,
    projector: ViewProjector | None = None,
    extra_work: Sequence[Callable[[], object]] = (),
) -> SweeperHandle:
    """Run the sweeper inside the bot process. Pass SlackCalls(client, max_sleep=0), so a 429 is
    handed back for rescheduling instead of blocking the thread."""
    sweeper = Sweeper(
        runtime.database, runtime.clock, slack_calls, runtime.settings, projector=projector, extra_work=extra_work
    )
    stop = threading.Event()
    thread = threading.Thread(target=sweeper.run, args=(stop, interval), name="alert-sweeper", daemon=True)
    thread.start()
    return SweeperHandle(sweeper=sweeper, thread=thread, stop_event=stop)
