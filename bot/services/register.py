"""The breach register read from the store: one entry per incident (near misses too), its timeline, and
whether each incident's hash chain verifies; and what an incident still lacks before it may close.

Everything is loaded in a handful of bulk queries rather than per incident, so a register of tens of
thousands of incidents exports in seconds. This module deliberately imports no other service:
`incidents.close_incident` calls `missing_for_close`, and the other services import `incidents`.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.domain import register as domain
from bot.domain.register_columns import build_entry
from bot.errors import BreachbotError
from bot.services.timeline import chain_problems, register_problems
from bot.store.models import AdviceReceived, Assessment, Incident, Override, RemedialAction, Status, TimelineEvent
from bot.store.sealing import session_key
from bot.store.session import read_one_snapshot

STATUSES = tuple(s.value for s in Status)
_Groups = dict[int, list[Row[Any]]]


class InvalidRegisterRequest(BreachbotError):
    pass


class CannotClose(BreachbotError):
    """Closing was refused because register fields are missing; `missing` names them in plain words."""

    def __init__(self, ref: str, missing: list[domain.CloseRequirement]) -> None:
        self.ref = ref
        self.missing = [r.need for r in missing]
        hints = "; ".join(f"{r.need} ({r.how.format(ref=ref)})" for r in missing)
        super().__init__(f"cannot close {ref} yet: {hints}")


@dataclass(frozen=True)
class Register:
    """The register as plain data: entries keyed like domain.COLUMNS, timeline rows like TIMELINE_COLUMNS."""

    generated_at: datetime
    since: datetime | None
    status: str | None
    entries: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    # Per incident: ref, timeline_events, chain_verified, problem; then, when the whole register was
    # loaded, a row for each incident found missing and one for the register's own seal if it fails.
    integrity: list[dict[str, Any]]
    # Whether the register as a whole was checked (no incident deleted, none rolled back): only an
    # unfiltered register, read from one snapshot, holds every incident the check needs.
    register_checked: bool = False

    @property
    def failed(self) -> list[str]:
        """The references whose record failed the integrity check ("register" for the register's own seal)."""
        return [row["ref"] for row in self.integrity if not row["chain_verified"]]

    @property
    def all_verified(self) -> bool:
        return not self.failed


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Build a large register without Python's cyclic collector walking every new row again and again.

    Loading 10,000 incidents makes hundreds of thousands of small dicts and tuples, and writing them as XLSX
    a million cells; the collector, triggered by the allocations alone, measured as a third of the time.
    None of these objects forms a cycle, so collection waits until the work is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _selected(since: datetime | None, status: str | None) -> Select[tuple[int]]:
    statement = select(Incident.id)
    if since is not None:
        statement = statement.where(or_(Incident.aware_at >= since, Incident.created_at >= since))
    if status is not None:
        if status not in STATUSES:
            raise InvalidRegisterRequest(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
        statement = statement.where(Incident.status == status)
    return statement


def _latest_assessments(session: Session, ids: Select[tuple[int]]) -> dict[int, Row[Any]]:
    newest = (
        select(Assessment.incident_id, func.max(Assessment.version).label("version"))
        .where(Assessment.incident_id.in_(ids))
        .group_by(Assessment.incident_id)
        .subquery()
    )
    table = Assessment.__table__
    rows = session.execute(
        select(table.c.id, table.c.incident_id, table.c.answers, table.c.result).join(
            newest, and_(table.c.incident_id == newest.c.incident_id, table.c.version == newest.c.version)
        )
    )
    return {row.incident_id: row for row in rows}


def _first_triaged(session: Session, ids: Select[tuple[int]]) -> dict[int, datetime]:
    table = Assessment.__table__
    rows = session.execute(
        select(table.c.incident_id, func.min(table.c.created_at).label("first"))
        .where(table.c.incident_id.in_(ids))
        .group_by(table.c.incident_id)
    )
    return {row.incident_id: row.first for row in rows}


def _overrides(session: Session, ids: Select[tuple[int]]) -> dict[int, Row[Any]]:
    """The newest override of each assessment (as assessments.current_decision picks it)."""
    table = Override.__table__
    found: dict[int, Row[Any]] = {}
    for row in session.execute(select(table).where(table.c.incident_id.in_(ids)).order_by(table.c.id)):
        found[row.assessment_id] = row
    return found


def _grouped(
    session: Session, model: type[RemedialAction | TimelineEvent | AdviceReceived], ids: Select[tuple[int]]
) -> _Groups:
    # Plain rows, not ORM objects: at tens of thousands of events, building objects costs more than the query.
    table = model.__table__
    order = table.c.seq if model is TimelineEvent else table.c.id
    grouped: _Groups = defaultdict(list)
    for row in session.execute(select(table).where(table.c.incident_id.in_(ids)).order_by(table.c.incident_id, order)):
        grouped[row.incident_id].append(row)
    return grouped


def _chain_problem(incident: Incident | Row[Any], events: list[Row[Any]], key: bytes) -> str | None:
    """The first problem the check finds (the same check as `breachbot timeline verify`, applied to plain
    rows, so there is only one), or None when the timeline and the incident's seal are intact."""
    problems = chain_problems(incident, events, key)
    return problems[0].problem if problems else None


def _facts(
    incident: Incident | Row[Any],
    assessment: Row[Any] | None,
    override: Row[Any] | None,
    actions: list[Row[Any]],
    events: list[Row[Any]],
    advice: Sequence[Row[Any]] = (),
    triaged_at: datetime | None = None,
    *,
    chain_key: bytes,
) -> domain.IncidentFacts:
    problem = _chain_problem(incident, events, chain_key)
    return domain.IncidentFacts(
        ref=incident.ref,
        title=incident.title,
        status=incident.status,
        near_miss=incident.near_miss,
        regimes=tuple(incident.regimes or ()),
        aware_at=incident.aware_at,
        occurred_at=incident.occurred_at,
        description=incident.description,
        ico_reported_at=incident.ico_reported_at,
        ico_case_ref=incident.ico_case_ref,
        delay_reasons=incident.delay_reasons,
        answers=assessment.answers if assessment else None,
        computed=assessment.result if assessment else None,
        override=(
            domain.OverrideFact(
                notify_ico=override.notify_ico,
                notify_individuals=override.notify_individuals,
                justification=override.justification,
                by=override.decided_by,
                at=override.created_at,
            )
            if override
            else None
        ),
        likely_consequences=incident.likely_consequences,
        others_told=incident.others_told,
        individuals_told_at=incident.individuals_told_at,
        individuals_told_how=incident.individuals_told_how,
        controller_name=incident.controller_name,
        controller_told_at=incident.controller_told_at,
        controller_told_how=incident.controller_told_how,
        measures_in_place=incident.measures_in_place,
        actions=tuple(
            domain.ActionFact(
                text=a.text,
                at=a.happened_at or a.created_at,
                by=a.recorded_by,
                planned=a.planned,
                reason=a.reason,
            )
            for a in actions
        ),
        closed_at=incident.closed_at,
        close_outcome=incident.close_outcome,
        close_reason=incident.close_reason,
        timeline_events=len(events),
        chain_verified=problem is None,
        chain_problem=problem,
        discovered_how=incident.discovered_how,
        staff_involved=incident.staff_involved,
        staff_training=incident.staff_training,
        cyber_incident=incident.cyber_incident,
        cause_category=incident.cause_category,
        reasons_not_told=incident.reasons_not_told,
        advice=tuple(domain.AdviceFact(adviser=a.adviser, at=a.given_at, advice=a.advice) for a in advice),
        is_processor=bool(incident.is_processor),
        triaged_at=triaged_at,
        eu_reports=incident.eu_reports,
        incident_lead=incident.lead_user_id,
        dpo_owner=incident.dpo_owner_user_id,
    )


def _timeline_row(ref: str, event: Row[Any]) -> dict[str, Any]:
    return {
        "ref": ref,
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "kind": event.kind,
        "summary": event.summary,
        "before": event.before,
        "after": event.after,
        "hash": event.hash,
    }


def load_register(
    session: Session, *, now: datetime, since: datetime | None = None, status: str | None = None
) -> Register:
    """Every incident that matches (aware or created on or after `since`; in `status`), oldest first."""
    with no_cyclic_gc():
        return _load_register(session, now=now, since=since, status=status)


def _load_register(session: Session, *, now: datetime, since: datetime | None, status: str | None) -> Register:
    # One snapshot: an incident opened or changed while a large register loads must not appear half-read
    # (its events without its new head), nor as deleted or rolled back to the register-wide check.
    consistent = read_one_snapshot(session)
    ids = _selected(since, status)
    table = Incident.__table__
    incidents = session.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id)).all()
    assessments = _latest_assessments(session, ids)
    overrides = _overrides(session, ids)
    actions = _grouped(session, RemedialAction, ids)
    advice = _grouped(session, AdviceReceived, ids)
    triaged = _first_triaged(session, ids)
    events = _grouped(session, TimelineEvent, ids)
    key = session_key(session)
    entries: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    integrity: list[dict[str, Any]] = []
    for incident in incidents:
        assessment = assessments.get(incident.id)
        override = overrides.get(assessment.id) if assessment else None
        own_events = events.get(incident.id, [])
        facts = _facts(
            incident,
            assessment,
            override,
            actions.get(incident.id, []),
            own_events,
            advice.get(incident.id, []),
            triaged.get(incident.id),
            chain_key=key,
        )
        entries.append(build_entry(facts, now=now))
        timeline.extend(_timeline_row(incident.ref, e) for e in own_events)
        integrity.append(
            {
                "ref": facts.ref,
                "timeline_events": facts.timeline_events,
                "chain_verified": facts.chain_verified,
                "problem": facts.chain_problem or domain.NOT_APPLICABLE,
            }
        )
    whole = since is None and status is None and consistent
    if whole:
        # The same register-wide check as `breachbot timeline verify`: a deleted incident has no row of its
        # own to fail, so it is named here (or the register's seal is reported broken).
        for report in register_problems(session, incidents):
            integrity.append(
                {
                    "ref": report.ref,
                    "timeline_events": report.events,
                    "chain_verified": False,
                    "problem": report.problems[0].problem,
                }
            )
    return Register(
        generated_at=now,
        since=since,
        status=status,
        entries=entries,
        timeline=timeline,
        integrity=integrity,
        register_checked=whole,
    )


