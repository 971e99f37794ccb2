"""Exactly once across a crash: a sweeper that dies after Slack accepted an alert but before it was
recorded leaves a claim; the sweeper that takes it over finds the message in the channel's history
(by the alert id in its metadata) and records it instead of posting again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.worker import LEASE, Sweeper
from bot.slack.client import SlackCallFailed
from bot.store.models import AlertState
from bot.store.session import Database
from bot.timesource import ManualClock
from tests.alerts.helpers import by_kind, make_sweeper, open_planned
from tests.alerts.standins import PRIVACY, CountingStandIn, alert_posts

AWARE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class ProcessDied(BaseException):
    """The process stopping dead: nothing after this point runs, not even an except Exception."""


class DiesAfterSlackAccepts:
    """Passes calls to Slack, then dies once Slack has accepted the `after`-th post."""

    def __init__(self, sweeper: Sweeper, after: int) -> None:
        self.slack = sweeper.slack
        self.after = after
        self.posts = 0

    def call(self, method: str, **params: Any) -> Mapping[str, Any]:
        response = self.slack.call(method, **params)
        if method == "chat.postMessage":
            self.posts += 1
            if self.posts == self.after:
                raise ProcessDied
        return response


@pytest.mark.parametrize("dies_after", [1, 2], ids=["after-the-channel-post", "after-both-posts"])
def test_the_sweeper_that_takes_over_does_not_post_again(database: Database, dies_after: int) -> None:
    _, incident_id = open_planned(database, aware_at=AWARE, now=AWARE)
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        doomed = make_sweeper(database, clock, slack)
        doomed.slack = DiesAfterSlackAccepts(doomed, dies_after)  # type: ignore[assignment]
        with pytest.raises(ProcessDied):
            doomed.sweep_once()
        started = by_kind(database, incident_id)["uk-gdpr:started:0"]
        assert started.state == AlertState.CLAIMED and started.privacy_ts is None
        assert (started.channel_ts is None) == (dies_after == 1)
        first_ts = slack.messages_in("CINCIDENT")[0]["ts"]

        clock.advance(LEASE + timedelta(seconds=1))
        survivor = make_sweeper(database, clock, slack)
        assert survivor.sweep_once().sent == 1
        assert alert_posts(slack) == {(started.id, "channel"): 1, (started.id, "privacy"): 1}
        # Only destinations not yet recorded are looked for.
        assert len(slack.calls_to("conversations.history")) == (2 if dies_after == 1 else 1)
    done = by_kind(database, incident_id)["uk-gdpr:started:0"]
    assert done.state == AlertState.SENT and done.channel_ts == first_ts and done.privacy_ts is not None


def test_an_answer_lost_after_slack_posted_is_found_not_reposted(database: Database) -> None:
    _, incident_id = open_planned(database, aware_at=AWARE, now=AWARE, channel=None)
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        sweeper = make_sweeper(database, clock, slack)
        # Slack posts the message but the answer never arrives (a timeout after Slack acted).
        real = sweeper.slack

        class LostAnswer:
            def call(self, method: str, **params: Any) -> Mapping[str, Any]:
                response = real.call(method, **params)
                if method == "chat.postMessage":
                    raise SlackCallFailed(method, "connection problem: timed out", retryable=True)
                return response

        sweeper.slack = LostAnswer()  # type: ignore[assignment]
        assert sweeper.sweep_once().retrying == 1
        sweeper.slack = real
        clock.advance(timedelta(minutes=1))
        assert sweeper.sweep_once().sent == 1
        started = by_kind(database, incident_id)["uk-gdpr:started:0"]
        assert alert_posts(slack) == {(started.id, "privacy"): 1}
    assert started.state == AlertState.SENT and started.privacy_ts == slack.messages_in(PRIVACY)[0]["ts"]


def test_without_the_history_scope_the_alert_is_still_sent(database: Database) -> None:
    _, incident_id = open_planned(database, aware_at=AWARE, now=AWARE)
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        sweeper = make_sweeper(database, clock, slack)
        slack.fail("chat.postMessage", "internal_error", status=500, times=1)
        slack.fail("conversations.history", "missing_scope", times=None)
        sweeper.sweep_once()
        clock.advance(timedelta(minutes=1))
        sweeper.sweep_once()
        started = by_kind(database, incident_id)["uk-gdpr:started:0"]
        assert started.state == AlertState.SENT
        assert alert_posts(slack)[(started.id, "channel")] == 1
