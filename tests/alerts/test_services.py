"""Planning, stopping, re-planning and snoozing alerts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services import alerts as alert_service
from bot.services import reporting
from bot.services.incidents import IncidentDraft, get_incident, open_incident
from bot.services.timeline import events_for, verify_incident
from bot.store.models import AlertPlan, AlertState, Status
from bot.store.session import Database
from bot.timesource import ManualClock
from tests.alerts.helpers import by_kind, make_sweeper, open_planned
from tests.alerts.standins import PRIVACY, CountingStandIn, alert_posts

AWARE = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
DEADLINE = AWARE + timedelta(hours=72)


def test_plan_is_stored_to_the_minute_and_planning_twice_changes_nothing(database: Database) -> None:
    _, incident_id = open_planned(database, aware_at=AWARE, now=AWARE + timedelta(minutes=5))
    with database.unit_of_work() as session:
        incident = session.get_one(AlertPlan, incident_id)
        assert alert_service.plan_for_incident(session, get_incident(session, "BR-2026-0001"), AWARE) is incident
    rows = by_kind(database, incident_id)
    assert {key: row.due_at for key, row in rows.items()} == {
        "uk-gdpr:started:0": AWARE,
        "uk-gdpr:24h-left:0": datetime(2026, 3, 29, 12, 0, tzinfo=UTC),
        "uk-gdpr:12h-left:0": datetime(2026, 3, 30, 0, 0, tzinfo=UTC),
        "uk-gdpr:4h-left:0": datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
        "uk-gdpr:1h-left:0": datetime(2026, 3, 30, 11, 0, tzinfo=UTC),
        "uk-gdpr:deadline:0": DEADLINE,
    }
    assert all(row.state == AlertState.PENDING for row in rows.values())


def test_recording_the_ico_report_stops_the_ico_clocks_only(database: Database) -> None:
    ref, incident_id = open_planned(database, aware_at=AWARE, now=AWARE, regimes=("uk-gdpr", "processor"))
    now = AWARE + timedelta(hours=30)
    with database.unit_of_work() as session:
        reporting.record_ico_report(session, ref, ico_case_ref="IC-123456", actor="DPO", now=now)
    with database.unit_of_work() as session:
        # A double click, and `/breach reported` with the same reference, change nothing.
        reporting.record_ico_report(session, ref, ico_case_ref="IC-123456", actor="DPO", now=now)
        reporting.record_ico_report(session, ref, ico_case_ref=None, actor="DPO", now=now)
    rows = by_kind(database, incident_id)
    assert rows["uk-gdpr:24h-left:0"].state == AlertState.CANCELLED
    assert rows["uk-gdpr:deadline:0"].state == AlertState.CANCELLED
    assert rows["processor:4h-on:0"].state == AlertState.PENDING
    with database.unit_of_work() as session:
        incident = get_incident(session, ref)
        assert (incident.status, incident.ico_case_ref, incident.ico_reported_at) == ("reported", "IC-123456", now)
        assert [e.kind for e in events_for(session, incident)][-2:] == ["ico_reported", "alerts_stopped"]
        assert verify_incident(session, incident).ok
    with pytest.raises(reporting.ReportingProblem, match="already recorded"), database.unit_of_work() as session:
        reporting.record_ico_report(session, ref, ico_case_ref="IC-999", actor="DPO", now=now)


def test_a_decision_not_to_notify_stops_alerts_and_survives_a_replan(database: Database) -> None:
    ref, incident_id = open_planned(database, aware_at=AWARE, now=AWARE)
    now = AWARE + timedelta(hours=2)
    with database.unit_of_work() as session:
        incident = get_incident(session, ref, lock=True)
        stopped = alert_service.stop_alerts(
            session, incident, ["uk-gdpr"], reason="Risk unlikely: encrypted laptop", actor="DPO", now=now
        )
        assert stopped == ["uk-gdpr"]
        assert alert_service.stop_alerts(session, incident, ["uk-gdpr"], reason="again", actor="DPO", now=now) == []
    with pytest.raises(alert_service.AlertProblem, match="no eidas clock"), database.unit_of_work() as session:
        alert_service.stop_alerts(
            session, get_incident(session, ref, lock=True), ["eidas"], reason="x", actor="D", now=now
        )
    assert {r.state for r in by_kind(database, incident_id).values()} == {"sent", "cancelled"} - {"sent"} | {
        "cancelled"
    }
    with database.unit_of_work() as session:
        reporting.change_awareness(
            session, ref, aware_at=AWARE - timedelta(hours=1), reason="Log shows earlier access", actor="DPO", now=now
        )
    assert all(r.state == AlertState.CANCELLED for r in by_kind(database, incident_id, generation=1).values())
    assert by_kind(database, incident_id, generation=2) == {}


def test_changing_awareness_replans_with_the_reason_in_the_timeline(database: Database) -> None:
    ref, incident_id = open_planned(database, aware_at=AWARE, now=AWARE + timedelta(hours=1))
    now = AWARE + timedelta(hours=3)
    earlier = AWARE - timedelta(hours=70)
    with database.unit_of_work() as session:
        reporting.change_awareness(
            session, ref, aware_at=earlier, reason="The supplier told us on Tuesday", actor="DPO", now=now
        )
    old = by_kind(database, incident_id, generation=1)
    assert {r.state for r in old.values() if r.kind != "started"} == {AlertState.CANCELLED}
    new = by_kind(database, incident_id, generation=2)
    assert new["uk-gdpr:deadline:0"].due_at == earlier + timedelta(hours=72)
    # Replanned 73 hours after the new awareness: only the most urgent alert already past is kept.
    assert new["uk-gdpr:deadline:0"].state == AlertState.PENDING
    assert new["uk-gdpr:1h-left:0"].state == AlertState.SKIPPED
    with database.unit_of_work() as session:
        incident = get_incident(session, ref)
        assert incident.aware_at == earlier and incident.late
        assert incident.next_deadline_at == earlier + timedelta(hours=72)
        changed, late = events_for(session, incident)[-2:]
        assert changed.kind == "aware_at_changed" and "The supplier told us on Tuesday" in changed.summary
        assert changed.before["aware_at"] == AWARE.isoformat() and changed.after["aware_at"] == earlier.isoformat()
        assert late.kind == "late"
    with pytest.raises(reporting.ReportingProblem, match="needs a reason"), database.unit_of_work() as session:
        reporting.change_awareness(session, ref, aware_at=AWARE, reason="  ", actor="DPO", now=now)


def test_snooze_moves_only_the_next_non_final_alert_and_never_the_deadline(database: Database) -> None:
    ref, incident_id = open_planned(database, aware_at=AWARE, now=AWARE)
    rows = by_kind(database, incident_id)
    now = AWARE + timedelta(minutes=3)
    with database.unit_of_work() as session:
        result = alert_service.snooze_alert(session, rows["uk-gdpr:started:0"].id, actor="U2", now=now)
    assert result.snoozed and result.alert_id == rows["uk-gdpr:24h-left:0"].id
    after = by_kind(database, incident_id)
    assert after["uk-gdpr:24h-left:0"].due_at == rows["uk-gdpr:24h-left:0"].due_at + timedelta(hours=1)
    assert after["uk-gdpr:24h-left:0"].next_attempt_at == after["uk-gdpr:24h-left:0"].due_at
    for key in ("uk-gdpr:12h-left:0", "uk-gdpr:4h-left:0", "uk-gdpr:1h-left:0", "uk-gdpr:deadline:0"):
        assert after[key].due_at == rows[key].due_at
    with database.unit_of_work() as session:
        again = alert_service.snooze_alert(session, rows["uk-gdpr:started:0"].id, actor="U2", now=now)
        assert not again.snoozed and "Already" in again.message
        # From the deadline-passed message there is nothing to snooze: the deadline does not move.
        final = alert_service.snooze_alert(session, rows["uk-gdpr:deadline:0"].id, actor="U2", now=now)
        assert not final.snoozed
        events = events_for(session, get_incident(session, ref))
        assert [e.kind for e in events].count("alert_snoozed") == 1


def test_snooze_before_the_last_warning_stops_short_of_the_deadline(database: Database) -> None:
    _, incident_id = open_planned(database, aware_at=AWARE, now=AWARE)
    rows = by_kind(database, incident_id)
    with database.unit_of_work() as session:
        for key in ("uk-gdpr:started:0", "uk-gdpr:24h-left:0", "uk-gdpr:12h-left:0", "uk-gdpr:4h-left:0"):
            session.get_one(type(rows[key]), rows[key].id).state = AlertState.SENT.value
    now = DEADLINE - timedelta(hours=3)
    with database.unit_of_work() as session:
        result = alert_service.snooze_alert(session, rows["uk-gdpr:4h-left:0"].id, actor="U2", now=now)
    assert result.snoozed and result.after == DEADLINE - timedelta(minutes=15)
    assert by_kind(database, incident_id)["uk-gdpr:deadline:0"].due_at == DEADLINE


def test_sweeper_plans_incidents_opened_without_a_plan_and_closed_ones_stop(database: Database) -> None:
    clock = ManualClock(AWARE + timedelta(minutes=10))
    with database.unit_of_work() as session:
        incident = open_incident(
            session, IncidentDraft(title="Opened elsewhere", aware_at=AWARE), actor="U1", now=AWARE
        )
        incident.slack_channel_id = "CELSEWHERE"
        plain_id = incident.id
    ref, closing_id = open_planned(database, aware_at=AWARE, now=AWARE)
    with database.unit_of_work() as session:
        # Closing has its own preconditions (the register); only the closed status matters here.
        get_incident(session, ref, lock=True).status = Status.CLOSED.value
    with CountingStandIn() as slack:
        stats = make_sweeper(database, clock, slack).sweep_once()
        assert stats.planned == 1 and stats.sent == 1 and stats.cancelled == 6
        posts = alert_posts(slack)
    planned = by_kind(database, plain_id)
    assert planned["uk-gdpr:started:0"].state == AlertState.SENT
    assert posts == {(planned["uk-gdpr:started:0"].id, "channel"): 1, (planned["uk-gdpr:started:0"].id, "privacy"): 1}
    assert {r.state for r in by_kind(database, closing_id).values()} == {AlertState.CANCELLED}
    with database.unit_of_work() as session:
        status = alert_service.last_sweep(session)
    assert status is not None and status.last_run_at == clock.now() and status.stats["sent"] == 1
    assert slack.messages_in(PRIVACY)


def test_the_awareness_time_of_a_closed_incident_is_final(database: Database) -> None:
    from datetime import timedelta as _delta

    from bot.services import incidents as _incidents
    from bot.services.reporting import ReportingProblem, change_awareness

    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    with database.unit_of_work() as session:
        draft = _incidents.IncidentDraft(title="Closed", aware_at=now - _delta(hours=2))
        ref = _incidents.open_incident(session, draft, actor="U1", now=now).ref
        _incidents.close_incident(session, ref, reason="False alarm", outcome="false-alarm", actor="d", now=now)
    with pytest.raises(ReportingProblem, match="closed"), database.unit_of_work() as session:
        change_awareness(session, ref, aware_at=now - _delta(hours=5), reason="found older logs", actor="d", now=now)
