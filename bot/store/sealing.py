"""Sealing incidents as they are written, and keeping the register seal in step.

Installed on every SQLAlchemy session. After each flush, every incident the flush wrote is read back
from the database (its row locked by that write) and sealed from what is stored (an HMAC over its key facts and
timeline head, domain/chain.py): a stale copy in memory can never seal values the row does not hold,
and no flow can forget to seal. The register_seal row keeps two XORs of keyed values: one per sealed
incident (a removed incident is found and named) and one per incident's current seal (an incident put
back to an earlier state is found). Each flush adds its change to a running XOR; the row is updated
once, at commit, after everything else, so its lock is the last one any flow takes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.domain.chain import (
    EMPTY_REGISTER,
    SEALED_FIELDS,
    incident_seal,
    key_check,
    register_member,
    state_digest,
    state_member,
    xor_digests,
)
from bot.store.models import Incident, RegisterSeal

log = logging.getLogger(__name__)

KEY_INFO = "timeline_key"
_CHANGES = "breachbot_register_changes"
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


def _scalar_defaults() -> dict[str, Any]:
    columns = Incident.__table__.c
    return {
        name: columns[name].default.arg  # type: ignore[union-attr]
        for name in SEALED_FIELDS
        if columns[name].default is not None and columns[name].default.is_scalar  # type: ignore[union-attr]
    }


# Looked up once: a register export seals-checks every incident, and the column lookups added up.
_SCALAR_DEFAULTS = _scalar_defaults()


def incident_values(incident: Any) -> dict[str, Any]:
    """The sealed fields of an Incident (or a row of the incident table), with the columns' own
    defaults for values not set yet, since the database will store those."""
    values = {}
    for name in SEALED_FIELDS:
        value = getattr(incident, name, None)
        if value is None:
            value = _SCALAR_DEFAULTS.get(name)
        values[name] = value
    return values


def seal_of(key: bytes, incident: Any) -> str:
    return incident_seal(key, incident_values(incident))


@event.listens_for(Session, "after_flush")
def _seal_written_incidents(session: Session, _context: Any) -> None:
    # new and dirty still list what this flush wrote (SQLAlchemy clears them after this hook).
    written = {obj.id: obj for obj in (*session.new, *session.dirty) if isinstance(obj, Incident)}
    if not written:
        return
    key = session_key(session)
    table = Incident.__table__
    # No FOR UPDATE: a row this flush changed is locked by that UPDATE already, and one it did not
    # change reads as its last writer sealed it, so it is left alone. Locking it here would add a lock
    # the flow never asked for, and with it deadlocks.
    stored = session.connection().execute(
        select(table.c.id, table.c.seal, *(table.c[name] for name in SEALED_FIELDS)).where(table.c.id.in_(written))
    )
    changes = session.info.setdefault(_CHANGES, _Changes())
    for row in stored:
        seal = seal_of(key, row)
        if seal != row.seal:
            session.connection().execute(update(table).where(table.c.id == row.id).values(seal=seal))
            changes.add(key, row.ref, row.seal, seal)
        set_committed_value(written[row.id], "seal", seal)


class _Changes:
    """What this transaction's flushes did to the register: refs sealed for the first time, and the
    XOR of every seal replaced and every seal written (a seal written then replaced cancels out)."""

    def __init__(self) -> None:
        self.first_sealed: set[str] = set()
        self.state = EMPTY_REGISTER

    def add(self, key: bytes, ref: str, old: str | None, new: str) -> None:
        if old is None:
            self.first_sealed.add(ref)
        else:
            self.state = xor_digests(self.state, state_member(key, ref, old))
        self.state = xor_digests(self.state, state_member(key, ref, new))


@event.listens_for(Session, "before_commit")
def _update_register_seal(session: Session) -> None:
    session.flush()
    changes: _Changes | None = session.info.pop(_CHANGES, None)
    if changes is None or (not changes.first_sealed and not int(changes.state, 16)):
        return
    key = session_key(session)
    row = _locked_register(session)
    if row is None:
        if not _start_register(session, key, changes):
            return
        row = _locked_register(session)
        assert row is not None
    row.digest = xor_digests(row.digest, *(register_member(key, ref) for ref in changes.first_sealed))
    row.state_digest = xor_digests(row.state_digest or EMPTY_REGISTER, changes.state)
    row.key_check = row.key_check or key_check(key)
    row.updated_at = datetime.now(UTC)
    session.flush()


def _locked_register(session: Session) -> RegisterSeal | None:
    return session.scalar(
        select(RegisterSeal)
        .where(RegisterSeal.id == REGISTER_ROW)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _start_register(session: Session, key: bytes, changes: _Changes) -> bool:
    """The first seal in a database from before seals: start its register from the incidents sealed
    before this transaction. If such incidents exist but the row does not, someone deleted it: leave it
    missing, so `breachbot timeline verify` keeps saying so, rather than bless what is there now."""
    sealed = session.execute(select(Incident.ref, Incident.seal).where(Incident.seal.is_not(None))).all()
    if any(ref not in changes.first_sealed for ref, _ in sealed):
        log.error("the register seal row is missing although incidents are sealed: run `breachbot timeline verify`")
        return False
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # Started as it stood before this transaction (nothing sealed), so that this transaction's changes
    # are then added like any other's. Two first sealers at once: one insert wins, the other adds to it.
    session.execute(
        dialect.insert(RegisterSeal)
        .values(id=REGISTER_ROW, digest=EMPTY_REGISTER, state_digest=EMPTY_REGISTER, updated_at=datetime.now(UTC))
        .on_conflict_do_nothing()
    )
    return True


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_CHANGES, None)


def register_state(key: bytes, incidents: list[Any]) -> str:
    """The state digest the register should hold for these incidents."""
    return state_digest(key, ((i.ref, i.seal) for i in incidents if i.seal is not None))
