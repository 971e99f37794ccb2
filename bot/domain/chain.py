"""The timeline's hash chain.

Each event's hash covers its own content and the previous event's hash, so editing or removing any
row changes every hash after it. The incident keeps the hash and count of its newest event, which
catches the removal of the last event too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 over canonical JSON (sorted keys, fixed separators): equal content, equal hash."""
    body = json.dumps(
        {"prev": prev_hash, "content": _canonical(content)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainedEvent:
    seq: int
    prev_hash: str
    hash: str
    content: Mapping[str, Any]


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    problem: str


def verify_chain(events: Iterable[ChainedEvent], *, head_hash: str | None, head_count: int) -> list[ChainProblem]:
    """Every way the stored chain disagrees with itself or with the head kept on the incident."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    last_hash = GENESIS
    count = 0
    for event in sorted(events, key=lambda e: e.seq):
        count += 1
        if event.seq != expected_seq:
            missing = ", ".join(str(n) for n in range(expected_seq, event.seq)) or str(expected_seq)
            problems.append(ChainProblem(expected_seq, f"event {missing} is missing (removed?)"))
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.seq, f"event {event.seq} does not follow the event before it"))
        recomputed = event_hash(event.prev_hash, event.content)
        if recomputed != event.hash:
            problems.append(
                ChainProblem(event.seq, f"event {event.seq} was changed after it was written (hash mismatch)")
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