def incident_facts(session: Session, incident: Incident) -> domain.IncidentFacts:
    """One incident's register facts, for the close check and for a face that shows one entry."""
    only = select(Incident.id).where(Incident.id == incident.id)
    assessment = _latest_assessments(session, only).get(incident.id)
    override = _overrides(session, only).get(assessment.id) if assessment else None
    actions = _grouped(session, RemedialAction, only).get(incident.id, [])
    events = _grouped(session, TimelineEvent, only).get(incident.id, [])
    advice = _grouped(session, AdviceReceived, only).get(incident.id, [])
    return _facts(
        incident,
        assessment,
        override,
        actions,
        events,
        advice,
        _first_triaged(session, only).get(incident.id),
        chain_key=session_key(session),
    )


def register_entry(session: Session, incident: Incident, *, now: datetime) -> dict[str, Any]:
    return build_entry(incident_facts(session, incident), now=now)


def close_requirements_missing(
    session: Session,
    incident: Incident,
    *,
    outcome: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> list[domain.CloseRequirement]:
    """The close requirements not yet met, with their keys, for a face (the Slack close modal, which asks
    for the outcome and reason itself, can leave out those two keys)."""
    facts = incident_facts(session, incident)
    return domain.missing_to_close(
        facts,
        outcome=outcome if outcome is not None else incident.close_outcome,
        reason=reason if reason is not None else incident.close_reason,
        now=now or datetime.now(UTC),
    )


def missing_for_close(
    session: Session,
    incident: Incident,
    *,
    outcome: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """What the register still lacks before `incident` may close, in plain words; empty when it may close."""
    return [r.need for r in close_requirements_missing(session, incident, outcome=outcome, reason=reason, now=now)]


def require_closable(
    session: Session, incident: Incident, *, outcome: str | None, reason: str | None, now: datetime
) -> None:
    missing = close_requirements_missing(session, incident, outcome=outcome, reason=reason, now=now)
    if missing:
        raise CannotClose(incident.ref, missing)
