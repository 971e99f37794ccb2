"""The breach register's columns: one table saying, for each column, its heading, what it means, where the
value comes from, and how it is read from an incident's facts.

Every export (CSV, XLSX, JSON), the "Read me" sheet and the board report read this table, so a field the
ICO starts to expect is one row here. Per-regime columns are made from rules/regimes.toml and the triage
answer columns from rules/triage.toml, so a new regime or question appears without an edit here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Final

from bot.domain import register as facts_rules
from bot.domain.causes import causes, causes_source
from bot.domain.clock import Regime, deadline_for, regimes
from bot.domain.decision import capitalised, decision_text, regime_words
from bot.domain.regime_triage import label as regime_label
from bot.domain.register import NOT_APPLICABLE, IncidentFacts
from bot.domain.triage import QUESTIONS

# Where values come from, as the Read me sheet says it.
FROM_TRIAGE = "the latest triage assessment (`breachbot triage REF --answers`, `/breach triage`)"
FROM_FACTS = "`breachbot incident facts` or `/breach facts`"
FROM_OPEN = "the report that opened the incident (`breachbot incident open`, `/breach open`)"
FROM_CLOCK = "computed from the awareness time and the regime's hours (rules/regimes.toml)"
FROM_ICO_REPORT = "`breachbot incident reported` or `/breach reported`"


class Row:
    """One incident seen through the register's rules; derived values are worked out once per entry."""

    def __init__(self, facts: IncidentFacts, now: datetime) -> None:
        self.facts = facts
        self.now = now
        self.answers = facts.answers or {}

    @cached_property
    def no_breach(self) -> bool:
        return facts_rules.no_breach(self.facts)

    @cached_property
    def decision(self) -> tuple[bool | None, bool | None]:
        return facts_rules.decision_in_force(self.facts)

    @cached_property
    def hours_late(self) -> float | None:
        return facts_rules.hours_late(self.facts, self.now)

    @cached_property
    def owes_report(self) -> bool | None:
        return facts_rules.owes_report(self.facts)

    def na_for_near_miss(self, value: Any) -> Any:
        """Deadlines, severities and decisions do not apply to a near miss: there was no breach."""
        return NOT_APPLICABLE if self.no_breach and value is None else value

    @cached_property
    def regime_results(self) -> dict[str, dict[str, Any]]:
        """The triage's own result for each regime, where the engine gives one per regime."""
        return {str(r.get("regime")): dict(r) for r in (self.facts.computed or {}).get("regimes") or ()}

    def due(self, regime: Regime) -> datetime | None:
        """The regime's deadline from awareness, worked out once per row."""
        cache = self.__dict__.setdefault("_due", {})
        if regime.key not in cache:
            cache[regime.key] = deadline_for(regime.key, self.facts.aware_at).due_at
        return cache[regime.key]

    @cached_property
    def processor(self) -> bool:
        return self.facts.is_processor or "processor" in self.facts.regimes

    @cached_property
    def report_na(self) -> Any:
        return NOT_APPLICABLE if self.owes_report is False and self.facts.ico_reported_at is None else None

    @cached_property
    def told(self) -> bool:
        return self.facts.individuals_told_at is not None or self.facts.individuals_told_how is not None

    @cached_property
    def told_na(self) -> Any:
        no_telling = self.decision[1] is False or self.no_breach
        return NOT_APPLICABLE if no_telling and not self.told else None


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str  # text | datetime | bool | number | list | actions | advice
    meaning: str = ""
    source: str = ""
    value: Callable[[Row], Any] | None = None  # None for rows that are not incidents (the timeline)
    blank_when_none: bool = False  # a spreadsheet leaves it empty, where None means "nothing", not "not known"


SEVERITY_BANDS: Final = {"low": "Low", "medium": "Medium", "high": "High", "very_high": "Very high"}


def severity_label(computed: Any) -> str | None:
    """ "High (ENISA 3.25)": the band a person reads, with the score that put it there."""
    severity = (computed or {}).get("severity")
    if not severity:
        return None
    band = str(severity["band"])
    return f"{SEVERITY_BANDS.get(band, capitalised(band.replace('_', ' ')))} (ENISA {severity['score']:g})"


