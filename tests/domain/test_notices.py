"""Notice drafts: the legal minimum content per outcome, unknowns, the sandbox, plain English, and the
personal-data warning on the ICO draft."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import textstat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.notices import (
    NOTICE_KINDS,
    NoticeContext,
    OrgDetails,
    TemplateProblem,
    applicable_kinds,
    render_notice,
)

ORG = OrgDetails(
    name="Acme Energy Ltd",
    ico_registration="ZA123456",
    address="1 High Street, Leeds LS1 4AB",
    dpo_name="Priya Shah",
    dpo_email="dpo@acme.example",
    dpo_phone="0113 496 0000",
    dpo_address=None,
    is_processor=False,
)
ANSWERS: dict[str, Any] = {
    "personal_data": True,
    "breach_types": ["confidentiality"],
    "cause": "accidental",
    "data_categories": ["basic_identifiers", "economic_financial"],
    "subject_types": ["customers"],
    "subjects_count": 1200,
    "records_count": 5000,
    "protection": "none",
    "exposure": "known",
    "recovered": False,
}
TAKEN = {
    "text": "We asked everyone who got the email to delete it.",
    "at": datetime(2026, 3, 27, 13, tzinfo=UTC),
    "by": "Sam Jones",
    "planned": False,
}
PLANNED = {"text": "We will check mailing lists before each send.", "at": None, "by": None, "planned": True}
DESCRIPTION = "An email to our customers went to the wrong list. It showed the email addresses of other customers."
CONSEQUENCES = "Customers may get more scam emails; someone could try to trick them into paying."
PUBLIC_ACCOUNT = "On 27 March we sent an email to the wrong list of customers. It showed your email address to them."
FOR_YOU = "You may get more scam emails. Someone could try to trick you into paying them."


def result(ico: bool, individuals: bool, exemption: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "record": True,
        "notify_ico": ico,
        "notify_individuals": individuals,
        "public_communication": exemption == "art34_3_c",
        "exemption": exemption,
        "severity": {"score": 2.25, "band": "medium", "dpc": 1, "ei": 1.0, "cb": 1.25},
        "reasons": ["Contact details went to people outside the organisation."],
        "missing": [],
        "risk": "high" if individuals or exemption else "risk",
        "role": "controller",
        **extra,
    }


def make_ctx(**changes: Any) -> NoticeContext:
    base = NoticeContext(
        org=ORG,
        ref="BR-2026-007",
        title="Email sent to the wrong list",
        description=DESCRIPTION,
        discovered_how="A customer told us.",
        reported_by="Sam Jones",
        occurred_at=datetime(2026, 3, 27, 9, tzinfo=UTC),
        aware_at=datetime(2026, 3, 27, 12, tzinfo=UTC),
        now=datetime(2026, 3, 28, 9, tzinfo=UTC),
        regimes=("uk-gdpr",),
        controller_name=None,
        late=False,
        delay_reasons=None,
        ico_case_ref=None,
        answers=ANSWERS,
        result=result(True, True),
        assessment_version=2,
        override=None,
        actions=(TAKEN, PLANNED),
        likely_consequences=CONSEQUENCES,
        staff_involved="No member of staff was at fault.",
        cyber_incident=False,
        others_told="Nobody else.",
        public_description=PUBLIC_ACCOUNT,
        public_consequences=FOR_YOU,
    )
    return dataclasses.replace(base, **changes)


OUTCOMES = {
    "record only": (result(False, False), ()),
    "ICO only": (result(True, False), ("ico_report",)),
    "ICO and individuals": (result(True, True), ("ico_report", "individuals_notice")),
    "exemption a": (result(True, False, "art34_3_a"), ("ico_report",)),
    "exemption b": (result(True, False, "art34_3_b"), ("ico_report",)),
    "exemption c": (result(True, False, "art34_3_c"), ("ico_report", "public_communication")),
    "processor": (result(False, False, role="processor"), ("controller_notice",)),
}


def section(markdown: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or higher level."""
    level = heading.split(" ")[0]
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^#{{1,{len(level)}}} |\Z)", markdown, re.M | re.S)
    assert match, f"missing section {heading!r}"
    return match.group(1)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_applicable_kinds_follow_the_outcome(outcome: str) -> None:
    res, expected = OUTCOMES[outcome]
    assert applicable_kinds(make_ctx(result=res)) == expected


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_ico_report_holds_every_art_33_3_element(outcome: str) -> None:
    md = render_notice("ico_report", make_ctx(result=OUTCOMES[outcome][0])).markdown
    data = section(md, "## Personal data and people involved")
    assert "### What happened" in md and DESCRIPTION in section(md, "### What happened")  # (a) nature
    assert "Confidentiality" in section(md, "### Nature of the breach")
    assert "Basic personal identifiers" in data and "Economic and financial data" in data  # (a) categories
    assert "people affected:** 1,200" in data and "records:** 5,000" in data  # (a) numbers
    assert "Customers" in data
    contact = section(md, "### Data protection officer or other contact point")  # (b)
    assert "Priya Shah" in contact and "dpo@acme.example" in contact and "0113 496 0000" in contact
    assert CONSEQUENCES in section(md, "### Likely consequences for the people affected")  # (c)
    containment = section(md, "## Containment and recovery")  # (d) taken and proposed
    assert TAKEN["text"] in containment and PLANNED["text"] in containment
    parts = [
        "## Report type",
        "## Your organisation",
        "## About the breach",
        "## Personal data and people",
        "## Potential consequences",
        "## Cyber incident",
        "## Containment and recovery",
        "## Telling people",
    ]
    assert [md.index(p) for p in parts] == sorted(md.index(p) for p in parts), "ICO form order"


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("kind", ["individuals_notice", "public_communication", "pecr_subscriber_notice"])
def test_notices_to_people_hold_every_art_34_2_element(outcome: str, kind: str) -> None:
    md = render_notice(kind, make_ctx(result=OUTCOMES[outcome][0])).markdown
    happened = section(md, "## What happened")
    assert PUBLIC_ACCOUNT in happened and DESCRIPTION not in md
    assert FOR_YOU in md and CONSEQUENCES not in md and "## What this could mean for" in md
    assert TAKEN["text"] in section(md, "## What we have done")
    contact = md[md.index("## Contact us") if "## Contact us" in md else md.index("## Where to get more") :]
    assert "Priya Shah" in contact and "dpo@acme.example" in contact
    steps = md[md.index("## What you can do") if "## What you can do" in md else md.index("## What we recommend") :]
    assert "Check your bank and card statements" in steps  # fits financial data
    assert "Be careful with emails, texts and calls" in steps  # fits contact details


