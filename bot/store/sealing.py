"""Sealing incidents as they are written, and keeping the register digest in step.

Installed on every SQLAlchemy session: before each flush, every new or changed incident gets a fresh
seal (an HMAC over its key facts and timeline head, domain/chain.py), so no flow can forget it. When
an incident is sealed for the first time, its keyed share is XORed into the one register_seal row,
at commit, after everything else, so that lock is the last one any flow takes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.chain import (
    EMPTY_REGISTER,
    SEALED_FIELDS,
    incident_seal,
    key_check,
    register_member,
    xor_digests,
)
from bot.store.models import Incident, RegisterSeal

log = logging.getLogger(__name__)

KEY_INFO = "timeline_key"
_NEWLY_SEALED = "breachbot_newly_sealed"
REGISTER_ROW = 1


def default_key() -> bytes:
    """The key from the environment, for sessions opened without one. Read afresh (the key itself is
    cached per file), not through the cached settings, which a test or a caller may yet change."""
    from bot.config import load_settings
    from bot.store.timeline_key import load_timeline_key

    return load_timeline_key(load_settings())


def session_key(session: Session) -> bytes:
    """The key for this session: bytes, or a function giving them, in session.info (Database puts it
    there); read on first need, so a command that never hashes or seals never makes a key."""
    key = session.info.get(KEY_INFO)
    if key is None:
        key = default_key
    if callable(key):
        key = key()
        session.info[KEY_INFO] = key
    return bytes(key)


def incident_values(incident: Any) -> dict[str, Any]:
    """The sealed fields of an Incident (or a row of the incident table), with the columns' own
    defaults for values not set yet, since the database will store those."""
    columns = Incident.__table__.c
    values = {}
    for name in SEALED_FIELDS:
        value = getattr(incident, name, None)
        default = columns[name].default
        if value is None and default is not None and default.is_scalar:
            value = default.arg
        values[name] = value
    return values


def seal_of(key: bytes, incident: Any) -> str:
    return incident_seal(key, incident_values(incident))


@event.listens_for(Session, "before_flush")
def _seal_changed_incidents(session: Session, _context: Any, _instances: Any) -> None:
    changed = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Incident)]
    if not changed:
        return
    key = session_key(session)
    for incident in changed:
        # Sealed as stored, not as in memory: whoever set `seal` by hand does not skip the register.
        history = inspect(incident).attrs.seal.history
        stored = [*history.deleted, *history.unchanged]
        incident.seal = seal_of(key, incident)
        if not any(stored):
            session.info.setdefault(_NEWLY_SEALED, set()).add(incident.ref)


@event.listens_for(Session, "before_commit")
def _update_register_digest(session: Session) -> None:
    session.flush()
    refs = session.info.pop(_NEWLY_SEALED, None)
    if not refs:
        return
    key = session_key(session)
    row = session.scalar(select(RegisterSeal).where(RegisterSeal.id == REGISTER_ROW).with_for_update())
    if row is None and not _start_register(session, key, refs):
        return
    row = row or session.scalars(select(RegisterSeal).where(RegisterSeal.id == REGISTER_ROW).with_for_update()).one()
    row.digest = xor_digests(row.digest, *(register_member(key, ref) for ref in refs))
    row.key_check = row.key_check or key_check(key)
    row.updated_at = datetime.now(UTC)
    session.flush()


def _start_register(session: Session, key: bytes, refs: set[str]) -> bool:
    """The first seal in a database from before seals: start its register from the incidents sealed so
    far. If sealed incidents exist but the row does not, someone deleted it: leave it missing, so
    `breachbot timeline verify` keeps saying so, rather than bless what is there now."""
    sealed_before = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.seal.is_not(None), Incident.ref.not_in(refs))
    )
    if sealed_before:
        log.error("the register seal row is missing although incidents are sealed: run `breachbot timeline verify`")
        return False
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # Two first sealers at once: one insert wins, the other then adds its share to the winner's row.
    session.execute(
        dialect.insert(RegisterSeal)
        .values(id=REGISTER_ROW, digest=EMPTY_REGISTER, updated_at=datetime.now(UTC))
        .on_conflict_do_nothing()
    )
    return True


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_NEWLY_SEALED, None)
