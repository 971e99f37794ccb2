"""Reading the times people type: UK day-first, ISO 8601, offsets and zone abbreviations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.timeparse import TimeInputError, load_zone, parse_instant

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "expected_utc"),
    [
        ("27/03/2026 12:00", datetime(2026, 3, 27, 12, 0, tzinfo=UTC)),
        ("03/04/2026 09:00", datetime(2026, 4, 3, 8, 0, tzinfo=UTC)),  # 3 April, BST
        ("2026-03-04T10:00", datetime(2026, 3, 4, 10, 0, tzinfo=UTC)),  # ISO is not flipped: 4 March
        ("2026-07-01T10:00:00+02:00", datetime(2026, 7, 1, 8, 0, tzinfo=UTC)),
        ("2026-07-01T10:00Z", datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),
        ("27/03/2026 12:00 +0100", datetime(2026, 3, 27, 11, 0, tzinfo=UTC)),
        ("30 March 2026 2:30pm BST", datetime(2026, 3, 30, 13, 30, tzinfo=UTC)),
        ("1 Jan 2026 12:00 GMT", datetime(2026, 1, 1, 12, 0, tzinfo=UTC)),
        ("01/07/2026 12:00 UTC", datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
        ("25/10/2026 01:30 BST", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("25/10/2026 01:30 GMT", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        ("25/10/2026 01:30 +01:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("  23/11/2026 11:59  ", datetime(2026, 11, 23, 11, 59, tzinfo=UTC)),
    ],
)
def test_reads_what_uk_people_type(typed: str, expected_utc: datetime) -> None:
    assert parse_instant(typed, now=NOW) == expected_utc


def test_the_result_is_aware_utc() -> None:
    parsed = parse_instant("03/04/2026 09:00", now=NOW)
    assert parsed.tzinfo is UTC


def test_default_zone_can_be_changed_but_an_explicit_offset_wins() -> None:
    assert parse_instant("01/07/2026 12:00", zone="UTC", now=NOW) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert parse_instant("01/07/2026 12:00 +02:00", zone="UTC", now=NOW) == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("29/03/2026 01:30", "does not exist"),
        ("25/10/2026 01:30", "happened twice"),
        ("01/01/2030 10:00", "in the future"),
        ("27/03/2026", "no time"),
        ("2026-03-27", "no time"),
        ("10:00", "full date"),
        ("31/02/2026 10:00", "can read"),
        ("yesterday about lunch", "can read"),
        ("12/01/2026 10:00 BST", "London was on GMT"),
        ("27/03/2026 10:00 EST", "time zone"),
        ("", "no time given"),
        ("1/1/1850 10:00", "before 2000"),
        ("2026-13-01T10:00", "ISO 8601"),
        ("9" * 500, "too long"),
        ("27/03/2026 12:00 🙂", "can read"),
    ],
)
def test_refuses_with_a_reason(typed: str, says: str) -> None:
    with pytest.raises(TimeInputError, match=says):
        parse_instant(typed, now=NOW)


def test_ambiguous_error_says_how_to_fix_it() -> None:
    with pytest.raises(TimeInputError) as caught:
        parse_instant("25/10/2026 01:30", now=NOW)
    assert "BST" in str(caught.value) and "GMT" in str(caught.value)


def test_unknown_zone_name() -> None:
    with pytest.raises(TimeInputError, match="unknown time zone"):
        load_zone("Mars/Olympus")