EXEMPTIONS: Final = {
    "art34_3_a": "Art 34(3)(a): the data were unintelligible to anyone unauthorised",
    "art34_3_b": "Art 34(3)(b): later measures mean the high risk is no longer likely",
    "art34_3_c": "Art 34(3)(c): disproportionate effort, so a public communication instead",
}
# Why people need not be told, by the triage's risk level, when the triage says nothing of Art 34 itself.
NOT_TOLD_BECAUSE: Final = {
    "none": "No personal data was put at risk, so there is no one to tell (UK GDPR Art 34(1)).",
    "unlikely": "The breach is unlikely to result in a risk to people, so they need not be told (UK GDPR Art 34(1)).",
    "risk": "The risk to people is not judged high, so they need not be told (UK GDPR Art 34(1)).",
}
_LABELS: Final = {q.key: dict(q.options) for q in QUESTIONS}
ACCIDENTAL_OR_DELIBERATE: Final = {"accidental": "Accidental", "malicious": "Deliberate", "unknown": "Not known"}


def _answer(key: str, *, labelled: bool = True) -> Callable[[Row], Any]:
    question = next(q for q in QUESTIONS if q.key == key)

    def read(row: Row) -> Any:
        if row.facts.answers is None:
            return row.na_for_near_miss(None)
        value = row.answers.get(key)
        if value is None:
            return None
        names = _LABELS.get(key, {}) if labelled else {}
        if question.kind == "multi":
            return [names.get(v, str(v)) for v in value]
        if question.kind == "choice":
            return names.get(value, str(value))
        return value

    return read


def _computed_text(computed: Any) -> str:
    return decision_text(
        bool(computed["notify_ico"]),
        bool(computed["notify_individuals"]),
        public=bool(computed.get("public_communication")),
        role=str(computed.get("role") or ""),
    )


def _decision(row: Row) -> Any:
    override, computed = row.facts.override, row.facts.computed
    if override is not None:
        return capitalised(decision_text(override.notify_ico, override.notify_individuals))
    return capitalised(_computed_text(computed)) if computed is not None else row.na_for_near_miss(None)


def _reasons_not_told(row: Row) -> Any:
    """Why the people affected were not told: the reasons a person recorded, else what the decision rests on."""
    facts = row.facts
    if row.no_breach:
        return NOT_APPLICABLE
    if facts.reasons_not_told:
        return facts.reasons_not_told
    if row.decision[1] is not False:
        return NOT_APPLICABLE if row.decision[1] else None
    exemption = (facts.computed or {}).get("exemption")
    if exemption:
        return EXEMPTIONS.get(str(exemption), str(exemption))
    if facts.override is not None:
        return f"Override: {facts.override.justification}"
    computed = facts.computed or {}
    # The triage's own sentence on telling people cites Art 34; the rest is in the computed reasons.
    on_telling = [str(r) for r in computed.get("reasons") or () if "Art 34" in str(r)]
    if on_telling:
        return " ".join(on_telling)
    return NOT_TOLD_BECAUSE.get(str(computed.get("risk")))


def _actions(planned: bool) -> Callable[[Row], list[dict[str, Any]]]:
    def read(row: Row) -> list[dict[str, Any]]:
        return [
            {"text": a.text, "at": a.at, "why": a.reason, "by": a.by} for a in row.facts.actions if a.planned is planned
        ]

    return read


def _cause_category(row: Row) -> Any:
    key = row.facts.cause_category
    return causes()[key].label if key in causes() else key


def _cyber_or_not(row: Row) -> Any:
    key = row.facts.cause_category
    if key in causes():
        return causes()[key].group
    if row.facts.cyber_incident is not None:
        return "cyber" if row.facts.cyber_incident else "non-cyber"
    return None


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 3600, 1)


# --- per regime ---------------------------------------------------------------------------------------


def _regime_result(row: Row, regime: Regime) -> dict[str, Any] | None:
    return row.regime_results.get(regime.key)


