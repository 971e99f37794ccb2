"""The board's figures, from plain register rows: month by UK time, outcomes, the 72-hour line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import register_stats as stats
from bot.domain.register import NOT_APPLICABLE

LONDON = ZoneInfo("Europe/London")


def row(aware: datetime, **values: Any) -> dict[str, Any]:
    base = {
        "aware_at": aware,
        "near_miss": False,
        "close_outcome": None,
        "ico_reported_at": None,
        "decision": "Notify the ICO",
        "late": False,
        "cause_category": None,
        "hours_to_triage": None,
        "hours_to_report": None,
    }
    return base | values


def test_months_follow_uk_time_and_a_report_at_exactly_72_hours_is_on_time() -> None:
    reported = datetime(2026, 3, 4, tzinfo=UTC)
    rows = [
        row(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), ico_reported_at=reported, hours_to_report=72.0),  # 1 Apr BST
        row(datetime(2026, 3, 2, tzinfo=UTC), ico_reported_at=reported, late=True, hours_to_report=72.1),
        row(datetime(2026, 3, 3, tzinfo=UTC), ico_reported_at=NOT_APPLICABLE, cause_category="Phishing"),
        row(datetime(2026, 3, 5, tzinfo=UTC), decision=None, hours_to_triage=3.0),
        row(datetime(2026, 3, 6, tzinfo=UTC), near_miss=True),
        row(datetime(2026, 5, 6, tzinfo=UTC)),  # after the period
    ]
    figures = stats.board_figures(rows, since=date(2026, 3, 1), until=date(2026, 5, 1), zone=LONDON)
    march, april = figures.months
    assert (march.label, april.label) == ("Mar 2026", "Apr 2026")
    assert march.outcomes == {stats.REPORTED: 1, stats.NOT_REPORTABLE: 1, stats.REPORT_OWED: 0, stats.UNDECIDED: 1}
    assert april.outcomes[stats.REPORTED] == 1 and april.on_time == 1 and march.on_time == 0
    assert figures.breaches == 4 and figures.near_misses == 1 and march.near_misses == 1
    assert (figures.reported, figures.on_time, figures.on_time_share) == (2, 1, 0.5)
    bands = figures.bands(figures.hours_to_report)
    assert bands["48–72 h"] == 1 and bands["72–96 h"] == 1  # 72.0 h is within the deadline; 72.1 h is not
    assert figures.within(figures.hours_to_report) == 1
    assert ("Phishing", 1) in figures.causes and (stats.NOT_CATEGORISED, 3) in figures.causes


def test_a_start_day_is_read_both_ways_and_a_year_runs_to_this_month() -> None:
    assert stats.parse_day("2026-01-31", "--since") == stats.parse_day("31/01/2026", "--since") == date(2026, 1, 31)
    assert stats.default_since(date(2026, 11, 23)) == date(2025, 12, 1)
