"""Writing to and checking the append-only, hash-chained timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from bot.domain.chain import (
    GENESIS,
    KEYED,
    PLAIN,
    ChainedEvent,
    ChainProblem,
    key_check,
    keyed_event_hash,
    register_digest,
    register_member,
    verify_chain,
    xor_digests,
)
from bot.store.models import Incident, RefCounter, RegisterSeal, TimelineEvent
from bot.store.sealing import REGISTER_ROW, register_state, seal_of, session_key

SUMMARY_LIMIT = 20_000


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def append_event(
    session: Session,
    incident: Incident,
    *,
    actor: str,
    kind: str,
    summary: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Add one event at the end of the incident's chain, in the caller's transaction.

    The caller must hold the incident row locked (see incidents.lock_incident) so that two writers
    cannot both claim the same sequence number.
    """
    entry = TimelineEvent(
        incident_id=incident.id,
        seq=incident.timeline_count + 1,
        at=at.astimezone(UTC),
        actor=actor[:200],
        kind=kind,
        summary=summary[:SUMMARY_LIMIT],
        # The hash must cover exactly what the database hands back: JSON-native values only.
        before=jsonable(before),
        after=jsonable(after),
        prev_hash=incident.timeline_head or GENESIS,
        hash="",
        hash_scheme=KEYED,
    )
    entry.hash = keyed_event_hash(session_key(session), entry.prev_hash, entry.hashed_content(incident.ref))
    session.add(entry)
    incident.timeline_count = entry.seq
    incident.timeline_head = entry.hash
    session.flush()
    return entry


def events_for(session: Session, incident: Incident) -> list[TimelineEvent]:
    return list(
        session.scalars(
            select(TimelineEvent).where(TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.seq)
        )
    )


@dataclass(frozen=True)
class ChainReport:
    ref: str
    events: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "events": self.events,
            "ok": self.ok,
            "problems": [{"event": p.seq, "problem": p.problem} for p in self.problems],
        }


def chain_problems(incident: Any, events: list[Any], key: bytes) -> list[ChainProblem]:
    """Everything wrong with one incident's record: its chain, its head, and its seal. Takes model
    objects or plain rows of the incident and timeline_event tables alike."""
    chained = [
        ChainedEvent(
            seq=e.seq,
            prev_hash=e.prev_hash,
            hash=e.hash,
            content=TimelineEvent.hashed_content(e, incident.ref),
            scheme=e.hash_scheme or PLAIN,
        )
        for e in events
    ]
    problems = verify_chain(chained, head_hash=incident.timeline_head, head_count=incident.timeline_count, key=key)
    if incident.seal is None:
        # Only an incident written before seals, and untouched since, has none; its events are all unkeyed.
        if any(e.scheme == KEYED for e in chained) or incident.timeline_count == 0:
            problems.append(ChainProblem(None, "the incident's seal is missing (removed?)"))
    elif seal_of(key, incident) != incident.seal:
        problems.append(
            ChainProblem(
                None,
                "the incident record does not match its seal: its title, times, deadline, status, ICO report "
                "or timeline head were changed outside Breachbot",
            )
        )
    return problems


def seal_unsealed(session: Session) -> tuple[int, list[str]]:
    """Seal the incidents written before seals whose unkeyed chain verifies, so they are protected from
    now on; returns (sealed, refs left unsealed because their chain does not verify as it stands)."""
    key = session_key(session)
    sealed, refused = 0, []
    for incident in session.scalars(select(Incident).where(Incident.seal.is_(None)).order_by(Incident.id)):
        if incident.timeline_count == 0 or chain_problems(incident, events_for(session, incident), key):
            refused.append(incident.ref)
            continue
        flag_modified(incident, "seal")  # written, so the flush hook seals it and counts it in the register
        sealed += 1
    return sealed, refused


def verify_incident(session: Session, incident: Incident) -> ChainReport:
    session.flush()
    stored = events_for(session, incident)
    problems = chain_problems(incident, stored, session_key(session))
    return ChainReport(ref=incident.ref, events=len(stored), problems=tuple(problems))


def verify_all(session: Session) -> list[ChainReport]:
    """Every incident's record, and the register as a whole: a report per incident, plus one per
    incident that is missing (named when its reference can be worked out) or for the register itself."""
    incidents = list(session.scalars(select(Incident).order_by(Incident.id)))
    reports = [verify_incident(session, incident) for incident in incidents]
    return reports + register_problems(session, incidents)


