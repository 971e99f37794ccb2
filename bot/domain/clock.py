"""The regulatory clocks: which regimes exist, and when each one's deadline falls.

Deadlines are awareness plus a number of elapsed hours, computed in UTC. Wall-clock arithmetic in
Europe/London is wrong across a clock change (72 wall-clock hours over the spring change are 71 real
ones), so local time is used only for display.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.eu_authorities import EU_REGIME, authorities, clock_country, clock_key
from bot.errors import BreachbotError


class UnknownRegime(BreachbotError):
    pass


@dataclass(frozen=True)
class Regime:
    key: str
    label: str
    who: str
    report_to: str
    hours: int | None
    source: str
    risk_based: bool = False  # the triage decision not to notify stops this clock
    alert_plan: str | None = None  # a named plan in alerts.toml; None: the plan matching `hours`
    authority: str | None = None  # an EU authority's clock: its country code (eu_authorities.py)

    @property
    def base_key(self) -> str:
        """The regime the clock belongs to: 'eu-gdpr' for every EU authority's clock."""
        return self.key.split(":", 1)[0]


@cache
def regimes() -> dict[str, Regime]:
    raw = tomllib.loads(resources.files("bot.rules").joinpath("regimes.toml").read_text("utf-8"))
    return {
        key: Regime(
            key=key,
            label=row["label"],
            who=row["who"],
            report_to=row["report_to"],
            hours=row.get("hours"),
            source=row["source"],
            risk_based=bool(row.get("risk_based", False)),
            alert_plan=row.get("alert_plan"),
        )
        for key, row in raw.items()
    }


def get_regime(key: str) -> Regime:
    country = clock_country(key)
    if country is not None:
        return _authority_clock(country)
    try:
        return regimes()[key]
    except KeyError:
        known = ", ".join(regimes())
        raise UnknownRegime(f"unknown regime {key!r}: use one of {known}") from None


@cache
def _authority_clock(country: str) -> Regime:
    """One EEA authority's own 72-hour clock: the EU GDPR's rule, reported to that authority."""
    try:
        found = authorities()[country]
    except KeyError:
        raise UnknownRegime(f"no EEA supervisory authority for {country!r}") from None
    base = regimes()[EU_REGIME]
    return replace(
        base, key=clock_key(country), label=f"EU GDPR: {found.short} ({found.country})", report_to=found.name_en,
        authority=country,
    )  # fmt: skip


def require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: every time in Breachbot must carry its zone")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Deadline:
    regime: Regime
    aware_at: datetime  # UTC
    due_at: datetime | None  # UTC; None when the rule is "without undue delay"
    # Hours set by a contract rather than the law: a processor's deadline to tell its controller
    # (Art 28(3)(f)) on a clock the law leaves at "without undue delay".
    contract_hours: int | None = None

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and require_aware(now) > self.due_at

    def time_left(self, now: datetime) -> timedelta | None:
        return None if self.due_at is None else self.due_at - require_aware(now)

    def to_dict(self, now: datetime, display_zone: ZoneInfo) -> dict[str, Any]:
        """The shape `breachbot deadline --json` promises (contracts.md); extra keys are allowed."""
        return {
            "regime": self.regime.key,
            "label": self.regime.label,
            "report_to": self.regime.report_to,
            "hours": self.regime.hours if self.contract_hours is None else self.contract_hours,
            "contractual": self.contract_hours is not None,
            "aware_at": self.aware_at.isoformat(),
            "deadline": self.due_at.isoformat() if self.due_at else None,
            "deadline_local": self.due_at.astimezone(display_zone).isoformat() if self.due_at else None,
            "overdue": self.overdue(now),
            "source": self.regime.source,
        } | self._authority_keys()

    def _authority_keys(self) -> dict[str, Any]:
        if self.regime.base_key != EU_REGIME:
            return {}
        # contracts.md: "regime" is "eu-gdpr" for every EU clock; the authority says which one.
        found = authorities().get(self.regime.authority or "")
        return {
            "regime": EU_REGIME,
            "clock": self.regime.key,
            "authority": {"country": found.country_code, "name": found.name_en} if found else None,
        }


def deadline_for(regime_key: str, aware_at: datetime, contract_hours: int | None = None) -> Deadline:
    """The regime's deadline from awareness. `contract_hours` gives a clock the law leaves at "without
    undue delay" (the processor's) the deadline its contract sets; it never moves a statutory deadline."""
    regime = get_regime(regime_key)
    aware_utc = require_aware(aware_at)
    contractual = contract_hours if regime.hours is None and contract_hours else None
    hours = regime.hours if contractual is None else contractual
    due = None if hours is None else aware_utc + timedelta(hours=hours)
    return Deadline(regime=regime, aware_at=aware_utc, due_at=due, contract_hours=contractual)


def deadlines_for(
    regime_keys: list[str] | tuple[str, ...], aware_at: datetime, contract_hours: int | None = None
) -> list[Deadline]:
    """Every clock an incident runs, soonest first; the no-fixed-hours ones last."""
    found = [deadline_for(key, aware_at, contract_hours) for key in regime_keys]
    far_future = datetime.max.replace(tzinfo=UTC)
    # At the same deadline, the UK regimes first (by key), then the EU authorities in the order chosen.
    order = {key: index for index, key in enumerate(regime_keys)}

    def position(d: Deadline) -> tuple[datetime, bool, int, str]:
        eu = d.regime.authority is not None
        return (d.due_at or far_future, eu, order[d.regime.key] if eu else 0, d.regime.key)

    return sorted(found, key=position)


def ico_clock(regime_keys: list[str] | tuple[str, ...], aware_at: datetime) -> Deadline | None:
    """The incident's earliest clock that ends in a report to the ICO (UK GDPR and PECR 72 h, UK eIDAS 24 h);
    None when no clock of the incident reports to the ICO."""
    ico = [d for d in deadlines_for(regime_keys, aware_at) if d.regime.report_to == "the ICO" and d.due_at]
    return ico[0] if ico else None


def earliest_due(regime_keys: list[str] | tuple[str, ...], aware_at: datetime) -> datetime | None:
    due = [d.due_at for d in deadlines_for(regime_keys, aware_at) if d.due_at is not None]
    return min(due) if due else None


def describe_duration(delta: timedelta) -> str:
    """'2 days 3 h 5 min' for people; negative durations read as 'overdue by ...'."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return f"overdue by {describe_duration(timedelta(seconds=-seconds))}"
    minutes_total = seconds // 60
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def format_local(moment: datetime, zone: ZoneInfo) -> str:
    """'Mon 30 Mar 2026, 13:00 BST': the zone's abbreviation makes summer/winter time plain."""
    local = require_aware(moment).astimezone(zone)
    return local.strftime("%a %d %b %Y, %H:%M %Z")
