"""PECR reg 5A is its own regime: every personal data breach is reported to the ICO, subscribers are told on a
lower bar than high risk, one notice to people, the ICO's PECR form; and what each other regime requires."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings

from bot.domain.notices import applicable_kinds, render_notice
from bot.domain.triage import TriageResult, assess, parse_answers
from tests.domain.test_notices import make_ctx, section
from tests.domain.test_triage_properties import ANSWERS

# A wrong-number text: one subscriber's name went to another subscriber, who deleted it. Unlikely to be a risk.
UNLIKELY = {
    "personal_data": True,
    "breach_types": ["confidentiality"],
    "cause": "accidental",
    "data_categories": ["basic_identifiers"],
    "subject_types": ["subscribers"],
    "subjects_count": 1,
    "records_count": 1,
    "exposure": "trusted",
    "recovered": True,
    "protection": "none",
    "availability": "not_affected",
    "impact_on_people": "none",
}
# 400 subscribers' names and numbers copied by an attacker: a risk to them, not a high one.
CALL_RECORDS = {
    **UNLIKELY,
    "cause": "malicious",
    "subjects_count": 400,
    "records_count": 400,
    "exposure": "unknown",
    "recovered": False,
}
NOT_REPORTABLE = re.compile(r"\b(not|no need)\b[^.]{0,40}\b(report|reported|reportable)\b", re.I)


def triage(answers: dict[str, Any], *regimes: str, processor: bool = False) -> TriageResult:
    chosen = {"regimes": regimes} if regimes else {}  # none: the default, UK GDPR
    return assess(parse_answers(answers), processor=processor, **chosen)


def entry(result: TriageResult, regime: str) -> dict[str, Any]:
    return next(e for e in result.to_dict()["regimes"] if e["regime"] == regime)


def test_pecr_reports_a_breach_unlikely_to_be_a_risk() -> None:
    uk = triage(UNLIKELY)
    assert (uk.risk, uk.notify_ico) == ("unlikely", False)  # UK GDPR alone: record only
    assert any(NOT_REPORTABLE.search(reason) for reason in uk.reasons)  # the pattern catches the UK GDPR words
    pecr = triage(UNLIKELY, "pecr")
    assert (pecr.notify_ico, pecr.notify_individuals) == (True, False)
    assert entry(pecr, "pecr")["notify_ico"] is True
    assert not any(NOT_REPORTABLE.search(reason) for reason in pecr.reasons)
    assert any("reg 5A(2)" in r and "no risk threshold" in r and "where feasible" in r for r in pecr.reasons)
    assert any("reg 5A(8)" in r for r in pecr.reasons)  # the breach log, in place of the UK GDPR register
    assert not any("Art 33(5)" in r for r in pecr.reasons)
    assert any("Art 33(5)" in r for r in triage(UNLIKELY, "uk-gdpr", "eidas").reasons)


def test_every_regime_entry_has_the_contract_keys_and_the_top_level_is_any_regime() -> None:
    result = triage(CALL_RECORDS, "uk-gdpr", "pecr", "eidas", "nis").to_dict()
    assert [e["regime"] for e in result["regimes"]] == ["uk-gdpr", "pecr", "eidas", "nis"]
    for e in result["regimes"]:
        assert {"regime", "notify_ico", "notify_individuals", "test", "reasons"} <= set(e)
        assert isinstance(e["test"], str) and e["test"] and e["reasons"]
    assert result["notify_ico"] == any(e["notify_ico"] for e in result["regimes"])
    assert result["notify_individuals"] == any(e["notify_individuals"] for e in result["regimes"])
    assert triage(UNLIKELY).to_dict()["regimes"][0]["regime"] == "uk-gdpr"  # the default regime


def test_subscribers_are_told_on_an_adverse_effect_a_lower_bar_than_high_risk() -> None:
    uk = triage(CALL_RECORDS)
    assert (uk.risk, uk.notify_individuals) == ("risk", False)
    pecr = triage(CALL_RECORDS, "pecr")
    assert (pecr.notify_ico, pecr.notify_individuals) == (True, True)
    assert any("adversely affect" in r and "reg 5A(3)" in r for r in entry(pecr, "pecr")["reasons"])


def test_unintelligible_data_excuse_the_subscriber_notice_and_say_so() -> None:
    encrypted = {**CALL_RECORDS, "protection": "encrypted", "protection_intact": True}
    pecr = triage(encrypted, "pecr")
    e = entry(pecr, "pecr")
    assert pecr.notify_ico is True  # the ICO is still told of every breach
    assert (e["notify_individuals"], e["exemption"]) == (False, "unintelligible")
    assert any("reg 5A(6)" in r and "unintelligible" in r for r in e["reasons"])


def test_pecr_has_no_later_measures_or_disproportionate_effort_exemption() -> None:
    high = {**CALL_RECORDS, "data_categories": ["special_health"], "mitigated": True}
    assert triage(high).exemption == "art34_3_b"
    pecr = triage(high, "pecr")
    assert (pecr.notify_individuals, pecr.exemption) == (True, None)
    assert any("no exemption for measures taken after the breach" in r for r in pecr.reasons)


def test_uk_gdpr_gives_way_to_pecr_for_a_breach_in_connection_with_the_service() -> None:
    both = triage(UNLIKELY, "uk-gdpr", "pecr")
    uk = entry(both, "uk-gdpr")
    assert (uk["notify_ico"], uk["notify_individuals"], uk["displaced_by"]) == (False, False, "pecr")
    assert any("Art 95" in r for r in uk["reasons"])
    assert both.notify_ico is True
    assert not any(NOT_REPORTABLE.search(reason) for reason in both.reasons)
    exempt = {**CALL_RECORDS, "data_categories": ["special_health"], "disproportionate_effort": True}
    assert triage(exempt, "uk-gdpr", "pecr").public_communication is False  # PECR has no Art 34(3)(c)


def test_eidas_and_nis_decide_on_their_own_tests() -> None:
    eidas = entry(triage(CALL_RECORDS, "eidas"), "eidas")
    assert (eidas["notify_ico"], eidas["notify_individuals"]) == (True, True)
    assert any("24 hours" in r and "Art 19(2)" in r for r in eidas["reasons"])
    assert entry(triage(UNLIKELY, "eidas"), "eidas")["notify_ico"] is False
    nis_down = entry(triage({**UNLIKELY, "breach_types": ["availability"], "availability": "delayed"}, "nis"), "nis")
    assert (nis_down["notify_ico"], nis_down["notify_individuals"]) == (True, False)
    nis_fine = entry(triage(CALL_RECORDS, "nis"), "nis")
    assert nis_fine["notify_ico"] is False and any("continuity" in r for r in nis_fine["reasons"])


def test_not_personal_data_is_reported_under_no_regime() -> None:
    result = triage({"personal_data": False}, "pecr", "eidas")
    assert (result.notify_ico, result.notify_individuals) == (False, False)


def test_a_processor_tells_the_controller_under_every_regime() -> None:
    result = triage(CALL_RECORDS, "pecr", processor=True)
    assert (result.notify_ico, result.notify_individuals, result.notify_controller) == (False, False, True)
    # The processor clock as a regime of its own says what it requires, even on the controller path.
    [alone] = triage(CALL_RECORDS, "processor").to_dict()["regimes"]
    assert alone["notify_ico"] is False and any("Art 33(2)" in r for r in alone["reasons"])


# --- drafts -------------------------------------------------------------------------------------------------


def pecr_ctx(answers: dict[str, Any], *regimes: str, **changes: Any) -> Any:
    regimes = regimes or ("pecr",)
    computed = triage(answers, *regimes).to_dict()
    return make_ctx(regimes=regimes, answers=answers, result=computed, **changes)


def test_an_unlikely_pecr_breach_still_drafts_the_ico_report_on_the_pecr_form() -> None:
    ctx = pecr_ctx(UNLIKELY)
    assert applicable_kinds(ctx) == ("ico_report",)
    md = render_notice("ico_report", ctx).markdown
    assert "under PECR" in md.splitlines()[0]
    assert "PECR reg 5A(2)" in md and "611/2013 Annex I" in md and "as it has effect in the UK" in md
    assert not NOT_REPORTABLE.search(md)
    # Annex I section 1: the provider and its contact point; when it happened (or an estimate) and was detected.
    assert "## About you (the service provider)" in md and "Who should we contact?" in md
    when = section(md, "## When")
    assert "When the breach occurred (or our best estimate):** Fri 27 March 2026, 09:00 GMT" in when
    assert "When we detected it (became aware):** Fri 27 March 2026, 12:00 GMT" in when
    assert "(72 hours, PECR reg 5A(2)):** Mon 30 March 2026, 13:00 BST" in when
    assert "### Nature and content of the personal data concerned" in md
    assert "Circumstances of the breach" in md
    # The UK GDPR form's parts and its internal reasoning are not in the PECR draft.
    assert "Art 33" not in md and "ENISA" not in md


def test_a_late_pecr_notification_gives_reasons_under_reg_5a_3a() -> None:
    ctx = pecr_ctx(UNLIKELY, late=True, delay_reasons="The text log was only checked on Monday.")
    delay = section(render_notice("ico_report", ctx).markdown, "### Reasons for the delay")
    assert "PECR reg 5A(3A)" in delay and "The text log was only checked on Monday." in delay


def test_the_pecr_draft_asks_the_ico_to_accept_unintelligible_data() -> None:
    ctx = pecr_ctx({**CALL_RECORDS, "protection": "encrypted", "protection_intact": True})
    assert applicable_kinds(ctx) == ("ico_report",)
    md = render_notice("ico_report", ctx).markdown
    assert "reg 5A(6)" in md and "Not at present: the data were unintelligible" in md


@pytest.mark.parametrize("regimes", [("pecr",), ("uk-gdpr", "pecr")])
def test_a_high_risk_pecr_breach_gets_exactly_one_notice_to_people(regimes: tuple[str, ...]) -> None:
    high = {**CALL_RECORDS, "data_categories": ["special_health", "basic_identifiers"]}
    ctx = pecr_ctx(high, *regimes)
    assert ctx.result["risk"] == "high"
    assert applicable_kinds(ctx) == ("ico_report", "pecr_subscriber_notice")
    tell = section(render_notice("ico_report", ctx).markdown, "## Notifying subscribers and users (PECR reg 5A(3))")
    assert "Yes: the breach is likely to adversely affect" in tell


def test_a_pecr_breach_below_high_risk_still_gets_the_subscriber_notice() -> None:
    assert applicable_kinds(pecr_ctx(CALL_RECORDS)) == ("ico_report", "pecr_subscriber_notice")
    assert applicable_kinds(pecr_ctx(CALL_RECORDS, "uk-gdpr")) == ("ico_report",)


def test_a_pecr_override_decides_telling_people_but_not_the_ico_report() -> None:
    override = {"notify_ico": False, "notify_individuals": False, "reason": "x" * 30, "by": "DPO", "at": None}
    assert applicable_kinds(pecr_ctx(CALL_RECORDS, override=override)) == ("ico_report",)


@pytest.mark.parametrize(
    ("regimes", "hours", "due"),
    [
        (("uk-gdpr",), 72, "Mon 30 March 2026, 13:00 BST"),
        (("uk-gdpr", "eidas"), 24, "Sat 28 March 2026, 12:00 GMT"),
        (("eidas",), 24, "Sat 28 March 2026, 12:00 GMT"),
    ],
)
def test_the_ico_draft_shows_the_incidents_own_clock(regimes: tuple[str, ...], hours: int, due: str) -> None:
    ctx = make_ctx(regimes=regimes, now=datetime(2026, 3, 28, 9, tzinfo=UTC))
    when = section(render_notice("ico_report", ctx).markdown, "### When")
    assert f"Deadline for reporting ({hours} hours" in when and f"):** {due}" in when


def test_a_report_after_the_24_hour_eidas_clock_is_late_and_asks_for_reasons() -> None:
    ctx = make_ctx(regimes=("uk-gdpr", "eidas"), now=datetime(2026, 3, 28, 13, tzinfo=UTC))
    md = render_notice("ico_report", ctx).markdown
    assert "(passed)" in md and "more than 24 hours after we became aware" in md


# --- triage calibration (issue 10, section 4) ---------------------------------------------------------------


def test_ransomware_on_data_encrypted_at_rest_restored_from_backup_is_record_only_even_with_integrity() -> None:
    # EDPB Guidelines 01/2021 case 1: encrypted at rest to a state-of-the-art standard, key safe, restored from a
    # known-good backup within hours, logs show nothing taken: internal record only.
    case1 = {
        "personal_data": True,
        "data_categories": ["basic_identifiers", "economic_financial"],
        "subject_types": ["employees", "customers"],
        "subjects_count": 50,
        "breach_types": ["availability", "integrity"],
        "cause": "malicious",
        "exposure": "none",
        "availability": "restored_quickly",
        "protection": "encrypted",
        "protection_intact": True,
        "impact_on_people": "none",
    }
    result = triage(case1)
    assert (result.notify_ico, result.notify_individuals) == (False, False)
    assert any("restored from a backup" in r for r in result.reasons)
    # Altered data still in use is another matter.
    assert triage({**case1, "availability": "not_affected"}).notify_ico is True


def test_a_stolen_encrypted_laptop_is_not_excused_by_art_34_3_a() -> None:
    # Art 34(3)(a) only excuses telling people; the ICO report turns on Art 33(1) (EDPB 01/2021 case 6).
    laptop = {**CALL_RECORDS, "protection": "encrypted", "protection_intact": True}
    result = triage(laptop)
    assert result.notify_ico is False
    assert not any("34(3)(a)" in reason for reason in result.reasons), result.reasons


@settings(max_examples=150, deadline=None)
@given(ANSWERS)
def test_art_34_3_a_is_never_a_reason_not_to_notify_the_ico(answers: Any) -> None:
    for chosen in ({}, {"regimes": ("uk-gdpr", "pecr")}):
        result = assess(answers, **chosen)
        if not result.notify_ico:
            assert not any("34(3)(a)" in reason for reason in result.reasons), result.reasons


@settings(max_examples=150, deadline=None)
@given(ANSWERS)
def test_every_72_hour_sentence_says_where_feasible_and_giving_reasons_if_later(answers: Any) -> None:
    for reason in assess(answers).reasons:
        if "72 hours" in reason and "report" in reason:
            assert "where feasible" in reason and "giving reasons if later" in reason, reason


def test_the_high_risk_texts_say_where_feasible_and_giving_reasons_if_later() -> None:
    high = {**CALL_RECORDS, "data_categories": ["special_health"]}
    for answers in (high, {**high, "mitigated": True}):
        text = " ".join(triage(answers).reasons)
        assert "where feasible, within 72 hours" in text and "giving reasons if later" in text


def test_regimes_are_checked() -> None:
    from bot.domain.regime_triage import UnknownTriageRegime

    with pytest.raises(UnknownTriageRegime, match="unknown regime 'gdpr'"):
        triage(UNLIKELY, "gdpr")
    assert dataclasses.is_dataclass(triage(UNLIKELY).regimes[0])


def test_each_regime_in_words() -> None:
    from bot.domain.decision import regime_words

    both = triage(UNLIKELY, "uk-gdpr", "pecr").to_dict()["regimes"]
    assert [regime_words(e) for e in both] == [
        "UK GDPR: gives way to PECR for this breach",
        "PECR: report to the regulator; people need not be told",
    ]
    processor = triage(UNLIKELY, "pecr", processor=True).to_dict()["regimes"][0]
    assert regime_words(processor, processor=True).startswith("PECR: tell the controller")
