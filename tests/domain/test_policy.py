"""Reading a privacy policy into a proposed organisation profile (bot.domain.policy)."""

from __future__ import annotations

import json
import random
import re
import time
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.policy import ICO_FORM_KEYS, MAX_SENTENCE, Finding, PolicyProposal, read_policy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
# The shared folder sits beside the repo checkout, in CI too; its texts are not ours to copy.
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "privacy-policies"
real_policies = pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/fixtures/privacy-policies not present: real-policy tests skipped"
)


def _read(path: Path) -> list[PolicyProposal]:
    return read_policy(path.read_text(encoding="utf-8"))


def _only(path: Path) -> PolicyProposal:
    proposals = _read(path)
    assert len(proposals) == 1
    return proposals[0]


def _value(finding: Finding | None) -> str | None:
    return finding.value if finding else None


def _values(findings: tuple[Finding, ...]) -> list[str]:
    return [f.value for f in findings]


def _source_is_in_sentence(field: str, finding: Finding) -> bool:
    """Whether a person reading the sentence can see where the value came from."""
    sentence = finding.sentence.lower()
    if field == "phones":
        # "+44 (0)20 7946 0000" is shown as "020 7946 0000": the digits after the 0 must appear.
        return finding.value.replace(" ", "")[1:] in re.sub(r"\D", "", sentence)
    if field == "emails":
        # Obfuscated addresses ("hello [at] shop [dot] example") keep their parts in order.
        parts = re.split(r"[@.]", finding.value)
        return re.search(r"(?:\W|at|dot)+".join(map(re.escape, parts)), sentence) is not None
    if field in ("postal_address", "postcode"):
        # The postcode is normalised ("SW1A1AA" -> "SW1A 1AA"), so compare without spaces.
        squashed = sentence.replace(" ", "")
        return all(part.lower().replace(" ", "") in squashed for part in finding.value.split(", "))
    if field == "dpo_named":
        return finding.value.removeprefix("yes: ").lower() in sentence
    if field == "data_categories":
        return finding.value in ICO_FORM_KEYS and bool(sentence)
    return finding.value.lower() in sentence


def _assert_findings_are_checkable(proposal: PolicyProposal) -> None:
    for field in PolicyProposal.__dataclass_fields__:
        raw = getattr(proposal, field)
        findings = raw if isinstance(raw, tuple) else (raw,) if raw else ()
        for finding in findings:
            assert len(finding.sentence) <= MAX_SENTENCE, (field, finding)
            assert _source_is_in_sentence(field, finding), (field, finding)


# --- our own fixtures -----------------------------------------------------------------

EXPECTED: dict[str, dict[str, Any]] = {
    "harbourside-dental.txt": {
        "name": "Harbourside Dental Practice Ltd",
        "emails": ["privacy@harbourside-dental.example"],
        "phones": ["0117 496 0123", "0117 496 0124"],
        "postal_address": "Unit 4, Quayside Mews, 14 Anchor Street, Bristol, BS1 6QF",
        "postcode": "BS1 6QF",
        "dpo_named": "yes: Amira Khan",
        "categories": {"basic_identifiers", "identification_data", "special_health", "economic_financial"},
        "third_parties": {"Amazon Web Services", "Pennywise Payroll Services Ltd", "Textwell"},
    },
    "kettleworth-books.txt": {
        "name": "Kettleworth Books LLP",
        "emails": ["hello@kettleworth-books.example"],
        "phones": ["0800 123 4567", "07700 900123", "020 7946 0321"],
        "postal_address": "22 Market Row, Kettleworth, North Yorkshire, BD23 5QW",
        "postcode": "BD23 5QW",
        "dpo_named": None,
        "categories": {"basic_identifiers", "economic_financial", "identification_data", "location"},
        "third_parties": {"Mailchimp", "Stripe", "Royal Mail", "Fellside Web Hosting Ltd"},
    },
    "fenwick-home-care.txt": {
        "name": "Fenwick Home Care CIC",
        "emails": ["info@fenwickcare.example.net", "privacy@fenwickcare.example.net"],
        "phones": ["029 2018 0442"],
        "postal_address": "Ty Gwyn, 3 Tudor Lane, Cardiff, CF10 3NQ",
        "postcode": "CF10 3NQ",
        "dpo_named": None,
        "categories": {
            "basic_identifiers",
            "special_health",
            "special_religious",
            "credentials",
            "criminal_offence",
            "economic_financial",
            "official_documents",
            "special_racial_ethnic",
            "special_sexual_orientation",
        },
        "third_parties": {"CareLoop", "Loopwise Digital Ltd", "Microsoft 365"},
    },
}