def _regime_applies(row: Row, regime: Regime) -> bool:
    return regime.key in row.facts.regimes and not row.no_breach


def _regime_owes(row: Row, regime: Regime) -> bool | None:
    """Whether this regime requires a report: its own triage result, else the decision in force where the
    regime follows the UK GDPR risk test, else the processor's rule (always tell the controller)."""
    if regime.key == "processor":
        return True
    own = _regime_result(row, regime)
    if own is not None:
        return bool(own.get("notify_ico")) and not own.get("displaced_by")
    if regime.risk_based:
        return row.decision[0]
    return None


def _regime_reported_at(row: Row, regime: Regime) -> datetime | None:
    if regime.key == "processor":
        return row.facts.controller_told_at
    return row.facts.ico_reported_at if regime.report_to == "the ICO" else None


def _regime_decision(regime: Regime) -> Callable[[Row], Any]:
    def read(row: Row) -> Any:
        if not _regime_applies(row, regime):
            return NOT_APPLICABLE
        own = _regime_result(row, regime)
        if own is not None:
            # The triage's own words for this regime, as Slack and the CLI show them, less the regime's name.
            words = regime_words(own, processor=regime.key == "processor")
            return capitalised(words.removeprefix(f"{regime_label(regime.key)}: "))
        owes = _regime_owes(row, regime)
        if owes is None:
            return None
        return f"Report to {regime.report_to}" if owes else "No report needed"

    return read


def _regime_deadline(regime: Regime) -> Callable[[Row], Any]:
    def read(row: Row) -> Any:
        if not _regime_applies(row, regime) or regime.hours is None:
            return NOT_APPLICABLE
        return row.due(regime)

    return read


def _regime_reported(regime: Regime) -> Callable[[Row], Any]:
    def read(row: Row) -> Any:
        if not _regime_applies(row, regime):
            return NOT_APPLICABLE
        reported = _regime_reported_at(row, regime)
        if reported is None and _regime_owes(row, regime) is False:
            return NOT_APPLICABLE
        return reported

    return read


def _regime_late(regime: Regime) -> Callable[[Row], Any]:
    def read(row: Row) -> Any:
        if not _regime_applies(row, regime) or regime.hours is None:
            return NOT_APPLICABLE
        due = row.due(regime)
        assert due is not None
        reported = _regime_reported_at(row, regime)
        if reported is not None:
            return reported > due
        owes = _regime_owes(row, regime)
        if owes is False:
            return NOT_APPLICABLE
        return (row.facts.closed_at or row.now) > due

    return read


def _column_regimes() -> list[Regime]:
    """The regimes that get their own four columns: each regime of the table, but not one clock per foreign
    authority (those are listed together in one column, so the register does not grow four per country)."""
    return [regime for regime in regimes().values() if not getattr(regime, "authority", None)]


def _regime_columns() -> tuple[Column, ...]:
    columns: list[Column] = []
    for regime in _column_regimes():
        name = regime.label
        rule = f"rules/regimes.toml [{regime.key}]: {regime.source}"
        columns += [
            Column(
                f"regime_{regime.key}_decision",
                f"{name}: decision",
                "text",
                f"Whether {name} requires a report to {regime.report_to} for this incident",
                f"{FROM_TRIAGE}; {rule}",
                _regime_decision(regime),
            ),
            Column(
                f"regime_{regime.key}_deadline",
                f"{name}: deadline (UTC)",
                "datetime",
                f"When the {name} report to {regime.report_to} is due"
                + ("" if regime.hours else " (no fixed hours: without undue delay)"),
                FROM_CLOCK,
                _regime_deadline(regime),
            ),
            Column(
                f"regime_{regime.key}_reported_at",
                f"{name}: reported (UTC)",
                "datetime",
                f"When {regime.report_to} was told under {name}",
                FROM_ICO_REPORT
                if regime.report_to == "the ICO"
                else "`breachbot incident controller-told`"
                if regime.key == "processor"
                else "not yet recorded by Breachbot",
                _regime_reported(regime),
            ),
            Column(
                f"regime_{regime.key}_late",
                f"{name}: late",
                "bool",
                f"Whether the {name} report was (or, still owed, is now) past its deadline",
                FROM_CLOCK,
                _regime_late(regime),
            ),
        ]
    return tuple(columns)


