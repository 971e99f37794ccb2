"""The timeline's hash chain, the incident seal and the register digest.

Each event's hash covers its own content and the previous event's hash, so editing or removing any
row changes every hash after it. Since scheme 2 the hash is an HMAC under a key kept outside the
database, so someone who can write to the database cannot recompute a chain they edited, append a
forged event or invent a new head. Scheme 1 (plain SHA-256, before keys) still verifies.

The incident's seal is an HMAC over the facts that matter on its record (title, times, status, the ICO
report, the timeline's head and length): an edit to the row, or a timeline wiped or cut back, no
longer matches it. The register digest is the XOR of a keyed value per sealed incident, so deleting a
whole incident (or stripping its seal) changes it, and the one missing reference can be named.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
PLAIN = 1  # SHA-256, unkeyed: timelines written before keys
KEYED = 2  # HMAC-SHA256 under the timeline key
EMPTY_REGISTER = "0" * 64

# What an incident's seal covers: the facts a register reader relies on, and the timeline's head.
SEALED_FIELDS = (
    "ref",
    "title",
    "aware_at",
    "occurred_at",
    "status",
    "next_deadline_at",
    "late",
    "ico_reported_at",
    "ico_case_ref",
    "closed_at",
    "close_outcome",
    "close_reason",
    "near_miss",
    "is_processor",
    "regimes",
    "delay_reasons",
    "timeline_count",
    "timeline_head",
)


# Exact types that are already canonical: checked first, and for each item before recursing into it, as
# nearly every value in a timeline is one (a register export canonicalises tens of thousands of events).
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _canonical(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k if type(k) is str else str(k): v if type(v) in _SCALARS else _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in _SCALARS else _canonical(v) for v in value]
    return value


def _body(value: Any) -> bytes:
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """Scheme 1: SHA-256 over canonical JSON (sorted keys, fixed separators): equal content, equal hash."""
    return hashlib.sha256(_body({"prev": prev_hash, "content": content})).hexdigest()


def keyed_event_hash(key: bytes, prev_hash: str, content: Mapping[str, Any]) -> str:
    """Scheme 2: the same canonical JSON, with the scheme named in it, under HMAC-SHA256."""
    return hmac.new(key, _body({"scheme": KEYED, "prev": prev_hash, "content": content}), hashlib.sha256).hexdigest()


def hash_for(scheme: int, key: bytes | None, prev_hash: str, content: Mapping[str, Any]) -> str | None:
    """The hash an event of `scheme` must have; None when it cannot be known (a keyed event, no key)."""
    if scheme == PLAIN:
        return event_hash(prev_hash, content)
    if scheme == KEYED and key is not None:
        return keyed_event_hash(key, prev_hash, content)
    return None


def sealed_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The seal's input from an incident's values, with times as aware UTC so that what was written and
    what the database hands back compare equal."""
    facts = {}
    for name in SEALED_FIELDS:
        value = values.get(name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC)
        facts[name] = value
    return facts


def incident_seal(key: bytes, values: Mapping[str, Any]) -> str:
    return hmac.new(key, _body({"seal": 1, "facts": sealed_facts(values)}), hashlib.sha256).hexdigest()


def register_member(key: bytes, ref: str) -> str:
    """One sealed incident's share of the register digest."""
    return hmac.new(key, _body({"register": 1, "ref": ref}), hashlib.sha256).hexdigest()


def state_member(key: bytes, ref: str, seal: str) -> str:
    """One sealed incident's share of the register's state digest: changes with every seal, so putting
    one incident back to an earlier (validly sealed) state no longer matches the register."""
    return hmac.new(key, _body({"state": 1, "ref": ref, "seal": seal}), hashlib.sha256).hexdigest()


def key_check(key: bytes) -> str:
    """A short value that says which key sealed a register, without revealing it: a wrong key is then
    reported as a wrong key, not as every event tampered with."""
    return hmac.new(key, b"breachbot timeline key check", hashlib.sha256).hexdigest()[:16]


def xor_digests(*digests: str) -> str:
    total = 0
    for digest in digests:
        total ^= int(digest, 16)
    return f"{total:064x}"


def register_digest(key: bytes, refs: Iterable[str]) -> str:
    return xor_digests(EMPTY_REGISTER, *(register_member(key, ref) for ref in refs))


def state_digest(key: bytes, seals: Iterable[tuple[str, str]]) -> str:
    return xor_digests(EMPTY_REGISTER, *(state_member(key, ref, seal) for ref, seal in seals))


@dataclass(frozen=True)
class ChainedEvent:
    seq: int
    prev_hash: str
    hash: str
    content: Mapping[str, Any]
    scheme: int = PLAIN


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    problem: str


def verify_chain(
    events: Iterable[ChainedEvent], *, head_hash: str | None, head_count: int, key: bytes | None = None
) -> list[ChainProblem]:
    """Every way the stored chain disagrees with itself or with the head kept on the incident."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    last_hash = GENESIS
    count = 0
    keyed_seen = False
    for event in sorted(events, key=lambda e: e.seq):
        count += 1
        if event.seq != expected_seq:
            missing = ", ".join(str(n) for n in range(expected_seq, event.seq)) or str(expected_seq)
            problems.append(ChainProblem(expected_seq, f"event {missing} is missing (removed?)"))
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.seq, f"event {event.seq} does not follow the event before it"))
        if event.scheme == PLAIN and keyed_seen:
            problems.append(
                ChainProblem(event.seq, f"event {event.seq} is unkeyed after keyed events (forged or rewritten)")
            )
        keyed_seen = keyed_seen or event.scheme == KEYED
        recomputed = hash_for(event.scheme, key, event.prev_hash, event.content)
        if recomputed is None:
            problems.append(
                ChainProblem(event.seq, f"event {event.seq} cannot be checked: unknown scheme or no timeline key")
            )
        elif not hmac.compare_digest(recomputed, event.hash):
            problems.append(
                ChainProblem(event.seq, f"event {event.seq} was changed or forged after it was written (hash mismatch)")
            )
        expected_prev = event.hash
        expected_seq = event.seq + 1
        last_hash = event.hash
    if count != head_count or (head_hash or GENESIS) != last_hash:
        problems.append(
            ChainProblem(
                None,
                f"the incident records {head_count} events ending in {str(head_hash)[:12]}, "
                f"but {count} are stored ending in {last_hash[:12]} (events removed or added?)",
            )
        )
    return problems