TWO_POLICIES: list[dict[str, Any]] = [
    {
        "name": "Northgate Tenants Association",
        "emails": ["secretary@northgate-tenants.example.org"],
        "phones": ["0161 496 0000"],
        "postal_address": "Community Room, 1 Northgate Court, Manchester, M4 6WX",
        "postcode": "M4 6WX",
        "dpo_named": "yes: Patricia O'Neill",
        "categories": {"basic_identifiers", "special_trade_union", "special_health"},
        "third_parties": {"Google Workspace"},
    },
    {
        "name": "Millbrook Cycle Repairs Limited",
        "emails": ["dpo@millbrook-cycles.example.com"],
        "phones": ["0131 496 0555"],
        "postal_address": "Arch 7, Station Approach, Leith, Edinburgh, EH6 7BQ",
        "postcode": "EH6 7BQ",
        "dpo_named": "yes: Tomasz Nowak",
        "categories": {"basic_identifiers", "official_documents", "economic_financial", "credentials"},
        "third_parties": {"Spokesy", "Calder Valley Bank plc", "Harrow & Finch LLP"},
    },
]


def _assert_matches(proposal: PolicyProposal, expected: dict[str, Any]) -> None:
    assert _value(proposal.name) == expected["name"]
    assert _values(proposal.emails) == expected["emails"]
    assert _values(proposal.phones) == expected["phones"]
    assert _value(proposal.postal_address) == expected["postal_address"]
    assert _value(proposal.postcode) == expected["postcode"]
    assert _value(proposal.dpo_named) == expected["dpo_named"]
    assert expected["categories"] <= set(_values(proposal.data_categories))
    assert expected["third_parties"] <= set(_values(proposal.third_parties))
    _assert_findings_are_checkable(proposal)


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_own_fixture_yields_expected_profile(filename: str) -> None:
    _assert_matches(_only(FIXTURES / filename), EXPECTED[filename])


def test_file_with_two_policies_yields_one_proposal_each() -> None:
    proposals = _read(FIXTURES / "two-policies.txt")
    assert [_value(p.name) for p in proposals] == [e["name"] for e in TWO_POLICIES]
    for proposal, expected in zip(proposals, TWO_POLICIES, strict=True):
        _assert_matches(proposal, expected)


def test_regulator_contact_details_are_not_proposed_as_the_organisations() -> None:
    proposal = _only(FIXTURES / "harbourside-dental.txt")
    assert "0303 123 1113" not in _values(proposal.phones)
    assert "SK9 5AF" not in (_value(proposal.postcode), _value(proposal.postal_address))


def test_places_and_sentence_openers_are_not_third_parties() -> None:
    parties = set(_values(_only(FIXTURES / "harbourside-dental.txt").third_parties))
    assert parties.isdisjoint({"London", "Staff", "Appointment", "Our"})


def test_data_protection_lead_is_not_a_named_dpo() -> None:
    assert _only(FIXTURES / "kettleworth-books.txt").dpo_named is None


def test_to_dict_is_json_friendly() -> None:
    data = _only(FIXTURES / "kettleworth-books.txt").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["name"] == {
        "value": "Kettleworth Books LLP",
        "sentence": "This privacy policy applies to Kettleworth Books LLP, an independent bookshop "
        "with a mail-order service.",
    }
    assert data["dpo_named"] is None
    assert data["phones"][0]["value"] == "0800 123 4567"
    assert set(data) == set(PolicyProposal.__dataclass_fields__)


# --- small inline cases ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("+44 (0)20 7946 0000", "020 7946 0000"),
        ("+44 20 7946 0000", "020 7946 0000"),
        ("0044 20 7946 0000", "020 7946 0000"),
        ("(020) 7946 0000", "020 7946 0000"),
        ("020-7946-0000", "020 7946 0000"),
        ("0161 496 0000", "0161 496 0000"),
        ("+44 161 496 0000", "0161 496 0000"),
        ("0800 123 4567", "0800 123 4567"),
        ("07700 900123", "07700 900123"),
        ("+447700900123", "07700 900123"),
        ("01923 854770", "01923 854770"),
    ],
)
def test_uk_phone_formats_are_normalised(raw: str, shown: str) -> None:
    (proposal,) = read_policy(f"Call our office on {raw} during opening hours.")
    assert _values(proposal.phones) == [shown]


