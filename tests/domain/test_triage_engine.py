"""The triage engine's contract: strict answers, cautious gaps, the processor path and the result shape."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import fields
from importlib import resources
from typing import Any

import pytest

from bot.domain import triage
from bot.domain.triage import (
    QUESTIONS,
    RULES_VERSION,
    AnswersError,
    Severity,
    TriageAnswers,
    TriageResult,
    answers_to_dict,
    assess,
    parse_answers,
)

CONTRACT_KEYS = {
    "record",
    "notify_ico",
    "notify_individuals",
    "public_communication",
    "exemption",
    "severity",
    "reasons",
    "missing",
}
EXTRA_KEYS = {"risk", "role", "notify_controller", "rules_version", "regimes"}

# A breach with every answer given: health data of patients sent to the wrong outside organisation.
FULL = {
    "personal_data": True,
    "breach_types": ["confidentiality"],
    "cause": "accidental",
    "data_categories": ["basic_identifiers", "special_health"],
    "subject_types": ["patients"],
    "subjects_count": 25,
    "records_count": 25,
    "protection": "none",
    "protection_intact": False,
    "exposure": "known",
    "recovered": False,
    "availability": "not_affected",
    "impact_on_people": "minor",
    "mitigated": False,
    "disproportionate_effort": False,
}


def result_for(processor: bool = False, **answers: Any) -> TriageResult:
    return assess(parse_answers(answers), processor=processor)


# --- parse_answers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key", "words"),
    [
        pytest.param({"data_categorys": ["special_health"]}, "data_categorys", "unknown answer", id="unknown-key"),
        pytest.param(
            {"data_categories": ["heatlh"]}, "data_categories", "unknown category 'heatlh'", id="unknown-category"
        ),
        pytest.param(
            {"subject_types": ["kids"]}, "subject_types", "unknown subject type 'kids'", id="unknown-subject-type"
        ),
        pytest.param({"exposure": "everyone"}, "exposure", "unknown exposure 'everyone'", id="unknown-enum"),
        pytest.param({"subjects_count": -1}, "subjects_count", "must not be negative", id="negative-count"),
        pytest.param(
            {"records_count": 10**400},
            "records_count",
            "at most 1,000,000,000,000, got a number 401 digits long",
            id="count-too-large",
        ),
        pytest.param({"records_count": 2.5}, "records_count", "whole number", id="non-integer-count"),
        pytest.param({"subjects_count": "1200"}, "subjects_count", "whole number", id="count-as-string"),
        pytest.param({"subjects_count": True}, "subjects_count", "whole number", id="count-as-bool"),
        pytest.param({"personal_data": "yes"}, "personal_data", "true or false", id="bool-as-string"),
        pytest.param({"recovered": 1}, "recovered", "true or false", id="bool-as-int"),
        pytest.param({"data_categories": "special_health"}, "data_categories", "must be a list", id="list-as-string"),
        pytest.param({"cause": ["malicious"]}, "cause", "unknown cause", id="choice-as-list"),
        pytest.param(
            {"breach_types": ["confidentiality", 3]}, "breach_types", "unknown breach type 3", id="non-string-item"
        ),
    ],
)
def test_parse_answers_refuses_bad_input_naming_the_key(raw: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(raw)
    message = str(caught.value)
    assert caught.value.key == key
    assert message.startswith(f"{key}: ")
    assert words in message
    assert "\n" not in message


def test_answers_error_is_a_value_error_and_lists_what_is_allowed() -> None:
    with pytest.raises(ValueError, match=r"expected one of basic_identifiers, .*special_health"):
        parse_answers({"data_categories": ["heatlh"]})


def test_parse_answers_refuses_something_that_is_not_an_object() -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(["personal_data"])  # type: ignore[arg-type]
    assert caught.value.key == "answers"


def test_parse_answers_reads_nulls_as_not_known_and_ignores_repeated_ticks() -> None:
    parsed = parse_answers({"subjects_count": None, "data_categories": ["special_health", "special_health"]})
    assert parsed.subjects_count is None
    assert parsed.data_categories == ("special_health",)
    assert parse_answers({}) == TriageAnswers()


def test_answers_to_dict_round_trips_and_is_json() -> None:
    parsed = parse_answers(FULL)
    as_dict = answers_to_dict(parsed)
    assert as_dict == FULL
    assert parse_answers(json.loads(json.dumps(as_dict))) == parsed


def test_answers_to_dict_leaves_out_what_is_not_known() -> None:
    assert answers_to_dict(parse_answers({"cause": "unknown", "subjects_count": None})) == {"cause": "unknown"}


# --- cautious handling of gaps ----------------------------------------------------------------------------


def test_unknown_exposure_is_treated_as_unknown_recipients_and_listed() -> None:
    given = {k: v for k, v in FULL.items() if k != "exposure"}
    gap, worst = result_for(**given), result_for(**given, exposure="unknown")
    assert "exposure" in gap.missing
    assert (gap.risk, gap.notify_ico, gap.notify_individuals) == (worst.risk, True, True)
    assert any("not yet known who could have seen the data" in r for r in gap.reasons)


def test_unknown_protection_is_treated_as_none_and_listed() -> None:
    given = {k: v for k, v in FULL.items() if k not in ("protection", "protection_intact")}
    gap = result_for(**given)
    assert gap.risk == result_for(**given, protection="none").risk == "high"
    assert {"protection", "protection_intact"} <= set(gap.missing)
    assert any("treats them as unprotected" in r for r in gap.reasons)


def test_unknown_cause_counts_as_deliberate_until_ruled_out() -> None:
    basic = {
        **FULL,
        "data_categories": ["basic_identifiers"],
        "subject_types": ["customers"],
        "impact_on_people": "none",
    }
    accidental, unknown = result_for(**basic), result_for(**{**basic, "cause": "unknown"})
    assert (accidental.risk, unknown.risk) == ("unlikely", "risk")
    assert "cause" in unknown.missing
    assert any("cannot rule out a deliberate attack" in r for r in unknown.reasons)


def test_nothing_known_yet_leans_to_caution_and_lists_what_would_change_it() -> None:
    result = assess(TriageAnswers())
    assert result.notify_ico and result.risk == "high"
    assert {"personal_data", "data_categories", "exposure", "cause", "protection"} <= set(result.missing)
    assert any(r.startswith("Still to confirm") for r in result.reasons)


def test_missing_lists_only_answers_that_matter() -> None:
    assert result_for(**FULL).missing == ()
    # With no protection at all, whether a key was safe cannot change anything.
    no_key = result_for(**{k: v for k, v in FULL.items() if k != "protection_intact"})
    assert "protection_intact" not in no_key.missing
    # Records are not asked for once the number of people is known.
    assert "records_count" not in result_for(**{k: v for k, v in FULL.items() if k != "records_count"}).missing


def test_record_count_below_the_volume_threshold_rules_out_a_large_breach() -> None:
    base = {k: v for k, v in FULL.items() if k != "subjects_count"}
    base.update(data_categories=["economic_financial"], subject_types=["customers"], impact_on_people="none")
    few_records = result_for(**{**base, "records_count": 10})
    assert "subjects_count" not in few_records.missing
    assert "subjects_count" in result_for(**{**base, "records_count": 50_000}).missing


# --- decisions --------------------------------------------------------------------------------------------


def test_not_personal_data_is_recorded_only() -> None:
    result = result_for(personal_data=False, exposure="unknown", cause="malicious")
    assert (result.record, result.notify_ico, result.notify_individuals, result.risk) == (True, False, False, "none")
    assert result.missing == ()
    assert "not a personal data breach" in result.reasons[0]


def test_unlikely_risk_records_why_the_ico_is_not_told() -> None:
    result = result_for(**{**FULL, "exposure": "trusted", "recovered": True, "impact_on_people": "none"})
    assert result.risk == "unlikely" and not result.notify_ico
    assert any("does not require it to be reported to the ICO" in r and "recorded reason" in r for r in result.reasons)


def test_risk_means_the_ico_within_72_hours_but_not_individuals() -> None:
    result = result_for(**{**FULL, "data_categories": ["economic_financial"], "subject_types": ["customers"]})
    assert (result.risk, result.notify_ico, result.notify_individuals) == ("risk", True, False)
    assert any("72 hours" in r and "Art 33(1)" in r for r in result.reasons)


def test_high_risk_means_telling_individuals() -> None:
    result = result_for(**FULL)
    assert (result.risk, result.notify_ico, result.notify_individuals, result.exemption) == ("high", True, True, None)
    assert any("Art 34(1)" in r for r in result.reasons)


EFFORT_REASON = "The contact details are from 2009 and the practice closed; most addresses are out of date."


def test_disproportionate_effort_means_a_public_communication_instead() -> None:
    result = result_for(**{**FULL, "disproportionate_effort": True, "disproportionate_effort_reason": EFFORT_REASON})
    assert (result.notify_ico, result.notify_individuals, result.public_communication) == (True, False, True)
    assert result.exemption == "art34_3_c"
    assert any("public communication" in r and "Art 34(3)(c)" in r for r in result.reasons)
    assert any(EFFORT_REASON in r for r in result.reasons)  # the register holds why


def test_a_bare_yes_to_disproportionate_effort_while_contact_details_are_held_asks_why() -> None:
    # FULL's data include names and contact details: the exemption is not applied on a bare yes.
    result = result_for(**{**FULL, "disproportionate_effort": True})
    assert (result.notify_individuals, result.exemption, result.public_communication) == (True, None, False)
    assert "disproportionate_effort_reason" in result.missing
    assert any("say why" in r and "Art 34(3)(c)" in r for r in result.reasons)
    # Without contact details in the data, a bare yes is enough (e.g. none were ever held).
    health_only = {**FULL, "data_categories": ["special_health"], "disproportionate_effort": True}
    assert result_for(**health_only).exemption == "art34_3_c"
    # A reason too short to be one is not a reason.
    assert (
        result_for(**{**FULL, "disproportionate_effort": True, "disproportionate_effort_reason": "n/a"}).exemption
        is None
    )


def test_later_measures_exempt_telling_individuals() -> None:
    result = result_for(**{**FULL, "mitigated": True, "disproportionate_effort": True})
    assert (result.exemption, result.notify_individuals, result.public_communication) == ("art34_3_b", False, False)


def test_strong_encryption_alone_makes_the_breach_unlikely_to_be_a_risk() -> None:
    result = result_for(**{**FULL, "protection": "encrypted", "protection_intact": True, "impact_on_people": "none"})
    assert (result.risk, result.notify_ico, result.exemption) == ("unlikely", False, None)


def test_encryption_exempts_individuals_when_lost_access_still_needs_the_ico() -> None:
    result = result_for(
        **{
            **FULL,
            "protection": "encrypted",
            "protection_intact": True,
            "impact_on_people": "none",
            "breach_types": ["confidentiality", "availability"],
            "availability": "delayed",
        }
    )
    assert (result.risk, result.notify_ico, result.notify_individuals, result.exemption) == (
        "high",
        True,
        False,
        "art34_3_a",
    )


def test_broken_encryption_is_not_relied_on() -> None:
    encrypted = result_for(**{**FULL, "protection": "encrypted", "protection_intact": False})
    assert encrypted.risk == result_for(**FULL).risk == "high"
    assert any("cannot be relied on" in r for r in encrypted.reasons)


def test_significant_impact_makes_the_risk_high_even_if_not_very_likely() -> None:
    slow = {
        **FULL,
        "data_categories": ["basic_identifiers"],
        "subject_types": ["customers"],
        "breach_types": ["availability"],
        "exposure": "none",
        "availability": "delayed",
    }
    assert result_for(**{**slow, "impact_on_people": "none"}).risk == "unlikely"
    assert result_for(**{**slow, "impact_on_people": "significant"}).notify_individuals


# --- processor path ---------------------------------------------------------------------------------------


def test_processor_tells_the_controller_and_leaves_the_decision_to_it() -> None:
    controller, processor = result_for(**FULL), result_for(processor=True, **FULL)
    assert (processor.role, processor.notify_controller) == ("processor", True)
    assert (processor.notify_ico, processor.notify_individuals, processor.public_communication) == (False, False, False)
    assert processor.exemption is None
    assert processor.severity == controller.severity  # still useful to the controller
    assert "Art 33(2)" in processor.reasons[0] and "without undue delay" in processor.reasons[0]
    assert (controller.role, controller.notify_controller) == ("controller", False)


def test_processor_has_nothing_to_tell_without_personal_data() -> None:
    result = result_for(processor=True, personal_data=False)
    assert (result.notify_controller, result.risk) == (False, "none")


# --- severity ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(FULL, Severity(4.25, "very_high", 4.0, 1.0, 0.25), id="health-known-recipient"),
        pytest.param(
            {**FULL, "data_categories": ["other"], "subject_types": ["customers"]},
            Severity(1.0, "low", 1.0, 0.75, 0.25),
            id="no-identifiers",
        ),
        pytest.param(
            {
                **FULL,
                "protection": "pseudonymised",
                "protection_intact": True,
                "exposure": "unknown",
                "cause": "malicious",
            },
            Severity(3.0, "high", 4.0, 0.5, 1.0),
            id="pseudonymised",
        ),
    ],
)
def test_enisa_severity_is_dpc_times_ei_plus_cb(answers: dict[str, Any], expected: Severity) -> None:
    severity = result_for(**answers).severity
    assert severity == expected
    assert severity.score == pytest.approx(severity.dpc * severity.ei + severity.cb)


# --- result shape -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("processor", [False, True])
def test_to_dict_matches_the_contract(processor: bool) -> None:
    as_dict = result_for(processor=processor, **FULL).to_dict()
    assert set(as_dict) == CONTRACT_KEYS | EXTRA_KEYS
    assert set(as_dict["severity"]) == {"score", "band", "dpc", "ei", "cb"}
    assert isinstance(as_dict["reasons"], list) and isinstance(as_dict["missing"], list)
    assert as_dict["rules_version"] == RULES_VERSION
    assert json.loads(json.dumps(as_dict)) == as_dict


def test_reasons_are_plain_sentences_without_machine_keys() -> None:
    for answers in (FULL, {}, {**FULL, "disproportionate_effort": True}, {"personal_data": False}):
        for reason in result_for(**answers).reasons:
            assert reason[0].isupper() and reason.rstrip(")").endswith((".", ")")), reason
            assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", reason), reason


# --- rules and questions ----------------------------------------------------------------------------------


def _rules() -> dict[str, Any]:
    with resources.files("bot.rules").joinpath("triage.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_rules_version_comes_from_the_rules_file() -> None:
    assert _rules()["version"] == RULES_VERSION and RULES_VERSION


def test_every_rule_table_names_its_source() -> None:
    rules = _rules()
    for table in ("decision", "likelihood", "enisa", "assume"):
        assert rules[table]["source"], table
    assert rules["decision"]["impact_floor"]["source"]


CONTRACT_VALUES = {
    "breach_types": {"confidentiality", "integrity", "availability"},
    "cause": {"malicious", "accidental", "unknown"},
    "data_categories": {
        "basic_identifiers",
        "identification_data",
        "economic_financial",
        "official_documents",
        "location",
        "genetic_biometric",
        "criminal_offence",
        "credentials",
        "special_racial_ethnic",
        "special_political",
        "special_religious",
        "special_trade_union",
        "special_sex_life",
        "special_sexual_orientation",
        "special_health",
        "other",
    },
    "subject_types": {
        "employees",
        "users",
        "subscribers",
        "students",
        "customers",
        "prospective_customers",
        "patients",
        "children",
        "vulnerable_adults",
        "other",
    },
    "protection": {"none", "encrypted", "hashed", "pseudonymised"},
    "exposure": {"none", "trusted", "known", "unknown"},
    "availability": {"not_affected", "restored_quickly", "delayed", "lost"},
    "impact_on_people": {"none", "minor", "significant"},
}


def test_questions_cover_every_answer_within_slack_limits() -> None:
    groups = {"What data", "Whose data", "How many", "What happened to it", "What protected it"}
    assert [q.key for q in QUESTIONS] == [f.name for f in fields(TriageAnswers)]
    for q in QUESTIONS:
        assert q.group in groups and q.kind in {"bool", "choice", "multi", "count", "text"}, q.key
        assert 0 < len(q.label) <= 75 and 0 < len(q.help) <= 150, q.key
        assert all(0 < len(label) <= 75 for _, label in q.options), q.key
        if q.key in CONTRACT_VALUES:
            assert {value for value, _ in q.options} == CONTRACT_VALUES[q.key], q.key
        else:
            assert q.options == (), q.key


def test_a_rules_file_that_misses_an_option_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(triage._E["dpc"], "special_health")
    with pytest.raises(RuntimeError, match="data_categories option 'special_health' has no rule"):
        triage._check_rules()


def test_a_minor_inconvenience_alone_does_not_make_a_breach_reportable() -> None:
    # ENISA's "low" severity: people may meet a few inconveniences they overcome without problem.
    contained = {
        "personal_data": True, "breach_types": ["confidentiality"], "cause": "accidental",
        "data_categories": ["basic_identifiers"], "subject_types": ["employees"], "subjects_count": 1,
        "protection": "none", "exposure": "trusted", "recovered": True, "availability": "not_affected",
    }  # fmt: skip
    none = assess(parse_answers({**contained, "impact_on_people": "none"}))
    minor = assess(parse_answers({**contained, "impact_on_people": "minor"}))
    significant = assess(parse_answers({**contained, "impact_on_people": "significant"}))
    assert (none.notify_ico, minor.notify_ico) == (False, False)
    assert significant.notify_ico and significant.notify_individuals
    assert any("inconvenienced" in reason for reason in minor.reasons)