# Triage answers that have their own named column above; the rest get one column each, in question order.
_ANSWERS_SHOWN = {"breach_types", "cause", "data_categories", "subject_types", "subjects_count", "records_count"}
_ANSWER_KINDS: Final = {"bool": "bool", "choice": "text", "multi": "list", "count": "number"}


def _answer_columns() -> tuple[Column, ...]:
    return tuple(
        Column(
            f"answer_{q.key}",
            f"Triage: {q.noun}",
            _ANSWER_KINDS.get(q.kind, "text"),
            f"The triage answer to “{q.label}”",
            FROM_TRIAGE,
            _answer(q.key),
        )
        for q in QUESTIONS
        if q.key not in _ANSWERS_SHOWN
    )


# --- the table ----------------------------------------------------------------------------------------

# Times are UTC throughout: the law's clock runs in UTC, and a register read abroad stays unambiguous.
COLUMNS: Final[tuple[Column, ...]] = (
    Column("ref", "Reference", "text", "The incident's reference", "given when it is opened", lambda r: r.facts.ref),
    Column("title", "Title", "text", "A short name for the incident", FROM_OPEN, lambda r: r.facts.title),
    Column(
        "near_miss",
        "Near miss",
        "bool",
        "Yes when nothing was compromised but the event is kept to learn from (ICO accountability framework)",
        FROM_OPEN,
        lambda r: r.facts.near_miss,
    ),
    Column(
        "status",
        "Status",
        "text",
        "open, assessed, reported or closed",
        "the incident's record",
        lambda r: r.facts.status,
    ),
    Column(
        "description",
        "What happened",
        "text",
        "The facts of the breach (Art 33(5))",
        FROM_OPEN,
        lambda r: r.facts.description,
    ),
    Column(
        "cause_category",
        "Cause (ICO incident type)",
        "text",
        "The cause, in the incident types the ICO publishes its data security incident trends in",
        f"{FROM_FACTS} (--cause-category); the list is rules/causes.toml ({causes_source()})",
        _cause_category,
    ),
    Column(
        "cause_group",
        "Cyber or non-cyber",
        "text",
        "The ICO's split of its incident types; from the cause, else from the 'cyber incident' fact",
        f"rules/causes.toml; {FROM_FACTS}",
        _cyber_or_not,
    ),
    Column(
        "cause",
        "Accidental or deliberate",
        "text",
        "Whether it was an accident or done on purpose (a risk factor: EDPB 01/2021)",
        FROM_TRIAGE,
        lambda r: (
            ACCIDENTAL_OR_DELIBERATE.get(r.answers.get("cause"), r.answers.get("cause"))
            if r.facts.answers is not None
            else r.na_for_near_miss(None)
        ),
    ),
    Column(
        "discovered_how",
        "How it was discovered",
        "text",
        "How the organisation found out (ICO report form)",
        f"{FROM_OPEN}, or {FROM_FACTS} (--discovered-how)",
        lambda r: r.facts.discovered_how,
    ),
    Column(
        "staff_involved",
        "Staff involvement",
        "text",
        "Whether a member of staff was involved, and how (ICO report form)",
        f"{FROM_FACTS} (--staff-involved)",
        lambda r: r.facts.staff_involved,
    ),
    Column(
        "staff_training",
        "Staff data protection training",
        "text",
        "The data protection training of the staff involved, and when it was last done (ICO report form)",
        f"{FROM_FACTS} (--staff-training)",
        lambda r: r.facts.staff_training,
    ),
    Column(
        "cyber_incident",
        "Cyber incident",
        "bool",
        "Whether it was a cyber incident (ICO report form)",
        f"{FROM_FACTS} (--cyber)",
        lambda r: r.facts.cyber_incident,
    ),
    Column(
        "occurred_at",
        "When it happened (UTC)",
        "datetime",
        "When the breach happened, or began",
        FROM_OPEN,
        lambda r: r.facts.occurred_at,
    ),
    Column(
        "aware_at",
        "When we became aware (UTC)",
        "datetime",
        "When the organisation became aware: the clocks start here (Art 33(1); EDPB 9/2022)",
        f"{FROM_OPEN}, or `breachbot incident aware-at`",
        lambda r: r.facts.aware_at,
    ),
    Column(
        "triaged_at",
        "First triaged (UTC)",
        "datetime",
        "When the first risk assessment was recorded",
        FROM_TRIAGE,
        lambda r: r.facts.triaged_at or r.na_for_near_miss(None),
    ),
    Column(
        "hours_to_triage",
        "Hours from awareness to triage",
        "number",
        "Elapsed hours from awareness to the first risk assessment",
        "computed",
        lambda r: _hours(r.facts.aware_at, r.facts.triaged_at) if r.facts.triaged_at else r.na_for_near_miss(None),
    ),
    Column(
        "regimes",
        "Regimes applied",
        "list",
        "The breach-reporting regimes this incident is under, each with its own clock",
        f"{FROM_OPEN}; rules/regimes.toml",
        lambda r: [regime_label(k) for k in r.facts.regimes],
    ),
    *_regime_columns(),
    Column(
        "ico_deadline",
        "ICO deadline, earliest clock (UTC)",
        "datetime",
        "The earliest deadline to the ICO across the regimes (72 hours; 24 under UK eIDAS)",
        FROM_CLOCK,
        lambda r: NOT_APPLICABLE if r.no_breach else (facts_rules.ico_deadline(r.facts) or NOT_APPLICABLE),
    ),
    Column(
        "ico_reported_at",
        "Reported to the ICO (UTC)",
        "datetime",
        "When the ICO was notified",
        FROM_ICO_REPORT,
        lambda r: r.facts.ico_reported_at or r.report_na,
    ),
    Column(
        "hours_to_report",
        "Hours from awareness to the ICO report",
        "number",
        "Elapsed hours from awareness to the ICO report, against the 72-hour line",
        "computed",
        lambda r: _hours(r.facts.aware_at, r.facts.ico_reported_at) if r.facts.ico_reported_at else r.report_na,
    ),
    Column(
        "ico_case_ref",
        "ICO case reference",
        "text",
        "The ICO's reference for the report",
        FROM_ICO_REPORT,
        lambda r: r.facts.ico_case_ref or r.report_na,
    ),
    Column(
        "late",
        "Late",
        "bool",
        "Whether the ICO report was (or, still owed, is now) past the earliest deadline",
        FROM_CLOCK,
        lambda r: NOT_APPLICABLE if r.no_breach else r.hours_late is not None,
    ),
    Column(
        "hours_late",
        "Hours past the deadline",
        "number",
        "How far past the deadline",
        FROM_CLOCK,
        lambda r: r.hours_late if r.hours_late is not None else NOT_APPLICABLE,
    ),
    Column(
        "delay_reasons",
        "Reasons for delay",
        "text",
        "Why a report was late (Art 33(1))",
        "`breachbot incident delay-reasons` or `/breach delay-reasons`",
        lambda r: r.facts.delay_reasons or (None if r.hours_late is not None else NOT_APPLICABLE),
    ),
    Column(
        "eu_authorities",
        "EU authorities notified (EU GDPR): when, case reference, late",
        "list",
        "Each EEA authority the incident must be notified to, when it was told, its case reference and whether "
        "late, or its deadline while not yet told (EU GDPR Art 33; EDPB Guidelines 9/2022 para 73)",
        "`breachbot incident reported REF --authority CC`, `/breach reported-eu`",
        lambda r: facts_rules.eu_authorities(r.facts),
    ),
    Column(
        "nature",
        "Nature (confidentiality, integrity, availability)",
        "list",
        "What happened to the data",
        FROM_TRIAGE,
        _answer("breach_types", labelled=False),
    ),
    Column(
        "data_categories",
        "Categories of personal data",
        "list",
        "Art 33(3)(a)",
        FROM_TRIAGE,
        _answer("data_categories"),
    ),
    Column("subject_types", "Categories of people", "list", "Art 33(3)(a)", FROM_TRIAGE, _answer("subject_types")),
    Column(
        "subjects_count",
        "Approximate number of people",
        "number",
        "Art 33(3)(a): at most this many",
        FROM_TRIAGE,
        _answer("subjects_count"),
    ),
    Column(
        "records_count",
        "Approximate number of records",
        "number",
        "Art 33(3)(a)",
        FROM_TRIAGE,
        _answer("records_count"),
    ),
    *_answer_columns(),
    Column(
        "likely_consequences",
        "Likely consequences",
        "text",
        "The effects of the breach (Art 33(3)(c), 33(5))",
        f"{FROM_FACTS} (--likely-consequences)",
        lambda r: r.facts.likely_consequences,
    ),
    Column(
        "measures_in_place",
        "Security in place before the breach",
        "text",
        "Access controls, policies, training, encryption in place before it happened (ICO report form)",
        f"{FROM_FACTS} (--measures-in-place)",
        lambda r: r.facts.measures_in_place,
    ),
    Column(
        "severity",
        "Severity (ENISA)",
        "text",
        "The severity band and ENISA score (one input to the decision, not the legal test)",
        f"{FROM_TRIAGE}; ENISA severity methodology (2013)",
        lambda r: r.na_for_near_miss(severity_label(r.facts.computed)),
    ),
    Column(
        "computed_decision",
        "Computed decision",
        "text",
        "What the triage rules decided",
        f"{FROM_TRIAGE}; rules/triage.toml",
        lambda r: (
            capitalised(_computed_text(r.facts.computed)) if r.facts.computed is not None else r.na_for_near_miss(None)
        ),
    ),
    Column(
        "computed_reasons",
        "Reasons for the computed decision",
        "text",
        "The rules' reasons, in sentences",
        FROM_TRIAGE,
        lambda r: (
            (" ".join(r.facts.computed.get("reasons") or ()) or None)
            if r.facts.computed is not None
            else r.na_for_near_miss(None)
        ),
    ),
    Column(
        "overridden",
        "Decision overridden",
        "bool",
        "Whether the privacy team replaced the computed decision",
        "`breachbot triage REF --override`, or *Override decision* in Slack",
        lambda r: r.facts.override is not None,
    ),
    Column(
        "override_decision",
        "Override decision",
        "text",
        "The decision the privacy team chose instead",
        "the override",
        lambda r: (
            capitalised(decision_text(r.facts.override.notify_ico, r.facts.override.notify_individuals))
            if r.facts.override
            else NOT_APPLICABLE
        ),
    ),
    Column(
        "override_justification",
        "Override justification",
        "text",
        "Why the computed decision was replaced",
        "the override",
        lambda r: r.facts.override.justification if r.facts.override else NOT_APPLICABLE,
    ),
    Column(
        "override_by",
        "Override by",
        "text",
        "Who overrode it",
        "the override",
        lambda r: r.facts.override.by if r.facts.override else NOT_APPLICABLE,
    ),
    Column(
        "decision",
        "Decision in force",
        "text",
        "The override if any, else the computed decision",
        FROM_TRIAGE,
        _decision,
    ),
    Column(
        "reasons_not_notified",
        "Reasons for not notifying the ICO",
        "text",
        "Why the ICO was not told (ICO audit toolkit: reporting processes)",
        f"{FROM_TRIAGE}, or the override's justification",
        lambda r: facts_rules.reasons_not_notified(r.facts),
    ),
    Column(
        "reasons_not_told",
        "Reasons for not telling the people affected",
        "text",
        "Why the people affected were not told (Art 34(1) and (3))",
        f"{FROM_FACTS} (--reasons-not-told), else the exemption, override or triage reasons",
        _reasons_not_told,
    ),
    Column(
        "exemption",
        "Art 34(3) exemption from telling people",
        "text",
        "Which Art 34(3) exception applied, when the risk is high but people are not told directly",
        FROM_TRIAGE,
        lambda r: (
            EXEMPTIONS.get(str(e), str(e)) if (e := (r.facts.computed or {}).get("exemption")) else NOT_APPLICABLE
        ),
    ),
    Column(
        "individuals_told",
        "People affected told",
        "bool",
        "Whether the people affected have been told",
        f"{FROM_FACTS} (--individuals-told-at/-how)",
        lambda r: r.told,
    ),
    Column(
        "individuals_told_at",
        "When people were told (UTC)",
        "datetime",
        "When the people affected were told",
        f"{FROM_FACTS} (--individuals-told-at)",
        lambda r: r.facts.individuals_told_at or r.told_na,
    ),
    Column(
        "individuals_told_how",
        "How people were told",
        "text",
        "How they were told (letter, email, public notice)",
        f"{FROM_FACTS} (--individuals-told-how)",
        lambda r: r.facts.individuals_told_how or r.told_na,
    ),
    Column(
        "others_told",
        "Others told (police, regulators, media)",
        "text",
        "Who else was told, and any media coverage (ICO report form)",
        f"{FROM_FACTS} (--others-told)",
        lambda r: r.facts.others_told,
    ),
    Column(
        "advice",
        "Advice received (who, when, what)",
        "advice",
        "Advice received about the breach (ICO audit toolkit: reporting processes)",
        "`breachbot incident advice REF --from WHO --at WHEN TEXT`",
        lambda r: [{"from": a.adviser, "at": a.at, "advice": a.advice} for a in r.facts.advice],
    ),
    Column(
        "role",
        "Our role",
        "text",
        "Whether we are the controller, or a processor acting for another controller (Art 33(2))",
        FROM_OPEN,
        lambda r: "processor" if r.processor else "controller",
    ),
    Column(
        "controller_name",
        "Controller we process for",
        "text",
        "The controller a processor must tell without undue delay (Art 33(2))",
        f"{FROM_OPEN} (--processor --controller NAME)",
        lambda r: (r.facts.controller_name or None) if r.processor else NOT_APPLICABLE,
    ),
    Column(
        "controller_told_at",
        "When the controller was told (UTC)",
        "datetime",
        "When we, as processor, told the controller (Art 33(2); EDPB 9/2022)",
        "`breachbot incident controller-told REF --at WHEN --how TEXT`",
        lambda r: r.facts.controller_told_at if r.processor else NOT_APPLICABLE,
    ),
    Column(
        "controller_told_how",
        "How the controller was told",
        "text",
        "How the controller was told",
        "`breachbot incident controller-told`",
        lambda r: r.facts.controller_told_how if r.processor else NOT_APPLICABLE,
    ),
    Column(
        "actions_taken",
        "Remedial action taken",
        "actions",
        "What was done, when and why (Art 33(5))",
        "`breachbot incident action REF TEXT --why WHY`, `/breach action`",
        _actions(planned=False),
    ),
    Column(
        "actions_planned",
        "Remedial action planned",
        "actions",
        "What is still to be done, and why",
        "`breachbot incident action REF TEXT --planned --why WHY`",
        _actions(planned=True),
    ),
    Column(
        "closed_at",
        "Closed (UTC)",
        "datetime",
        "When the incident was closed",
        "`breachbot incident close` or `/breach close`",
        lambda r: r.facts.closed_at or NOT_APPLICABLE,
    ),
    Column(
        "close_outcome",
        "Outcome",
        "text",
        "reported, not-reportable, near-miss or false-alarm",
        "the close",
        lambda r: r.facts.close_outcome,
    ),
    Column("close_reason", "Closing summary", "text", "Why it was closed", "the close", lambda r: r.facts.close_reason),
    Column(
        "incident_lead",
        "Incident lead (Slack user)",
        "text",
        "Who ran the response (the last holder of the role)",
        "`/breach lead @someone` or `breachbot incident role REF --lead U123`",
        lambda r: r.facts.incident_lead or facts_rules.NOT_ASSIGNED,
    ),
    Column(
        "dpo_owner",
        "DPO owner (Slack user)",
        "text",
        "Who owned the data-protection decisions (the last holder of the role)",
        "`/breach role dpo @someone` or `breachbot incident role REF --dpo-owner U456`",
        lambda r: r.facts.dpo_owner or facts_rules.NOT_ASSIGNED,
    ),
    Column(
        "timeline_events",
        "Timeline events",
        "number",
        "How many events the incident's timeline holds",
        "the timeline",
        lambda r: r.facts.timeline_events,
    ),
    Column(
        "chain_verified",
        "Timeline verified (hash chain intact)",
        "bool",
        "Whether every timeline event is as written: no event changed or removed",
        "`breachbot timeline verify`, run during the export",
        lambda r: r.facts.chain_verified,
    ),
)

