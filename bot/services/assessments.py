"""Recording triage on an incident: versioned assessments, DPO overrides, and the decision in force."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import regime_triage, triage
from bot.domain.clock import UnknownRegime, get_regime
from bot.domain.decision import decision_text
from bot.domain.eu_authorities import is_eu_clock
from bot.errors import BreachbotError
from bot.services import alerts
from bot.services.incidents import TEXT_LIMIT, get_incident
from bot.services.timeline import append_event
from bot.store.models import Assessment, Incident, Override, Status

JUSTIFICATION_MINIMUM = 20


class InvalidAnswers(BreachbotError):
    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


class IncidentClosed(BreachbotError):
    pass


class InvalidOverride(BreachbotError):
    """`field` names the input at fault (notify_ico, notify_individuals or justification), when one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


def compute(
    raw_answers: Any, *, processor: bool = False, regimes: Sequence[str] = regime_triage.DEFAULT_REGIMES
) -> tuple[triage.TriageAnswers, triage.TriageResult]:
    """Validate answers and run the engine for these regimes, without touching any incident."""
    if not isinstance(raw_answers, dict):
        raise InvalidAnswers("answers", "the answers must be a JSON object of question keys to answers")
    try:
        answers = triage.parse_answers(raw_answers)
        regimes = regime_triage.check_regimes([get_regime(key).base_key for key in regimes])
    except triage.AnswersError as problem:
        raise InvalidAnswers(problem.key, str(problem)) from None
    except (UnknownRegime, regime_triage.UnknownTriageRegime) as problem:
        raise InvalidAnswers("regime", str(problem)) from None
    return answers, triage.assess(answers, processor=processor, regimes=regimes)


def incident_regimes(incident: Incident) -> tuple[str, ...]:
    return tuple(incident.regimes or ()) or regime_triage.DEFAULT_REGIMES


@dataclass(frozen=True)
class Decision:
    """What is in force for an incident: the newest computed result, and any override beside it."""

    assessment: Assessment | None
    override: Override | None

    @property
    def notify_ico(self) -> bool | None:
        if self.override is not None:
            return self.override.notify_ico
        return None if self.assessment is None else bool(self.assessment.result["notify_ico"])

    @property
    def notify_individuals(self) -> bool | None:
        if self.override is not None:
            return self.override.notify_individuals
        return None if self.assessment is None else bool(self.assessment.result["notify_individuals"])

    def regime_requires_report(self, regime: str) -> bool | None:
        """This regime's ICO decision in force: the override (a judgement of risk) or the computed entry."""
        if self.override is not None:
            return self.override.notify_ico
        if self.assessment is None:
            return None
        base = get_regime(regime).base_key  # every EU authority's clock (eu-gdpr:FR) has the eu-gdpr decision
        for entry in self.assessment.result.get("regimes") or ():
            if entry.get("regime") == base:
                return bool(entry.get("notify_ico"))
        return bool(self.assessment.result["notify_ico"])

    def to_dict(self) -> dict[str, Any]:
        """The triage contract's keys at the top (the computed result, contracts.md), then the record around it."""
        return {
            **(self.assessment.result if self.assessment else {}),
            "version": self.assessment.version if self.assessment else None,
            "computed": self.assessment.result if self.assessment else None,
            "answers": self.assessment.answers if self.assessment else None,
            "assessed_by": self.assessment.answered_by if self.assessment else None,
            "assessed_at": self.assessment.created_at.isoformat() if self.assessment else None,
            "override": override_dict(self.override),
            "effective": {"notify_ico": self.notify_ico, "notify_individuals": self.notify_individuals},
        }


def override_dict(override: Override | None) -> dict[str, Any] | None:
    if override is None:
        return None
    return {
        "notify_ico": override.notify_ico,
        "notify_individuals": override.notify_individuals,
        "reason": override.justification,
        "by": override.decided_by,
        "at": override.created_at.isoformat(),
    }


def latest_assessment(session: Session, incident: Incident) -> Assessment | None:
    return session.scalar(
        select(Assessment).where(Assessment.incident_id == incident.id).order_by(Assessment.version.desc()).limit(1)
    )


def current_decision(session: Session, incident: Incident) -> Decision:
    assessment = latest_assessment(session, incident)
    override = None
    if assessment is not None:
        # An override answers one assessment; new facts mean a new assessment the DPO looks at afresh.
        override = session.scalar(
            select(Override).where(Override.assessment_id == assessment.id).order_by(Override.id.desc()).limit(1)
        )
    return Decision(assessment=assessment, override=override)


def history(session: Session, incident: Incident) -> list[Assessment]:
    return list(
        session.scalars(select(Assessment).where(Assessment.incident_id == incident.id).order_by(Assessment.version))
    )


def _align_ico_alerts(session: Session, incident: Incident, *, actor: str, now: datetime) -> None:
    """A decision not to notify the ICO under a risk-based regime stops that clock's alerts; reversing it starts
    them again. Each regime is judged on its own decision: a UK GDPR "no" never stops the PECR clock. Every EU
    authority's clock follows the EU GDPR decision, whose test is the UK GDPR's (Art 33(1))."""
    regimes = [key for key in alerts.ico_regimes(incident) if get_regime(key).risk_based] + alerts.eu_regimes(incident)
    decision = current_decision(session, incident)
    if not regimes or decision.assessment is None:
        return
    processor = decision.assessment.result.get("role") == "processor"
    stop = [key for key in regimes if decision.regime_requires_report(key) is False]
    resume = [key for key in regimes if key not in stop]
    if stop:
        displaced = {
            entry.get("regime"): entry.get("displaced_by")
            for entry in decision.assessment.result.get("regimes") or ()
            if entry.get("displaced_by")
        }
        if processor and decision.override is None:
            reason = "as a processor we tell the controller, who decides whether to notify the ICO (Art 33(2))"
        elif decision.override is None and all(key in displaced for key in stop):
            reason = "PECR takes the place of UK GDPR for this breach (UK GDPR Art 95): the PECR clock runs on"
        else:
            reason = (
                f"the decision in force (triage v{decision.assessment.version}"
                f"{', overridden' if decision.override else ''}) is not to notify the ICO"
                + (" or the EU authorities (the same test, EU GDPR Art 33(1))" if any(map(is_eu_clock, stop)) else "")
            )
        alerts.stop_alerts(session, incident, stop, reason=reason, actor=actor, now=now)
    if resume:
        alerts.resume_alerts(
            session, incident, resume, reason="the decision in force is now to notify the ICO", actor=actor, now=now
        )


