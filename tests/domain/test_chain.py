"""The hash chain on plain values: any edit, removal or reordering is found."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.chain import GENESIS, ChainedEvent, event_hash, verify_chain


def build(n: int) -> list[ChainedEvent]:
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        content = {"seq": seq, "summary": f"event {seq}", "at": datetime(2026, 1, seq, tzinfo=UTC)}
        digest = event_hash(prev, content)
        events.append(ChainedEvent(seq=seq, prev_hash=prev, hash=digest, content=content))
        prev = digest
    return events


def test_an_intact_chain_verifies() -> None:
    events = build(4)
    assert verify_chain(events, head_hash=events[-1].hash, head_count=4) == []


def test_the_hash_ignores_key_order_but_not_content() -> None:
    assert event_hash(GENESIS, {"a": 1, "b": 2}) == event_hash(GENESIS, {"b": 2, "a": 1})
    assert event_hash(GENESIS, {"a": 1}) != event_hash(GENESIS, {"a": 2})
    assert event_hash(GENESIS, {"a": 1}) != event_hash("1" * 64, {"a": 1})


def test_an_edited_event_is_named() -> None:
    events = build(4)
    events[1] = replace(events[1], content={**events[1].content, "summary": "rewritten"})
    problems = verify_chain(events, head_hash=events[-1].hash, head_count=4)
    assert [p.seq for p in problems] == [2]
    assert "changed" in problems[0].problem


def test_a_removed_middle_event_is_named() -> None:
    events = build(4)
    del events[2]
    problems = verify_chain(events, head_hash=events[-1].hash, head_count=4)
    assert any(p.seq == 3 and "missing" in p.problem for p in problems)


def test_a_removed_last_event_is_caught_by_the_head() -> None:
    events = build(4)
    head = events[-1].hash
    problems = verify_chain(events[:-1], head_hash=head, head_count=4)
    assert problems and problems[-1].seq is None


def test_an_empty_chain_with_no_head_is_fine() -> None:
    assert verify_chain([], head_hash=None, head_count=0) == []