@pytest.mark.parametrize(
    "text",
    [
        "Registered in England, company number 01234567.",
        "Our sort code is 01-23-45.",
        "This policy was updated on 01/02/2020.",
        "Fax: 0161 496 0999",
        "Call +1 212 555 0100 in New York.",
    ],
)
def test_things_that_are_not_uk_phone_numbers(text: str) -> None:
    (proposal,) = read_policy(text)
    assert proposal.phones == ()


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        ("privacy@acme.example", "privacy@acme.example"),
        ("Privacy@Acme.Example.", "privacy@acme.example"),
        ("privacy [at] acme [dot] example", "privacy@acme.example"),
        ("privacy(at)acme.example", "privacy@acme.example"),
        ("privacy at acme dot co dot uk", "privacy@acme.co.uk"),
    ],
)
def test_plain_and_obfuscated_emails(raw: str, address: str) -> None:
    (proposal,) = read_policy(f"Email {raw} with any question.")
    assert _values(proposal.emails) == [address]


@pytest.mark.parametrize(
    "text", ["Look at example.com for details.", "See logo@2x.png", "Write to us at the address below."]
)
def test_things_that_are_not_emails(text: str) -> None:
    (proposal,) = read_policy(text)
    assert proposal.emails == ()


@pytest.mark.parametrize(
    ("raw", "code"), [("SW1A 1AA", "SW1A 1AA"), ("SW1A1AA", "SW1A 1AA"), ("W1A 0AX", "W1A 0AX"), ("M1 1AE", "M1 1AE")]
)
def test_postcodes_are_normalised(raw: str, code: str) -> None:
    (proposal,) = read_policy(f"Our office:\n1 High Street\nTownsville\n{raw}\n")
    assert _value(proposal.postcode) == code
    assert _value(proposal.postal_address) == f"1 High Street, Townsville, {code}"


def test_not_postcodes() -> None:
    (proposal,) = read_policy("Reference QA1 1AA and code VX12 3CD and AB123 4CD.")
    assert proposal.postcode is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('Acme Widgets Ltd ("we", "us", "our") sells widgets.', "Acme Widgets Ltd"),
        ("This privacy notice applies to Brightwater Trust. We hold little data.", "Brightwater Trust"),
        ("BRIGHTWATER TRUST PRIVACY POLICY\nBrightwater Trust looks after rivers.", "Brightwater Trust"),
        ("At Lowther Garden Centre, we care about your data.", "Lowther Garden Centre"),
        ("Contact Pendle Widgets plc about your data.", "Pendle Widgets plc"),
    ],
)
def test_organisation_name_heuristics(text: str, name: str) -> None:
    (proposal,) = read_policy(text)
    assert _value(proposal.name) == name


@pytest.mark.parametrize(
    ("text", "dpo"),
    [
        ("Our Data Protection Officer is Mr Sam Jones.", "yes: Sam Jones"),
        ("DPO: Priya Patel", "yes: Priya Patel"),
        ("Write to Helen Ward, our Data Protection Officer.", "yes: Helen Ward"),
        ("Contact our data protection lead, Sam Jones.", None),
        ("Write to the Data Protection Officer at:\n\nData Protection Officer\nAcme Widgets Ltd", None),
    ],
)
def test_named_dpo(text: str, dpo: str | None) -> None:
    (proposal,) = read_policy(text)
    assert _value(proposal.dpo_named) == dpo


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("We record your IP address.", {"identification_data"}),
        ("We hold your e-mail addresses.", {"basic_identifiers"}),
        ("Your browser name and version.", set()),
        ("Files are password protected.", set()),
        ("We note health and safety incidents.", set()),
        ("We check passports and driving licences.", {"official_documents"}),
        ("We hold bank details and criminal convictions.", {"economic_financial", "criminal_offence"}),
        ("Your login details and username.", {"credentials", "identification_data"}),
    ],
)
def test_category_phrases(text: str, categories: set[str]) -> None:
    (proposal,) = read_policy(text)
    assert set(_values(proposal.data_categories)) == categories


def test_each_category_is_reported_once_with_its_first_sentence() -> None:
    (proposal,) = read_policy("We keep your name. We also keep your surname.")
    assert proposal.data_categories == (Finding("basic_identifiers", "We keep your name."),)


def test_long_sentence_is_trimmed_around_the_value() -> None:
    filler = "and we carry on at length about nothing in particular " * 40
    (proposal,) = read_policy(f"We write {filler} so email privacy@acme.example {filler}.")
    (email,) = proposal.emails
    assert len(email.sentence) <= MAX_SENTENCE
    assert "privacy@acme.example" in email.sentence


