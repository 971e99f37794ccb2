"""Each of an incident's clocks as the privacy card and the channel topic show it: running, late,
reported, stopped, closed, or without a fixed deadline. No free text: these go outside the incident's
own channel, where the reasons people typed (which may name people) must not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import Regime, deadlines_for
from bot.slack.views.summary import is_closed, stopped_clocks
from bot.store.models import Incident


@dataclass(frozen=True)
class ClockState:
    regime: Regime
    due_at: datetime | None
    state: str  # running | late | reported | stopped | closed | no-fixed-deadline


def clock_states(incident: Incident, now: datetime) -> list[ClockState]:
    stopped = stopped_clocks(incident)
    found = []
    for deadline in deadlines_for(incident.regimes, incident.aware_at):
        regime = deadline.regime
        if deadline.due_at is None:
            state = "no-fixed-deadline"
        elif incident.ico_reported_at is not None and regime.report_to == "the ICO":
            state = "reported"
        elif regime.authority is not None and regime.authority in (incident.eu_reports or {}):
            state = "reported"  # that EU authority was notified
        elif regime.key in stopped:
            state = "stopped"
        elif is_closed(incident):
            state = "closed"
        elif deadline.overdue(now):
            state = "late"
        else:
            state = "running"
        found.append(ClockState(regime, deadline.due_at, state))
    return found


def next_deadline_change(incident: Incident, now: datetime) -> datetime | None:
    """When the next running clock falls due, and with it what every view shows (LATE, the delay button)."""
    upcoming = [c.due_at for c in clock_states(incident, now) if c.state == "running" and c.due_at is not None]
    return min(upcoming, default=None)