def test_advice_fits_credentials() -> None:
    answers = {**ANSWERS, "data_categories": ["credentials"]}
    md = render_notice("individuals_notice", make_ctx(answers=answers)).markdown
    assert "Change your password" in md and "Check your bank" not in md


def test_controller_notice_for_a_processor() -> None:
    ctx = make_ctx(result=OUTCOMES["processor"][0], controller_name="Northern Water plc")
    md = render_notice("controller_notice", ctx).markdown
    assert md.startswith("# Personal data breach notice to Northern Water plc")
    assert "Article 33(2)" in md and "33(4)" not in md and "33(5)" not in md and "without undue delay" in md
    assert "Basic personal identifiers" in section(md, "## Your data and the people involved")
    assert "Priya Shah" in section(md, "## Contact point") and TAKEN["text"] in section(md, "## What we have done")
    assert "processor" in render_notice("ico_report", ctx).warnings[-1]


def test_not_yet_triaged_leans_to_caution() -> None:
    assert applicable_kinds(make_ctx(result=None)) == ("ico_report",)
    processor = make_ctx(result=None, org=dataclasses.replace(ORG, is_processor=True))
    assert applicable_kinds(processor) == ("ico_report", "controller_notice")
    notice = render_notice("ico_report", make_ctx(result=None, assessment_version=None))
    assert "how likely significant consequences are (risk assessment)" in notice.unknowns
    assert "not been assessed" in notice.warnings[0]


