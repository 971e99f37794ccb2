"""`breachbot triage`: compute, record, override, and refuse bad answers by key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store.session import Database
from tests.cli.test_cli import run

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


def write(tmp_path: Path, answers: object, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def test_compute_only_prints_the_contract_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write(tmp_path, {"personal_data": True, "data_categories": ["special_health"], "exposure": "unknown"})
    code, out, err = run(capsys, "triage", "--answers", answers, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= CONTRACT_KEYS
    assert result["record"] is True
    assert set(result["severity"]) >= {"score", "band", "dpc", "ei", "cb"}
    assert result["reasons"] and isinstance(result["missing"], list)


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"data_categories": ["heatlh"]}, "data_categories"),
        ({"subjects_count": -1}, "subjects_count"),
        ({"subjects_count": "many"}, "subjects_count"),
        ({"protection_intact": "yes"}, "protection_intact"),
    ],
)
def test_bad_answers_are_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: dict, key: str
) -> None:
    code, out, err = run(capsys, "triage", "--answers", write(tmp_path, answers), "--json")
    assert code != 0 and out == ""
    assert key in err and len(err.splitlines()) == 1


def test_unreadable_answers_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "triage", "--answers", str(broken))
    assert code != 0 and "not valid JSON" in err
    code, _, err = run(capsys, "triage", "--answers", str(tmp_path / "missing.json"))
    assert code != 0 and "no answers file" in err


def test_record_then_override_on_an_incident(
    db_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aware = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    _, out, _ = run(capsys, "incident", "open", "--title", "Wrong recipient", "--aware-at", aware)
    ref = out.split()[0]
    low = {
        "personal_data": True,
        "data_categories": ["basic_identifiers"],
        "subjects_count": 1,
        "exposure": "trusted",
        "recovered": True,
        "breach_types": ["confidentiality"],
        "cause": "accidental",
        "protection": "none",
        "availability": "not_affected",
        "impact_on_people": "none",
    }
    code, out, err = run(capsys, "triage", ref, "--answers", write(tmp_path, low), "--json")
    assert code == 0, err
    recorded = json.loads(out)
    assert recorded["version"] == 1 and recorded["computed"]["notify_ico"] is False

    code, out, err = run(
        capsys,
        "triage",
        ref,
        "--override",
        "notify",
        "--individuals",
        "no",
        "--reason",
        "Recipient is a competitor; we cannot rely on their deletion.",
        "--json",
    )
    assert code == 0, err
    overridden = json.loads(out)
    assert overridden["computed"]["notify_ico"] is False
    assert overridden["effective"]["notify_ico"] is True
    assert overridden["override"]["reason"].startswith("Recipient is a competitor")

    code, out, _ = run(capsys, "triage", ref)
    assert code == 0 and "OVERRIDDEN" in out

    code, _, err = run(capsys, "triage", ref, "--override", "notify", "--individuals", "no", "--reason", "short")
    assert code != 0 and "justification" in err
    code, _, err = run(capsys, "triage", ref, "--override", "notify")
    assert code != 0 and "--individuals" in err


UNLIKELY = {
    "personal_data": True,
    "data_categories": ["basic_identifiers"],
    "subjects_count": 1,
    "exposure": "trusted",
    "recovered": True,
    "breach_types": ["confidentiality"],
    "cause": "accidental",
    "protection": "none",
    "availability": "not_affected",
    "impact_on_people": "none",
}
REGIME_KEYS = {"regime", "notify_ico", "notify_individuals", "test", "reasons"}


def test_compute_per_regime(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write(tmp_path, UNLIKELY)
    code, out, err = run(capsys, "triage", "--answers", answers, "--json")
    assert code == 0, err
    default = json.loads(out)
    assert [e["regime"] for e in default["regimes"]] == ["uk-gdpr"] and default["notify_ico"] is False
    code, out, err = run(capsys, "triage", "--answers", answers, "--regime", "uk-gdpr", "--regime", "pecr", "--json")
    assert code == 0, err
    both = json.loads(out)
    assert set(both) >= CONTRACT_KEYS | {"regimes"}
    assert all(set(e) >= REGIME_KEYS for e in both["regimes"])
    by_regime = {e["regime"]: e for e in both["regimes"]}
    assert by_regime["pecr"]["notify_ico"] is True and both["notify_ico"] is True
    code, out, _ = run(capsys, "triage", "--answers", answers, "--regime", "pecr")
    assert code == 0 and "PECR: report to the regulator" in out
    code, out, err = run(capsys, "triage", "--answers", answers, "--regime", "gdpr")
    assert code != 0 and out == "" and "unknown regime 'gdpr'" in err and len(err.strip().splitlines()) == 1


def test_triage_of_an_incident_shows_the_contract_and_its_own_regimes(
    db_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aware = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    _, out, _ = run(
        capsys, "incident", "open", "--title", "Text to wrong number", "--aware-at", aware, "--regime", "pecr"
    )
    ref = out.split()[0]
    code, out, err = run(capsys, "triage", ref, "--answers", write(tmp_path, UNLIKELY), "--json")
    assert code == 0, err
    code, out, err = run(capsys, "triage", ref, "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert set(shown) >= CONTRACT_KEYS | {"regimes", "ref", "version"}
    assert [e["regime"] for e in shown["regimes"]] == ["pecr"]
    assert shown["notify_ico"] is True and shown["computed"]["notify_ico"] is True
    code, _, err = run(capsys, "triage", ref, "--regime", "uk-gdpr")
    assert code != 0 and "incident's regimes" in err
    code, _, err = run(
        capsys,
        "triage",
        ref,
        "--override",
        "no-notify",
        "--individuals",
        "no",
        "--reason",
        "One text, deleted at once.",
    )
    assert code != 0 and "reg 5A(2)" in err


def test_recording_a_bare_yes_to_disproportionate_effort_prompts_for_the_reason(
    db_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aware = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    _, out, _ = run(capsys, "incident", "open", "--title", "Patient list posted", "--aware-at", aware)
    ref = out.split()[0]
    high = {
        "personal_data": True,
        "data_categories": ["basic_identifiers", "special_health"],
        "subject_types": ["patients"],
        "exposure": "unknown",
        "disproportionate_effort": True,
    }
    code, out, err = run(capsys, "triage", ref, "--answers", write(tmp_path, high))
    assert code == 0, err
    assert "Asked: why would telling each person take disproportionate effort" in out
    assert "Notify the ICO and tell the people affected" in out


def test_an_assessment_from_before_per_regime_results_still_shows_each_regime(
    db_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import select

    from bot.store.models import Assessment

    aware = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    _, out, _ = run(capsys, "incident", "open", "--title", "Old triage", "--aware-at", aware, "--regime", "pecr")
    ref = out.split()[0]
    assert run(capsys, "triage", ref, "--answers", write(tmp_path, UNLIKELY))[0] == 0
    with db_env.unit_of_work() as session:
        stored = session.scalars(select(Assessment)).one()
        stored.result = {k: v for k, v in stored.result.items() if k != "regimes"}
    code, out, err = run(capsys, "triage", ref, "--json")
    assert code == 0, err
    assert [e["regime"] for e in json.loads(out)["regimes"]] == ["pecr"]
