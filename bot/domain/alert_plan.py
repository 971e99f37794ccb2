"""When an incident's clocks warn, and which alert to send when several are due at once.

Pure: plain values in, plain values out. The alert plan itself is data (bot/rules/alerts.toml); this
module turns it into due times for one regime's clock, computed in UTC from awareness, so a warning
"24 hours before the deadline" is 24 real hours before it even across a clock change.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from bot.domain.clock import deadline_for, get_regime, require_aware

SNOOZE = timedelta(hours=1)
# A snoozed warning still lands this long before the deadline, so the final alert never arrives first.
SNOOZE_MARGIN = timedelta(minutes=15)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=15)

T = TypeVar("T")

# Status-update reminders ride on the same planned-alert rows (claimed, sent and recorded exactly once
# by the same sweeper) under this pseudo-regime, which is not a legal clock: it has no deadline.
UPDATE_REMINDER = "status-update"


@dataclass(frozen=True)
class Urgency:
    key: str
    rank: int
    emoji: str


@dataclass(frozen=True)
class AlertSpec:
    key: str
    headline: str
    next_step: str
    urgency: str
    final: bool
    at_hours: float | None  # None: at the moment of awareness

    def next_step_for(self, ref: str, clock: str = "") -> str:
        """The next step with the incident's reference, and the EU authority's country for its clock."""
        country = clock.split(":", 1)[1] if ":" in clock else "CC"
        return self.next_step.replace("{ref}", ref).replace("{country}", country)


@dataclass(frozen=True)
class AlertContext:
    """Everything an alert message shows, read from the store when the alert was claimed: plain values,
    so the messages can be built and tested without a database."""

    alert_id: int
    ref: str
    title: str
    status: str
    regime: str
    kind: str
    due_at: datetime
    deadline: datetime | None  # None for "without undue delay" clocks
    aware_at: datetime
    other_deadlines: tuple[tuple[str, datetime], ...] = ()  # (regime, deadline) of its other running clocks
    missed: tuple[dict[str, Any], ...] = ()  # [{"regime", "kind", "due_at"}] folded into this one
    lead: str | None = None  # the incident lead's Slack id: update reminders mention them
    last_update_at: datetime | None = None  # when the last status update was posted (update reminders)

    @property
    def spec(self) -> AlertSpec:
        return spec_for(self.regime, self.kind)


@dataclass(frozen=True)
class PlanRules:
    name: str
    clock_hours: int
    anchor: str  # "deadline" or "aware"
    contractual: bool  # the plan for a clock whose deadline a contract sets (a processor's)
    alerts: tuple[AlertSpec, ...]
    repeat_every: timedelta
    repeat: AlertSpec


@dataclass(frozen=True)
class PlannedTime:
    """One alert of one regime's clock: `step` 0 for the plan's alerts, n for the nth repeat."""

    regime: str
    key: str
    step: int
    due_at: datetime
    spec: AlertSpec


def _spec(row: dict[str, Any]) -> AlertSpec:
    at = row.get("at")
    if at not in (None, "start"):
        raise ValueError(f"alerts.toml: alert {row['key']!r} has at = {at!r}; use at_hours or at = 'start'")
    return AlertSpec(
        key=row["key"],
        headline=row["headline"],
        next_step=row["next_step"],
        urgency=row["urgency"],
        final=bool(row.get("final", False)),
        # A repeat's time comes from repeat_every_hours, not from at_hours.
        at_hours=None if at == "start" or "at_hours" not in row else float(row["at_hours"]),
    )


@cache
def _rules() -> tuple[dict[str, PlanRules], dict[str, Urgency]]:
    raw = tomllib.loads(resources.files("bot.rules").joinpath("alerts.toml").read_text("utf-8"))
    urgencies = {key: Urgency(key, int(row["rank"]), row["emoji"]) for key, row in raw["urgency"].items()}
    plans = {}
    for name, row in raw["plans"].items():
        plan = PlanRules(
            name=name,
            clock_hours=int(row["clock_hours"]),
            anchor=row["anchor"],
            contractual=bool(row.get("contractual", False)),
            alerts=tuple(_spec(alert) for alert in row["alerts"]),
            repeat_every=timedelta(hours=float(row["repeat_every_hours"])),
            repeat=_spec(row["repeat"]),
        )
        for spec in (*plan.alerts, plan.repeat):
            if spec.urgency not in urgencies:
                raise ValueError(f"alerts.toml: plan {name!r} uses unknown urgency {spec.urgency!r}")
        keys = [spec.key for spec in plan.alerts] + [plan.repeat.key]
        if len(set(keys)) != len(keys):
            raise ValueError(f"alerts.toml: plan {name!r} repeats an alert key")
        plans[name] = plan
    return plans, urgencies


def urgency(key: str) -> Urgency:
    return _rules()[1][key]


def rules_for(regime_key: str, contract_hours: int | None = None) -> PlanRules:
    """The plan for a regime's clock: the one the regime names (each EU authority's), else by its hours; a clock
    with no statutory hours but a contractual deadline (`contract_hours`) gets the contractual plan."""
    regime = get_regime(regime_key)
    hours = regime.hours or 0
    plans = _rules()[0]
    if regime.alert_plan:
        return plans[regime.alert_plan]
    if not hours and contract_hours:
        return next(p for p in plans.values() if p.contractual)
    return next((p for p in plans.values() if p.clock_hours == hours and not p.contractual), plans["default"])


def _candidate_plans(regime_key: str) -> list[PlanRules]:
    plans = [rules_for(regime_key)]
    if get_regime(regime_key).hours is None:
        plans += [p for p in _rules()[0].values() if p.contractual]
    return plans


def _plan_with(regime_key: str, key: str) -> PlanRules:
    """The plan an alert key belongs to: keys are unique across a regime's possible plans, so an alert row
    names its plan without the incident's contract at hand."""
    for rules in _candidate_plans(regime_key):
        if key == rules.repeat.key or any(spec.key == key for spec in rules.alerts):
            return rules
    raise KeyError(f"no alert {key!r} in the plan for {regime_key}")