def test_override_wins_and_is_shown_beside_the_computed_decision() -> None:
    override = {
        "notify_ico": True,
        "notify_individuals": False,
        "reason": "Only work addresses went out.",
        "by": "Priya Shah",
        "at": datetime(2026, 3, 28, 10, tzinfo=UTC),
    }
    ctx = make_ctx(override=override)
    assert applicable_kinds(ctx) == ("ico_report",)
    md = render_notice("ico_report", ctx).markdown
    # The reasoning behind the decision is the register's; the regulator reads the decision and the facts.
    assert "Only work addresses went out." not in md and "internal record" not in md and "computed" not in md
    telling = section(md, "## Telling people")
    assert "No: we judge the breach is not likely to result in a high risk to them." in telling


def test_pecr_notice_from_an_assessment_made_before_per_regime_results() -> None:
    # Such a result has no "regimes": PECR's lower bar (adverse effect) is read from its risk level.
    ctx = make_ctx(regimes=("uk-gdpr", "pecr"), result=result(True, False, risk="high"))
    assert applicable_kinds(ctx) == ("ico_report", "pecr_subscriber_notice")
    assert applicable_kinds(make_ctx(regimes=("pecr",), result=result(True, False))) == (
        "ico_report",
        "pecr_subscriber_notice",
    )
    unlikely = result(False, False, risk="unlikely")
    assert applicable_kinds(make_ctx(regimes=("pecr",), result=unlikely)) == ("ico_report",)


def test_dates_in_london_time_across_the_clock_change() -> None:
    when = section(render_notice("ico_report", make_ctx()).markdown, "### When")
    assert "became aware):** Fri 27 March 2026, 12:00 GMT" in when
    assert "Deadline for reporting (72 hours, UK GDPR):** Mon 30 March 2026, 13:00 BST" in when


def test_late_report_has_reasons_for_delay_and_follow_up_quotes_case_ref() -> None:
    on_time = render_notice("ico_report", make_ctx()).markdown
    assert "### Reasons for delay" not in on_time and "**Report type:** Initial report" in on_time
    late = render_notice("ico_report", make_ctx(late=True, ico_case_ref="IC-123456-A1B2"))
    assert "[NOT YET KNOWN: reasons for the delay in reporting]" in section(late.markdown, "### Reasons for delay")
    assert "**Report type:** Follow-up report" in late.markdown and "IC-123456-A1B2" in late.markdown
    given_reason = make_ctx(late=True, delay_reasons="The breach came to light over a bank holiday.")
    assert "over a bank holiday" in section(render_notice("ico_report", given_reason).markdown, "### Reasons for delay")
    overdue = make_ctx(now=datetime(2026, 4, 2, tzinfo=UTC))  # the clock ran out even if no one said so
    assert "### Reasons for delay" in render_notice("ico_report", overdue).markdown


def test_unknowns_render_as_markers_and_are_listed_at_the_top() -> None:
    answers = {k: v for k, v in ANSWERS.items() if k != "subjects_count"}
    notice = render_notice("ico_report", make_ctx(answers=answers, likely_consequences="", others_told=""))
    md = notice.markdown
    assert "[NOT YET KNOWN: number of people affected (or the most who may be affected)]" in md
    assert "[NOT YET KNOWN: likely consequences for the people affected. Suggested from the data involved: " in md
    top = section(md, "## Still to confirm")
    assert md.index("## Still to confirm") < md.index("## Report type")
    for what in notice.unknowns:
        assert f"- {what}\n" in top
    assert "who else has been told (police, other regulators)" in notice.unknowns


