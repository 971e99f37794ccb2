"""Turning the times people type into aware UTC instants.

UK people write dates day first ("03/04/2026" is 3 April). ISO 8601 is read as ISO, because
dateutil's day-first mode would otherwise swap its month and day. An explicit offset or zone
abbreviation wins over the default zone. A local time the clock skips (spring) or repeats (autumn)
is refused rather than guessed, because a guess can move a legal deadline by an hour.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser, tz

from bot.errors import BreachbotError

# Abbreviations people in the UK actually use. Anything else is refused rather than read as naive.
ZONE_ABBREVIATIONS: dict[str, int] = {"UTC": 0, "GMT": 0, "Z": 0, "BST": 3600}
EARLIEST_YEAR = 2000
MAX_INPUT = 100
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_ABBREVIATION = re.compile(r"\b(UTC|GMT|BST|Z)\s*$", re.IGNORECASE)
EXAMPLES = '"27/03/2026 14:30", "2026-03-27T14:30+00:00" or "27 March 2026 2:30pm BST"'


class TimeInputError(BreachbotError):
    pass


def load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeInputError(f"unknown time zone {name!r}: use a name like Europe/London") from None


def parse_instant(
    text: str, *, zone: str | tzinfo = "Europe/London", now: datetime | None = None, future_ok: bool = False
) -> datetime:
    """Read a person's date and time; return it as aware UTC, or raise TimeInputError saying why.
    A future time is refused unless `future_ok` (a promise, such as "next update by")."""
    raw = (text or "").strip()
    if not raw:
        raise TimeInputError(f"no time given: enter a date and time such as {EXAMPLES}")
    if len(raw) > MAX_INPUT:
        raise TimeInputError(f"that is too long to be a date and time: use a form such as {EXAMPLES}")
    default_zone = load_zone(zone) if isinstance(zone, str) else zone
    parsed = _parse_iso(raw) if _ISO_LIKE.match(raw) else _parse_free_text(raw)
    if parsed.tzinfo is None:
        parsed = _attach_zone(parsed, default_zone, raw)
    else:
        _check_abbreviation_fits(raw, parsed)
    instant = parsed.astimezone(UTC)
    if instant.year < EARLIEST_YEAR:
        raise TimeInputError(f"{raw!r} is before {EARLIEST_YEAR}: check the year")
    if not future_ok:
        refuse_future(instant, now=now, zone=default_zone)
    return instant


def refuse_future(instant: datetime, *, now: datetime | None, zone: tzinfo) -> None:
    """One message for a future time however it was given (typed, or picked in Slack's datetimepicker)."""
    current = (now or datetime.now(UTC)).astimezone(UTC)
    if instant > current:
        shown = instant.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")
        raise TimeInputError(f"{shown} is in the future: times recorded here must already have happened")


def _parse_iso(raw: str) -> datetime:
    try:
        parsed = parser.isoparse(raw)
    except (ValueError, OverflowError) as exc:
        raise TimeInputError(f"{raw!r} is not a valid ISO 8601 date and time ({exc})") from None
    if len(raw) == 10:
        raise TimeInputError(f"{raw!r} has a date but no time: add the time, e.g. {raw}T14:30")
    return parsed


def _parse_free_text(raw: str) -> datetime:
    # Parsing twice with different defaults shows which parts were really typed: anything
    # dateutil filled in from the default differs between the two results.
    first_default = datetime(2001, 1, 1, 0, 0)
    second_default = datetime(2002, 2, 2, 1, 1)
    try:
        first = parser.parse(raw, dayfirst=True, default=first_default, tzinfos=_tzinfos)
        second = parser.parse(raw, dayfirst=True, default=second_default, tzinfos=_tzinfos)
    except TimeInputError:
        raise
    except (ValueError, OverflowError, parser.ParserError):
        raise TimeInputError(f"{raw!r} is not a date and time Breachbot can read: try {EXAMPLES}") from None
    if (first.year, first.month, first.day) != (second.year, second.month, second.day):
        raise TimeInputError(f"{raw!r} needs a full date with day, month and year, e.g. {EXAMPLES}")
    if (first.hour, first.minute) != (second.hour, second.minute):
        raise TimeInputError(f"{raw!r} has a date but no time: add the time of day, e.g. {EXAMPLES}")
    return first


def _tzinfos(name: str | None, offset: int | None) -> tzinfo | int | None:
    if name is None:
        return None if offset is None else tz.tzoffset(None, offset)
    seconds = ZONE_ABBREVIATIONS.get(name.upper())
    if seconds is None:
        # Returning None would make dateutil hand back a naive time, silently read in the default zone.
        raise TimeInputError(
            f"Breachbot does not know the time zone {name!r}: use GMT, BST, UTC, Z or an offset such as +01:00"
        )
    return tz.tzoffset(name.upper(), seconds)


def _attach_zone(naive: datetime, zone: tzinfo, raw: str) -> datetime:
    local = naive.replace(tzinfo=zone)
    zone_name = str(getattr(zone, "key", zone))
    if not tz.datetime_exists(local):
        raise TimeInputError(
            f"{raw!r} does not exist in {zone_name}: the clocks went forward then. "
            "Check the time, or add the offset you mean (e.g. +00:00 or GMT)"
        )
    if tz.datetime_ambiguous(local):
        earlier = local.replace(fold=0).strftime("%Z")
        later = local.replace(fold=1).strftime("%Z")
        raise TimeInputError(
            f"{raw!r} happened twice in {zone_name} (the clocks went back): "
            f"add {earlier} or {later}, or an offset such as +01:00, to say which"
        )
    return local


def _check_abbreviation_fits(raw: str, parsed: datetime) -> None:
    """'12:00 BST' in January is a slip, not an instruction: BST is not in force then."""
    match = _ABBREVIATION.search(raw)
    if not match or match.group(1).upper() not in ("BST", "GMT"):
        return
    said = match.group(1).upper()
    london = parsed.astimezone(ZoneInfo("Europe/London"))
    in_force = london.strftime("%Z")
    if in_force != said:
        raise TimeInputError(
            f"{raw!r} says {said}, but London was on {in_force} at that moment: "
            "check the date, or give a UTC offset instead"
        )


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in Breachbot must carry its zone")
    return moment.astimezone(UTC)


__all__ = ["TimeInputError", "load_zone", "parse_instant", "refuse_future", "timedelta", "to_utc", "utc_now"]