UPDATE_REMINDER_SPEC = AlertSpec(
    key="no-update",
    headline="No status update for a while",
    next_step="Post a short status update: `/breach update`, or *Add update* on the pinned summary.",
    urgency="warning",
    final=True,  # no "Remind me in 1 hour": posting an update is the way to quiet it
    at_hours=None,
)


def spec_for(regime_key: str, key: str) -> AlertSpec:
    if regime_key == UPDATE_REMINDER:
        return UPDATE_REMINDER_SPEC
    rules = _plan_with(regime_key, key)
    return rules.repeat if key == rules.repeat.key else next(spec for spec in rules.alerts if spec.key == key)


def deadline_of(regime_key: str, aware_at: datetime, contract_hours: int | None = None) -> datetime | None:
    return deadline_for(regime_key, aware_at, contract_hours).due_at


def _anchor(rules: PlanRules, regime_key: str, aware_at: datetime, contract_hours: int | None) -> datetime:
    deadline = deadline_of(regime_key, aware_at, contract_hours)
    if rules.anchor == "deadline" and deadline is not None:
        return deadline
    return require_aware(aware_at)


def plan_alerts(regime_key: str, aware_at: datetime, contract_hours: int | None = None) -> list[PlannedTime]:
    """Every planned alert of one regime's clock, soonest first (repeats come later, one at a time)."""
    aware = require_aware(aware_at)
    rules = rules_for(regime_key, contract_hours)
    anchor = _anchor(rules, regime_key, aware, contract_hours)
    planned = []
    for spec in rules.alerts:
        due = aware if spec.at_hours is None else anchor + timedelta(hours=spec.at_hours)
        if due < aware:
            continue  # a default plan on a short clock: a warning before the clock began means nothing
        planned.append(PlannedTime(regime_key, spec.key, 0, due, spec))
    return sorted(planned, key=lambda p: p.due_at)


