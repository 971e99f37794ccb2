"""`breachbot timeline witness` and `verify --against`, and the timeline key made on first use."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.config import settings
from bot.store.session import Database
from bot.store.timeline_key import forget_cached_keys


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def open_with_updates(capsys: pytest.CaptureFixture[str], updates: int) -> str:
    code, out, err = run(capsys, "incident", "open", "--title", "Laptop", "--aware-at", "20/11/2026 10:00")
    assert code == 0, err
    ref = out.split()[0]
    for n in range(updates):
        assert run(capsys, "incident", "update", ref, f"note {n}")[0] == 0
    return ref


def test_rolling_one_incident_back_is_found_and_the_witness_names_it(
    db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ref = open_with_updates(capsys, 1)
    with db_env.engine.begin() as connection:
        # What a writer can read and keep: the incident's row, and the register's, as they are now.
        before = connection.execute(
            text("SELECT timeline_count, timeline_head, seal FROM incident WHERE ref = :r"), {"r": ref}
        ).one()
        register_before = connection.execute(text("SELECT digest, state_digest FROM register_seal")).one()
    witness = tmp_path / "dpo" / "witness.jsonl"
    witness.parent.mkdir()
    assert run(capsys, "incident", "update", ref, "the ICO was told late")[0] == 0
    code, out, err = run(capsys, "timeline", "witness", "--out", str(witness))
    assert code == 0 and "witnessed 1 incident" in out, err
    assert json.loads(witness.read_text().splitlines()[0])["incidents"][ref]["events"] == before.timeline_count + 1

    # Put the incident back exactly as it was: its chain, head and seal all agree again.
    with db_env.engine.begin() as connection:
        connection.execute(
            text(
                "DELETE FROM timeline_event WHERE seq > :n AND incident_id = (SELECT id FROM incident WHERE ref = :r)"
            ),
            {"n": before.timeline_count, "r": ref},
        )
        connection.execute(
            text("UPDATE incident SET timeline_count = :c, timeline_head = :h, seal = :s WHERE ref = :r"),
            {"c": before.timeline_count, "h": before.timeline_head, "s": before.seal, "r": ref},
        )
    code, out, _ = run(capsys, "timeline", "verify")
    assert code == 1 and "put back to an earlier state" in out
    code, out, _ = run(capsys, "timeline", "verify", "--against", str(witness))
    assert code == 1 and f"{ref} record: witnessed on" in out and "rolled back" in out

    # Put the register back too, as a restore of an old backup would: only the witness sees it now.
    with db_env.engine.begin() as connection:
        connection.execute(
            text("UPDATE register_seal SET digest = :d, state_digest = :s"),
            {"d": register_before.digest, "s": register_before.state_digest},
        )
    assert run(capsys, "timeline", "verify")[0] == 0
    code, out, _ = run(capsys, "timeline", "verify", "--against", str(witness))
    assert code == 1 and f"{ref} record: witnessed on" in out


def test_a_deleted_incident_is_named_by_verify(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    first = open_with_updates(capsys, 0)
    second = open_with_updates(capsys, 1)
    with db_env.engine.begin() as connection:
        connection.execute(
            text("DELETE FROM timeline_event WHERE incident_id = (SELECT id FROM incident WHERE ref = :r)"),
            {"r": second},
        )
        for table in ("planned_alert", "alert_plan"):
            connection.execute(
                text(f"DELETE FROM {table} WHERE incident_id = (SELECT id FROM incident WHERE ref = :r)"),
                {"r": second},
            )
        connection.execute(text("DELETE FROM incident WHERE ref = :r"), {"r": second})
        connection.execute(text("UPDATE ref_counter SET last_number = last_number - 1"))
    code, out, _ = run(capsys, "timeline", "verify")
    assert code == 1 and f"{second} record: the incident was deleted" in out and first not in out


def test_a_witness_file_that_is_not_one_is_a_one_line_error(
    db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text("not json\n")
    code, _, err = run(capsys, "timeline", "verify", "--against", str(bogus))
    assert code == 1 and len(err.splitlines()) == 1 and "not a Breachbot witness" in err
    code, _, err = run(capsys, "timeline", "verify", "--against", str(tmp_path / "absent"))
    assert code == 1 and len(err.splitlines()) == 1


def test_with_no_key_set_one_is_made_outside_the_database_and_kept(
    db_env: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BREACHBOT_TIMELINE_KEY")
    settings.cache_clear()
    forget_cached_keys()
    ref = open_with_updates(capsys, 1)
    key = tmp_path / "data" / "timeline.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    forget_cached_keys()  # as a new process would: read back from the file
    code, out, _ = run(capsys, "timeline", "verify", ref)
    assert code == 0, out
    # Another key (a writer guessing one) does not verify the same timeline.
    key.write_text("f" * 64)
    forget_cached_keys()
    assert run(capsys, "timeline", "verify", ref)[0] == 1
    forget_cached_keys()


def test_a_named_key_file_that_is_missing_is_a_one_line_error(
    db_env: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BREACHBOT_TIMELINE_KEY")
    monkeypatch.setenv("BREACHBOT_TIMELINE_KEY_FILE", str(tmp_path / "nowhere" / "key"))
    settings.cache_clear()
    forget_cached_keys()
    for command in (["timeline", "verify"], ["incident", "open", "--title", "T", "--aware-at", "20/11/2026 10:00"]):
        code, _, err = run(capsys, *command)
        assert code == 1 and len(err.splitlines()) == 1 and "BREACHBOT_TIMELINE_KEY_FILE" in err, err
    assert run(capsys, "incident", "list")[1].startswith("no incidents")  # nothing half-written
    assert not (tmp_path / "nowhere").exists()
    forget_cached_keys()