NULLABLE = [
    "description",
    "discovered_how",
    "reported_by",
    "occurred_at",
    "controller_name",
    "delay_reasons",
    "ico_case_ref",
    "result",
    "assessment_version",
    "override",
    "likely_consequences",
    "staff_involved",
    "cyber_incident",
    "others_told",
]
ORG_NULLABLE = ["name", "ico_registration", "address", "dpo_name", "dpo_email", "dpo_phone", "dpo_address"]
MARKER = re.compile(r"\[NOT YET KNOWN: ([^\]]*)\]")
FULL_ANSWERS = {
    **ANSWERS,
    "availability": "restored_quickly",
    "protection": "encrypted",
    "protection_intact": True,
}
RESULTS = [None, *(r for r, _ in OUTCOMES.values())]
OVERRIDE = {
    "notify_ico": False,
    "notify_individuals": True,
    "reason": "r",
    "by": "b",
    "at": datetime.now(UTC),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nulls=st.sets(st.sampled_from(NULLABLE)),
    org_nulls=st.sets(st.sampled_from(ORG_NULLABLE)),
    kept=st.sets(st.sampled_from(sorted(FULL_ANSWERS))),
    res=st.sampled_from(RESULTS),
    actions=st.sampled_from([(), (TAKEN,), (PLANNED,), (TAKEN, PLANNED), ({"text": None, "planned": False},)]),
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
def test_no_blank_or_none_ever_reaches_a_draft(
    nulls: set[str], org_nulls: set[str], kept: set[str], res: Any, actions: Any, flags: tuple[bool, ...]
) -> None:
    late, pecr, processor = flags
    org = dataclasses.replace(ORG, is_processor=processor, **dict.fromkeys(org_nulls))
    ctx = make_ctx(
        org=org,
        answers={k: FULL_ANSWERS[k] for k in kept},
        actions=actions,
        result=res,
        override=OVERRIDE,
        late=late,
        regimes=("uk-gdpr", "pecr") if pecr else ("uk-gdpr",),
    )
    ctx = dataclasses.replace(ctx, **dict.fromkeys(nulls))
    for kind in NOTICE_KINDS:
        notice = render_notice(kind, ctx)
        md = notice.markdown
        assert not re.search(r"\b(None|null|NULL)\b", md), kind
        assert not re.search(r"^\s*[-*]\s+\*\*[^*]+\*\*\s*$", md, re.M), f"{kind}: empty field"
        assert not re.search(r"^\s*[-*]\s*$", md, re.M), f"{kind}: empty bullet"
        assert "[]" not in md and "()" not in md
        marked = set(MARKER.findall(md))
        assert "" not in marked
        assert marked == set(notice.unknowns), kind
        if notice.unknowns:
            top = section(md, "## Still to confirm")
            assert all(f"- {what}\n" in top for what in notice.unknowns)
        assert not any("left the field" in w for w in notice.warnings)


def write(directory: Path, name: str, text: str) -> Path:
    (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ ctx.__init__.__globals__ }}",
        "{{ known.__globals__['__builtins__'] }}",
        "{{ '{0.__class__}'.format(ctx) }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    ],
)
def test_hostile_template_is_refused_by_the_sandbox(tmp_path: Path, source: str) -> None:
    with pytest.raises(TemplateProblem, match=r"^ico_report\.md\.j2: access to attribute '__\w+__' refused"):
        render_notice("ico_report", make_ctx(), write(tmp_path, "ico_report.md.j2", source))


def test_included_hostile_template_is_named(tmp_path: Path) -> None:
    write(tmp_path, "custom.md.j2", "# Hi\n{{ ''.__class__ }}")
    write(tmp_path, "ico_report.md.j2", "{% include 'custom.md.j2' %}")
    with pytest.raises(TemplateProblem, match=r"^custom\.md\.j2: access to attribute '__class__' refused by the"):
        render_notice("ico_report", make_ctx(), tmp_path)


def test_template_cannot_change_the_context(tmp_path: Path) -> None:
    answers = dict(ANSWERS)
    write(tmp_path, "ico_report.md.j2", "{{ answers.update({'subjects_count': 1}) }}")
    with pytest.raises(TemplateProblem, match="refused by the sandbox"):
        render_notice("ico_report", make_ctx(answers=answers), tmp_path)
    assert answers == ANSWERS


