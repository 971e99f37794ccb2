"""Every sentence of a draft is true of the record (issue 10 §2): the ICO is said to be told only once the
report is recorded; measures in place and encryption are what was said; the ENISA band never contradicts
the decision unexplained; letters to people use the account written for them, never the internal
description; advice fits the data; actions carry when they happened; "None" and "1 person" read right;
an unanswered fact never reads as a negative."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.notices import NOTICE_KINDS, PEOPLE_KINDS, render_notice
from tests.domain.test_notices import ANSWERS, FULL_ANSWERS, OUTCOMES, make_ctx, result, section

LETTERS = PEOPLE_KINDS
TOLD_ICO = re.compile(r"(have|has|we) told the (Information Commissioner|ICO)|told the Information Commissioner", re.I)


def all_drafts(**changes: Any) -> dict[str, str]:
    ctx = make_ctx(**changes)
    return {kind: render_notice(kind, ctx).markdown for kind in NOTICE_KINDS}


# --- the ICO is told only once the report is recorded ---------------------------------------------------


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_no_draft_says_the_ico_was_told_before_the_report_is_recorded(outcome: str) -> None:
    for kind, md in all_drafts(result=OUTCOMES[outcome][0], ico_reported_at=None).items():
        assert not TOLD_ICO.search(md), kind


def test_before_the_report_letters_say_what_is_planned_and_warn_the_dpo() -> None:
    notice = render_notice("individuals_notice", make_ctx(ico_reported_at=None))
    done = section(notice.markdown, "## What we have done")
    assert "We will report this breach to the Information Commissioner's Office (ICO)" in done
    assert any("ICO report is not recorded yet" in w for w in notice.warnings)


def test_after_the_report_letters_give_its_date_in_london_time() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: the letter must give 1 July.
    reported = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    ctx = make_ctx(
        aware_at=datetime(2026, 6, 29, 12, tzinfo=UTC),
        now=datetime(2026, 7, 2, 9, tzinfo=UTC),
        ico_reported_at=reported,
        result=result(True, True, exemption=None),
    )
    for kind in ("individuals_notice", "public_communication", "pecr_subscriber_notice"):
        notice = render_notice(kind, ctx)
        assert "We told the Information Commissioner's Office (ICO) on Wednesday 1 July 2026." in notice.markdown
        assert "will report" not in notice.markdown
        assert not any("ICO report is not recorded" in w for w in notice.warnings)
    ico = render_notice("ico_report", ctx).markdown
    assert "**Report type:** Follow-up report (first report made Wed 1 July 2026, 00:30 BST)" in ico


def test_people_told_only_once_recorded() -> None:
    before = section(render_notice("ico_report", make_ctx()).markdown, "## Telling people")
    assert "Not yet: we will tell them directly without undue delay." in before
    told = make_ctx(individuals_told_at=datetime(2026, 3, 28, 10, tzinfo=UTC), individuals_told_how="email to each")
    after = section(render_notice("ico_report", told).markdown, "## Telling people")
    assert "Yes: we told them on Saturday 28 March 2026 (email to each)." in after


# --- measures in place, and encryption said as it is ----------------------------------------------------


def test_unencrypted_data_is_said_as_exactly_that_and_measures_are_asked_for() -> None:
    for kind, md in all_drafts(result=OUTCOMES["processor"][0], measures_in_place=None).items():
        assert "No encryption or other protection" not in md, kind
    for kind in ("ico_report", "controller_notice"):
        notice = render_notice(kind, make_ctx(result=OUTCOMES["processor"][0], measures_in_place=None))
        assert "The data were not encrypted" in notice.markdown
        assert "security measures in place before the breach (access controls, policies, staff training)" in (
            notice.unknowns
        )
    measures = "Role-based access, MFA for staff, annual data protection training"
    md = render_notice("ico_report", make_ctx(measures_in_place=measures)).markdown
    assert measures in section(md, "### Measures in place before the breach")


# --- the ENISA band and the decision -------------------------------------------------------------------


def _ico(answers: dict[str, Any], band: str, risk: str) -> str:
    res = result(True, risk == "high", risk=risk)
    res["severity"] = {"score": 4.5 if band == "very_high" else 1.5, "band": band, "dpc": 3, "ei": 1, "cb": 1.5}
    return section(
        render_notice("ico_report", make_ctx(answers=answers, result=res)).markdown, "## Potential consequences"
    )


def test_a_contradicting_severity_is_never_shown_without_a_sentence_saying_why() -> None:
    unexplained = _ico({**ANSWERS, "exposure": "unknown", "recovered": False}, "very_high", "risk")
    assert "ENISA" not in unexplained and "very high" not in unexplained
    explained = _ico({**ANSWERS, "protection": "encrypted", "protection_intact": True}, "very_high", "risk")
    assert "**Severity score (ENISA method):** 4.5 (very high)" in explained
    assert "We judge the risk to people lower than the score alone suggests because the data were encrypted" in (
        explained
    )
    higher = _ico({**ANSWERS, "data_categories": ["special_health"], "subject_types": ["children"]}, "low", "high")
    assert "higher than the score alone suggests because the data include health data" in higher
    assert "the people affected include children" in higher


@pytest.mark.parametrize(
    ("risk", "scale"),
    [("high", "Likely"), ("risk", "Neutral (neither likely nor unlikely)"), ("unlikely", "Unlikely")],
)
def test_the_ico_forms_own_likelihood_scale(risk: str, scale: str) -> None:
    md = render_notice("ico_report", make_ctx(result=result(True, risk == "high", risk=risk))).markdown
    assert f"**How likely is it that people will experience significant consequences?** {scale}\n" in md


def test_internal_reasoning_is_not_in_the_letter_to_the_regulator() -> None:
    reasons = ["Taking these facts together, the triage engine says so (rules 2026.11-2)."]
    md = render_notice("ico_report", make_ctx(result=result(True, True, reasons=reasons, missing=["cause"]))).markdown
    assert reasons[0] not in md and "computed" not in md.lower() and "internal record" not in md


# --- letters to people: the account written for them -------------------------------------------------

INTERNAL = "Attackers used the unpatched VPN appliance to reach the order-export table and posted it on a leak site."
DISTINCTIVE = ("VPN appliance", "order-export table", "leak site", "unpatched")


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("public", [None, "Someone broke into one of our systems and copied a list of orders."])
def test_a_letter_to_people_never_contains_the_internal_description(outcome: str, public: str | None) -> None:
    ctx = make_ctx(description=INTERNAL, public_description=public, result=OUTCOMES[outcome][0])
    for kind in LETTERS:
        md = render_notice(kind, ctx).markdown
        assert not any(phrase.lower() in md.lower() for phrase in DISTINCTIVE), kind
        happened = section(md, "## What happened")
        if public:
            assert public in happened
        else:
            assert '[NOT YET KNOWN: what happened, in plain words for the people affected. Suggested: "' in happened
    assert INTERNAL in render_notice("ico_report", ctx).markdown  # the regulator reads the full account


_WORDS = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=7, max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(_WORDS, min_size=3, max_size=12, unique=True), kept=st.sets(st.sampled_from(sorted(ANSWERS))))
def test_no_distinctive_word_of_the_description_reaches_a_letter(words: list[str], kept: set[str]) -> None:
    ctx = make_ctx(description=" ".join(words), answers={k: ANSWERS[k] for k in kept}, public_description=None)
    for kind in LETTERS:
        md = render_notice(kind, ctx).markdown.lower()
        assert not [w for w in words if w in md], kind


def test_consequences_in_letters_are_written_to_the_reader() -> None:
    ico_words = "Customers may face fraudulent card payments."
    ctx = make_ctx(public_consequences=None, likely_consequences=ico_words)
    for kind in LETTERS:
        md = render_notice(kind, ctx).markdown
        assert ico_words not in md
        meaning = md[md.index("## What this could mean for") :].split("\n## ")[0]
        assert "Someone could try to use your bank or card details" in meaning
        assert "You may get emails, texts or calls that use your name" in meaning
    none_known = make_ctx(public_consequences=None, answers={**ANSWERS, "data_categories": []})
    md = render_notice("individuals_notice", none_known).markdown
    assert "[NOT YET KNOWN: what the breach could mean for the people affected, in plain words]" in md


# --- advice fits the data -------------------------------------------------------------------------------


def letter_for(*categories: str) -> str:
    return render_notice(
        "individuals_notice", make_ctx(answers={**ANSWERS, "data_categories": list(categories)})
    ).markdown


def test_identification_data_is_not_account_details_and_gets_identity_theft_advice() -> None:
    md = letter_for("identification_data")
    assert "account details" not in md and "Change your password" not in md
    assert "date of birth" in md and "National Insurance" in md
    assert "Check your credit file" in md and "Action Fraud" in md and "tell HMRC" in md


def test_card_details_lead_to_cancelling_the_card_and_action_fraud() -> None:
    md = letter_for("economic_financial")
    assert "ask your bank to cancel the card and send you a new one" in md
    assert "Action Fraud at actionfraud.police.uk or on 0300 123 2040" in md


def test_credentials_lead_to_changing_passwords_and_nothing_about_banks() -> None:
    md = letter_for("credentials")
    assert "Change your password" in md and "bank" not in md.lower()


# --- when things happened; "None"; plurals -------------------------------------------------------------


def test_actions_carry_when_they_happened() -> None:
    done = {"text": "Took the server offline", "at": datetime(2026, 3, 27, 10, 40, tzinfo=UTC), "planned": False}
    ctx = make_ctx(actions=(done,))
    assert "- Took the server offline (Fri 27 March 2026, 10:40 GMT)" in render_notice("ico_report", ctx).markdown
    letter = render_notice("individuals_notice", ctx).markdown
    assert "- Took the server offline (Friday 27 March 2026)" in letter


def test_a_fact_recorded_as_none_stays_none() -> None:
    md = render_notice("ico_report", make_ctx(others_told="None", staff_involved="None")).markdown
    assert "**Others told (police, other regulators, regulators abroad):** None\n" in md
    assert "training had they had?\n\nNone\n" in md


def test_one_person_reads_one_person() -> None:
    md = render_notice(
        "public_communication", make_ctx(answers={**ANSWERS, "subjects_count": 1}, result=OUTCOMES["exemption c"][0])
    ).markdown
    assert "1 person may be affected." in md and "1 people" not in md and "Up to 1 " not in md
    many = render_notice("public_communication", make_ctx(result=OUTCOMES["exemption c"][0])).markdown
    assert "Up to 1,200 people may be affected." in many


# --- an unanswered fact never renders as a negative ----------------------------------------------------

# For each answer or fact, what a draft would say if it were (wrongly) read as "no". None may appear while
# that answer or fact is not known.
NEGATIVES: dict[str, tuple[str, ...]] = {
    "protection": ("not encrypted", "No encryption", "no protection"),
    "recovered": ("deleted before misuse:** No", "recovered or deleted:** No"),
    "exposure": ("No one unauthorised saw",),
    "availability": ("stayed available",),
    "cyber_incident": ("cyber incident?** No",),
    "others_told": ("Nobody else", "regulators abroad):** None", "regulators abroad):** No"),
    "staff_involved": ("No member of staff", "had they had?\n\nNone", "had they had?\n\nNo"),
    "measures_in_place": ("no security", "No security", "training):** None"),
    "ico_reported_at": ("told the Information Commissioner", "told the ICO", "have told the"),
    "individuals_told_at": ("we told them on",),
    "controller_told_at": ("We first told you",),
    "media_coverage": ("Media coverage:** No",),
}
ANSWER_KEYS = sorted(FULL_ANSWERS)
FACT_KEYS = ["cyber_incident", "others_told", "staff_involved", "measures_in_place", "ico_reported_at",
             "individuals_told_at", "controller_told_at"]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    answered=st.sets(st.sampled_from(ANSWER_KEYS)),
    unknown_facts=st.sets(st.sampled_from(FACT_KEYS)),
    res=st.sampled_from([None, *(r for r, _ in OUTCOMES.values())]),
    pecr=st.booleans(),
)
def test_an_unanswered_fact_never_renders_as_a_negative(
    answered: set[str], unknown_facts: set[str], res: Any, pecr: bool
) -> None:
    known_facts = {
        "cyber_incident": True,
        "others_told": "The police (crime reference 123).",
        "staff_involved": "A payroll clerk, trained in March.",
        "measures_in_place": "MFA and access reviews.",
        "ico_reported_at": datetime(2026, 3, 28, 11, tzinfo=UTC),
        "individuals_told_at": datetime(2026, 3, 28, 12, tzinfo=UTC),
        "controller_told_at": datetime(2026, 3, 27, 15, tzinfo=UTC),
    }
    facts = {k: (None if k in unknown_facts else v) for k, v in known_facts.items()}
    ctx = make_ctx(
        answers={k: FULL_ANSWERS[k] for k in answered} | {"media_coverage": None},
        result=res,
        regimes=("uk-gdpr", "pecr") if pecr else ("uk-gdpr",),
        **facts,
    )
    unknown = (set(ANSWER_KEYS) - answered) | unknown_facts | {"media_coverage"}
    for kind in NOTICE_KINDS:
        md = render_notice(kind, ctx).markdown
        for key in unknown & set(NEGATIVES):
            said = [phrase for phrase in NEGATIVES[key] if phrase in md]
            assert not said, f"{kind}: {key} is not known but the draft says {said}"


def test_the_property_test_would_catch_the_old_wording() -> None:
    """The negatives table is not vacuous: a known "no" does render as its negative."""
    md = render_notice("ico_report", make_ctx(answers={**ANSWERS, "recovered": False}, cyber_incident=False)).markdown
    assert "deleted before misuse:** No" in md and "cyber incident?** No" in md
    assert "not encrypted" in md  # ANSWERS say protection "none"


def test_processor_context_does_not_change_what_letters_say_about_the_ico() -> None:
    ctx = dataclasses.replace(make_ctx(result=OUTCOMES["processor"][0]), controller_name="Northern Water plc")
    md = render_notice("controller_notice", ctx).markdown
    assert "33(4)" not in md and "33(5)" not in md and "Article 33(2)" in md


def test_letters_use_the_plain_account_of_what_was_done_when_given() -> None:
    jargon = {"text": "Closed the TR-069 endpoint and rotated PPPoE credentials", "at": None, "planned": False}
    as_recorded = render_notice("individuals_notice", make_ctx(actions=(jargon,), public_measures=None))
    assert jargon["text"] in as_recorded.markdown
    assert any("--public-measures" in w for w in as_recorded.warnings)
    plain = "We closed the way in and gave everyone a new router password."
    notice = render_notice("individuals_notice", make_ctx(actions=(jargon,), public_measures=plain))
    done = section(notice.markdown, "## What we have done")
    assert plain in done and jargon["text"] not in notice.markdown
    assert "We will report this breach to the Information Commissioner's Office (ICO)" in done
    assert not any("--public-measures" in w for w in notice.warnings)
    assert jargon["text"] in render_notice("ico_report", make_ctx(actions=(jargon,), public_measures=plain)).markdown


def test_a_fact_given_with_its_time_shows_it() -> None:
    told = datetime(2026, 3, 27, 16, tzinfo=UTC)
    md = render_notice("ico_report", make_ctx(others_told="Police", fact_times={"others_told": told})).markdown
    assert "regulators abroad):** Police (as of Fri 27 March 2026, 16:00 GMT)" in md
