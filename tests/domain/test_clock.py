"""The regulatory clocks: elapsed-time deadlines, correct across every clock change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain.clock import (
    UnknownRegime,
    deadline_for,
    deadlines_for,
    describe_duration,
    earliest_due,
    format_local,
    regimes,
)
from bot.domain.timeparse import parse_instant

LONDON = ZoneInfo("Europe/London")
FAR_FUTURE = datetime(2040, 1, 1, tzinfo=UTC)


def _last_sunday(year: int, month: int) -> datetime:
    day = datetime(year, month + 1, 1, tzinfo=UTC) - timedelta(days=1)
    while day.weekday() != 6:
        day -= timedelta(days=1)
    return day


def independent_london_offset(instant: datetime) -> timedelta:
    """The UK rule written out by hand (BST from 01:00 UTC on the last Sunday of March to 01:00 UTC
    on the last Sunday of October), so the test does not trust the code's own zone handling."""
    start = _last_sunday(instant.year, 3).replace(hour=1)
    end = _last_sunday(instant.year, 10).replace(hour=1)
    return timedelta(hours=1) if start <= instant < end else timedelta(0)


def test_regimes_table_has_the_rules_and_their_sources() -> None:
    table = regimes()
    assert {key: r.hours for key, r in table.items()} == {
        "uk-gdpr": 72,
        "pecr": 72,
        "eidas": 24,
        "nis": 72,
        "processor": None,
        "eu-gdpr": 72,
    }
    assert all(r.source for r in table.values())


def test_known_case_friday_before_the_spring_change() -> None:
    aware = parse_instant("27/03/2026 12:00", now=FAR_FUTURE)
    deadline = deadline_for("uk-gdpr", aware)
    assert aware == datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    assert deadline.due_at == datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    local = deadline.due_at.astimezone(LONDON)
    assert (local.hour, local.minute, local.tzname()) == (13, 0, "BST")
    assert format_local(deadline.due_at, LONDON) == "Mon 30 Mar 2026, 13:00 BST"


def test_eidas_is_24_hours_and_processor_has_no_fixed_deadline() -> None:
    aware = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    assert deadline_for("eidas", aware).due_at == aware + timedelta(hours=24)
    assert deadline_for("processor", aware).due_at is None


def test_several_regimes_run_side_by_side_soonest_first() -> None:
    aware = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    clocks = deadlines_for(["uk-gdpr", "processor", "eidas"], aware)
    assert [c.regime.key for c in clocks] == ["eidas", "uk-gdpr", "processor"]
    assert earliest_due(["uk-gdpr", "eidas"], aware) == aware + timedelta(hours=24)
    assert earliest_due(["processor"], aware) is None


def test_unknown_regime_names_the_choices() -> None:
    with pytest.raises(UnknownRegime, match="uk-gdpr"):
        deadline_for("gdpr-eu", datetime(2026, 1, 1, tzinfo=UTC))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        deadline_for("uk-gdpr", datetime(2026, 1, 1, 12, 0))


def test_overdue_and_time_left() -> None:
    aware = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    deadline = deadline_for("uk-gdpr", aware)
    assert not deadline.overdue(aware + timedelta(hours=71, minutes=59))
    assert deadline.overdue(aware + timedelta(hours=72, seconds=1))
    assert describe_duration(deadline.time_left(aware + timedelta(hours=1))) == "2 days 23 h"
    assert describe_duration(timedelta(minutes=-90)) == "overdue by 1 h 30 min"


def test_weekends_and_bank_holidays_do_not_move_the_deadline() -> None:
    # Aware Thursday before Easter 2026: 72 continuous hours end on Easter Sunday (Reg 1182/71 Art 3(4)).
    aware = parse_instant("02/04/2026 15:00", now=FAR_FUTURE)
    due = deadline_for("uk-gdpr", aware).due_at
    assert due is not None
    assert due.astimezone(LONDON).strftime("%A %d %B %H:%M") == "Sunday 05 April 15:00"


local_times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 28))


@settings(max_examples=400, deadline=None)
@given(local=local_times, regime=st.sampled_from(["uk-gdpr", "pecr", "eidas", "nis"]))
def test_deadline_is_exact_elapsed_hours_and_displays_right_across_clock_changes(local: datetime, regime: str) -> None:
    local = local.replace(second=0, microsecond=0)
    london_local = local.replace(tzinfo=LONDON)
    assume(tz.datetime_exists(london_local) and not tz.datetime_ambiguous(london_local))
    aware = parse_instant(local.strftime("%d/%m/%Y %H:%M"), now=FAR_FUTURE)
    # The UTC instant whose London wall clock reads `local`: exactly one candidate fits.
    candidates = [local.replace(tzinfo=UTC) - timedelta(hours=h) for h in (0, 1)]
    fitting = [u for u in candidates if (u + independent_london_offset(u)).replace(tzinfo=None) == local]
    assert fitting == [aware]

    deadline = deadline_for(regime, aware)
    hours = regimes()[regime].hours
    assert deadline.due_at is not None and hours is not None
    assert deadline.due_at - aware == timedelta(hours=hours)

    shown = deadline.to_dict(FAR_FUTURE, LONDON)["deadline_local"]
    shown_local = datetime.fromisoformat(shown)
    offset = independent_london_offset(deadline.due_at)
    assert shown_local.utcoffset() == offset
    assert shown_local.replace(tzinfo=None) == (deadline.due_at + offset).replace(tzinfo=None)