@pytest.mark.parametrize(
    ("source", "variable"),
    [
        ("# R\n\n{{ org.fax }}", "org.fax"),
        ("# R\n{{ nothing }}", "nothing"),
        ("{{ answers['colour'] }}", "answers.colour"),
    ],
)
def test_undefined_variable_names_template_and_variable(tmp_path: Path, source: str, variable: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_notice("individuals_notice", make_ctx(), write(tmp_path, "individuals_notice.md.j2", source))
    assert str(caught.value) == f"individuals_notice.md.j2: undefined variable '{variable}'"


def test_syntax_error_names_the_template(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match=r"^ico_report\.md\.j2: syntax error on line 2"):
        render_notice("ico_report", make_ctx(), write(tmp_path, "ico_report.md.j2", "# R\n{% if %}"))


def test_custom_directory_overrides_one_kind_only(tmp_path: Path) -> None:
    write(tmp_path, "individuals_notice.md.j2", "# Our own notice\n\nFrom {{ known(org.name, 'name') }}.\n")
    assert render_notice("individuals_notice", make_ctx(), tmp_path).markdown == (
        "# Our own notice\n\nFrom Acme Energy Ltd.\n"
    )
    assert "## Report type" in render_notice("ico_report", make_ctx(), tmp_path).markdown


def test_missing_custom_directory_is_a_problem_not_a_silent_fallback(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match=r"^ico_report\.md\.j2: templates directory .* does not exist"):
        render_notice("ico_report", make_ctx(), tmp_path / "missing")


def test_raw_none_printed_by_a_custom_template_becomes_a_marker(tmp_path: Path) -> None:
    write(tmp_path, "ico_report.md.j2", "# R\n\nWhat: {{ ctx.description }}\n")
    notice = render_notice("ico_report", make_ctx(description=None), tmp_path)
    assert "None" not in notice.markdown and notice.unknowns == ("a detail the template printed without a value",)


@pytest.fixture
def offline_syllables(monkeypatch: pytest.MonkeyPatch) -> None:
    """textstat counts English syllables with NLTK's cmudict and downloads it when missing; without the
    network it falls back to its bundled hyphenation dictionary instead of failing."""
    import nltk
    import textstat.backend.counts._count_syllables as counts

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        monkeypatch.setattr(counts, "get_cmudict", lambda lang: None)


def plain_text(markdown: str) -> str:
    """Prose as a reader sees it: no markup or markers, and each heading or bullet its own sentence."""
    lines = []
    for line in markdown.splitlines():
        line = MARKER.sub("", re.sub(r"^\s*(#{1,6}\s+|[-*+]\s+|>\s?)", "", line).replace("**", "")).strip()
        if line:
            lines.append(line if line[-1] in ".!?:," else f"{line}.")
    return " ".join(lines)


@pytest.mark.usefixtures("offline_syllables")
@pytest.mark.parametrize("kind", ["individuals_notice", "pecr_subscriber_notice", "public_communication"])
def test_notices_to_people_are_plain_english(kind: str) -> None:
    text = plain_text(render_notice(kind, make_ctx()).markdown)
    assert textstat.flesch_reading_ease(text) >= 60
    assert textstat.flesch_kincaid_grade(text) <= 9


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The list included jane.doe@example.com by mistake.", "an email address"),
        ("One customer, on 07700 900123, rang us.", "a phone number"),
        ("A customer on +44 7700 900 123 rang us.", "a phone number"),
        ("The file showed NI number AB 12 34 56 C.", "a National Insurance number"),
        ("It included the card 4111 1111 1111 1111.", "a payment card number"),
        ("The letter went to 14 Acacia Avenue, Leeds LS6 2QT instead.", "a home address"),
    ],
)
def test_ico_draft_warns_about_personal_data_in_user_text(text: str, kind: str) -> None:
    notice = render_notice("ico_report", make_ctx(description=text))
    assert any(kind in w and "'what happened'" in w for w in notice.warnings)
    assert f"> **Warning:** This draft seems to contain personal data of the people affected ({kind}" in (
        notice.markdown
    )
    assert notice.markdown.index("**Warning:**") < notice.markdown.index("## Report type")
    assert not any("personal data of" in w for w in render_notice("individuals_notice", make_ctx()).warnings)


@pytest.mark.parametrize(
    "text",
    [
        "Contact our DPO at dpo@acme.example or on 0113 496 0000 for details.",
        "The ICO helpline is 0303 123 1113. Reference 1234 5678 9012 3456 is not a card.",
        "Our office at 1 High Street, Leeds LS1 4AB was closed. 12 people and 5000 records.",
    ],
)
def test_ico_draft_does_not_warn_about_the_organisations_own_details(text: str) -> None:
    notice = render_notice("ico_report", make_ctx(description=text, actions=({"text": text, "planned": False},)))
    assert not any("personal data of" in w for w in notice.warnings)
    assert "dpo@acme.example" in notice.markdown
