"""The alert plan as data: due times to the minute across clock changes, repeats, catch-up, snooze."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.alert_plan import (
    most_urgent,
    next_repeat,
    plan_alerts,
    retry_delay,
    snoozed_due,
    spec_for,
    starts_repeats,
    superseded_at_planning,
    urgency_order,
)

LONDON = ZoneInfo("Europe/London")


def due(regime: str, aware_at: datetime) -> dict[str, datetime]:
    return {p.key: p.due_at for p in plan_alerts(regime, aware_at)}


def test_spring_clock_change_plan_is_right_to_the_minute() -> None:
    # Aware Fri 27 March 2026 12:00 GMT; the clocks go forward at 01:00 UTC on Sun 29 March.
    plan = due("uk-gdpr", datetime(2026, 3, 27, 12, 0, tzinfo=LONDON))
    assert plan == {
        "started": datetime(2026, 3, 27, 12, 0, tzinfo=UTC),
        "24h-left": datetime(2026, 3, 29, 12, 0, tzinfo=UTC),
        "12h-left": datetime(2026, 3, 30, 0, 0, tzinfo=UTC),
        "4h-left": datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
        "1h-left": datetime(2026, 3, 30, 11, 0, tzinfo=UTC),
        "deadline": datetime(2026, 3, 30, 12, 0, tzinfo=UTC),
    }
    assert plan["24h-left"].astimezone(LONDON).strftime("%a %H:%M %Z") == "Sun 13:00 BST"
    assert plan["deadline"].astimezone(LONDON).strftime("%a %d %b %H:%M %Z") == "Mon 30 Mar 13:00 BST"
    assert plan["deadline"] - plan["started"] == timedelta(hours=72)


def test_autumn_clock_change_plan_is_right_to_the_minute() -> None:
    # Aware Fri 23 October 2026 12:00 BST (11:00 UTC); the clocks go back at 01:00 UTC on Sun 25 October.
    plan = due("uk-gdpr", datetime(2026, 10, 23, 12, 0, tzinfo=LONDON))
    assert plan["started"] == datetime(2026, 10, 23, 11, 0, tzinfo=UTC)
    assert plan["24h-left"] == datetime(2026, 10, 25, 11, 0, tzinfo=UTC)
    assert plan["12h-left"] == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert plan["deadline"] == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)
    assert plan["24h-left"].astimezone(LONDON).strftime("%a %H:%M %Z") == "Sun 11:00 GMT"
    assert plan["deadline"].astimezone(LONDON).strftime("%a %H:%M %Z") == "Mon 11:00 GMT"


def test_eidas_has_a_short_plan_and_processor_counts_from_awareness() -> None:
    aware = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert due("eidas", aware) == {
        "started": aware,
        "12h-left": aware + timedelta(hours=12),
        "4h-left": aware + timedelta(hours=20),
        "1h-left": aware + timedelta(hours=23),
        "deadline": aware + timedelta(hours=24),
    }
    assert due("processor", aware) == {"started": aware, "4h-on": aware + timedelta(hours=4)}
    assert spec_for("eidas", "deadline").final and not spec_for("eidas", "1h-left").final


def test_overdue_reminders_repeat_every_12_hours_without_a_burst_after_downtime() -> None:
    aware = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    deadline = aware + timedelta(hours=72)
    assert starts_repeats("uk-gdpr", "deadline") and starts_repeats("uk-gdpr", "overdue")
    assert not starts_repeats("uk-gdpr", "1h-left")
    first = next_repeat("uk-gdpr", aware, deadline + timedelta(seconds=30))
    assert (first.key, first.step, first.due_at) == ("overdue", 1, deadline + timedelta(hours=12))
    # Back after 30 hours: the next reminder is the next 12-hour mark, not the two that passed.
    late = next_repeat("uk-gdpr", aware, deadline + timedelta(hours=30))
    assert (late.step, late.due_at) == (3, deadline + timedelta(hours=36))
    # Exactly on a mark, the reminder being sent is that one; the next is 12 hours on.
    assert next_repeat("uk-gdpr", aware, deadline + timedelta(hours=12)).step == 2
    processor = next_repeat("processor", aware, aware + timedelta(hours=5))
    assert processor.due_at == aware + timedelta(hours=24) and processor.spec.key == "reminder"


def test_catch_up_sends_the_most_urgent_alert() -> None:
    aware = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    planned = plan_alerts("uk-gdpr", aware) + plan_alerts("eidas", aware)
    now = aware + timedelta(hours=30)
    overdue = [p for p in planned if p.due_at <= now]
    chosen, missed = most_urgent(overdue, lambda p: urgency_order(p.spec, p.due_at))
    assert (chosen.regime, chosen.key) == ("eidas", "deadline")
    assert {(p.regime, p.key) for p in missed} == {
        ("uk-gdpr", "started"),
        ("eidas", "started"),
        ("eidas", "12h-left"),
        ("eidas", "4h-left"),
        ("eidas", "1h-left"),
    }
    # Planned long after awareness: only the most urgent of the alerts already past is kept.
    skipped = superseded_at_planning(plan_alerts("uk-gdpr", aware), aware + timedelta(hours=61))
    assert {p.key for p in skipped} == {"started", "24h-left"}
    assert superseded_at_planning(plan_alerts("uk-gdpr", aware), aware) == set()


def test_snooze_moves_an_hour_but_never_to_the_deadline() -> None:
    deadline = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    assert snoozed_due(deadline - timedelta(hours=24), deadline) == deadline - timedelta(hours=23)
    assert snoozed_due(deadline - timedelta(hours=1), deadline) == deadline - timedelta(minutes=15)
    assert snoozed_due(deadline - timedelta(minutes=10), deadline) == deadline - timedelta(minutes=10)
    assert snoozed_due(deadline, None) == deadline + timedelta(hours=1)


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (6, 900), (40, 900)])
def test_retry_backoff_grows_and_is_capped(attempts: int, seconds: int) -> None:
    assert retry_delay(attempts) == timedelta(seconds=seconds)


def test_naive_awareness_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        plan_alerts("uk-gdpr", datetime(2026, 3, 27, 12, 0))