def test_rules_file_uses_only_ico_keys_and_covers_them_all() -> None:
    raw = tomllib.loads(resources.files("bot.rules").joinpath("policy_categories.toml").read_text("utf-8"))
    assert set(raw["categories"]) == set(ICO_FORM_KEYS)
    assert all(raw["categories"][key] for key in ICO_FORM_KEYS)
    # A phrase listed under two categories would silently count for only one of them.
    phrases = [p.lower().replace("-", " ") for key in ICO_FORM_KEYS for p in raw["categories"][key]]
    assert len(phrases) == len(set(phrases))


# --- real policies (shared fixtures, read in place) -----------------------------------


@real_policies
def test_real_connect_communications() -> None:
    proposal = _only(REAL / "connect-communications.txt")
    assert _value(proposal.name) == "Connect Communications Services Ltd"
    assert proposal.emails == ()
    assert proposal.phones == ()
    assert _value(proposal.postcode) == "EH12 9DT"
    assert _value(proposal.postal_address) == "Suite 72, Pure Offices, 4-5 Lochside Way, Edinburgh, EH12 9DT"
    assert proposal.dpo_named is None  # it has a DPO, but never names them
    assert {"Sagepay", "SmartDebit", "Smartsupp", "Google Analytics"} <= set(_values(proposal.third_parties))
    assert "economic_financial" in _values(proposal.data_categories)
    _assert_findings_are_checkable(proposal)


@real_policies
def test_real_focus_assured() -> None:
    proposal = _only(REAL / "focus-assured.txt")
    assert _value(proposal.name) == "Focus Assured"
    assert _values(proposal.emails) == ["compliance@focusassured.com"]
    assert _values(proposal.phones) == ["01923 854770"]
    assert _value(proposal.postcode) == "WD7 7AR"
    assert _value(proposal.postal_address) == "8 Beaumont Gate, Shenley Hill, Radlett, Hertfordshire, WD7 7AR"
    assert proposal.dpo_named is None
    assert {"basic_identifiers", "identification_data"} <= set(_values(proposal.data_categories))
    assert proposal.third_parties == ()
    _assert_findings_are_checkable(proposal)


@real_policies
def test_real_it_support_provider_has_no_contact_details() -> None:
    proposal = _only(REAL / "it-support-provider.txt")
    assert proposal.name is None
    assert proposal.emails == ()
    assert proposal.phones == ()
    assert proposal.postcode is None
    assert proposal.postal_address is None
    assert {"PayVector", "Iridium Corporation"} <= set(_values(proposal.third_parties))
    expected_categories = {"basic_identifiers", "identification_data", "economic_financial"}
    assert expected_categories <= set(_values(proposal.data_categories))
    _assert_findings_are_checkable(proposal)


# --- garbage in -----------------------------------------------------------------------

MB = 1_000_000
_rng = random.Random(20240501)
GARBAGE = {
    "one-letter line": "a" * MB,
    "shouting line": "A" * MB,
    "word soup line": "".join(_rng.choice("aA0 .,@()+-:[]'") for _ in range(MB)),
    "binary-ish": bytes(_rng.randrange(256) for _ in range(200_000)).decode("latin-1"),
    "nul bytes": "\x00" * 200_000,
    "unicode": "ünïcødé ✓ 中文 العربية 🙂 " * 10_000,
    "digits": "0" * 200_000,
    "at signs": "a@" * 100_000,
    "postcodes": "AB1 2CD, " * 20_000,
    "phone prefixes": "+44" * 70_000,
    "capital words": "Abc Def " * 25_000,
    "spoken emails": "a at b dot " * 20_000,
    "titles": "ACME PRIVACY POLICY\n" * 10_000,
    "bullets": "•▪·*-" * 40_000,
}


@pytest.mark.parametrize("text", ["", "   \n\t\n", "\n" * 1000])
def test_empty_text_gives_no_proposals(text: str) -> None:
    assert read_policy(text) == []


@pytest.mark.parametrize("label", sorted(GARBAGE))
def test_garbage_does_not_raise_and_is_fast(label: str) -> None:
    started = time.perf_counter()
    proposals = read_policy(GARBAGE[label])
    elapsed = time.perf_counter() - started
    # Linear regexes take about a second here; catastrophic backtracking would take hours.
    assert elapsed < 10, f"{label}: {elapsed:.1f}s"
    assert all(isinstance(p, PolicyProposal) for p in proposals)
    json.dumps([p.to_dict() for p in proposals])
    for proposal in proposals[:50]:
        _assert_findings_are_checkable(proposal)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_gives_checkable_proposals(text: str) -> None:
    proposals = read_policy(text)
    assert proposals or not text.strip()
    for proposal in proposals:
        _assert_findings_are_checkable(proposal)