def next_repeat(regime_key: str, aware_at: datetime, now: datetime, contract_hours: int | None = None) -> PlannedTime:
    """The next repeating reminder after the plan's last alert and strictly after `now`.

    Repeats that fell while nobody could send them are not made up: one reminder, not a burst.
    """
    aware = require_aware(aware_at)
    rules = rules_for(regime_key, contract_hours)
    anchor = _anchor(rules, regime_key, aware, contract_hours)
    last_planned = max((p.due_at for p in plan_alerts(regime_key, aware, contract_hours)), default=anchor)
    floor = max(last_planned, require_aware(now))
    step = max(1, int((floor - anchor) / rules.repeat_every) + 1)
    due = anchor + rules.repeat_every * step
    while due <= floor:
        step += 1
        due = anchor + rules.repeat_every * step
    return PlannedTime(regime_key, rules.repeat.key, step, due, rules.repeat)


def starts_repeats(regime_key: str, kind: str) -> bool:
    """Whether, once this alert is sent (or missed), the next repeating reminder must be scheduled:
    true for the plan's last alert and for every repeat. Update reminders are re-planned by the sweeper."""
    if regime_key == UPDATE_REMINDER:
        return False
    rules = _plan_with(regime_key, kind)
    last = max(rules.alerts, key=lambda s: float("-inf") if s.at_hours is None else s.at_hours)
    return kind in (rules.repeat.key, last.key)


def urgency_order(spec: AlertSpec, due_at: datetime) -> tuple[bool, int, datetime]:
    """Bigger is more urgent: after the deadline first, then the louder urgency, then the later alert."""
    return (spec.final, urgency(spec.urgency).rank, due_at)


def most_urgent(items: Sequence[T], order: Callable[[T], tuple[bool, int, datetime]]) -> tuple[T, list[T]]:
    """The catch-up rule: of several alerts due for one incident, send the most urgent; the rest are
    missed (noted in that one message), so a sweeper back from downtime does not post a flood."""
    if not items:
        raise ValueError("nothing due")
    chosen = max(items, key=order)
    return chosen, [item for item in items if item is not chosen]


def superseded_at_planning(planned: Sequence[PlannedTime], now: datetime) -> set[PlannedTime]:
    """Alerts whose moment had already passed when they were planned (awareness long before the
    incident was opened): only the most urgent of those is sent; the others were never due to anyone."""
    current = require_aware(now)
    overdue = [p for p in planned if p.due_at <= current]
    if len(overdue) < 2:
        return set()
    _, rest = most_urgent(overdue, lambda p: urgency_order(p.spec, p.due_at))
    return set(rest)


def snoozed_due(due_at: datetime, deadline: datetime | None) -> datetime:
    """An hour later, but never to or past the deadline: the final alert is never snoozed away."""
    moved = require_aware(due_at) + SNOOZE
    if deadline is not None:
        moved = min(moved, deadline - SNOOZE_MARGIN)
    return max(moved, require_aware(due_at))


def next_update_reminder(anchor: datetime, every: timedelta, now: datetime) -> datetime:
    """When to remind the lead next: `every` after the anchor (the last update, the last reminder, or the
    incident's opening); a reminder whose moment passed while nobody could send it comes once, now."""
    return max(require_aware(anchor) + every, require_aware(now))


def retry_delay(attempts: int) -> timedelta:
    """Backoff after a failed send: 30 s, 1 min, 2 min ... at most 15 min, so an outage is retried for
    as long as it lasts without hammering Slack."""
    exponent = max(0, min(attempts - 1, 10))
    return min(FIRST_RETRY * (2**exponent), MAX_RETRY)
