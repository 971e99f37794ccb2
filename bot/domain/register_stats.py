"""The register's figures for a board: counts by month and outcome, reports on time, time to triage and to
report, causes and near misses. Pure: read from register entries (the rows every export writes), so each
figure can be counted again from the register itself. Counts only: no names, titles or descriptions.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.domain.register import NOT_APPLICABLE

# Outcomes in the order they are stacked and listed. Each is a test on one register row.
REPORTED: Final = "Reported to the ICO"
NOT_REPORTABLE: Final = "Recorded only (no report needed)"
REPORT_OWED: Final = "Report owed, not yet made"
UNDECIDED: Final = "Not yet decided"
OUTCOMES: Final = (REPORTED, NOT_REPORTABLE, REPORT_OWED, UNDECIDED)
NOT_CATEGORISED: Final = "Cause not yet recorded"
# The time bands a board reads against the 72-hour line (hours from awareness): from, up to, label.
HOUR_BANDS: Final[tuple[tuple[int, int | None, str], ...]] = (
    (0, 24, "0–24 h"),
    (24, 48, "24–48 h"),
    (48, 72, "48–72 h"),
    (72, 96, "72–96 h"),
    (96, 168, "4–7 days"),
    (168, None, "over 7 days"),
)
DEADLINE_HOURS: Final = 72


def outcome(entry: dict[str, Any]) -> str:
    if isinstance(entry["ico_reported_at"], datetime):
        return REPORTED
    if entry["ico_reported_at"] is NOT_APPLICABLE:
        return NOT_REPORTABLE
    if entry["decision"] is None:
        return UNDECIDED
    return REPORT_OWED


def _band(hours: float) -> str:
    for _, high, label in HOUR_BANDS:
        if high is None or hours <= high:  # a report at exactly 72 hours is on time
            return label
    raise AssertionError("the last band is open-ended")


@dataclass(frozen=True)
class MonthFigures:
    month: date
    outcomes: dict[str, int]
    reported: int
    on_time: int
    near_misses: int

    @property
    def label(self) -> str:
        return self.month.strftime("%b %Y")


@dataclass(frozen=True)
class BoardFigures:
    since: date
    until: date  # exclusive
    months: list[MonthFigures]
    breaches: int
    near_misses: int
    outcomes: dict[str, int]
    reported: int
    on_time: int
    hours_to_triage: list[float] = field(repr=False)
    hours_to_report: list[float] = field(repr=False)
    causes: list[tuple[str, int]]
    near_miss_causes: list[tuple[str, int]]

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.reported if self.reported else None

    def bands(self, hours: Sequence[float]) -> dict[str, int]:
        counts = Counter(_band(h) for h in hours)
        return {label: counts.get(label, 0) for _, _, label in HOUR_BANDS}

    @staticmethod
    def median(hours: Sequence[float]) -> float | None:
        return round(statistics.median(hours), 1) if hours else None

    @staticmethod
    def within(hours: Sequence[float], limit: float = DEADLINE_HOURS) -> int:
        return sum(1 for h in hours if h <= limit)


class DayInputError(ValueError):
    pass


_DAY_SHAPES: Final = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%d/%m/%Y"),
)


def parse_day(text: str, what: str) -> date:
    """A calendar day typed as 2026-11-01 or (UK) 01/11/2026."""
    raw = text.strip()
    for pattern, shape in _DAY_SHAPES:
        if pattern.match(raw):
            try:
                return datetime.strptime(raw, shape).date()
            except ValueError:
                break
    raise DayInputError(f"{what} {raw!r} is not a date: use e.g. 2026-11-01 or 01/11/2026")


def default_since(today: date, months: int = 12) -> date:
    """The first day of the month `months - 1` months before today's: a year of whole months to date."""
    return date(today.year, today.month, 1) - relativedelta(months=months - 1)


def month_start(moment: datetime, zone: ZoneInfo) -> date:
    local = moment.astimezone(zone)
    return date(local.year, local.month, 1)


def board_figures(entries: Sequence[dict[str, Any]], *, since: date, until: date, zone: ZoneInfo) -> BoardFigures:
    """Figures for incidents the organisation became aware of from `since` up to (not including) `until`,
    by month in `zone`. A breach counts as reported on time when its register row says not late."""
    months: list[date] = []
    cursor = date(since.year, since.month, 1)
    while cursor < until:
        months.append(cursor)
        cursor += relativedelta(months=1)
    by_month: dict[date, Counter[str]] = {m: Counter() for m in months}
    outcomes: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    near_miss_causes: Counter[str] = Counter()
    to_triage: list[float] = []
    to_report: list[float] = []
    breaches = near_misses = 0
    for entry in entries:
        local_day = entry["aware_at"].astimezone(zone).date()
        if not since <= local_day < until:
            continue
        month = by_month[date(local_day.year, local_day.month, 1)]
        cause = entry["cause_category"] if isinstance(entry["cause_category"], str) else NOT_CATEGORISED
        if entry["near_miss"] or entry["close_outcome"] in ("near-miss", "false-alarm"):
            near_misses += 1
            month["near_miss"] += 1
            near_miss_causes[cause] += 1
            continue
        breaches += 1
        result = outcome(entry)
        outcomes[result] += 1
        month[result] += 1
        causes[cause] += 1
        if result == REPORTED:
            month["reported"] += 1
            if entry["late"] is False:
                month["on_time"] += 1
        if isinstance(entry["hours_to_triage"], int | float):
            to_triage.append(float(entry["hours_to_triage"]))
        if isinstance(entry["hours_to_report"], int | float):
            to_report.append(float(entry["hours_to_report"]))
    return BoardFigures(
        since=since,
        until=until,
        months=[
            MonthFigures(
                month=m,
                outcomes={o: by_month[m][o] for o in OUTCOMES},
                reported=by_month[m]["reported"],
                on_time=by_month[m]["on_time"],
                near_misses=by_month[m]["near_miss"],
            )
            for m in months
        ],
        breaches=breaches,
        near_misses=near_misses,
        outcomes={o: outcomes[o] for o in OUTCOMES},
        reported=sum(m["reported"] for m in by_month.values()),
        on_time=sum(m["on_time"] for m in by_month.values()),
        hours_to_triage=to_triage,
        hours_to_report=to_report,
        causes=causes.most_common(),
        near_miss_causes=near_miss_causes.most_common(),
    )
