"""Opening, reading, changing and closing incidents. Each change writes its timeline event in the
caller's transaction; the face that called commits once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.clock import deadlines_for, describe_duration, earliest_due, get_regime
from bot.domain.eu_authorities import expand_regimes, is_eu_clock
from bot.errors import BreachbotError, NotFound
from bot.services.register import require_closable
from bot.services.timeline import append_event
from bot.store.models import Incident, Organisation, RefCounter, Status

TITLE_LIMIT = 200
TEXT_LIMIT = 20_000
REF_PREFIX = "BR"
# A year: a contract that gives longer sets no real deadline, and 7200 typed for 72 is caught.
CONTRACT_HOURS_LIMIT = 24 * 365
LONDON = ZoneInfo("Europe/London")


class InvalidIncident(BreachbotError):
    pass


@dataclass(frozen=True)
class IncidentDraft:
    """What a person tells us when reporting; validated by `open_incident`."""

    title: str
    aware_at: datetime
    regimes: tuple[str, ...] = ()
    description: str | None = None
    occurred_at: datetime | None = None
    discovered_how: str | None = None
    is_processor: bool | None = None
    controller_name: str | None = None
    near_miss: bool = False
    contract_hours: int | None = None  # a processor's contractual deadline to tell the controller
    source_key: str | None = None
    # EEA countries where affected people live, with counts when known (eu_authorities.parse_countries).
    eu_countries: dict[str, int | None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _clean_text(value: str | None, name: str, limit: int) -> str | None:
    if value is None:
        return None
    cleaned = value.replace("\x00", "").strip()
    if len(cleaned) > limit:
        raise InvalidIncident(f"{name} is {len(cleaned):,} characters; the most Breachbot keeps is {limit:,}")
    return cleaned or None


def organisation(session: Session) -> Organisation | None:
    return session.get(Organisation, 1)


def _regimes_for(session: Session, draft: IncidentDraft) -> tuple[list[str], bool]:
    org = organisation(session)
    is_processor = draft.is_processor if draft.is_processor is not None else bool(org and org.is_processor)
    if draft.is_processor and not draft.regimes:
        # Data processed for another controller: the duty is to tell that controller (Art 33(2)); the
        # controller, not the processor, runs the 72-hour clock to the ICO.
        chosen = ["processor"]
    else:
        chosen = list(draft.regimes) or list((org.regimes if org else None) or ["uk-gdpr"])
    for key in chosen:
        get_regime(key)
    if is_processor and "processor" not in chosen:
        chosen.append("processor")
    if not is_processor and "processor" in chosen:
        is_processor = True
    # Keep a stable order with no repeats, so the same facts always give the same record.
    return list(dict.fromkeys(chosen)), is_processor


def next_reference(session: Session, year: int) -> tuple[str, int]:
    """The next BR-YYYY-NNNN. The counter row is bumped with UPDATE ... RETURNING, which takes a row
    lock, so concurrent openers queue instead of reading the same number."""
    bump = (
        update(RefCounter)
        .where(RefCounter.year == year)
        .values(last_number=RefCounter.last_number + 1)
        .returning(RefCounter.last_number)
    )
    number = session.execute(bump).scalar_one_or_none()
    if number is None:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(RefCounter).values(year=year, last_number=0).on_conflict_do_nothing())
        number = session.execute(bump).scalar_one()
    return f"{REF_PREFIX}-{year}-{number:04d}", number


def find_by_source_key(session: Session, source_key: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.source_key == source_key))


def open_incident(session: Session, draft: IncidentDraft, *, actor: str, now: datetime) -> Incident:
    """Store a new incident with its opening events. With a source_key seen before, return that incident."""
    if draft.source_key:
        existing = find_by_source_key(session, draft.source_key)
        if existing is not None:
            return existing
    title = _clean_text(draft.title, "the title", TITLE_LIMIT)
    if not title:
        raise InvalidIncident("a title is needed: say in a few words what happened")
    description = _clean_text(draft.description, "what happened", TEXT_LIMIT)
    discovered_how = _clean_text(draft.discovered_how, "how it was discovered", TEXT_LIMIT)
    controller_name = _clean_text(draft.controller_name, "the controller's name", TITLE_LIMIT)
    if draft.aware_at > now:
        raise InvalidIncident("the awareness time is in the future: give the moment you became aware")
    if draft.occurred_at is not None:
        if draft.occurred_at > now:
            raise InvalidIncident("the time it happened is in the future")
        if draft.occurred_at > draft.aware_at:
            raise InvalidIncident("it cannot have happened after you became aware of it: check both times")
    regimes, is_processor = _regimes_for(session, draft)
    if draft.contract_hours is not None and not is_processor:
        raise InvalidIncident("a contractual deadline to tell the controller is for a processor: add --processor")
    contract_hours = checked_contract_hours(draft.contract_hours)
    org = organisation(session)
    regimes, eu_plan = expand_regimes(
        regimes,
        # A processor tells the controller (Art 33(2)); the profile alone never gives it EU clocks.
        eu_gdpr=org.eu_gdpr if org and not is_processor else (False if org and org.eu_gdpr is False else None),
        main_establishment=org.eu_main_establishment if org else None,
        countries=draft.eu_countries,
    )
    year = now.astimezone(LONDON).year
    ref, number = next_reference(session, year)
    due = earliest_due(regimes, draft.aware_at)
    late = due is not None and now > due
    incident = Incident(
        ref=ref,
        ref_year=year,
        ref_number=number,
        title=title,
        description=description,
        occurred_at=draft.occurred_at,
        aware_at=draft.aware_at,
        discovered_how=discovered_how,
        reported_by=actor,
        status=Status.OPEN.value,
        regimes=regimes,
        is_processor=is_processor,
        controller_name=controller_name,
        contract_hours=contract_hours,
        near_miss=draft.near_miss,
        next_deadline_at=due,
        late=late,
        source_key=draft.source_key,
        eu_countries=draft.eu_countries or None,
        # Kept whenever the EU GDPR was in question, including why it gave no clocks.
        eu_basis=eu_plan.basis if draft.eu_countries or any(map(is_eu_clock, [*regimes, *draft.regimes])) else None,
        created_at=now,
        updated_at=now,
        timeline_count=0,
    )
    session.add(incident)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidIncident("that report was already received and is being stored: try again shortly") from None
    append_event(
        session,
        incident,
        actor=actor,
        kind="opened",
        summary=f"{'Near miss' if draft.near_miss else 'Incident'} reported: {title}",
        at=now,
        after=snapshot(incident),
    )
    if late:
        append_event(
            session,
            incident,
            actor="breachbot",
            kind="late",
            summary=(
                "Awareness was more than the deadline ago, so any report is late. UK GDPR Art 33(1) "
                "requires the reasons for the delay: record them with `breachbot incident delay-reasons "
                f"{ref} --reason ...` or `/breach delay-reasons`."
            ),
            at=now,
            after={"deadline": due.isoformat() if due else None},
        )
    return incident


def snapshot(incident: Incident) -> dict[str, Any]:
    """The facts an event's before/after records."""
    return {
        "ref": incident.ref,
        "title": incident.title,
        "description": incident.description,
        "occurred_at": incident.occurred_at,
        "aware_at": incident.aware_at,
        "discovered_how": incident.discovered_how,
        "status": incident.status,
        "regimes": list(incident.regimes),
        "is_processor": incident.is_processor,
        "controller_name": incident.controller_name,
        "contract_hours": incident.contract_hours,
        "near_miss": incident.near_miss,
        "eu_countries": incident.eu_countries,
        "eu_basis": incident.eu_basis,
    }


