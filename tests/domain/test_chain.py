"""The hash chain on plain values: any edit, removal or reordering is found."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

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


def test_the_hash_format_never_changes() -> None:
    """Chains and seals written by every earlier version must still verify: these hashes were computed by
    the version before the canonical form was made faster, from content with every kind of value in it
    (nested mappings, a tuple, a non-dict mapping, an int key, times in two zones, unicode)."""
    from types import MappingProxyType

    from bot.domain.chain import incident_seal, keyed_event_hash

    content = {
        "incident": "BR-2026-0001",
        "seq": 3,
        "at": datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        "actor": "U1",
        "kind": "assessed",
        "summary": "Triage v1: ünïcode “quotes” & <tags>",
        "before": None,
        "after": {
            "version": 1,
            "answers": {
                "subjects_count": 300,
                "ratio": 0.5,
                "recovered": False,
                "tags": ("a", "b"),
                "nested": [
                    {"z": 1, "a": [1, 2.5, None, True]},
                    MappingProxyType({"k": datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=1)))}),
                ],
                7: "int key",
            },
        },
    }
    key = b"golden-key-0123456789abcdef012345"
    assert event_hash(GENESIS, content) == "d4d841408755d06bbb4e3c9e912fcc693a29dfa73393020f089389e90f8dd085"
    assert keyed_event_hash(key, "ab" * 32, content) == (
        "da240bf2f1c7574ba647a1f80a6a9b7591ee8c8d9f5c1769cc22395dd6cd3256"
    )
    facts = {
        "ref": "BR-1",
        "aware_at": datetime(2026, 11, 23, 10, tzinfo=UTC),
        "regimes": ["uk-gdpr", "pecr"],
        "near_miss": False,
    }
    assert incident_seal(key, facts) == "6a5ee7c1e327b2a6c45b47d0e9906cb5cd6702d72bfeef072ccde4252351777a"
