"""The breach register (UK GDPR Art 33(5)): the facts one entry is built from, the rules read from them
(decision in force, lateness), and what closing needs.

Pure: entries are built from plain values, so the exports, the Slack face and the close check all read
the same definitions. The close rule is data (the table below); the columns are the table in
register_columns.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bot.domain.clock import earliest_due, get_regime, ico_clock

NOT_YET_KNOWN: Final = "not yet known"
PECR: Final = "pecr"
NOT_APPLICABLE_TEXT: Final = "not applicable"
NOT_ASSIGNED: Final = "not assigned"


class _NotApplicable:
    """A value that does not apply to this incident (e.g. reasons for not notifying a notified breach):
    "not applicable" in every export, where a fact not yet known is a blank-free "not yet known" in
    spreadsheets and null in JSON, so a reader can always tell the two apart."""

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE: Final = _NotApplicable()

# Outcomes after which the outcome and the closing reason are the whole record (no triage, no actions).
NO_BREACH_OUTCOMES: Final = frozenset({"near-miss", "false-alarm"})
# How each closing outcome reads to people (the close modal, the summary, the privacy card).
OUTCOME_LABELS: Final = {
    "reported": "Reported to the ICO",
    "not-reportable": "Not reportable: unlikely to result in a risk",
    "near-miss": "Near miss: no personal data compromised",
    "false-alarm": "False alarm: not a breach",
}


@dataclass(frozen=True)
class ActionFact:
    text: str
    at: datetime
    by: str
    planned: bool
    reason: str | None = None  # why it was done


@dataclass(frozen=True)
class AdviceFact:
    adviser: str
    at: datetime
    advice: str


@dataclass(frozen=True)
class OverrideFact:
    notify_ico: bool
    notify_individuals: bool
    justification: str
    by: str
    at: datetime


@dataclass(frozen=True)
class IncidentFacts:
    """Everything an entry is built from, as plain values the service gathers from the store."""

    ref: str
    title: str
    status: str
    near_miss: bool
    regimes: Sequence[str]
    aware_at: datetime
    occurred_at: datetime | None = None
    description: str | None = None
    ico_reported_at: datetime | None = None
    ico_case_ref: str | None = None
    delay_reasons: str | None = None
    answers: Mapping[str, Any] | None = None  # the latest assessment's answers; None when never assessed
    computed: Mapping[str, Any] | None = None  # the latest assessment's result (contracts.md triage shape)
    override: OverrideFact | None = None  # the override of that assessment, if any
    likely_consequences: str | None = None
    others_told: str | None = None
    individuals_told_at: datetime | None = None
    individuals_told_how: str | None = None
    controller_name: str | None = None
    controller_told_at: datetime | None = None
    controller_told_how: str | None = None
    measures_in_place: str | None = None
    actions: Sequence[ActionFact] = ()
    closed_at: datetime | None = None
    close_outcome: str | None = None
    close_reason: str | None = None
    timeline_events: int = 0
    chain_verified: bool = True
    eu_reports: Mapping[str, Any] | None = None  # {"FR": {"reported_at", "case_ref", "late"}}
    chain_problem: str | None = None  # the first problem the hash-chain check found
    discovered_how: str | None = None
    staff_involved: str | None = None
    staff_training: str | None = None
    cyber_incident: bool | None = None
    cause_category: str | None = None  # a key of rules/causes.toml
    reasons_not_told: str | None = None  # recorded by a person; else derived from the decision
    advice: Sequence[AdviceFact] = ()
    is_processor: bool = False
    triaged_at: datetime | None = None  # the first assessment
    incident_lead: str | None = None
    dpo_owner: str | None = None


def decision_in_force(facts: IncidentFacts) -> tuple[bool | None, bool | None]:
    """(notify the ICO, tell the people): the override when there is one, else the computed result."""
    if facts.override is not None:
        return facts.override.notify_ico, facts.override.notify_individuals
    if facts.computed is None:
        return None, None
    return bool(facts.computed.get("notify_ico")), bool(facts.computed.get("notify_individuals"))


def no_breach(facts: IncidentFacts, outcome: str | None = None) -> bool:
    return facts.near_miss or (outcome or facts.close_outcome or "") in NO_BREACH_OUTCOMES


def pecr_report_owed(facts: IncidentFacts, outcome: str | None = None) -> bool:
    """PECR reg 5A(2): every personal data breach in connection with the service is reported to the ICO, whatever
    the risk and whatever any decision says; only "no personal data" (or no breach at all) takes it away."""
    if PECR not in facts.regimes or no_breach(facts, outcome) or facts.computed is None:
        return False
    return facts.computed.get("risk") != "none"


def ico_report_owed(facts: IncidentFacts, outcome: str | None = None) -> bool | None:
    """Whether a report to the ICO is owed: always for a PECR breach, else as the decision in force says."""
    if pecr_report_owed(facts, outcome):
        return True
    return decision_in_force(facts)[0]


def eu_report_owed(facts: IncidentFacts) -> bool | None:
    """Whether the EU authorities are owed a report: the override (a judgement of risk), else the EU GDPR's own
    entry in the triage result, else the overall decision. PECR's every-breach rule is UK law, not the EU's."""
    if facts.override is not None:
        return facts.override.notify_ico
    if facts.computed is None:
        return None
    for entry in facts.computed.get("regimes") or ():
        if entry.get("regime") == "eu-gdpr":
            return bool(entry.get("notify_ico"))
    return bool(facts.computed.get("notify_ico"))


def ico_deadline(facts: IncidentFacts) -> datetime | None:
    """The earliest clock to the ICO from awareness (UK GDPR 72 h; UK eIDAS 24 h where it applies); None when
    the incident runs no clock to the ICO."""
    clock = ico_clock(tuple(facts.regimes), facts.aware_at)
    return clock.due_at if clock else None


def hours_late(facts: IncidentFacts, now: datetime) -> float | None:
    """Hours past the ICO deadline: of the report if made, else of today (or the close) while a report is
    still owed. None when not late, including breaches the decision in force says need no report."""
    due = ico_deadline(facts)
    if due is None or no_breach(facts):
        return None
    if facts.ico_reported_at is not None:
        past = facts.ico_reported_at - due
    else:
        if ico_report_owed(facts) is False:
            return None
        past = (facts.closed_at or now) - due
    hours = past.total_seconds() / 3600
    return round(hours, 1) if hours > 0 else None


def reasons_not_notified(facts: IncidentFacts) -> str | _NotApplicable | None:
    notify_ico = ico_report_owed(facts)
    if notify_ico is True:
        return NOT_APPLICABLE
    if notify_ico is False:
        if facts.override is not None:
            return f"Override: {facts.override.justification}"
        reasons = " ".join(str(r) for r in (facts.computed or {}).get("reasons") or ())
        return reasons or None
    if no_breach(facts):
        return f"Near miss: {facts.close_reason}" if facts.close_reason else "Near miss: no personal data compromised"
    return None


def owes_report(facts: IncidentFacts) -> bool | None:
    """Whether a report to the ICO is owed under the decision in force; None while undecided."""
    if no_breach(facts):
        return False
    return ico_report_owed(facts)


def eu_authorities(facts: IncidentFacts) -> list[str] | _NotApplicable:
    """One line per EU authority the incident must notify: when it was told, its case reference, whether
    late; or that it has not been told yet, with its deadline."""
    lines = []
    for key in facts.regimes:
        regime = get_regime(key)
        if regime.authority is None:
            continue
        report = (facts.eu_reports or {}).get(regime.authority)
        name = f"{regime.report_to} ({regime.authority})"
        if report:
            when = datetime.fromisoformat(report["reported_at"]).strftime("%Y-%m-%d %H:%M UTC")
            case = f", case {report['case_ref']}" if report.get("case_ref") else ", case reference not recorded"
            lines.append(f"{name}: notified {when}{case}, {'late' if report.get('late') else 'on time'}")
        else:
            due = earliest_due([key], facts.aware_at)
            lines.append(f"{name}: not notified (due {due:%Y-%m-%d %H:%M} UTC)" if due else f"{name}: not notified")
    return lines or NOT_APPLICABLE


# --- closing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseRequirement:
    key: str
    when: str  # a name in _WHEN: which incidents the requirement applies to
    need: str  # what is missing, in plain words
    how: str  # where to record it on the command line; {ref} is the incident's reference
    slack: str = ""  # where to record it in Slack, from the incident's channel


# What a closed incident's register entry must hold. A near miss or false alarm (by flag or by the outcome
# chosen) needs only the outcome and the reason: there was no breach to triage, report or remedy. Any other
# incident also needs the decision with its reasons, what was done, and the report or the telling that the
# decision in force calls for; a report that is (or was) late needs the reasons for the delay (Art 33(1)).
# At least one action actually taken is needed: "no action needed because ..." is itself an action to record.
CLOSE_REQUIREMENTS: Final[tuple[CloseRequirement, ...]] = (
    CloseRequirement(
        "outcome", "always", "choose the outcome", "--outcome reported|not-reportable|near-miss|false-alarm"
    ),
    CloseRequirement("reason", "always", "say why it is closed (the closing summary)", "--reason TEXT"),
    CloseRequirement(
        "pecr_reportable",
        "pecr",
        "choose the outcome reported: under PECR every personal data breach is reported to the ICO, whatever "
        "the risk (PECR reg 5A(2))",
        "--outcome reported",
        "the outcome *Reported to the ICO*",
    ),
    CloseRequirement(
        "decision",
        "breach",
        "record the triage assessment",
        "breachbot triage {ref} --answers FILE",
        "`/breach triage`",
    ),
    CloseRequirement(
        "reasons_not_notified",
        "not_notified",
        "give the reasons for not notifying the ICO",
        "breachbot triage {ref} --override no-notify --individuals no --reason TEXT",
        "*Override decision* on the triage result",
    ),
    CloseRequirement(
        "ico_report",
        "must_report",
        "record the ICO report, or override the decision with a justification",
        "breachbot incident reported {ref} --ico-ref REF",
        "`/breach reported CASE-REFERENCE`",
    ),
    CloseRequirement(
        "pecr_ico_report",
        "pecr",
        "record the ICO report: under PECR every personal data breach is reported, and no decision can waive it "
        "(PECR reg 5A(2))",
        "breachbot incident reported {ref} --ico-ref REF",
        "`/breach reported CASE-REFERENCE`",
    ),
    CloseRequirement(
        "eu_reports",
        "must_report_eu",
        "record the report to each EU authority, or override the decision with a justification",
        "breachbot incident reported {ref} --authority CC --ref CASE",
    ),
    CloseRequirement(
        "individuals_told",
        "must_tell",
        "record when and how the people affected were told",
        "breachbot incident facts {ref} --individuals-told-at WHEN --individuals-told-how HOW",
        "`/breach facts`",
    ),
    CloseRequirement(
        "controller_told",
        "processor",
        "record when and how the controller was told",
        "breachbot incident controller-told {ref} --at WHEN --how TEXT",
        "`/breach controller-told`",
    ),
    CloseRequirement(
        "delay_reasons",
        "late",
        "give the reasons for delay",
        "breachbot incident delay-reasons {ref} --reason TEXT",
        "`/breach delay-reasons TEXT`",
    ),
    CloseRequirement(
        "remedial_action",
        "breach",
        "record a remedial action taken",
        "breachbot incident action {ref} TEXT",
        "`/breach action TEXT`",
    ),
)


@dataclass(frozen=True)
class _Closing:
    facts: IncidentFacts
    outcome: str | None
    reason: str | None
    now: datetime


_WHEN: Final[dict[str, Callable[[_Closing], bool]]] = {
    "always": lambda c: True,
    "breach": lambda c: not no_breach(c.facts, c.outcome),
    "pecr": lambda c: pecr_report_owed(c.facts, c.outcome),
    "not_notified": lambda c: not no_breach(c.facts, c.outcome) and ico_report_owed(c.facts, c.outcome) is False,
    "must_report": lambda c: (
        not no_breach(c.facts, c.outcome)
        and not pecr_report_owed(c.facts, c.outcome)  # pecr_ico_report asks for it, without the override way out
        and (ico_report_owed(c.facts, c.outcome) is True or c.outcome == "reported")
    ),
    "must_tell": lambda c: not no_breach(c.facts, c.outcome) and decision_in_force(c.facts)[1] is True,
    "must_report_eu": lambda c: (
        not no_breach(c.facts, c.outcome)
        and bool(_eu_countries(c.facts))
        and (eu_report_owed(c.facts) is True or c.outcome == "reported")
    ),
    "late": lambda c: (
        not no_breach(c.facts, c.outcome)
        and (hours_late(c.facts, c.now) is not None or any(r.get("late") for r in (c.facts.eu_reports or {}).values()))
    ),
    # A processor's duty is to tell its controller (Art 33(2)); the register must show it did.
    "processor": lambda c: not no_breach(c.facts, c.outcome) and "processor" in c.facts.regimes,
}

_DONE: Final[dict[str, Callable[[_Closing], bool]]] = {
    "outcome": lambda c: bool(c.outcome),
    "reason": lambda c: bool(c.reason),
    "pecr_reportable": lambda c: c.outcome != "not-reportable",
    "decision": lambda c: c.facts.computed is not None,
    "reasons_not_notified": lambda c: isinstance(reasons_not_notified(c.facts), str),
    "ico_report": lambda c: c.facts.ico_reported_at is not None,
    "pecr_ico_report": lambda c: c.facts.ico_reported_at is not None,
    "individuals_told": lambda c: c.facts.individuals_told_at is not None,
    "delay_reasons": lambda c: bool(c.facts.delay_reasons),
    "controller_told": lambda c: c.facts.controller_told_at is not None,
    "remedial_action": lambda c: any(not a.planned for a in c.facts.actions),
    "eu_reports": lambda c: all(code in (c.facts.eu_reports or {}) for code in _eu_countries(c.facts)),
}


def _eu_countries(facts: IncidentFacts) -> list[str]:
    """The EU authorities (country codes) whose clocks the incident runs."""
    return [code for key in facts.regimes if (code := get_regime(key).authority)]


def missing_to_close(
    facts: IncidentFacts, *, outcome: str | None, reason: str | None, now: datetime
) -> list[CloseRequirement]:
    """The requirements, in table order, that apply to this incident and are not yet met."""
    closing = _Closing(facts=facts, outcome=outcome, reason=reason, now=now)
    return [r for r in CLOSE_REQUIREMENTS if _WHEN[r.when](closing) and not _DONE[r.key](closing)]
