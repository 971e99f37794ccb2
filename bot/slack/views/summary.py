"""The incident summary pinned in its channel: facts, clocks, status and the next-step buttons.

Later features extend it without rewriting it: add a `SummaryButton` to SUMMARY_BUTTONS (and register a
handler for its action_id; the button's value is the incident reference), or a function to
SUMMARY_LINES that returns an extra mrkdwn line (or None) for an incident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import object_session

from bot.domain.clock import deadlines_for, describe_duration, format_local, get_regime
from bot.domain.register import OUTCOME_LABELS
from bot.slack.views import triage as triage_view
from bot.slack.views.text import button, context, date_token, escape, mention, section
from bot.store.models import AlertPlan, Incident, Status

STATUS_LABELS = {
    Status.OPEN.value: "Open",
    Status.ASSESSED.value: "Assessed",
    Status.REPORTED.value: "Reported to the ICO",
    Status.CLOSED.value: "Closed",
}


@dataclass(frozen=True)
class SummaryButton:
    action_id: str
    label: str
    style: str | None = None
    shown: Callable[[Incident, datetime], bool] = lambda incident, now: True


def is_closed(incident: Incident) -> bool:
    return incident.status == Status.CLOSED.value


def is_late(incident: Incident, now: datetime) -> bool:
    """A fixed deadline to the ICO has passed with no report recorded."""
    if incident.ico_reported_at is not None:
        return incident.late
    stopped = stopped_clocks(incident)
    running = [key for key in incident.regimes if key not in stopped]
    return incident.late or any(d.overdue(now) for d in deadlines_for(running, incident.aware_at))


def needs_delay_reasons(incident: Incident, now: datetime) -> bool:
    return not is_closed(incident) and is_late(incident, now) and not incident.delay_reasons


def awaits_ico_report(incident: Incident) -> bool:
    """Open, not yet recorded as reported, and with a clock that ends in a report to the ICO."""
    if is_closed(incident) or incident.ico_reported_at is not None:
        return False
    return any(get_regime(key).report_to == "the ICO" for key in incident.regimes)


def ico_case_line(incident: Incident, now: datetime) -> str | None:
    return f"*ICO case reference:* {escape(incident.ico_case_ref)}" if incident.ico_case_ref else None


SUMMARY_BUTTONS: tuple[SummaryButton, ...] = (
    SummaryButton("add_update", "Add update", shown=lambda i, now: not is_closed(i)),
    SummaryButton("triage_open", "Triage", "primary", shown=lambda i, now: not is_closed(i)),
    SummaryButton(
        "drafts_post", "Draft notices", shown=lambda i, now: not is_closed(i) or triage_view.has_assessment(i)
    ),
    SummaryButton("delay_reasons", "Record reasons for delay", "danger", shown=needs_delay_reasons),
    SummaryButton("ico_reported", "ICO report made", shown=lambda i, now: awaits_ico_report(i)),
    SummaryButton("aware_change", "Change awareness time", shown=lambda i, now: not is_closed(i)),
    SummaryButton("close_incident", "Close", shown=lambda i, now: not is_closed(i)),
)


def roles_line(incident: Incident, now: datetime) -> str:
    closed = is_closed(incident)
    lead = mention(incident.lead_user_id) if incident.lead_user_id else "not assigned"
    owner = mention(incident.dpo_owner_user_id) if incident.dpo_owner_user_id else "not assigned"
    if not closed and not incident.lead_user_id:
        lead += " (`/breach lead @someone`)"
    if not closed and not incident.dpo_owner_user_id:
        owner += " (`/breach role dpo @someone`)"
    return f"*Incident lead:* {lead} · *DPO owner:* {owner}"


SUMMARY_LINES: tuple[Callable[[Incident, datetime], str | None], ...] = (
    roles_line,
    triage_view.decision_line,
    ico_case_line,
)


def stopped_clocks(incident: Incident) -> dict[str, Any]:
    """The clocks stopped by a decision not to notify (or by hand), with why: kept on the alert plan."""
    session = object_session(incident)
    plan = session.get(AlertPlan, incident.id) if session is not None else None
    return dict(plan.stopped) if plan is not None else {}


def deadline_lines(
    incident: Incident, now: datetime, zone: ZoneInfo, *, only: Callable[[str], bool] = lambda key: True
) -> list[str]:
    lines = []
    stopped = stopped_clocks(incident)
    for deadline in deadlines_for(
        [key for key in incident.regimes if only(key)], incident.aware_at, incident.contract_hours
    ):
        regime = deadline.regime
        if regime.report_to == "the controller" and incident.controller_told_at is not None:
            lines.append(f"• *{regime.label}*: controller told {date_token(incident.controller_told_at, zone)}")
            continue
        if deadline.due_at is None:
            lines.append(f"• *{regime.label}*: tell {regime.report_to} without undue delay")
            continue
        due = date_token(deadline.due_at, zone)
        eu_report = (incident.eu_reports or {}).get(regime.authority or "")
        if incident.ico_reported_at is not None and regime.report_to == "the ICO":
            lines.append(f"• *{regime.label}*: reported {date_token(incident.ico_reported_at, zone)} (due {due})")
        elif eu_report:
            case = f", case {escape(str(eu_report['case_ref']))}" if eu_report.get("case_ref") else ""
            when = date_token(datetime.fromisoformat(eu_report["reported_at"]), zone)
            lines.append(
                f"• *{regime.label}*: notified {when}{case} (due {due}{', late' if eu_report['late'] else ''})"
            )
        elif regime.key in stopped:
            why = escape(str(stopped[regime.key].get("reason") or "clock stopped"))
            lines.append(f"• *{regime.label}*: no report due: {why} (was due {due})")
        elif is_closed(incident):
            lines.append(f"• *{regime.label}*: was due {due}")
        elif deadline.overdue(now):
            left = describe_duration(deadline.time_left(now))  # type: ignore[arg-type]
            lines.append(f"• *{regime.label}*: report to {regime.report_to} by {due}: :warning: *LATE*, {left}")
        else:
            left = describe_duration(deadline.time_left(now))  # type: ignore[arg-type]
            lines.append(f"• *{regime.label}*: report to {regime.report_to} by {due} ({left} left)")
    return lines


def summary_text(incident: Incident, zone: ZoneInfo) -> str:
    """The notification fallback: it is mrkdwn too, so the title is escaped here as well."""
    text = f"{incident.ref}: {escape(incident.title)}"
    if incident.next_deadline_at and not is_closed(incident):
        text += f" (first deadline {format_local(incident.next_deadline_at, zone)})"
    return text


def summary_blocks(
    incident: Incident,
    *,
    now: datetime,
    zone: ZoneInfo,
    buttons: tuple[SummaryButton, ...] = SUMMARY_BUTTONS,
    lines: tuple[Callable[[Incident, datetime], str | None], ...] = SUMMARY_LINES,
) -> list[dict[str, Any]]:
    status = STATUS_LABELS.get(incident.status, incident.status)
    if is_late(incident, now) and not is_closed(incident):
        status += " · :warning: LATE"
    facts = [
        f"*{incident.ref}* · {'near miss' if incident.near_miss else 'personal-data breach'}",
        f"*{escape(incident.title)}*",
        f"*Status:* {status}",
        f"*Aware:* {date_token(incident.aware_at, zone)}"
        + (f" · *Happened:* {date_token(incident.occurred_at, zone)}" if incident.occurred_at else ""),
        f"*Reported by:* {mention(incident.reported_by)}",
    ]
    if incident.is_processor:
        facts.append(f"*Processor for:* {escape(incident.controller_name) or 'controller not named yet'}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Incident {incident.ref}"}},
        section("\n".join(facts)),
    ]
    if incident.description:
        blocks.append(section(f"*What happened:*\n{escape(incident.description)}"))
    if incident.discovered_how:
        blocks.append(section(f"*How it was discovered:*\n{escape(incident.discovered_how)}"))
    blocks.append(section("*Deadlines*\n" + "\n".join(deadline_lines(incident, now, zone))))
    if needs_delay_reasons(incident, now):
        blocks.append(
            section(
                ":warning: *The report is late.* UK GDPR Art 33(1) requires the reasons for the delay "
                "with any report made after 72 hours: record them now."
            )
        )
    elif incident.delay_reasons:
        blocks.append(section(f"*Reasons for delay:* {escape(incident.delay_reasons)}"))
    if is_closed(incident):
        label = OUTCOME_LABELS.get(incident.close_outcome or "", incident.close_outcome)
        outcome = f" ({escape(label)})" if label else ""
        closed = date_token(incident.closed_at, zone) if incident.closed_at else ""
        blocks.append(section(f"*Closed* {closed}{outcome}: {escape(incident.close_reason)}"))
    for line in lines:
        extra = line(incident, now)
        if extra:
            blocks.append(section(extra))
    shown = [b for b in buttons if b.shown(incident, now)]
    if shown:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"summary:{incident.ref}",
                "elements": [button(b.label, b.action_id, incident.ref, b.style) for b in shown],
            }
        )
    blocks.append(context(f"Times left as of {date_token(now, zone)}. Deadlines run from awareness, in UTC."))
    return blocks