def _issued_refs(session: Session) -> list[tuple[str, int, int]]:
    from bot.services.incidents import REF_PREFIX

    issued = []
    for counter in session.scalars(select(RefCounter).order_by(RefCounter.year)):
        # A few numbers past the counter too: whoever deleted the newest incident may have wound it back.
        for number in range(1, counter.last_number + 21):
            issued.append((f"{REF_PREFIX}-{counter.year}-{number:04d}", counter.year, number))
    return issued


def register_problems(session: Session, incidents: Sequence[Any]) -> list[ChainReport]:
    """What is wrong with the register as a whole, given every stored incident (model objects or rows of
    the incident table): incidents deleted, seals removed, a record put back to an earlier state."""
    key = session_key(session)
    stored = {incident.ref for incident in incidents}
    reports: dict[str, ChainReport] = {}

    def missing(ref: str, problem: str) -> None:
        reports.setdefault(ref, ChainReport(ref=ref, events=0, problems=(ChainProblem(None, problem),)))

    issued = _issued_refs(session)
    counters = {year: number for year, number in session.execute(select(RefCounter.year, RefCounter.last_number))}
    for ref, year, number in issued:
        if number <= counters[year] and ref not in stored:
            missing(ref, "its reference was issued but the incident is not stored (deleted?)")
    row = session.get(RegisterSeal, REGISTER_ROW)
    sealed = [incident.ref for incident in incidents if incident.seal is not None]
    if row is None:
        if sealed:
            missing("register", "the register seal is missing (deleted?): incidents may have been removed")
        return list(reports.values())
    if row.key_check and row.key_check != key_check(key):
        missing(
            "register",
            "the timeline key in use is not the one these records were sealed with: check BREACHBOT_TIMELINE_KEY "
            "or BREACHBOT_TIMELINE_KEY_FILE before reading the problems below as tampering",
        )
    difference = xor_digests(row.digest, register_digest(key, sealed))
    if not int(difference, 16) and row.state_digest and row.state_digest != register_state(key, incidents):
        missing(
            "register",
            "an incident's record was put back to an earlier state (its seal is valid but not the latest): "
            "`breachbot timeline verify --against` a witness file names it",
        )
    if int(difference, 16):
        candidates = [ref for ref, _, _ in issued if ref not in stored]
        candidates += [incident.ref for incident in incidents if incident.seal is None]
        named = next((ref for ref in candidates if register_member(key, ref) == difference), None)
        if named is None:
            missing(
                "register",
                "the register seal does not match the incidents stored: incidents were deleted or their seals removed",
            )
        elif named in stored:
            missing(named, "its seal was removed: the register seal counts it as sealed")
        else:
            missing(named, "the incident was deleted: the register seal still counts it")
    return list(reports.values())


WITNESS_FORMAT = 1


def witness(session: Session, *, now: datetime) -> dict[str, Any]:
    """The heads to keep outside the database: each incident's event count and newest hash, and the
    register seal. A later `verify --against` finds anything rolled back, removed or rewritten since,
    even by someone who holds the key."""
    row = session.get(RegisterSeal, REGISTER_ROW)
    heads = session.execute(select(Incident.ref, Incident.timeline_count, Incident.timeline_head).order_by(Incident.id))
    return {
        "breachbot_witness": WITNESS_FORMAT,
        "at": now.astimezone(UTC).isoformat(),
        "register": row.digest if row is not None else None,
        "incidents": {ref: {"events": count, "head": head} for ref, count, head in heads},
    }


def check_witness(session: Session, witnessed: dict[str, Any]) -> list[ChainReport]:
    """Every way the database has moved back from what was witnessed: an incident gone, fewer events,
    or a different event where the witnessed head was."""
    at = witnessed.get("at", "?")
    reports = []
    for ref, head in (witnessed.get("incidents") or {}).items():
        count, head_hash = int(head.get("events") or 0), head.get("head")
        incident = session.scalar(select(Incident).where(Incident.ref == ref))
        problem = None
        if incident is None:
            problem = f"witnessed on {at} with {count} events, but no longer stored (deleted?)"
        elif count:
            event = session.scalar(
                select(TimelineEvent).where(TimelineEvent.incident_id == incident.id, TimelineEvent.seq == count)
            )
            if event is None or incident.timeline_count < count:
                problem = (
                    f"witnessed on {at} with {count} events, now {incident.timeline_count} (events removed, "
                    "or the timeline rolled back?)"
                )
            elif event.hash != head_hash:
                problem = f"event {count} is not the one witnessed on {at} (timeline rewritten?)"
        if problem:
            reports.append(ChainReport(ref=ref, events=0, problems=(ChainProblem(None, problem),)))
    return reports
