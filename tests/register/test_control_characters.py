"""A control character (a `\\x01` pasted from a terminal) is removed where text enters on the command
line and from files read, and the XLSX and Word writers cope with one already stored."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.domain.worddoc import markdown_to_docx
from bot.services import incidents, org
from bot.store.session import Database
from tests.cli.test_cli import run
from tests.register.helpers import act, open_incident


def test_text_typed_on_the_command_line_is_stored_clean(db_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "incident", "open", "--title", "Laptop\x01 stolen\x1b[31m", "--aware-at", "01/11/2026 09:00", "--json"
    )
    assert code == 0, err
    ref = json.loads(out)["ref"]
    assert run(capsys, "incident", "update", ref, "Police\x07 told\tat noon")[0] == 0
    with db_env.unit_of_work() as session:
        incident = incidents.get_incident(session, ref)
        assert incident.title == "Laptop stolen[31m"
    _, out, _ = run(capsys, "timeline", ref, "--format", "md")
    assert "Police told" in out and "\x07" not in out


def test_an_answers_file_and_a_policy_are_read_clean(
    db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"cause": "malicious\x01", "personal_data": True}), encoding="utf-8")
    code, _, err = run(capsys, "triage", "--answers", str(answers), "--json")
    assert code == 0, err  # "malicious\x01" would be an unknown cause
    assert org.read_policy_text(b"Acme\x01 Ltd\r\nLondon\x00") == "Acme Ltd\nLondon"


def test_rows_stored_with_control_characters_still_export_as_xlsx(
    db_env: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The services keep what they are given; text stored before cleaning on entry existed looks like this.
    ref = open_incident(db_env, "Laptop\x01 stolen\x0b")
    act(db_env, ref, "Wiped\x02 remotely")
    code, _, err = run(capsys, "register", "export", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"))
    assert code == 0, err
    workbook = load_workbook(tmp_path / "r.xlsx", read_only=True)
    register = [cell for row in workbook["Register"].iter_rows(values_only=True) for cell in row]
    assert "Laptop stolen" in register and any("Wiped remotely" in str(cell) for cell in register)


def test_a_draft_with_control_characters_is_still_a_word_document() -> None:
    data = markdown_to_docx(
        "# Breach\x01 report\n\nThe \x1blaptop\x0c was **stolen**\x00.\n\n- item\x7f", title="T\x01"
    )
    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Breach report" in text and "The laptop was stolen." in text and "\x1b" not in text
    assert document.core_properties.title == "T"