def checked_contract_hours(value: int | None) -> int | None:
    """A processor's contractual deadline (Art 28(3)(f)), in whole hours from awareness."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CONTRACT_HOURS_LIMIT:
        raise InvalidIncident(f"the contractual deadline is a whole number of hours from 1 to {CONTRACT_HOURS_LIMIT:,}")
    return value


def get_incident(session: Session, ref: str, *, lock: bool = False) -> Incident:
    """The incident with this reference; `lock` holds its row until commit, for writers."""
    statement = select(Incident).where(Incident.ref == ref.strip().upper())
    if lock:
        # populate_existing: a copy this session read before the lock was taken must not be reused, or
        # a concurrent writer's timeline sequence number is read stale and the insert collides.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    incident = session.scalar(statement)
    if incident is None:
        raise NotFound(f"no incident {ref!r}: `breachbot incident list` shows the references")
    return incident


def list_incidents(session: Session, *, open_only: bool = False) -> list[Incident]:
    statement = select(Incident)
    if open_only:
        statement = statement.where(Incident.status != Status.CLOSED.value).order_by(
            Incident.next_deadline_at.is_(None), Incident.next_deadline_at, Incident.id
        )
    else:
        statement = statement.order_by(Incident.id)
    return list(session.scalars(statement))


def record_delay_reasons(session: Session, ref: str, reasons: str, *, actor: str, now: datetime) -> Incident:
    incident = get_incident(session, ref, lock=True)
    text = _clean_text(reasons, "the reasons", TEXT_LIMIT)
    if not text:
        raise InvalidIncident("give the reasons for the delay")
    before = incident.delay_reasons
    if before == text:
        return incident  # the same reasons again (a double click, a retry): already on the record
    incident.delay_reasons = text
    incident.updated_at = now
    append_event(
        session,
        incident,
        actor=actor,
        kind="delay_reasons",
        summary=f"Reasons for delay recorded: {text}",
        at=now,
        before={"delay_reasons": before},
        after={"delay_reasons": text},
    )
    return incident


def add_update(session: Session, ref: str, text: str, *, actor: str, now: datetime) -> Incident:
    incident = get_incident(session, ref, lock=True)
    note = _clean_text(text, "the update", TEXT_LIMIT)
    if not note:
        raise InvalidIncident("the update is empty: say what happened")
    append_event(session, incident, actor=actor, kind="update", summary=note, at=now)
    incident.updated_at = now
    return incident


def close_incident(
    session: Session, ref: str, *, reason: str, actor: str, now: datetime, outcome: str | None = None
) -> Incident:
    incident = get_incident(session, ref, lock=True)
    if incident.status == Status.CLOSED.value:
        return incident
    text = _clean_text(reason, "the reason", TEXT_LIMIT)
    if not text:
        raise InvalidIncident("closing needs a reason: say why the incident is closed")
    chosen = _clean_text(outcome, "the outcome", 60)
    # A closed incident is a finished register entry: refuse while the register would be incomplete.
    require_closable(session, incident, outcome=chosen, reason=text, now=now)
    before = {"status": incident.status}
    incident.status = Status.CLOSED.value
    incident.closed_at = now
    incident.close_reason = text
    incident.close_outcome = chosen
    incident.updated_at = now
    append_event(
        session,
        incident,
        actor=actor,
        kind="closed",
        summary=f"Closed: {text}",
        at=now,
        before=before,
        after={"status": incident.status, "outcome": incident.close_outcome, "reason": text},
    )
    return incident


def describe(incident: Incident, *, now: datetime, zone: ZoneInfo = LONDON) -> dict[str, Any]:
    """The incident as plain data for `--json` and for any face that renders it."""
    clocks = []
    for deadline in deadlines_for(incident.regimes, incident.aware_at, incident.contract_hours):
        entry = deadline.to_dict(now, zone)
        left = deadline.time_left(now)
        entry["time_left"] = describe_duration(left) if left is not None else "without undue delay"
        entry["stopped"] = (incident.ico_reported_at is not None and deadline.regime.report_to == "the ICO") or (
            incident.controller_told_at is not None and deadline.regime.report_to == "the controller"
        )
        if deadline.regime.authority is not None:
            report = (incident.eu_reports or {}).get(deadline.regime.authority) or {}
            entry["stopped"] = bool(report)
            entry["reported_at"], entry["case_ref"] = report.get("reported_at"), report.get("case_ref")
        clocks.append(entry)
    return {
        "ref": incident.ref,
        "title": incident.title,
        "description": incident.description,
        "status": incident.status,
        "near_miss": incident.near_miss,
        "occurred_at": incident.occurred_at.isoformat() if incident.occurred_at else None,
        "aware_at": incident.aware_at.isoformat(),
        "discovered_how": incident.discovered_how,
        "reported_by": incident.reported_by,
        "regimes": list(incident.regimes),
        "is_processor": incident.is_processor,
        "controller_name": incident.controller_name,
        "controller_told_at": incident.controller_told_at.isoformat() if incident.controller_told_at else None,
        "controller_told_how": incident.controller_told_how,
        "contract_hours": incident.contract_hours,
        "late": incident.late,
        "delay_reasons": incident.delay_reasons,
        "ico_reported_at": incident.ico_reported_at.isoformat() if incident.ico_reported_at else None,
        "ico_case_ref": incident.ico_case_ref,
        "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
        "close_outcome": incident.close_outcome,
        "close_reason": incident.close_reason,
        "created_at": incident.created_at.isoformat(),
        "deadlines": clocks,
        "eu_countries": dict(incident.eu_countries or {}),
        "eu_basis": incident.eu_basis,
        "eu_reports": dict(incident.eu_reports or {}),
    }


def record_slack_setup(
    session: Session,
    ref: str,
    *,
    summary: str,
    actor: str,
    now: datetime,
    channel_id: str | None = None,
    summary_ts: str | None = None,
    failed: bool = False,
) -> Incident:
    """Note a step of the incident's Slack setup (its channel, its pinned summary, or a failure) on the
    timeline, keeping where the incident lives in Slack on the incident itself."""
    incident = get_incident(session, ref, lock=True)
    after: dict[str, Any] = {}
    if channel_id is not None:
        incident.slack_channel_id = channel_id
        after["slack_channel_id"] = channel_id
    if summary_ts is not None:
        incident.slack_summary_ts = summary_ts
        after["slack_summary_ts"] = summary_ts
    incident.updated_at = now
    append_event(
        session,
        incident,
        actor=actor,
        kind="slack_setup_failed" if failed else "slack_setup",
        summary=summary,
        at=now,
        after=after or None,
    )
    return incident
