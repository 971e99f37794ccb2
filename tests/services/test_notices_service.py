"""Drafting notices for an incident: versions tied to the assessment, files on disk, unknowns marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import pytest

from bot.services import actions, assessments, facts, incidents, org
from bot.services import notices as service
from bot.services.timeline import events_for
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HIGH = {
    "personal_data": True,
    "breach_types": ["confidentiality"],
    "data_categories": ["basic_identifiers", "credentials"],
    "subject_types": ["customers"],
    "subjects_count": 5000,
    "exposure": "unknown",
    "cause": "malicious",
    "protection": "none",
}


def seed(database: Database, *, processor: bool = False) -> str:
    with database.unit_of_work() as session:
        org.update_profile(
            session,
            {
                "name": "Kettle Books Ltd",
                "dpo_name": "Sam Ode",
                "dpo_email": "privacy@kettle.example",
                "dpo_phone": "0161 496 0000",
                "ico_registration": "ZA765432",
            },
            now=NOW,
        )
        draft = incidents.IncidentDraft(
            title="Web shop accounts taken over",
            description="Credential stuffing against the web shop; attackers logged in to customer accounts.",
            aware_at=NOW - timedelta(hours=5),
            is_processor=processor or None,
            controller_name="Big Retail plc" if processor else None,
        )
        return incidents.open_incident(session, draft, actor="U1", now=NOW).ref


def test_drafts_follow_the_decision_and_record_the_assessment_version(database: Database, tmp_path: Path) -> None:
    ref = seed(database)
    with database.unit_of_work() as session:
        assessments.record_assessment(session, ref, HIGH, actor="dpo", now=NOW)
        actions.add_action(session, ref, "Forced password resets for all 5,000 accounts", actor="dpo", now=NOW)
        facts.set_facts(session, ref, {"likely_consequences": "Fraudulent orders"}, actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        drafts = service.draft_notices(session, ref, actor="dpo", now=NOW)
        kinds = {d.kind for d in drafts}
        assert {"ico_report", "individuals_notice"} <= kinds
        assert all(d.assessment_version == 1 for d in drafts)
        ico = next(d for d in drafts if d.kind == "ico_report")
        assert "Kettle Books Ltd" in ico.markdown and "privacy@kettle.example" in ico.markdown
        assert "Forced password resets" in ico.markdown
        assert "None" not in ico.markdown.split()
        paths = service.write_drafts(drafts, ref, tmp_path)
    assert {p.suffix for p in paths} == {".md", ".docx"}
    notice_docx = next(p for p in paths if p.name.endswith("individuals-notice-v1.docx"))
    text = "\n".join(p.text for p in docx.Document(str(notice_docx)).paragraphs)
    assert "Sam Ode" in text or "privacy@kettle.example" in text


def test_redrafting_unchanged_facts_keeps_the_version_and_new_facts_add_one(database: Database) -> None:
    ref = seed(database)
    with database.unit_of_work() as session:
        assessments.record_assessment(session, ref, HIGH, actor="dpo", now=NOW)
        first = {d.kind: d.version for d in service.draft_notices(session, ref, actor="dpo", now=NOW)}
    with database.unit_of_work() as session:
        again = {
            d.kind: d.version for d in service.draft_notices(session, ref, actor="dpo", now=NOW + timedelta(minutes=5))
        }
    assert again == first
    with database.unit_of_work() as session:
        assessments.record_assessment(session, ref, {**HIGH, "subjects_count": 6000}, actor="dpo", now=NOW)
        later = service.draft_notices(session, ref, actor="dpo", now=NOW)
        assert {d.kind: d.version for d in later}["ico_report"] == 2
        assert all(d.assessment_version == 2 for d in later)
        events = events_for(session, incidents.get_incident(session, ref))
        assert [e.kind for e in events].count("drafted") == 2


def test_before_triage_the_ico_draft_is_made_with_unknowns_listed(database: Database) -> None:
    ref = seed(database)
    with database.unit_of_work() as session:
        drafts = service.draft_notices(session, ref, actor="dpo", now=NOW)
    assert [d.kind for d in drafts] == ["ico_report"]
    assert drafts[0].unknowns and "[NOT YET KNOWN:" in drafts[0].markdown


def test_a_processor_drafts_the_controller_notice(database: Database) -> None:
    ref = seed(database, processor=True)
    with database.unit_of_work() as session:
        assessments.record_assessment(session, ref, HIGH, actor="dpo", now=NOW)
        drafts = service.draft_notices(session, ref, actor="dpo", now=NOW)
    assert [d.kind for d in drafts] == ["controller_notice"]
    assert "Big Retail plc" in drafts[0].markdown


def test_a_broken_organisation_template_is_one_clear_error(database: Database, tmp_path: Path) -> None:
    ref = seed(database)
    (tmp_path / "ico_report.md.j2").write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    with pytest.raises(service.DraftingFailed, match=r"ico_report\.md\.j2"), database.unit_of_work() as session:
        service.draft_notices(session, ref, actor="dpo", now=NOW, templates_dir=tmp_path)


@pytest.mark.parametrize("actor", ["U0123ABCD", "cli:root"])
def test_the_ico_draft_never_prints_an_account_id_as_the_person_reporting(database: Database, actor: str) -> None:
    with database.unit_of_work() as session:
        draft = incidents.IncidentDraft(title="Lost laptop", aware_at=NOW - timedelta(hours=2))
        ref = incidents.open_incident(session, draft, actor=actor, now=NOW).ref
        assessments.record_assessment(session, ref, HIGH, actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        report = next(d for d in service.draft_notices(session, ref, actor="dpo", now=NOW) if d.kind == "ico_report")
    assert actor not in report.markdown
    assert "[NOT YET KNOWN: name of the person reporting]" in report.markdown


def test_the_pecr_ico_draft_gives_the_measures_in_place_before_the_breach(database: Database) -> None:
    with database.unit_of_work() as session:
        draft = incidents.IncidentDraft(title="Bill sent to the wrong subscriber", aware_at=NOW, regimes=("pecr",))
        ref = incidents.open_incident(session, draft, actor="U1", now=NOW).ref
        assessments.record_assessment(session, ref, HIGH, actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        report = next(d for d in service.draft_notices(session, ref, actor="dpo", now=NOW) if d.kind == "ico_report")
        assert "security measures in place before the breach" in report.markdown
        facts.set_facts(session, ref, {"measures_in_place": "MFA on the CRM, agent training"}, actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        report = next(d for d in service.draft_notices(session, ref, actor="dpo", now=NOW) if d.kind == "ico_report")
    assert "under PECR" in report.markdown and "MFA on the CRM, agent training" in report.markdown