TIMELINE_COLUMNS: Final[tuple[Column, ...]] = (
    Column("ref", "Reference", "text", "The incident's reference"),
    Column("seq", "Event", "number", "The event's number in the incident's timeline"),
    Column("at", "When (UTC)", "datetime", "When it happened"),
    Column("actor", "Who", "text", "Who did it (a Slack user ID, or cli: and the user)"),
    Column("kind", "Kind", "text", "The kind of event"),
    Column("summary", "What happened", "text", "The event in words"),
    Column(
        "before",
        "Before",
        "text",
        "The values before a change (empty: the event changed no values)",
        blank_when_none=True,
    ),
    Column(
        "after", "After", "text", "The values after a change (empty: the event changed no values)", blank_when_none=True
    ),
    Column("hash", "Hash", "text", "The event's hash, which covers its content and the previous hash"),
)

INTEGRITY_COLUMNS: Final[tuple[Column, ...]] = (
    Column("ref", "Reference", "text", "The incident's reference"),
    Column("timeline_events", "Timeline events", "number", "How many events were checked"),
    Column("chain_verified", "Verified", "bool", "Whether the hash chain is intact"),
    Column("problem", "Problem found", "text", "The first problem the check found, if any"),
)

_VALUES: Final = tuple((c.key, c.value) for c in COLUMNS)