# The public name for other services (an EU authority's clock added later follows the decision in force).
align_alerts_with_decision = _align_ico_alerts


def record_assessment(session: Session, ref: str, raw_answers: Any, *, actor: str, now: datetime) -> Assessment:
    incident = get_incident(session, ref, lock=True)
    if incident.status == Status.CLOSED.value:
        raise IncidentClosed(f"{incident.ref} is closed: its triage is part of the final record")
    answers, result = compute(raw_answers, processor=incident.is_processor, regimes=incident_regimes(incident))
    previous = latest_assessment(session, incident)
    stored_answers = triage.answers_to_dict(answers)
    result_dict = result.to_dict()
    if previous is not None and previous.answers == stored_answers and previous.rules_version == result.rules_version:
        # The same answers submitted twice (a double click, a retried request) are one assessment.
        return previous
    assessment = Assessment(
        incident_id=incident.id,
        version=(previous.version + 1) if previous else 1,
        answers=stored_answers,
        result=result_dict,
        rules_version=result.rules_version,
        answered_by=actor,
        created_at=now,
    )
    session.add(assessment)
    session.flush()
    if incident.status == Status.OPEN.value:
        incident.status = Status.ASSESSED.value
    incident.updated_at = now
    decision = decision_text(
        result.notify_ico, result.notify_individuals, public=result.public_communication, role=result.role
    )
    summary = (
        f"Triage v{assessment.version}: {decision}. Severity {result.severity.band} "
        f"({result.severity.score:g}). Reasons: {' '.join(result.reasons)}"
    )
    if result.missing:
        summary += f" Still unknown: {', '.join(result.missing)}."
    append_event(
        session,
        incident,
        actor=actor,
        kind="assessed",
        summary=summary,
        at=now,
        before={"version": previous.version, "result": previous.result} if previous else None,
        after={"version": assessment.version, "answers": stored_answers, "result": result_dict},
    )
    _align_ico_alerts(session, incident, actor=actor, now=now)
    return assessment


def record_override(
    session: Session,
    ref: str,
    *,
    notify_ico: bool,
    notify_individuals: bool,
    justification: str,
    actor: str,
    now: datetime,
) -> Override:
    incident = get_incident(session, ref, lock=True)
    if incident.status == Status.CLOSED.value:
        raise IncidentClosed(f"{incident.ref} is closed: its triage is part of the final record")
    assessment = latest_assessment(session, incident)
    if assessment is None:
        raise InvalidOverride(f"{incident.ref} has no triage yet: record an assessment before overriding it")
    reason = " ".join((justification or "").split())
    if len(reason) < JUSTIFICATION_MINIMUM:
        raise InvalidOverride(
            "an override needs a written justification the ICO could read "
            f"(at least {JUSTIFICATION_MINIMUM} characters): say why the computed decision is wrong",
            "justification",
        )
    if len(reason) > TEXT_LIMIT:
        raise InvalidOverride(f"the justification is too long (at most {TEXT_LIMIT:,} characters)", "justification")
    every_breach = [
        entry["regime"]
        for entry in assessment.result.get("regimes") or ()
        if entry.get("notify_ico") and regime_triage.reports_every_breach(str(entry.get("regime")))
    ]
    if not notify_ico and every_breach and not incident.is_processor:
        raise InvalidOverride(
            f"under {regime_triage.label(every_breach[0])} every personal data breach is reported to the ICO, "
            "whatever the risk (PECR reg 5A(2)): an override cannot remove that. If no personal data were "
            "involved, triage again with personal_data no",
            "notify_ico",
        )
    if notify_individuals and not notify_ico and not incident.is_processor:
        raise InvalidOverride(
            "telling the individuals implies a risk the ICO must hear of too: "
            "override to notify the ICO as well, or not to tell the individuals",
            "notify_individuals",
        )
    current = current_decision(session, incident)
    if (
        current.override is not None
        and current.override.notify_ico == notify_ico
        and current.override.notify_individuals == notify_individuals
        and current.override.justification == reason
    ):
        return current.override
    override = Override(
        incident_id=incident.id,
        assessment_id=assessment.id,
        notify_ico=notify_ico,
        notify_individuals=notify_individuals,
        justification=reason,
        decided_by=actor,
        created_at=now,
    )
    session.add(override)
    session.flush()
    incident.updated_at = now
    computed = assessment.result
    append_event(
        session,
        incident,
        actor=actor,
        kind="override",
        summary=(
            f"Decision overridden on triage v{assessment.version}: "
            f"{decision_text(notify_ico, notify_individuals)} "
            f"(computed: {decision_text(computed['notify_ico'], computed['notify_individuals'])}). "
            f"Justification: {reason}"
        ),
        at=now,
        before={"notify_ico": computed["notify_ico"], "notify_individuals": computed["notify_individuals"]},
        after={"notify_ico": notify_ico, "notify_individuals": notify_individuals, "justification": reason},
    )
    _align_ico_alerts(session, incident, actor=actor, now=now)
    return override
