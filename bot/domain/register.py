"""The breach register (UK GDPR Art 33(5)): what one entry holds, its columns, and what closing needs.

Pure: entries are built from plain values, so the exports, the Slack face and the close check all read
the same definitions. The columns and the close rule are data (tables below), so a change in what the
ICO expects is an edit in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bot.domain.clock import earliest_due, get_regime, ico_clock
from bot.domain.decision import decision_text
from bot.domain.regime_triage import label as regime_label
from bot.domain.triage import QUESTIONS

NOT_YET_KNOWN: Final = "not yet known"
PECR: Final = "pecr"
NOT_APPLICABLE_TEXT: Final = "not applicable"


class _NotApplicable:
    """A value that does not apply to this incident (e.g. reasons for not notifying a notified breach):
    JSON null, but "not applicable" in a spreadsheet, so a reader can tell it from "not yet known"."""

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
class Column:
    key: str
    heading: str
    kind: str  # text | datetime | bool | number | list | actions


# Times are UTC throughout: the law's clock runs in UTC, and a register read abroad stays unambiguous.
COLUMNS: Final[tuple[Column, ...]] = (
    Column("ref", "Reference", "text"),
    Column("title", "Title", "text"),
    Column("near_miss", "Near miss", "bool"),
    Column("status", "Status", "text"),
    Column("description", "What happened", "text"),
    Column("occurred_at", "When it happened (UTC)", "datetime"),
    Column("aware_at", "When we became aware (UTC)", "datetime"),
    Column("ico_deadline", "ICO deadline, earliest clock (UTC)", "datetime"),
    Column("ico_reported_at", "Reported to the ICO (UTC)", "datetime"),
    Column("ico_case_ref", "ICO case reference", "text"),
    Column("late", "Late", "bool"),
    Column("hours_late", "Hours past the deadline", "number"),
    Column("delay_reasons", "Reasons for delay", "text"),
    Column("eu_authorities", "EU authorities notified (EU GDPR): when, case reference, late", "list"),
    Column("nature", "Nature (confidentiality, integrity, availability)", "list"),
    Column("cause", "Cause", "text"),
    Column("data_categories", "Categories of personal data", "list"),
    Column("subject_types", "Categories of people", "list"),
    Column("subjects_count", "Approximate number of people", "number"),
    Column("records_count", "Approximate number of records", "number"),
    Column("likely_consequences", "Likely consequences", "text"),
    Column("severity", "Severity (ENISA)", "text"),
    Column("computed_decision", "Computed decision", "text"),
    Column("computed_reasons", "Reasons for the computed decision", "text"),
    Column("overridden", "Decision overridden", "bool"),
    Column("override_decision", "Override decision", "text"),
    Column("override_justification", "Override justification", "text"),
    Column("override_by", "Override by", "text"),
    Column("decision", "Decision in force", "text"),
    Column("reasons_not_notified", "Reasons for not notifying the ICO", "text"),
    Column("exemption", "Art 34(3) exemption from telling people", "text"),
    Column("individuals_told", "People affected told", "bool"),
    Column("individuals_told_at", "When people were told (UTC)", "datetime"),
    Column("individuals_told_how", "How people were told", "text"),
    Column("others_told", "Others told (police, regulators, media)", "text"),
    Column("controller_name", "Controller (we are its processor)", "text"),
    Column("controller_told_at", "When the controller was told (UTC)", "datetime"),
    Column("actions_taken", "Remedial action taken", "actions"),
    Column("actions_planned", "Remedial action planned", "actions"),
    Column("closed_at", "Closed (UTC)", "datetime"),
    Column("close_outcome", "Outcome", "text"),
    Column("close_reason", "Closing summary", "text"),
    Column("timeline_events", "Timeline events", "number"),
    Column("chain_verified", "Timeline verified (hash chain intact)", "bool"),
    Column("regimes", "Rules that apply (PECR: also the reg 5A(8) breach log)", "list"),
)

TIMELINE_COLUMNS: Final[tuple[Column, ...]] = (
    Column("ref", "Reference", "text"),
    Column("seq", "Event", "number"),
    Column("at", "When (UTC)", "datetime"),
    Column("actor", "Who", "text"),
    Column("kind", "Kind", "text"),
    Column("summary", "What happened", "text"),
    Column("before", "Before", "text"),
    Column("after", "After", "text"),
    Column("hash", "Hash", "text"),
)

EXEMPTIONS: Final = {
    "art34_3_a": "Art 34(3)(a): the data were unintelligible to anyone unauthorised",
    "art34_3_b": "Art 34(3)(b): later measures mean the high risk is no longer likely",
    "art34_3_c": "Art 34(3)(c): disproportionate effort, so a public communication instead",
}

_LABELS: Final = {q.key: dict(q.options) for q in QUESTIONS}


@dataclass(frozen=True)
class ActionFact:
    text: str
    at: datetime
    by: str
    planned: bool


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
    actions: Sequence[ActionFact] = ()
    closed_at: datetime | None = None
    close_outcome: str | None = None
    close_reason: str | None = None
    timeline_events: int = 0
    chain_verified: bool = True
    eu_reports: Mapping[str, Any] | None = None  # {"FR": {"reported_at", "case_ref", "late"}}


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


def _labels(key: str, values: Any) -> list[str] | None:
    if values is None:
        return None
    names = _LABELS.get(key, {})
    return [names.get(v, str(v)) for v in values]


def _severity(computed: Mapping[str, Any] | None) -> str | None:
    severity = (computed or {}).get("severity")
    if not severity:
        return None
    return f"{severity['band']} ({severity['score']:g})"


def _action_dicts(actions: Sequence[ActionFact], planned: bool) -> list[dict[str, Any]]:
    return [{"text": a.text, "at": a.at, "by": a.by} for a in actions if a.planned is planned]


def _computed_text(computed: Mapping[str, Any]) -> str:
    return decision_text(
        bool(computed["notify_ico"]),
        bool(computed["notify_individuals"]),
        public=bool(computed.get("public_communication")),
        role=str(computed.get("role") or ""),
    )


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


def build_entry(facts: IncidentFacts, *, now: datetime) -> dict[str, Any]:
    """One register row keyed by COLUMNS' keys. None means not yet known; NOT_APPLICABLE, does not apply."""
    computed, override = facts.computed, facts.override
    answered = facts.answers or {}
    late_by = hours_late(facts, now)
    report_na = NOT_APPLICABLE if owes_report(facts) is False and facts.ico_reported_at is None else None
    told = facts.individuals_told_at is not None or facts.individuals_told_how is not None
    no_telling = decision_in_force(facts)[1] is False or no_breach(facts)
    told_na = NOT_APPLICABLE if no_telling and not told else None
    exemption = (computed or {}).get("exemption")
    if override is not None:
        decision: str | None = decision_text(override.notify_ico, override.notify_individuals)
    else:
        decision = _computed_text(computed) if computed is not None else None
    cause = answered.get("cause")
    processor = "processor" in facts.regimes
    return {
        "ref": facts.ref,
        "title": facts.title,
        "near_miss": facts.near_miss,
        "status": facts.status,
        "description": facts.description,
        "occurred_at": facts.occurred_at,
        "aware_at": facts.aware_at,
        "ico_deadline": ico_deadline(facts) or NOT_APPLICABLE,
        "ico_reported_at": facts.ico_reported_at or report_na,
        "ico_case_ref": facts.ico_case_ref or report_na,
        "late": late_by is not None,
        "hours_late": late_by if late_by is not None else NOT_APPLICABLE,
        "delay_reasons": facts.delay_reasons or (None if late_by is not None else NOT_APPLICABLE),
        "eu_authorities": eu_authorities(facts),
        "nature": answered.get("breach_types"),
        "cause": _LABELS["cause"].get(cause, cause) if cause else None,
        "data_categories": _labels("data_categories", answered.get("data_categories")),
        "subject_types": _labels("subject_types", answered.get("subject_types")),
        "subjects_count": answered.get("subjects_count"),
        "records_count": answered.get("records_count"),
        "likely_consequences": facts.likely_consequences,
        "severity": _severity(computed),
        "computed_decision": _computed_text(computed) if computed is not None else None,
        "computed_reasons": (" ".join(computed.get("reasons") or ()) or None) if computed is not None else None,
        "overridden": override is not None,
        "override_decision": (
            decision_text(override.notify_ico, override.notify_individuals) if override else NOT_APPLICABLE
        ),
        "override_justification": override.justification if override else NOT_APPLICABLE,
        "override_by": override.by if override else NOT_APPLICABLE,
        "decision": decision,
        "reasons_not_notified": reasons_not_notified(facts),
        "exemption": EXEMPTIONS.get(str(exemption), str(exemption)) if exemption else NOT_APPLICABLE,
        "individuals_told": told,
        "individuals_told_at": facts.individuals_told_at or told_na,
        "individuals_told_how": facts.individuals_told_how or told_na,
        "others_told": facts.others_told,
        "controller_name": facts.controller_name if processor else NOT_APPLICABLE,
        "controller_told_at": facts.controller_told_at if processor else NOT_APPLICABLE,
        "actions_taken": _action_dicts(facts.actions, planned=False),
        "actions_planned": _action_dicts(facts.actions, planned=True),
        "closed_at": facts.closed_at or NOT_APPLICABLE,
        "close_outcome": facts.close_outcome,
        "close_reason": facts.close_reason,
        "timeline_events": facts.timeline_events,
        "chain_verified": facts.chain_verified,
        "regimes": [regime_label(key) for key in facts.regimes],
    }


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
