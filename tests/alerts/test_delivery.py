"""Delivery on SQLite and PostgreSQL: Slack down, failing or rate limiting; downtime catch-up;
concurrent sweepers in threads. Each alert reaches each destination exactly once."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

from bot.alerts.worker import start_sweeper_thread
from bot.runtime import Runtime
from bot.services.alerts import last_sweep
from bot.services.incidents import get_incident
from bot.services.timeline import events_for
from bot.store.models import AlertState
from bot.store.session import Database
from bot.timesource import ManualClock
from tests.alerts.helpers import TITLE, by_kind, make_sweeper, open_planned
from tests.alerts.standins import PRIVACY, CountingStandIn, alert_posts

AWARE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_slack_down_then_back_sends_once_and_never_marks_a_failed_send_as_sent(database: Database) -> None:
    _, incident_id = open_planned(database, aware_at=AWARE, now=AWARE)
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        sweeper = make_sweeper(database, clock, slack)
        slack.go_down()
        stats = sweeper.sweep_once()
        assert (stats.sent, stats.retrying) == (0, 1)
        started = by_kind(database, incident_id)["uk-gdpr:started:0"]
        assert started.state == AlertState.PENDING and started.sent_at is None and started.channel_ts is None
        assert started.next_attempt_at == clock.now() + timedelta(seconds=30)
        assert started.last_error == "service_unavailable"
        slack.clear_failures()
        assert sweeper.sweep_once().sent == 0  # still backing off
        clock.advance(timedelta(seconds=31))
        assert sweeper.sweep_once().sent == 1
        assert sweeper.sweep_once().sent == 0
        assert alert_posts(slack) == {(started.id, "channel"): 1, (started.id, "privacy"): 1}
    done = by_kind(database, incident_id)["uk-gdpr:started:0"]
    assert done.state == AlertState.SENT and done.sent_at == clock.now() and done.attempts == 2


def test_rate_limit_is_honoured_for_retry_after_and_the_rest_of_the_batch_waits(database: Database) -> None:
    ids = [open_planned(database, aware_at=AWARE, now=AWARE)[1] for _ in range(3)]
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        sweeper = make_sweeper(database, clock, slack)
        slack.rate_limit("chat.postMessage", retry_after=120)
        stats = sweeper.sweep_once()
        assert stats.sent == 0 and stats.retrying == 1 and stats.released == 2
        for incident_id in ids:
            row = by_kind(database, incident_id)["uk-gdpr:started:0"]
            assert row.state == AlertState.PENDING and row.next_attempt_at == clock.now() + timedelta(seconds=120)
        clock.advance(timedelta(seconds=119))
        assert sweeper.sweep_once().sent == 0
        clock.advance(timedelta(seconds=1))
        assert sweeper.sweep_once().sent == 3
        posts = alert_posts(slack)
    assert sorted(posts.values()) == [1] * 6


def test_a_failure_after_one_destination_resends_only_the_missing_one(database: Database) -> None:
    _, incident_id = open_planned(database, aware_at=AWARE, now=AWARE)
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        sweeper = make_sweeper(database, clock, slack)
        slack.fail_channel(PRIVACY, status=500, times=1)
        assert sweeper.sweep_once().retrying == 1
        row = by_kind(database, incident_id)["uk-gdpr:started:0"]
        assert row.channel_ts is not None and row.privacy_ts is None and row.state == AlertState.PENDING
        clock.advance(timedelta(minutes=1))
        assert sweeper.sweep_once().sent == 1
        assert alert_posts(slack) == {(row.id, "channel"): 1, (row.id, "privacy"): 1}


def test_a_channel_slack_refuses_for_good_is_recorded_and_the_other_still_gets_it(database: Database) -> None:
    ref, incident_id = open_planned(database, aware_at=AWARE, now=AWARE, channel="CGONE")
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        slack.fail_channel("CGONE", "channel_not_found", status=200)
        stats = make_sweeper(database, clock, slack).sweep_once()
        assert stats.sent == 1
        row = by_kind(database, incident_id)["uk-gdpr:started:0"]
        assert alert_posts(slack) == {(row.id, "privacy"): 1}
    assert row.state == AlertState.SENT and "channel_not_found" in (row.last_error or "")
    with database.unit_of_work() as session:
        assert events_for(session, get_incident(session, ref))[-1].kind == "alert_undeliverable"


def test_after_30_hours_down_each_incident_gets_one_catch_up_alert_noting_the_missed(database: Database) -> None:
    incidents = [open_planned(database, aware_at=AWARE, now=AWARE) for _ in range(4)]
    clock = ManualClock(AWARE + timedelta(hours=44))
    with CountingStandIn() as slack:
        sweeper = make_sweeper(database, clock, slack)
        assert sweeper.sweep_once().sent == 4  # "clock started", late but the only one due
        clock.advance(timedelta(hours=30))  # now 74 h after awareness: five alerts fell due meanwhile
        before = len(slack.accepted)
        stats = sweeper.sweep_once()
        assert (stats.sent, stats.missed) == (4, 16)
        assert len(slack.accepted) - before == 8  # one alert per incident, to two destinations
        assert sweeper.sweep_once().sent == 0
        catch_up = [p for p in slack.accepted_params[before:] if p["channel"] != PRIVACY]
        for params in catch_up:
            dumped = json.dumps(params["blocks"])
            assert "The deadline has passed" in params["text"] and "overdue by 2 h" in dumped
            assert "Not sent separately" in dumped and "24 hours left to report" in dumped
        for ref, incident_id in incidents:
            rows = by_kind(database, incident_id)
            assert rows["uk-gdpr:deadline:0"].state == AlertState.SENT
            assert {rows[f"uk-gdpr:{k}:0"].state for k in ("24h-left", "12h-left", "4h-left", "1h-left")} == {
                AlertState.MISSED
            }
            assert rows["uk-gdpr:overdue:1"].due_at == AWARE + timedelta(hours=84)
            with database.unit_of_work() as session:
                missed = [e for e in events_for(session, get_incident(session, ref)) if e.kind == "alerts_missed"]
                assert len(missed) == 1 and "1 hour left to report" in missed[0].summary
        clock.set(AWARE + timedelta(hours=84))
        assert sweeper.sweep_once().sent == 4  # the first 12-hourly overdue reminder, once each
        assert sweeper.sweep_once().sent == 0
        assert max(alert_posts(slack).values()) == 1


def test_privacy_channel_never_sees_the_title(database: Database) -> None:
    open_planned(database, aware_at=AWARE, now=AWARE)
    with CountingStandIn() as slack:
        make_sweeper(database, ManualClock(AWARE + timedelta(minutes=1)), slack).sweep_once()
        private = [p for p in slack.accepted_params if p["channel"] == PRIVACY]
        public = [p for p in slack.accepted_params if p["channel"] != PRIVACY]
    assert len(private) == len(public) == 1
    assert "Zanzibar Quill" not in json.dumps(private[0]) and "Salaries" not in json.dumps(private[0])
    assert TITLE in json.dumps(public[0]["blocks"])


def test_sweepers_in_threads_post_each_alert_once(database: Database) -> None:
    ids = [open_planned(database, aware_at=AWARE, now=AWARE, channel=f"C{n:04d}")[1] for n in range(40)]
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        sweepers = [make_sweeper(database, clock, slack, batch=3) for _ in range(4)]
        threads = [threading.Thread(target=s.sweep_once) for s in sweepers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        posts = alert_posts(slack)
    expected = {by_kind(database, i)["uk-gdpr:started:0"].id for i in ids}
    assert {alert for alert, _ in posts} == expected
    assert sorted(posts.values()) == [1] * 80


def test_the_sweeper_thread_sends_and_stops_when_asked(database: Database) -> None:
    _, incident_id = open_planned(database, aware_at=AWARE, now=AWARE)
    clock = ManualClock(AWARE + timedelta(minutes=5))
    with CountingStandIn() as slack:
        sweeper = make_sweeper(database, clock, slack)
        runtime = Runtime(settings=sweeper.settings, database=database, clock=clock)
        handle = start_sweeper_thread(runtime, sweeper.slack, interval=0.05)
        try:
            deadline = time.monotonic() + 20
            while len(slack.accepted) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            handle.stop()
        assert not handle.thread.is_alive()
        assert sorted(alert_posts(slack).values()) == [1, 1]
    with database.unit_of_work() as session:
        status = last_sweep(session)
    assert status is not None and status.worker_id == handle.sweeper.worker_id
    assert by_kind(database, incident_id)["uk-gdpr:started:0"].state == AlertState.SENT
