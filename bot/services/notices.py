"""Drafting the notices an incident needs, storing each as a version, and writing them to files."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import notices as domain
from bot.domain.eu_authorities import authority
from bot.domain.worddoc import markdown_to_docx
from bot.errors import BreachbotError
from bot.services.actions import action_dicts
from bot.services.assessments import current_decision, override_dict
from bot.services.incidents import get_incident
from bot.services.org import get_profile
from bot.services.timeline import append_event
from bot.store.models import Incident, NoticeDraft


class DraftingFailed(BreachbotError):
    pass


def build_context(session: Session, incident: Incident, *, now: datetime) -> domain.NoticeContext:
    org = get_profile(session)
    decision = current_decision(session, incident)
    override = override_dict(decision.override)
    if override is not None and decision.override is not None:
        override["at"] = decision.override.created_at
    return domain.NoticeContext(
        org=domain.OrgDetails(
            name=org.name,
            ico_registration=org.ico_registration,
            address=org.address,
            dpo_name=org.dpo_name,
            dpo_email=org.dpo_email,
            dpo_phone=org.dpo_phone,
            dpo_address=org.dpo_address,
            is_processor=incident.is_processor,
        ),
        ref=incident.ref,
        title=incident.title,
        description=incident.description,
        discovered_how=incident.discovered_how,
        reported_by=_person_name(incident.reported_by),
        occurred_at=incident.occurred_at,
        aware_at=incident.aware_at,
        now=now,
        regimes=tuple(incident.regimes),
        controller_name=incident.controller_name,
        late=incident.late,
        delay_reasons=incident.delay_reasons,
        ico_case_ref=incident.ico_case_ref,
        answers=dict(decision.assessment.answers) if decision.assessment else {},
        result=dict(decision.assessment.result) if decision.assessment else None,
        assessment_version=decision.assessment.version if decision.assessment else None,
        override=override,
        actions=action_dicts(session, incident),
        likely_consequences=incident.likely_consequences,
        staff_involved=incident.staff_involved,
        cyber_incident=incident.cyber_incident,
        others_told=incident.others_told,
        ico_reported_at=incident.ico_reported_at,
        measures_in_place=incident.measures_in_place,
        public_description=incident.public_description,
        public_consequences=incident.public_consequences,
        public_measures=incident.public_measures,
        individuals_told_at=incident.individuals_told_at,
        individuals_told_how=incident.individuals_told_how,
        controller_told_at=incident.controller_told_at,
        controller_told_how=incident.controller_told_how,
        contract_hours=incident.contract_hours,
        fact_times={key: datetime.fromisoformat(when) for key, when in (incident.fact_times or {}).items()},
        eu={
            "countries": dict(incident.eu_countries or {}),
            "basis": incident.eu_basis,
            "reports": dict(incident.eu_reports or {}),
            "representative": org.eu_representative,
            "main_establishment": authority(org.eu_main_establishment).country if org.eu_main_establishment else None,
            "de_authority": org.eu_de_authority,
        },
    )


def _latest(session: Session, incident: Incident, kind: str) -> NoticeDraft | None:
    return session.scalar(
        select(NoticeDraft)
        .where(NoticeDraft.incident_id == incident.id, NoticeDraft.kind == kind)
        .order_by(NoticeDraft.version.desc())
        .limit(1)
    )


# The rendering stamps the current time in places; two drafts that differ only there are the same draft.
_CLOCK_STAMP = re.compile(r"\b\w{3} \d{1,2} \w+ \d{4}, \d{2}:\d{2} (?:GMT|BST)\b")


def _same_text(a: str, b: str) -> bool:
    return _CLOCK_STAMP.sub("", a) == _CLOCK_STAMP.sub("", b)


def draft_notices(
    session: Session, ref: str, *, actor: str, now: datetime, templates_dir: Path | None = None
) -> list[NoticeDraft]:
    """Render every notice that applies; store a new version only where the text changed."""
    incident = get_incident(session, ref, lock=True)
    context = build_context(session, incident, now=now)
    drafts: list[NoticeDraft] = []
    created: list[str] = []
    for kind in domain.applicable_kinds(context):
        try:
            rendered = domain.render_notice(kind, context, templates_dir)
        except domain.TemplateProblem as problem:
            raise DraftingFailed(f"cannot draft the {kind.replace('_', ' ')}: {problem}") from None
        previous = _latest(session, incident, kind)
        if (
            previous is not None
            and previous.assessment_version == context.assessment_version
            and _same_text(previous.markdown, rendered.markdown)
        ):
            drafts.append(previous)
            continue
        draft = NoticeDraft(
            incident_id=incident.id,
            kind=kind,
            version=(previous.version + 1) if previous else 1,
            assessment_version=context.assessment_version,
            title=rendered.title[:200],
            markdown=rendered.markdown,
            unknowns=list(rendered.unknowns),
            warnings=list(rendered.warnings),
            template_source=str(templates_dir or domain.DEFAULT_TEMPLATES_DIR)[:500],
            created_by=actor,
            created_at=now,
        )
        session.add(draft)
        drafts.append(draft)
        created.append(f"{rendered.title} v{draft.version}")
    session.flush()
    if created:
        source = f"v{context.assessment_version}" if context.assessment_version else "not yet done"
        append_event(
            session,
            incident,
            actor=actor,
            kind="drafted",
            summary=f"Drafted: {', '.join(created)} (from triage {source})",
            at=now,
            after={"drafts": [{"kind": d.kind, "version": d.version} for d in drafts]},
        )
    return drafts


def file_stem(draft: NoticeDraft, ref: str) -> str:
    return f"{ref}-{draft.kind.replace('_', '-')}-v{draft.version}"


def write_drafts(drafts: list[NoticeDraft], ref: str, out_dir: Path) -> list[Path]:
    """Each draft as Markdown and as an editable Word document."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise DraftingFailed(f"cannot create {out_dir}: {problem.strerror}") from None
    written: list[Path] = []
    for draft in drafts:
        stem = file_stem(draft, ref)
        markdown_path = out_dir / f"{stem}.md"
        docx_path = out_dir / f"{stem}.docx"
        try:
            markdown_path.write_text(draft.markdown, encoding="utf-8")
            docx_path.write_bytes(markdown_to_docx(draft.markdown, title=draft.title))
        except OSError as problem:
            raise DraftingFailed(f"cannot write to {out_dir}: {problem.strerror}") from None
        written += [markdown_path, docx_path]
    return written


# Who opened an incident is stored as a Slack user ID or "cli:<login>": neither is the name the ICO form asks
# for, so a draft leaves a marker rather than print an ID as if it were a person's name.
_ACCOUNT_ID = re.compile(r"^(cli:.*|[UW][A-Z0-9]{6,})$")


def _person_name(reported_by: str | None) -> str | None:
    if reported_by is None or _ACCOUNT_ID.match(reported_by.strip()):
        return None
    return reported_by
