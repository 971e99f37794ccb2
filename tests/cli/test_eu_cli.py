"""`breachbot org set --eu-...`, `incident open --countries`, `incident facts --countries` and
`incident reported --authority` from the command line (contracts.md, "EU authorities")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.store.session import Database
from tests.cli.test_cli import run


def _aware() -> str:
    return (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")


def test_eu_profile_open_report_and_show_json(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "org", "set", "--eu-gdpr", "yes", "--eu-representative", "EU Rep Ltd, Dublin", "--json"
    )
    assert code == 0, err
    profile = json.loads(out)
    assert (profile["eu_gdpr"], profile["eu_main_establishment"]) == (True, None)
    code, out, _ = run(capsys, "org", "show")
    assert "Eu representative: EU Rep Ltd, Dublin" in out

    code, out, err = run(
        capsys, "incident", "open", "--title", "Orders exposed", "--aware-at", _aware(), "--regime", "uk-gdpr",
        "--regime", "eu-gdpr", "--countries", "FR:120,IE,DE:40", "--json",
    )  # fmt: skip
    assert code == 0, err
    opened = json.loads(out)
    eu = [d for d in opened["deadlines"] if d["regime"] == "eu-gdpr"]
    assert sorted(d["authority"]["country"] for d in eu) == ["DE", "FR", "IE"]
    assert all({"deadline", "stopped", "authority"} <= set(d) for d in eu)
    assert [d["regime"] for d in opened["deadlines"]].count("uk-gdpr") == 1
    ref = opened["ref"]

    code, out, err = run(capsys, "incident", "reported", ref, "--authority", "FR", "--ref", "CNIL-42")
    assert code == 0, err
    assert "only its clock" in out
    code, out, _ = run(capsys, "incident", "show", ref, "--json")
    shown = json.loads(out)
    stopped = {d["authority"]["country"]: d["stopped"] for d in shown["deadlines"] if d["regime"] == "eu-gdpr"}
    assert stopped == {"FR": True, "IE": False, "DE": False}
    assert next(d for d in shown["deadlines"] if d["regime"] == "uk-gdpr")["stopped"] is False
    assert shown["eu_reports"]["FR"]["case_ref"] == "CNIL-42"

    code, out, err = run(capsys, "incident", "facts", ref, "--countries", "FR:120,NL:3", "--json")
    assert code == 0, err
    told = [a["country"] for a in json.loads(out)["eu"]["authorities"]]
    assert sorted(told) == ["FR", "NL"]


def test_main_establishment_gives_the_lead_authority(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "org", "set", "--eu-gdpr", "yes", "--eu-main-establishment", "ie")
    code, out, err = run(
        capsys, "incident", "open", "--title", "x", "--aware-at", _aware(), "--countries", "FR,DE,ES,IT", "--json"
    )
    assert code == 0, err
    eu = [d["authority"] for d in json.loads(out)["deadlines"] if d["regime"] == "eu-gdpr"]
    assert eu == [{"country": "IE", "name": "Data Protection Commission"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("org", "set", "--eu-main-establishment", "US"), "not an EEA country"),
        (("org", "set", "--eu-main-establishment", "GB"), "not in the EEA"),
        (("incident", "open", "--title", "x", "--aware-at", "AWARE", "--countries", "FR,XX"), "not an EEA country"),
        (("incident", "open", "--title", "x", "--aware-at", "AWARE", "--countries", "FR,fr:3"), "given twice"),
        (("incident", "open", "--title", "x", "--aware-at", "AWARE", "--countries", "FR:-3"), "not a country"),
        (("incident", "open", "--title", "x", "--aware-at", "AWARE", "--countries", "France"), "not a country"),
    ],
)
def test_bad_eu_input_is_one_line_and_writes_nothing(
    db_env: Database, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, *[_aware() if a == "AWARE" else a for a in args])
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(capsys, "incident", "list", "--json")
    assert json.loads(out) == []


def test_reporting_to_an_authority_the_incident_does_not_have(
    db_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "org", "set", "--eu-gdpr", "yes")
    code, out, _ = run(capsys, "incident", "open", "--title", "x", "--aware-at", _aware(), "--countries", "IE")
    ref = out.split()[0]
    code, _, err = run(capsys, "incident", "reported", ref, "--authority", "ES")
    assert code != 0 and "no clock for the AEPD" in err and len(err.strip().splitlines()) == 1
