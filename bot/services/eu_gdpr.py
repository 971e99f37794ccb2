"""EU GDPR beside UK GDPR: the EEA countries where affected people live, which authorities' clocks an
incident runs because of them, and the report to each authority.

Each authority's clock is a regime key `eu-gdpr:CC` in the incident's regimes, so the alert plan, the
summary and the register see one clock per authority. The choice of authorities is made from the
organisation's profile when the incident is opened and again whenever its countries change; each change
writes its timeline event in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.clock import deadline_for, earliest_due, format_local, require_aware
from bot.domain.eu_authorities import (
    EuPlan,
    InvalidCountries,
    authority,
    clock_country,
    clock_key,
    country_code,
    expand_regimes,
    format_countries,
    is_eu_clock,
)
from bot.errors import BreachbotError
from bot.services.alerts import replan_clocks, stop_alerts
from bot.services.assessments import align_alerts_with_decision
from bot.services.incidents import LONDON, get_incident
from bot.services.timeline import append_event
from bot.store.models import Incident, Organisation, Status

CASE_REF_LIMIT = 60


class EuReportProblem(BreachbotError):
    pass


def eu_clocks(
    org: Organisation | None, regimes: list[str], countries: dict[str, int | None] | None
) -> tuple[list[str], EuPlan]:
    return expand_regimes(
        regimes,
        eu_gdpr=org.eu_gdpr if org is not None else None,
        main_establishment=org.eu_main_establishment if org is not None else None,
        countries=countries,
    )


def set_countries(
    session: Session, ref: str, countries: dict[str, int | None], *, actor: str, now: datetime
) -> Incident:
    """Record the EEA countries where affected people live and re-plan the EU authorities' clocks and
    alerts from them. An authority already notified keeps its clock: that report stays on the record."""
    incident = get_incident(session, ref, lock=True)
    if incident.status == Status.CLOSED.value:
        raise InvalidCountries(f"{incident.ref} is closed, so its countries are part of the final record")
    before = {"eu_countries": incident.eu_countries, "regimes": list(incident.regimes)}
    regimes, plan = eu_clocks(session.get(Organisation, 1), list(incident.regimes), countries)
    notified = [clock_key(code) for code in (incident.eu_reports or {})]
    regimes += [key for key in notified if key not in regimes]
    if (incident.eu_countries or {}) == countries and regimes == list(incident.regimes):
        return incident  # the same countries again (a retry, a double click): already on the record
    incident.eu_countries = countries
    incident.eu_basis = plan.basis if any(is_eu_clock(key) for key in regimes) else None
    added = [key for key in regimes if key not in incident.regimes]
    removed = [key for key in incident.regimes if key not in regimes]
    incident.regimes = regimes
    incident.next_deadline_at = earliest_due(regimes, incident.aware_at)
    incident.updated_at = now
    told = ", ".join(authority(code).labelled for k in regimes if (code := clock_country(k))) or "none"
    append_event(
        session,
        incident,
        actor=actor,
        kind="eu_countries",
        summary=(
            f"EEA countries where affected people live: {format_countries(countries) or 'none'}. "
            f"EU authorities to notify: {told}. {plan.basis}"
        ),
        at=now,
        before=before,
        after={"eu_countries": countries, "regimes": regimes, "basis": plan.basis},
    )
    if added or removed:
        replan_clocks(session, incident, added=added, removed=removed, now=now)
        # A decision not to notify already in force applies to any authority's clock just added.
        align_alerts_with_decision(session, incident, actor=actor, now=now)
    return incident


def record_authority_report(
    session: Session,
    ref: str,
    country: str,
    *,
    case_ref: str | None,
    actor: str,
    now: datetime,
    reported_at: datetime | None = None,
) -> Incident:
    """One EU authority has been notified: keep when, its case reference and whether it was late, and
    stop that authority's clock only. Repeating it changes nothing; a different case reference for an
    authority already recorded is refused rather than overwritten."""
    incident = get_incident(session, ref, lock=True)
    code = country_code(country)
    found = authority(code)
    key = clock_key(code)
    if key not in incident.regimes:
        running = [authority(c).labelled for k in incident.regimes if (c := clock_country(k))]
        raise EuReportProblem(
            f"{incident.ref} has no clock for the {found.short} ({found.country}); its EU authorities are "
            f"{', '.join(running) or 'none (record the countries with `incident facts REF --countries ...`)'}"
        )
    case = (case_ref or "").replace("\x00", "").strip() or None
    if case is not None and len(case) > CASE_REF_LIMIT:
        raise EuReportProblem(f"a case reference is at most {CASE_REF_LIMIT} characters")
    when = require_aware(reported_at or now)
    if when > now:
        raise EuReportProblem("the report time is in the future: give the moment it was submitted")
    if when < incident.aware_at:
        raise EuReportProblem("the report time is before the organisation became aware: check it")
    reports = dict(incident.eu_reports or {})
    existing = reports.get(code)
    if existing is not None:
        if case in (None, existing.get("case_ref")):
            return incident
        if existing.get("case_ref") is not None:
            raise EuReportProblem(
                f"the report to the {found.short} ({found.country}) was already recorded with case reference "
                f"{existing['case_ref']}; record a follow-up as an update instead"
            )
        reports[code] = {**existing, "case_ref": case}
        incident.eu_reports = reports
        append_event(
            session,
            incident,
            actor=actor,
            kind="eu_case_ref",
            summary=f"{found.short} ({found.country}) case reference recorded: {case}",
            at=now,
            before={"country": code, "case_ref": None},
            after={"country": code, "case_ref": case},
        )
        return incident
    due = deadline_for(key, incident.aware_at).due_at
    late = due is not None and when > due
    reports[code] = {"reported_at": when.isoformat(), "case_ref": case, "late": late, "by": actor}
    incident.eu_reports = reports
    incident.late = incident.late or late
    incident.updated_at = now
    summary = f"Notified to {found.addressed}{f' (case {case})' if case else ''} at {format_local(when, LONDON)}" + (
        ", after its deadline" if late else ""
    )
    if late and not incident.delay_reasons:
        summary += ": record the reasons for the delay (EU GDPR Art 33(1)) with `/breach delay-reasons`"
    append_event(
        session,
        incident,
        actor=actor,
        kind="eu_authority_reported",
        summary=summary,
        at=now,
        after={"country": code, "authority": found.name_en, "reported_at": when, "case_ref": case, "late": late},
    )
    stop_alerts(
        session, incident, [key], reason=f"notified to the {found.short} ({found.country})", actor=actor, now=now
    )
    return incident


def reported_at(report: dict[str, Any]) -> datetime:
    """When a recorded report to an authority was made (stored as ISO text in the JSON column)."""
    return datetime.fromisoformat(report["reported_at"])


def describe_eu(incident: Incident) -> dict[str, Any]:
    """The incident's EU GDPR record as plain data for `--json` and the faces."""
    reports = incident.eu_reports or {}
    told = []
    for key in incident.regimes:
        code = clock_country(key)
        if code is None:
            continue
        found = authority(code)
        report = reports.get(code) or {}
        told.append(
            {
                "country": code,
                "name": found.name_en,
                "reported_at": report.get("reported_at"),
                "case_ref": report.get("case_ref"),
                "late": report.get("late"),
            }
        )
    return {
        "countries": dict(incident.eu_countries or {}),
        "basis": incident.eu_basis,
        "authorities": told,
    }


def authority_report(incident: Incident, key: str) -> dict[str, Any] | None:
    """The recorded report to the authority whose clock this is, or None."""
    code = clock_country(key)
    return (incident.eu_reports or {}).get(code) if code else None
