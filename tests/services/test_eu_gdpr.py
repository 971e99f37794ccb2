"""EU GDPR beside UK GDPR: one clock, alert plan, report and draft per EEA authority (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.register import NOT_APPLICABLE
from bot.services import alerts as alert_service
from bot.services import assessments, eu_gdpr, notices, org, register
from bot.services.incidents import IncidentDraft, describe, get_incident, open_incident
from bot.services.timeline import events_for, verify_incident
from bot.store.models import AlertPlan, AlertState, PlannedAlert
from bot.store.session import Database
from tests.services.test_assessments import HIGH_RISK, LOW_RISK

AWARE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NOW = AWARE + timedelta(hours=2)
REPRESENTATIVE = "EU Rep Ltd, 1 Quay St, Dublin, rep@example.eu"


def _profile(database: Database, **changes: object) -> None:
    with database.unit_of_work() as session:
        org.update_profile(session, {"name": "Acme Shop Ltd", **changes}, now=NOW)


def _open(database: Database, countries: dict[str, int | None] | None, regimes: tuple[str, ...] = ()) -> str:
    with database.unit_of_work() as session:
        draft = IncidentDraft(title="Orders table exposed", aware_at=AWARE, regimes=regimes, eu_countries=countries)
        incident = open_incident(session, draft, actor="U1", now=NOW)
        alert_service.plan_for_incident(session, incident, NOW)
        return incident.ref


def _deadlines(database: Database, ref: str) -> list[dict[str, object]]:
    with database.unit_of_work() as session:
        return describe(get_incident(session, ref), now=NOW)["deadlines"]


def _eu(deadlines: list[dict[str, object]]) -> list[dict[str, object]]:
    return [d for d in deadlines if d["regime"] == "eu-gdpr"]


def _planned(database: Database, ref: str) -> dict[str, list[str]]:
    with database.unit_of_work() as session:
        incident = get_incident(session, ref)
        rows = session.scalars(select(PlannedAlert).where(PlannedAlert.incident_id == incident.id)).all()
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row.regime, []).append(row.kind)
        return found


def _live_alerts(database: Database, ref: str) -> dict[str, int]:
    """Live (pending) alerts per clock."""
    with database.unit_of_work() as session:
        incident = get_incident(session, ref)
        rows = session.scalars(select(PlannedAlert).where(PlannedAlert.incident_id == incident.id)).all()
        counts: dict[str, int] = {}
        for row in rows:
            if row.state == AlertState.PENDING.value:
                counts[row.regime] = counts.get(row.regime, 0) + 1
        return counts


def test_no_eea_establishment_three_countries_three_eu_clocks_besides_the_icos(database: Database) -> None:
    _profile(database, eu_gdpr=True, eu_representative=REPRESENTATIVE)
    ref = _open(database, {"FR": 120, "IE": None, "DE": 40})
    deadlines = _deadlines(database, ref)
    assert [d["regime"] for d in deadlines].count("uk-gdpr") == 1
    eu = _eu(deadlines)
    assert sorted(d["authority"]["country"] for d in eu) == ["DE", "FR", "IE"]  # type: ignore[index]
    names = {d["authority"]["country"]: d["authority"]["name"] for d in eu}  # type: ignore[index]
    assert "CNIL" in names["FR"]
    assert names["IE"] == "Data Protection Commission"
    assert "competent German supervisory authority" in names["DE"]
    for clock in eu:
        assert clock["hours"] == 72
        assert clock["deadline"] == (AWARE + timedelta(hours=72)).isoformat()
        assert clock["stopped"] is False
    # Each authority has its own full alert plan, beside the ICO's (a "clock started" already past when
    # planned is sent once for all the clocks, so counts are of every planned alert).
    planned = _planned(database, ref)
    assert set(planned) == {"uk-gdpr", "eu-gdpr:FR", "eu-gdpr:IE", "eu-gdpr:DE"}
    assert {len(kinds) for kinds in planned.values()} == {6}
    assert set(_live_alerts(database, ref)) == set(planned)


def test_reporting_to_the_cnil_stops_only_its_clock(database: Database) -> None:
    _profile(database, eu_gdpr=True, eu_representative=REPRESENTATIVE)
    ref = _open(database, {"FR": 120, "IE": None, "DE": 40})
    reported_at = AWARE + timedelta(hours=20)
    with database.unit_of_work() as session:
        eu_gdpr.record_authority_report(session, ref, "fr", case_ref="CNIL-2026-77", actor="dpo", now=NOW + timedelta(
            hours=20), reported_at=reported_at)  # fmt: skip
    with database.unit_of_work() as session:
        # Repeating it (a retry, a double click) changes nothing.
        eu_gdpr.record_authority_report(session, ref, "FR", case_ref=None, actor="dpo", now=NOW + timedelta(hours=21))
    live = _live_alerts(database, ref)
    assert "eu-gdpr:FR" not in live
    assert {"uk-gdpr", "eu-gdpr:IE", "eu-gdpr:DE"} <= set(live)
    stopped = {d["authority"]["country"]: d["stopped"] for d in _eu(_deadlines(database, ref))}  # type: ignore[index]
    assert stopped == {"FR": True, "IE": False, "DE": False}
    with database.unit_of_work() as session:
        incident = get_incident(session, ref)
        assert incident.eu_reports["FR"]["case_ref"] == "CNIL-2026-77"
        assert incident.eu_reports["FR"]["late"] is False
        assert incident.ico_reported_at is None and incident.status == "open"
        assert [e.kind for e in events_for(session, incident)][-2:] == ["eu_authority_reported", "alerts_stopped"]
        assert verify_incident(session, incident).ok
    with pytest.raises(eu_gdpr.EuReportProblem, match="already recorded"), database.unit_of_work() as session:
        eu_gdpr.record_authority_report(session, ref, "FR", case_ref="OTHER", actor="dpo", now=NOW)
    with pytest.raises(eu_gdpr.EuReportProblem, match="no clock for the AEPD"), database.unit_of_work() as session:
        eu_gdpr.record_authority_report(session, ref, "ES", case_ref=None, actor="dpo", now=NOW)


def test_a_late_report_to_one_authority_is_recorded_as_late(database: Database) -> None:
    _profile(database, eu_gdpr=True)
    ref = _open(database, {"IE": 3})
    later = AWARE + timedelta(hours=80)
    with database.unit_of_work() as session:
        eu_gdpr.record_authority_report(session, ref, "IE", case_ref="BN-1", actor="dpo", now=later)
    with database.unit_of_work() as session:
        incident = get_incident(session, ref)
        assert incident.eu_reports["IE"]["late"] is True and incident.late is True


def test_main_establishment_in_ireland_people_in_four_countries_one_clock_to_the_dpc(database: Database) -> None:
    _profile(database, eu_gdpr=True, eu_main_establishment="IE")
    ref = _open(database, {"FR": 10, "DE": 5, "ES": None, "IT": 2})
    eu = _eu(_deadlines(database, ref))
    assert [d["authority"] for d in eu] == [{"country": "IE", "name": "Data Protection Commission"}]
    with database.unit_of_work() as session:
        assert "lead supervisory authority" in (get_incident(session, ref).eu_basis or "")


def test_eu_gdpr_not_applying_gives_no_eu_clocks_whatever_the_countries(database: Database) -> None:
    _profile(database, eu_gdpr=False)
    ref = _open(database, {"FR": 10, "DE": 5, "IE": None})
    assert _eu(_deadlines(database, ref)) == []
    assert set(_live_alerts(database, ref)) == {"uk-gdpr"}
    with database.unit_of_work() as session:
        eu_gdpr.set_countries(session, ref, {"NL": 4}, actor="dpo", now=NOW)
    assert _eu(_deadlines(database, ref)) == []
    # Asking for the EU GDPR against a profile that says it does not apply still opens the incident (a
    # report is never lost), with no EU clock and the reason on the record for the privacy team to check.
    other = _open(database, {"FR": 1}, regimes=("uk-gdpr", "eu-gdpr"))
    assert _eu(_deadlines(database, other)) == []
    with database.unit_of_work() as session:
        assert "does not apply" in (get_incident(session, other).eu_basis or "")


def test_a_decision_not_to_notify_stops_every_eu_clock_with_the_reasons(database: Database) -> None:
    _profile(database, eu_gdpr=True, eu_representative=REPRESENTATIVE)
    ref = _open(database, {"FR": 1, "IE": None})
    with database.unit_of_work() as session:
        assessments.record_assessment(session, ref, LOW_RISK, actor="dpo", now=NOW)
    assert _live_alerts(database, ref) == {}
    with database.unit_of_work() as session:
        incident = get_incident(session, ref)
        stopped = session.get_one(AlertPlan, incident.id).stopped
        assert set(stopped) == {"uk-gdpr", "eu-gdpr:FR", "eu-gdpr:IE"}
        reasons = {entry["reason"] for entry in stopped.values()}
        assert len(reasons) == 1 and "not to notify the ICO or the EU authorities" in reasons.pop()
    # An authority added later follows the decision in force: its clock is stopped too.
    with database.unit_of_work() as session:
        eu_gdpr.set_countries(session, ref, {"FR": 1, "IE": None, "NL": 7}, actor="dpo", now=NOW)
    assert _live_alerts(database, ref) == {}
    with database.unit_of_work() as session:
        stopped = session.get_one(AlertPlan, get_incident(session, ref).id).stopped
        assert "eu-gdpr:NL" in stopped


def test_changing_the_countries_replans_the_clocks_and_keeps_a_notified_authority(database: Database) -> None:
    _profile(database, eu_gdpr=True)
    ref = _open(database, {"FR": 1, "IE": 2})
    with database.unit_of_work() as session:
        eu_gdpr.record_authority_report(session, ref, "IE", case_ref=None, actor="dpo", now=NOW)
    with database.unit_of_work() as session:
        eu_gdpr.set_countries(session, ref, {"DE": 9, "PL": None}, actor="dpo", now=NOW)
    countries = sorted(d["authority"]["country"] for d in _eu(_deadlines(database, ref)))  # type: ignore[index]
    assert countries == ["DE", "IE", "PL"]  # FR dropped; IE kept because it was notified
    live = _live_alerts(database, ref)
    assert {"eu-gdpr:DE", "eu-gdpr:PL"} <= set(live) and "eu-gdpr:FR" not in live and "eu-gdpr:IE" not in live
    with database.unit_of_work() as session:
        incident = get_incident(session, ref)
        assert incident.eu_countries == {"DE": 9, "PL": None}
        kinds = [e.kind for e in events_for(session, incident)]
        assert "eu_countries" in kinds
        # The same countries again write nothing.
        count = len(kinds)
        eu_gdpr.set_countries(session, ref, {"DE": 9, "PL": None}, actor="dpo", now=NOW)
        assert len(events_for(session, incident)) == count


def test_one_draft_per_authority_naming_it_its_route_and_languages(database: Database) -> None:
    _profile(database, eu_gdpr=True, eu_representative=REPRESENTATIVE)
    ref = _open(database, {"FR": 120, "IE": None, "DE": 40})
    with database.unit_of_work() as session:
        drafts = notices.draft_notices(session, ref, actor="dpo", now=NOW)
        by_kind = {d.kind: d for d in drafts}
        stems = {notices.file_stem(d, ref) for d in drafts}
    assert {"eu_authority_report_FR", "eu_authority_report_IE", "eu_authority_report_DE"} <= set(by_kind)
    assert f"{ref}-eu-authority-report-FR-v1" in stems
    french = by_kind["eu_authority_report_FR"].markdown
    assert "CNIL" in french and "https://notifications.cnil.fr/notifications/violation" in french
    assert "**Languages it accepts:** French" in french
    assert "This draft is in English" in french and "translated" in french
    assert REPRESENTATIVE in french
    assert "**Of whom living in France:** 120" in french
    assert "EDPB Guidelines 9/2022" in french
    irish = by_kind["eu_authority_report_IE"].markdown
    assert "accepts notifications in English" in irish
    assert "[NOT YET KNOWN: how many of the people affected live in Ireland]" in irish
    german = by_kind["eu_authority_report_DE"].markdown
    assert "[NOT YET KNOWN: which German supervisory authority is competent" in german


def test_the_notice_to_people_says_it_may_need_their_languages(database: Database) -> None:
    _profile(database, eu_gdpr=True)
    ref = _open(database, {"FR": 3, "DE": 2})
    with database.unit_of_work() as session:
        assessments.record_assessment(session, ref, HIGH_RISK, actor="dpo", now=NOW)
        drafts = {d.kind: d for d in notices.draft_notices(session, ref, actor="dpo", now=NOW)}
    assert "individuals_notice" in drafts
    text = drafts["individuals_notice"].markdown
    assert "France, Germany" in text and "French, German" in text


def test_the_register_entry_lists_each_eu_authority_told_when_case_and_lateness(database: Database) -> None:
    _profile(database, eu_gdpr=True)
    ref = _open(database, {"FR": 120, "IE": None})
    with database.unit_of_work() as session:
        eu_gdpr.record_authority_report(
            session, ref, "IE", case_ref="BN-7", actor="dpo", now=AWARE + timedelta(hours=80)
        )
    with database.unit_of_work() as session:
        entry = register.register_entry(session, get_incident(session, ref), now=AWARE + timedelta(hours=81))
    assert entry["eu_authorities"] == [
        "French Data Protection Authority (CNIL) (FR): not notified (due 2026-12-03 09:00 UTC)",
        "Data Protection Commission (IE): notified 2026-12-03 17:00 UTC, case BN-7, late",
    ]


def test_the_register_says_not_applicable_without_eu_clocks(database: Database) -> None:
    ref = _open(database, None)
    with database.unit_of_work() as session:
        entry = register.register_entry(session, get_incident(session, ref), now=NOW)
    assert entry["eu_authorities"] is NOT_APPLICABLE


def test_closing_a_notifiable_breach_needs_each_eu_authority_report(database: Database) -> None:
    _profile(database, eu_gdpr=True)
    ref = _open(database, {"FR": 120, "IE": None})
    with database.unit_of_work() as session:
        assessments.record_assessment(session, ref, HIGH_RISK, actor="dpo", now=NOW)
        missing = register.missing_for_close(session, get_incident(session, ref), now=NOW)
    assert any("each EU authority" in need for need in missing)
    with database.unit_of_work() as session:
        for country in ("FR", "IE"):
            eu_gdpr.record_authority_report(session, ref, country, case_ref=None, actor="dpo", now=NOW)
        missing = register.missing_for_close(session, get_incident(session, ref), now=NOW)
    assert not any("each EU authority" in need for need in missing)


def test_adding_a_country_plans_only_the_new_authoritys_alerts(database: Database) -> None:
    _profile(database, eu_gdpr=True)
    ref = _open(database, {"FR": 4})

    def rows() -> dict[tuple[str, str], tuple[int, str]]:
        with database.unit_of_work() as session:
            incident = get_incident(session, ref)
            found = session.scalars(select(PlannedAlert).where(PlannedAlert.incident_id == incident.id)).all()
            return {(row.regime, row.kind): (row.id, row.state) for row in found}

    before = rows()
    with database.unit_of_work() as session:
        eu_gdpr.set_countries(session, ref, {"FR": 4, "NL": 2}, actor="dpo", now=NOW + timedelta(hours=1))
    after = rows()
    # The clocks already running keep their alerts untouched: nothing about them is announced again.
    assert {key: value for key, value in after.items() if key[0] != "eu-gdpr:NL"} == before
    new = {kind: state for (regime, kind), (_, state) in after.items() if regime == "eu-gdpr:NL"}
    assert len(new) == 6 and new["started"] == "pending"


def test_the_german_draft_names_the_authority_a_person_chose(database: Database) -> None:
    _profile(database, eu_gdpr=True)
    ref = _open(database, {"DE": 9})
    with database.unit_of_work() as session:
        german = {d.kind: d for d in notices.draft_notices(session, ref, actor="dpo", now=NOW)}[
            "eu_authority_report_DE"
        ]
    assert "- DE-BE: Berliner Beauftragte für Datenschutz und Informationsfreiheit" in german.markdown
    _profile(database, eu_de_authority="de-be")
    with database.unit_of_work() as session:
        assert (
            org.get_profile(session).eu_de_authority == "Berliner Beauftragte für Datenschutz und Informationsfreiheit"
        )
        drafts = {d.kind: d for d in notices.draft_notices(session, ref, actor="dpo", now=NOW)}
    text = drafts["eu_authority_report_DE"].markdown
    assert text.startswith("# Personal data breach notification to the Berliner Beauftragte")
    assert "has chosen Berliner Beauftragte für Datenschutz und Informationsfreiheit" in text
    assert "DE-BY:" not in text


def test_triage_gives_the_eu_gdpr_one_decision_for_all_its_authorities(database: Database) -> None:
    _profile(database, eu_gdpr=True)
    ref = _open(database, {"FR": 1, "IE": 2, "DE": 3})
    with database.unit_of_work() as session:
        assessment = assessments.record_assessment(session, ref, HIGH_RISK, actor="dpo", now=NOW)
        regimes = [entry["regime"] for entry in assessment.result["regimes"]]
    assert regimes == ["uk-gdpr", "eu-gdpr"]
