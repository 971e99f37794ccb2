"""`breachbot org`, `notices`, `incident action|facts` from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store.session import Database
from tests.cli.test_cli import run

POLICIES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"


def open_incident(capsys: pytest.CaptureFixture[str]) -> str:
    aware = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, err = run(capsys, "incident", "open", "--title", "Lost USB stick", "--aware-at", aware)
    assert code == 0, err
    return out.split()[0]


def test_org_set_show_and_errors(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "org",
        "set",
        "--name",
        "Acme Ltd",
        "--dpo-email",
        "dpo@acme.example",
        "--regime",
        "uk-gdpr",
        "--regime",
        "pecr",
        "--processor",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["regimes"] == ["uk-gdpr", "pecr"]
    code, out, _ = run(capsys, "org", "show", "--json")
    shown = json.loads(out)
    assert shown["name"] == "Acme Ltd" and shown["is_processor"] is True
    code, _, err = run(capsys, "org", "set", "--dpo-email", "nope")
    assert code != 0 and "dpo_email" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "org", "set")
    assert code != 0 and "nothing to change" in err


def test_import_policy_proposes_then_applies(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    policy = str(POLICIES / "two-policies.txt")
    code, out, err = run(capsys, "org", "import-policy", policy, "--json")
    assert code == 0, err
    proposal = json.loads(out)
    assert proposal["policies_found"] == 2 and proposal["applied"] is False
    assert all("sentence" in e for e in proposal["proposals"][0]["emails"])
    code, out, _ = run(capsys, "org", "show", "--json")
    assert json.loads(out)["name"] is None
    code, out, err = run(capsys, "org", "import-policy", policy, "--which", "2", "--apply", "--json")
    assert code == 0, err
    assert json.loads(out)["profile"]["name"] == proposal["proposals"][1]["name"]["value"]
    code, _, err = run(capsys, "org", "import-policy", policy, "--which", "3")
    assert code != 0 and "--which" in err
    code, _, err = run(capsys, "org", "import-policy", "/nonexistent/policy.txt")
    assert code != 0 and "no file" in err


def test_actions_facts_and_notices(db_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = open_incident(capsys)
    code, _, err = run(capsys, "incident", "action", ref, "Disabled the stolen account", "--json")
    assert code == 0, err
    code, _, err = run(capsys, "incident", "action", ref, "Roll out disk encryption", "--planned")
    assert code == 0, err
    code, out, err = run(
        capsys, "incident", "facts", ref, "--cyber", "no", "--likely-consequences", "Phishing", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["cyber_incident"] is False
    code, _, err = run(capsys, "incident", "facts", ref, "--individuals-told-at", "01/01/2099 10:00")
    assert code != 0 and "future" in err
    code, out, err = run(capsys, "notices", ref, "--out", str(tmp_path / "drafts"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [d["kind"] for d in data["drafts"]] == ["ico_report"]
    assert sorted(Path(f).suffix for f in data["files"]) == [".docx", ".md"]
    text = Path(next(f for f in data["files"] if f.endswith(".md"))).read_text("utf-8")
    assert "Disabled the stolen account" in text and "Roll out disk encryption" in text
    code, out, _ = run(capsys, "timeline", ref, "--json")
    kinds = [e["kind"] for e in json.loads(out)["events"]]
    assert kinds == ["opened", "action", "action_planned", "facts", "drafted"]


def test_action_at_and_the_new_facts(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    ref = open_incident(capsys)
    done = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, err = run(capsys, "incident", "action", ref, "Took the server offline", "--at", done, "--json")
    assert code == 0, err
    assert json.loads(out)["at"].startswith(done[:13])
    code, _, err = run(capsys, "incident", "action", ref, "x", "--at", "31/12/2099 10:00")
    assert code != 0 and len(err.splitlines()) == 1 and "future" in err
    code, out, err = run(
        capsys, "incident", "facts", ref, "--measures-in-place", "MFA and access reviews",
        "--public-description", "We lost a USB stick with your name on it.", "--others-told", "None", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["measures_in_place"] == "MFA and access reviews" and data["others_told"] == "None"
    code, _, err = run(capsys, "incident", "facts", ref, "--contract-hours", "24")
    assert code != 0 and "--processor" in err and len(err.splitlines()) == 1


def test_processor_path_on_the_command_line(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    aware = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, err = run(
        capsys, "incident", "open", "--title", "Export copied", "--aware-at", aware, "--processor",
        "--controller", "Northern Water plc", "--contract-hours", "24", "--json",
    )  # fmt: skip
    assert code == 0, err
    opened = json.loads(out)
    ref, clock = opened["ref"], opened["deadlines"][0]
    assert clock["regime"] == "processor" and clock["hours"] == 24 and clock["deadline"] is not None
    told = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, err = run(
        capsys, "incident", "controller-told", ref, "--at", told, "--how", "Phone, then email", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["controller_told_how"] == "Phone, then email"
    code, out, _ = run(capsys, "incident", "show", ref, "--json")
    shown = json.loads(out)
    assert shown["deadlines"][0]["stopped"] is True and shown["controller_told_at"].startswith(told[:13])
    code, out, _ = run(capsys, "alerts", "list", ref, "--json")
    assert not [a for a in json.loads(out)["alerts"] if a["state"] == "pending"]
    code, _, err = run(capsys, "incident", "controller-told", ref, "--at", "yesterday-ish", "--how", "x")
    assert code != 0 and len(err.splitlines()) == 1
    code, out, err = run(capsys, "incident", "facts", ref, "--contract-hours", "8", "--json")
    assert code == 0 and json.loads(out)["contract_hours"] == 8
