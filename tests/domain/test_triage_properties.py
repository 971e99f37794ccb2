"""Properties the triage must keep for every combination of answers, not just the examples we thought of."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.triage import (
    QUESTIONS,
    RULES_VERSION,
    Question,
    TriageAnswers,
    TriageResult,
    answers_to_dict,
    assess,
    parse_answers,
)

ORDER = {"none": 0, "unlikely": 1, "risk": 2, "high": 3}
SPECIAL = [value for q in QUESTIONS if q.key == "data_categories" for value, _ in q.options if "special" in value]


def _strategy(q: Question) -> st.SearchStrategy[Any]:
    values = [value for value, _ in q.options]
    if q.kind == "bool":
        return st.booleans()
    if q.kind == "count":
        return st.integers(min_value=0, max_value=10_000_000)
    if q.kind == "choice":
        return st.sampled_from(values)
    if q.kind == "text":
        return st.sampled_from(["n/a", "The records are from 1998 and hold no current addresses."])
    return st.lists(st.sampled_from(values), unique=True).map(tuple)


ANSWERS = st.fixed_dictionaries({}, optional={q.key: st.none() | _strategy(q) for q in QUESTIONS}).map(
    lambda given: TriageAnswers(**given)
)


def rank(result: TriageResult) -> int:
    return ORDER[result.risk]


@given(ANSWERS, st.sampled_from(SPECIAL))
def test_adding_a_special_category_never_lowers_the_decision(answers: TriageAnswers, special: str) -> None:
    before = replace(answers, data_categories=answers.data_categories or ())
    after = replace(before, data_categories=tuple(dict.fromkeys((*before.data_categories, special))))
    assert rank(assess(after)) >= rank(assess(before))


@given(ANSWERS)
def test_adding_children_never_lowers_the_decision(answers: TriageAnswers) -> None:
    after = replace(answers, subject_types=tuple(dict.fromkeys((*(answers.subject_types or ()), "children"))))
    assert rank(assess(after)) >= rank(assess(answers))


@given(ANSWERS, st.integers(min_value=0, max_value=10_000_000), st.integers(min_value=1, max_value=10_000_000))
def test_more_people_never_lowers_the_decision(answers: TriageAnswers, count: int, more: int) -> None:
    fewer = replace(answers, subjects_count=count)
    assert rank(assess(replace(fewer, subjects_count=count + more))) >= rank(assess(fewer))


@given(ANSWERS)
def test_intact_strong_encryption_never_raises_the_decision(answers: TriageAnswers) -> None:
    protected = replace(answers, protection="encrypted", protection_intact=True)
    assert rank(assess(protected)) <= rank(assess(answers))
    assert assess(protected).severity.score <= assess(answers).severity.score


@given(ANSWERS, st.booleans())
def test_every_result_explains_itself_and_is_consistent(answers: TriageAnswers, processor: bool) -> None:
    result = assess(answers, processor=processor)
    assert result.record is True
    assert result.reasons and all(isinstance(r, str) and r.strip() for r in result.reasons)
    assert set(result.missing) <= {q.key for q in QUESTIONS}
    assert result.rules_version == RULES_VERSION
    if processor:
        assert not (result.notify_ico or result.notify_individuals or result.public_communication)
        assert result.notify_controller is (result.risk != "none")
    else:
        assert result.notify_ico is (result.risk in ("risk", "high"))
        assert result.notify_individuals is (result.risk == "high" and result.exemption is None)
        assert result.public_communication is (result.exemption == "art34_3_c")
        assert result.exemption is None or result.risk == "high"


@given(ANSWERS, st.booleans())
def test_results_are_deterministic(answers: TriageAnswers, processor: bool) -> None:
    first = assess(answers, processor=processor)
    again = assess(parse_answers(answers_to_dict(answers)), processor=processor)
    assert first == again
    assert first.to_dict() == again.to_dict()


@settings(max_examples=50)
@given(ANSWERS, st.booleans())
def test_to_dict_has_every_contract_key_with_the_right_type(answers: TriageAnswers, processor: bool) -> None:
    as_dict = assess(answers, processor=processor).to_dict()
    for key in ("record", "notify_ico", "notify_individuals", "public_communication", "notify_controller"):
        assert isinstance(as_dict[key], bool), key
    assert as_dict["exemption"] in (None, "art34_3_a", "art34_3_b", "art34_3_c")
    assert as_dict["risk"] in ORDER and as_dict["role"] in ("controller", "processor")
    assert isinstance(as_dict["rules_version"], str)
    severity = as_dict["severity"]
    assert set(severity) == {"score", "band", "dpc", "ei", "cb"}
    assert severity["band"] in ("low", "medium", "high", "very_high")
    assert all(isinstance(severity[k], float) for k in ("score", "dpc", "ei", "cb"))
    assert 1 <= severity["dpc"] <= 4 and severity["ei"] in (0.25, 0.5, 0.75, 1.0)
    assert all(isinstance(r, str) for r in as_dict["reasons"]) and isinstance(as_dict["missing"], list)
    assert json.loads(json.dumps(as_dict)) == as_dict


@given(ANSWERS)
def test_answers_round_trip_through_a_dict(answers: TriageAnswers) -> None:
    assert parse_answers(answers_to_dict(answers)) == answers