def build_entry(facts: IncidentFacts, *, now: datetime) -> dict[str, Any]:
    """One register row keyed by COLUMNS' keys. None means not yet known; NOT_APPLICABLE, does not apply."""
    row = Row(facts, now)
    return {key: read(row) for key, read in _VALUES}  # type: ignore[misc]


# The PECR breach log (reg 5A(8): the facts, the effects and the remedial action taken, for every
# personal data breach) in the order the ICO's PECR breach report asks for them, sent to the ICO monthly.
# Headings are the register's own, so the log and the register read the same way.
PECR_LOG_KEYS: Final = (
    "ref",
    "occurred_at",
    "aware_at",
    "description",
    "cause_category",
    "nature",
    "data_categories",
    "subject_types",
    "subjects_count",
    "records_count",
    "likely_consequences",
    "actions_taken",
    "actions_planned",
    "regime_pecr_reported_at",
    "ico_case_ref",
    "regime_pecr_late",
    "delay_reasons",
    "individuals_told",
    "individuals_told_at",
    "individuals_told_how",
    "reasons_not_told",
)
PECR_LOG_COLUMNS: Final = tuple(next(c for c in COLUMNS if c.key == key) for key in PECR_LOG_KEYS)


def columns_in_use(entries: Sequence[dict[str, Any]]) -> tuple[Column, ...]:
    """The register's columns less those of regimes no entry is under, which would read "not applicable" in
    every row: a spreadsheet a DPO reads without four empty columns per regime the organisation never meets.
    (JSON keeps every column, so scripts see the same keys whatever the data.)"""
    unused = {
        regime.key
        for regime in _column_regimes()
        if all(entry[f"regime_{regime.key}_decision"] is NOT_APPLICABLE for entry in entries)
    }
    return tuple(c for c in COLUMNS if not (c.key.startswith("regime_") and _regime_of(c.key) in unused))


def _regime_of(key: str) -> str:
    return next(r.key for r in _column_regimes() if key.startswith(f"regime_{r.key}_"))
