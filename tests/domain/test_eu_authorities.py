"""The EEA authorities table and the rule choosing which authorities a breach is notified to."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.eu_authorities import (
    InvalidCountries,
    authorities,
    clock_key,
    expand_regimes,
    parse_countries,
    plan_authorities,
)

EU_27 = set(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
CODES = sorted(EU_27 | {"IS", "LI", "NO"})


def test_the_table_has_every_eea_authority_with_its_source_and_date() -> None:
    table = authorities()
    assert set(table) == EU_27 | {"IS", "LI", "NO"}
    for code, row in table.items():
        assert row.name_en and row.name_local and row.country and row.notify, code
        assert row.languages and all(len(lang) == 2 for lang in row.languages), code
        assert row.source and row.checked == "2026-12-01", code
        # Whatever could not be confirmed says so, for a human to check.
        assert not row.needs_check or row.note, code
        if row.notify.startswith("not confirmed"):
            assert row.needs_check, code
    assert table["DE"].several_authorities and "must choose" in table["DE"].note


def test_parse_countries_with_counts() -> None:
    assert parse_countries("FR:120, ie ,DE:1234;el") == {"FR": 120, "IE": None, "DE": 1234, "GR": None}
    assert parse_countries("") == {} and parse_countries(None) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [("US", "not an EEA country"), ("GB", "not in the EEA"), ("FR,FR", "given twice"), ("FR:x", "not a country")],
)
def test_parse_countries_refuses_bad_input(text: str, message: str) -> None:
    with pytest.raises(InvalidCountries, match=message):
        parse_countries(text)


@settings(max_examples=60)
@given(countries=st.lists(st.sampled_from(CODES), unique=True, max_size=8), lead=st.none() | st.sampled_from(CODES))
def test_the_choice_of_authorities(countries: list[str], lead: str | None) -> None:
    affected = dict.fromkeys(countries)
    plan = plan_authorities(eu_gdpr=True, main_establishment=lead, affected=affected)
    if lead:
        assert plan.countries == (lead,)  # one-stop shop: the lead authority only, whatever the countries
    else:
        assert sorted(plan.countries) == sorted(countries)  # every affected country's authority
    assert plan_authorities(eu_gdpr=False, main_establishment=lead, affected=affected).countries == ()
    regimes, _ = expand_regimes(["uk-gdpr"], eu_gdpr=False, main_establishment=lead, countries=affected)
    assert regimes == ["uk-gdpr"]


def test_eu_gdpr_asked_for_before_the_countries_are_known_runs_one_clock_until_they_are() -> None:
    regimes, plan = expand_regimes(["uk-gdpr", "eu-gdpr"], eu_gdpr=None, main_establishment=None, countries=None)
    assert regimes == ["uk-gdpr", "eu-gdpr"] and "record the countries" in plan.basis
    regimes, _ = expand_regimes(regimes, eu_gdpr=None, main_establishment=None, countries={"PT": 3})
    assert regimes == ["uk-gdpr", clock_key("PT")]
