"""Notice drafts rendered from Jinja2 templates: the ICO report and the notices to people, controllers,
PECR subscribers and the public.

Organisations may replace the templates, so they run in Jinja's sandbox with StrictUndefined: a typo or a
hostile template fails loudly with the template's name instead of producing a quietly wrong draft.
Unknown facts never render blank; they render as a visible marker and are listed at the top of the draft.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.domain.clock import deadline_for, ico_clock
from bot.domain.eu_authorities import EU_REGIME
from bot.domain.eu_drafts import EU_TEMPLATE, eu_kinds, eu_title, kind_country, people_languages_warning
from bot.domain.eu_drafts import template_variables as eu_template_variables
from bot.domain.notice_wording import (
    AVAILABILITY,
    BREACH_TYPES,
    CATEGORY_LABELS,
    CAUSES,
    EXEMPTIONS,
    EXPOSURE,
    ICO_HELPLINE,
    INTACT,
    KIND_TITLES,
    PLAIN_CATEGORIES,
    PLAIN_SUBJECTS,
    PROTECTION,
    REGIMES,
    RISK_LEVELS,
    SUBJECT_LABELS,
    addressee,
    advice_for,
    consequences_for,
    harms_for,
    ico_likelihood,
    people,
    plain_nature,
    severity_against_risk,
    str_list,
    up_to_people,
)
from bot.domain.personal_data import personal_data_warnings
from bot.domain.triage import HIGH_RISK_CATEGORIES, LARGE_VOLUME_AT, VULNERABLE_SUBJECTS

UNKNOWN_MARKER = "[NOT YET KNOWN: {what}]"
NOTICE_KINDS = (
    "ico_report",
    "individuals_notice",
    "controller_notice",
    "pecr_subscriber_notice",
    "public_communication",
)
# Letters to the people affected: written for them, so they never carry the internal description.
PEOPLE_KINDS = ("individuals_notice", "pecr_subscriber_notice", "public_communication")
DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LONDON = ZoneInfo("Europe/London")
PECR = "pecr"
# A PECR breach is reported on the ICO's PECR form, drafted from its own template (still kind ico_report).
PECR_ICO_TEMPLATE = "ico_report_pecr.md.j2"


@dataclass(frozen=True)
class OrgDetails:
    name: str | None
    ico_registration: str | None
    address: str | None
    dpo_name: str | None
    dpo_email: str | None
    dpo_phone: str | None
    dpo_address: str | None
    is_processor: bool


@dataclass(frozen=True)
class NoticeContext:
    org: OrgDetails
    ref: str
    title: str
    description: str | None
    discovered_how: str | None
    reported_by: str | None
    occurred_at: datetime | None
    aware_at: datetime
    now: datetime
    regimes: tuple[str, ...]
    controller_name: str | None
    late: bool
    delay_reasons: str | None
    ico_case_ref: str | None
    answers: Mapping[str, Any]
    result: Mapping[str, Any] | None
    assessment_version: int | None
    override: Mapping[str, Any] | None
    actions: tuple[Mapping[str, Any], ...]
    likely_consequences: str | None
    staff_involved: str | None
    cyber_incident: bool | None
    others_told: str | None
    # Facts added later have defaults, so organisations' code and tests that build a context keep working.
    ico_reported_at: datetime | None = None
    measures_in_place: str | None = None  # security before the breach: access controls, policies, training
    public_description: str | None = None  # what happened, in plain words for the people affected
    public_consequences: str | None = None  # what it could mean for them, in the second person
    public_measures: str | None = None  # what was done, in plain words for them
    individuals_told_at: datetime | None = None
    individuals_told_how: str | None = None
    controller_told_at: datetime | None = None
    controller_told_how: str | None = None
    contract_hours: int | None = None
    fact_times: Mapping[str, datetime] = field(default_factory=dict)  # when each fact came true
    # EU GDPR: {"countries", "basis", "reports", "representative", "main_establishment", "de_authority"}
    eu: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class RenderedNotice:
    kind: str
    title: str
    markdown: str
    unknowns: tuple[str, ...]
    warnings: tuple[str, ...]


class TemplateProblem(Exception):
    """A template could not be rendered; the message names the template file and the problem."""


# --- which notices a breach needs ------------------------------------------------------------------


def _is_processor(ctx: NoticeContext) -> bool:
    # The assessment's role is per breach (a processor is a controller for its own staff data), so it
    # wins over the organisation's standing profile.
    role = (ctx.result or {}).get("role")
    if role:
        return role == "processor"
    return ctx.org.is_processor or "processor" in ctx.regimes


def _decided(ctx: NoticeContext, key: str) -> bool | None:
    """The decision in force: the DPO's override wins over the computed one."""
    if ctx.override is not None and isinstance(ctx.override.get(key), bool):
        return bool(ctx.override[key])
    value = (ctx.result or {}).get(key)
    return value if isinstance(value, bool) else None


def is_pecr(ctx: NoticeContext) -> bool:
    """A breach in connection with a public electronic communications service: PECR reg 5A takes the place of
    UK GDPR Art 33 and 34 (UK GDPR Art 95), so its ICO report and its notice to people are the PECR ones."""
    return PECR in ctx.regimes


def _regime_entry(ctx: NoticeContext, regime: str) -> Mapping[str, Any] | None:
    for entry in (ctx.result or {}).get("regimes") or ():
        if isinstance(entry, Mapping) and entry.get("regime") == regime:
            return entry
    return None


def _personal_data_breach(ctx: NoticeContext) -> bool:
    return str((ctx.result or {}).get("risk") or "") != "none"


def _tell_people(ctx: NoticeContext) -> bool:
    decided = _decided(ctx, "notify_individuals")
    if ctx.override is not None or not is_pecr(ctx) or _regime_entry(ctx, PECR) is not None:
        return decided is True
    # Assessed before per-regime results: PECR tells people on "likely to adversely affect", a lower bar than
    # high risk, so a risk to people is enough unless the data were unintelligible (reg 5A(3), 5A(6)).
    result = ctx.result or {}
    return decided is True or (result.get("risk") in ("risk", "high") and result.get("exemption") != "art34_3_a")


def applicable_kinds(ctx: NoticeContext) -> tuple[str, ...]:
    processor = _is_processor(ctx)
    pecr = is_pecr(ctx)
    kinds: set[str] = set()
    if ctx.result is None and ctx.override is None:
        # Not assessed yet: lean to caution, so the ICO draft is ready if the clock is running.
        kinds.add("ico_report")
    else:
        # PECR reports every personal data breach, whatever the risk (reg 5A(2)): no "no" can waive it.
        report = _decided(ctx, "notify_ico") is not False or (pecr and _personal_data_breach(ctx))
        if report and not processor:
            kinds.add("ico_report")
        # One notice to people: the PECR one for a PECR breach, never an Art 34 notice beside it.
        if _tell_people(ctx):
            kinds.add("pecr_subscriber_notice" if pecr else "individuals_notice")
        if (ctx.result or {}).get("public_communication") and not pecr:
            kinds.add("public_communication")
    if processor:
        kinds.add("controller_notice")
    # One draft per EU authority wherever the EU GDPR decision is to notify (its test is the UK GDPR's).
    eu = eu_kinds(ctx.regimes) if not processor and _eu_report(ctx) else []
    return tuple(kind for kind in NOTICE_KINDS if kind in kinds) + tuple(eu)


def _eu_report(ctx: NoticeContext) -> bool:
    """The EU GDPR decision in force: the override (a judgement of risk), else its own per-regime entry, else
    the overall decision; not yet assessed leans to caution."""
    if ctx.result is None and ctx.override is None:
        return True
    if ctx.override is not None and isinstance(ctx.override.get("notify_ico"), bool):
        return bool(ctx.override["notify_ico"])
    entry = _regime_entry(ctx, EU_REGIME)
    if entry is not None:
        return bool(entry.get("notify_ico"))
    return _decided(ctx, "notify_ico") is not False


def template_name(kind: str, ctx: NoticeContext) -> str:
    if kind_country(kind):
        return EU_TEMPLATE  # one template for every EU authority's draft
    return PECR_ICO_TEMPLATE if kind == "ico_report" and is_pecr(ctx) else f"{kind}.md.j2"


# --- template helpers --------------------------------------------------------------------------------

# A context variable rather than a closure so the Environment (and its compiled templates) can be cached
# and shared across threads while each render still collects its own unknowns.
_UNKNOWNS: ContextVar[list[str]] = ContextVar("notice_unknowns")


def _record_unknown(what: str) -> str:
    what = " ".join(str(what).replace("]", ")").split()) or "a detail"
    found = _UNKNOWNS.get(None)
    if found is not None and what.lower() not in (w.lower() for w in found):
        found.append(what)
    return UNKNOWN_MARKER.format(what=what)


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        # A fact recorded as "None" (no one else was told) is an answer, and the draft says it as given.
        return not value.strip()
    return isinstance(value, list | tuple | set | frozenset | Mapping) and not value


def known(value: Any, what: str) -> Any:
    """The value, or the unknown marker (recording ``what`` for the "Still to confirm" list)."""
    return _record_unknown(what) if _is_blank(value) else value


def yes_no(value: Any, what: str, yes: str = "Yes", no: str = "No") -> str:
    if isinstance(value, bool):
        return yes if value else no
    return _record_unknown(what)


def _as_london(value: datetime) -> datetime:
    # Naive datetimes only arrive from stores that drop the offset; the project stores UTC.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LONDON)


def london(value: Any, style: str = "datetime") -> Any:
    """Mon 30 March 2026, 13:00 BST (or "Monday 30 March 2026" for style="date"); markers pass through."""
    if not isinstance(value, datetime):
        return value
    local = _as_london(value)
    if style == "date":
        return f"{local:%A} {local.day} {local:%B %Y}"
    return f"{local:%a} {local.day} {local:%B %Y}, {local:%H:%M} {local:%Z}"


def _num(value: Any) -> Any:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


def _oneline(value: Any) -> Any:
    return ", ".join(p.strip() for p in value.splitlines() if p.strip()) if isinstance(value, str) else value


def _labels(table: Mapping[str, str]) -> Any:
    def apply(keys: Any) -> list[str]:
        if isinstance(keys, str) or not isinstance(keys, Sequence):
            return []
        return [table.get(k, str(k).replace("_", " ")) for k in keys]

    return apply


def _finalize(value: Any) -> Any:
    # Last line of defence for templates (including organisations' own) that print a raw value.
    if value is None:
        return _record_unknown("a detail the template printed without a value")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return london(value)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) if value else _record_unknown("a list the template printed")
    return value


@lru_cache(maxsize=16)
def _environment(search_path: tuple[str, ...]) -> ImmutableSandboxedEnvironment:
    # The immutable sandbox also stops a template changing the answers or result it was given.
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(list(search_path)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.globals.update(
        known=known,
        yes_no=yes_no,
        london=london,
        advice_for=advice_for,
        harms_for=harms_for,
        consequences_for=consequences_for,
        ICO_HELPLINE=ICO_HELPLINE,
    )
    env.filters.update(
        london=london,
        num=_num,
        oneline=_oneline,
        category_labels=_labels(CATEGORY_LABELS),
        plain_categories=_labels(PLAIN_CATEGORIES),
        subject_labels=_labels(SUBJECT_LABELS),
        plain_subjects=_labels(PLAIN_SUBJECTS),
    )
    return env


# --- facts the templates read -------------------------------------------------------------------------


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _actions(ctx: NoticeContext, planned: bool) -> list[dict[str, Any]]:
    out = []
    for action in ctx.actions:
        text = action.get("text")
        if bool(action.get("planned")) is planned and not _is_blank(text):
            out.append({"text": str(text).strip(), "at": action.get("at"), "by": action.get("by")})
    return out


def _report_clock(ctx: NoticeContext) -> tuple[datetime, int, str]:
    """The deadline the ICO draft is written against: the PECR clock for a PECR breach, else the incident's
    earliest clock to the ICO (24 hours under UK eIDAS), else UK GDPR's 72 hours."""
    for clock in (
        deadline_for(PECR, ctx.aware_at) if is_pecr(ctx) else ico_clock(ctx.regimes, ctx.aware_at),
        deadline_for("uk-gdpr", ctx.aware_at),
    ):
        if clock is not None and clock.due_at is not None and clock.regime.hours is not None:
            return clock.due_at, clock.regime.hours, clock.regime.label
    raise RuntimeError("bot/rules/regimes.toml: uk-gdpr must have fixed hours")


def _facts(ctx: NoticeContext) -> dict[str, Any]:
    a = ctx.answers
    deadline, deadline_hours, deadline_regime = _report_clock(ctx)
    protection = a.get("protection")
    protection_text = PROTECTION.get(str(protection)) if protection else None
    if protection_text and protection != "none" and isinstance(a.get("protection_intact"), bool):
        protection_text += INTACT[a["protection_intact"]]
    categories = str_list(a.get("data_categories"))
    subjects = _count(a.get("subjects_count"))
    return {
        # Once the report is recorded, any later draft is a follow-up to it.
        "follow_up": ctx.ico_reported_at is not None or not _is_blank(ctx.ico_case_ref),
        "ico_reported_at": ctx.ico_reported_at,
        "measures_in_place": None if _is_blank(ctx.measures_in_place) else ctx.measures_in_place,
        "public_account": None if _is_blank(ctx.public_description) else ctx.public_description,
        "public_account_wanted": _public_account_wanted(plain_nature(a)),
        "public_account_wanted_public": _public_account_wanted(
            plain_nature(a, "Some personal details of the people affected")
        ),
        "public_consequences": None if _is_blank(ctx.public_consequences) else ctx.public_consequences,
        "public_measures": None if _is_blank(ctx.public_measures) else ctx.public_measures,
        "suggested_consequences": consequences_for(categories),
        "consequences_wanted": _consequences_wanted(harms_for(categories)),
        "subjects_people": people(subjects) if subjects is not None else None,
        "subjects_may_be_affected": f"{up_to_people(subjects)} may be affected." if subjects is not None else None,
        "individuals_told_at": ctx.individuals_told_at,
        "individuals_told_how": None if _is_blank(ctx.individuals_told_how) else ctx.individuals_told_how,
        "controller_told_at": ctx.controller_told_at,
        "others_told_at": ctx.fact_times.get("others_told"),
        "controller_told_how": None if _is_blank(ctx.controller_told_how) else ctx.controller_told_how,
        "contract_deadline": ctx.aware_at + timedelta(hours=ctx.contract_hours) if ctx.contract_hours else None,
        "processor": _is_processor(ctx),
        "deadline": deadline,
        "deadline_hours": deadline_hours,
        "deadline_regime": deadline_regime,
        "deadline_passed": ctx.now > deadline,
        "hours_since_aware": max(0, int((ctx.now - ctx.aware_at).total_seconds() // 3600)),
        "late": ctx.late or ctx.now > deadline,
        "data_categories": categories,
        "subject_types": str_list(a.get("subject_types")),
        "subjects_count": subjects,
        "records_count": _count(a.get("records_count")),
        "breach_types": [BREACH_TYPES.get(t, t) for t in str_list(a.get("breach_types"))],
        "cause": CAUSES.get(str(a.get("cause"))),
        "protection": protection_text,
        "exposure": EXPOSURE.get(str(a.get("exposure"))),
        "recovered": a.get("recovered") if isinstance(a.get("recovered"), bool) else None,
        "availability": AVAILABILITY.get(str(a.get("availability"))),
        "media_coverage": a.get("media_coverage"),
        # Kept for organisations' own templates; ours offer them only as suggestions inside a marker.
        "plain_nature": plain_nature(a),
        "plain_nature_public": plain_nature(a, "Some personal details of the people affected"),
        # An EU authority's clock (eu-gdpr:FR) is one entry, "EU GDPR", however many authorities there are.
        "regimes": list(dict.fromkeys(REGIMES.get(r.split(":")[0], r) for r in ctx.regimes)),
        "actions_taken": _actions(ctx, planned=False),
        "actions_planned": _actions(ctx, planned=True),
        "addressee": addressee(str_list(a.get("subject_types"))),
        "contact_known": any(not _is_blank(v) for v in (ctx.org.dpo_email, ctx.org.dpo_phone)),
    }


def _public_account_wanted(suggestion: str) -> str:
    # The "]" of the suggestion would end the marker early; the triage answers never hold one.
    return f'what happened, in plain words for the people affected. Suggested: "{suggestion}"'


def _consequences_wanted(harms: Sequence[str]) -> str:
    wanted = "likely consequences for the people affected"
    return f"{wanted}. Suggested from the data involved: {'; '.join(harms)}" if harms else wanted


def _risk_in_force(ctx: NoticeContext) -> str | None:
    """The risk level the decision in force stands for: the DPO's override speaks for itself."""
    if ctx.override is not None:
        if _decided(ctx, "notify_individuals"):
            return "high"
        return "risk" if _decided(ctx, "notify_ico") else "unlikely"
    risk = (ctx.result or {}).get("risk")
    return str(risk) if risk else None


def _labels_of(table: Mapping[str, str], keys: Sequence[str]) -> str:
    names = [table.get(k, k).split(" (")[0].lower() for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _why_lower(a: Mapping[str, Any]) -> list[str]:
    """Facts that make harm less likely than the severity of the data and circumstances suggests."""
    why = []
    if a.get("protection") in ("encrypted", "hashed") and a.get("protection_intact") is True:
        secret = "key" if a["protection"] == "encrypted" else "salt"
        why.append(f"the data were {a['protection']} to a current standard and the {secret} was not compromised")
    if a.get("exposure") == "none":
        why.append("no one unauthorised saw the data")
    elif a.get("exposure") == "trusted":
        why.append("the only people who received the data are bound to keep it confidential")
    if a.get("recovered") is True:
        why.append("copies were recovered or deleted before they could be misused")
    if a.get("availability") == "restored_quickly":
        why.append("the data were restored quickly from backup")
    return why


def _why_higher(a: Mapping[str, Any]) -> list[str]:
    """Facts that make the risk to people higher than the severity score alone suggests."""
    why = []
    high = [c for c in str_list(a.get("data_categories")) if c in HIGH_RISK_CATEGORIES]
    if high:
        why.append(f"the data include {_labels_of(CATEGORY_LABELS, high)}")
    vulnerable = [s for s in str_list(a.get("subject_types")) if s in VULNERABLE_SUBJECTS]
    if vulnerable:
        why.append(f"the people affected include {_labels_of(SUBJECT_LABELS, vulnerable)}")
    count = _count(a.get("subjects_count"))
    if count is not None and count >= LARGE_VOLUME_AT:
        why.append(f"up to {people(count)} may be affected")
    if a.get("impact_on_people") == "significant":
        why.append("the people affected have had, or are likely to have, significant consequences")
    return why


def _severity_note(ctx: NoticeContext, band: str | None, risk: str | None) -> tuple[bool, str | None]:
    """Whether the ICO draft may show the ENISA severity, and the sentence that must go with it when the
    band suggests another risk level than the decision. With no fact to say why, the score stays in the
    register: a regulator must never read a severity that contradicts the decision unexplained."""
    direction = severity_against_risk(band, risk)
    if direction == 0:
        return True, None
    why = _why_lower(ctx.answers) if direction > 0 else _why_higher(ctx.answers)
    if not why:
        return False, None
    joined = why[0] if len(why) == 1 else "; ".join(why[:-1]) + "; and " + why[-1]
    return True, (
        "The ENISA score rates the severity of the data and the circumstances; our assessment also weighs how "
        f"likely harm is. We judge the risk to people {'lower' if direction > 0 else 'higher'} than the score "
        f"alone suggests because {joined}."
    )


def _decision(ctx: NoticeContext) -> dict[str, Any]:
    result = ctx.result or {}
    override = ctx.override or {}
    severity = result.get("severity") if isinstance(result.get("severity"), Mapping) else None
    exemption = result.get("exemption")
    risk = _risk_in_force(ctx)
    show_severity, severity_note = _severity_note(ctx, severity.get("band") if severity else None, risk)
    return {
        "likelihood": ico_likelihood(risk),
        "show_severity": bool(severity) and show_severity,
        "severity_note": severity_note,
        "assessed": ctx.result is not None,
        "computed_ico": result.get("notify_ico"),
        "computed_individuals": result.get("notify_individuals"),
        "override_ico": override.get("notify_ico"),
        "override_individuals": override.get("notify_individuals"),
        "notify_ico": _decided(ctx, "notify_ico"),
        "notify_individuals": _decided(ctx, "notify_individuals"),
        "public_communication": bool(result.get("public_communication")),
        "exemption": exemption,
        "exemption_text": EXEMPTIONS.get(str(exemption)) if exemption else None,
        "risk": result.get("risk"),
        "risk_text": RISK_LEVELS.get(str(result.get("risk")), str(result.get("risk")).replace("_", " "))
        if result.get("risk")
        else None,
        "severity": dict(severity) if severity else None,
        "reasons": str_list(result.get("reasons")),
        "missing": [str(m).replace("_", " ") for m in str_list(result.get("missing"))],
        "overridden": ctx.override is not None,
        "pecr": _pecr_decision(ctx),
    }


def _pecr_decision(ctx: NoticeContext) -> dict[str, Any] | None:
    """PECR's own decision for the PECR drafts: telling subscribers, and whether the data were unintelligible."""
    if not is_pecr(ctx):
        return None
    entry = _regime_entry(ctx, PECR) or {}
    return {
        "tell_subscribers": _tell_people(ctx) if ctx.result is not None or ctx.override is not None else None,
        "unintelligible": entry.get("exemption") == "unintelligible",
        "reasons": str_list(entry.get("reasons")),
    }


# --- rendering -------------------------------------------------------------------------------------------


def _failing_frame(exc: BaseException, fallback: str) -> tuple[str, int | None]:
    """The innermost template file and line in the traceback (Jinja rewrites frames to template lines)."""
    name, line = fallback, None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            name, line = Path(filename).name, tb.tb_lineno
        tb = tb.tb_next
    return name, line


def _expression_path(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _expression_path(node.node)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _expression_path(node.node)
        return f"{base}.{node.arg.value}" if base else None
    return None


def _undefined_path(env: jinja2.Environment, template: str, line: int | None, message: str) -> str:
    """Turn Jinja's "'X object' has no attribute 'fax'" into the expression the author wrote: org.fax."""
    match = re.search(r"'([^']+)' is undefined", message) or re.search(
        r"has no (?:attribute|element) '([^']+)'", message
    )
    if not match:
        return message
    name = match.group(1)
    try:
        source = env.loader.get_source(env, template)[0] if env.loader else ""
        tree = env.parse(source)
    except jinja2.TemplateError:
        return name
    candidates = [
        (n.lineno, path)
        for n in tree.find_all((nodes.Getattr, nodes.Getitem))
        if (getattr(n, "attr", None) == name or getattr(getattr(n, "arg", None), "value", None) == name)
        and (path := _expression_path(n))
    ]
    on_line = [path for lineno, path in candidates if lineno == line]
    return (on_line or [path for _, path in candidates] or [name])[0]


def _render_template(env: jinja2.Environment, filename: str, variables: dict[str, Any]) -> str:
    try:
        return env.get_template(filename).render(**variables)
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"{filename}: template not found ({exc.name})") from exc
    except jinja2.TemplateSyntaxError as exc:
        where = Path(exc.filename).name if exc.filename else filename
        raise TemplateProblem(f"{where}: syntax error on line {exc.lineno}: {exc.message}") from exc
    except SecurityError as exc:
        where, _ = _failing_frame(exc, filename)
        attr = re.search(r"attribute '([^']+)'", str(exc))
        what = f"access to attribute '{attr.group(1)}'" if attr else str(exc).rstrip(".")
        raise TemplateProblem(f"{where}: {what} refused by the sandbox") from exc
    except jinja2.UndefinedError as exc:
        where, line = _failing_frame(exc, filename)
        path = _undefined_path(env, where, line, str(exc))
        raise TemplateProblem(f"{where}: undefined variable '{path}'") from exc
    except Exception as exc:  # an organisation's template can fail in any way; say which one failed
        where, line = _failing_frame(exc, filename)
        raise TemplateProblem(f"{where}: line {line}: {type(exc).__name__}: {exc}") from exc


def _kind_warnings(kind: str, ctx: NoticeContext) -> list[str]:
    warnings = []
    if ctx.result is None:
        warnings.append("The breach has not been assessed yet: this draft leans to caution.")
    elif kind not in applicable_kinds(ctx):
        warnings.append(f"The current decision does not call for this draft ({_kind_title(kind)}).")
    if kind == "ico_report":
        if _is_processor(ctx):
            warnings.append("As a processor you tell the controller; the controller reports to the ICO.")
        warnings.extend(personal_data_warnings(ctx))
    if kind == "individuals_notice" and (languages := people_languages_warning((ctx.eu or {}).get("countries"))):
        warnings.append(languages)
    return warnings


def _kind_title(kind: str) -> str:
    return eu_title(kind) if kind_country(kind) else KIND_TITLES[kind]


def _preamble(unknowns: Sequence[str], warnings: Sequence[str]) -> str:
    parts = [f"> **Warning:** {w}\n" for w in warnings]
    if unknowns:
        items = "".join(f"- {what}\n" for what in unknowns)
        parts.append(
            "## Still to confirm\n\nThese facts are not yet known. Confirm them, or send them "
            f"later, before this draft is final:\n\n{items}\nRemove these notes before sending.\n"
        )
    return "\n".join(parts)


_EMPTY_FIELD = re.compile(r"^[ \t]*[-*][ \t]+\*\*([^*\n]+)\*\*[ \t]*$", re.M)


def render_notice(kind: str, ctx: NoticeContext, templates_dir: Path | None = None) -> RenderedNotice:
    if kind not in NOTICE_KINDS and not kind_country(kind):
        raise ValueError(f"unknown notice kind {kind!r}; expected one of {', '.join(NOTICE_KINDS)}")
    if templates_dir is not None and not Path(templates_dir).is_dir():
        # Falling back to the defaults here would hide a misconfigured organisation behind plausible drafts.
        raise TemplateProblem(f"{kind}.md.j2: templates directory {templates_dir} does not exist")
    # A custom directory overrides the kinds it has; the project's templates fill in the rest.
    search = (str(templates_dir),) if templates_dir else ()
    env = _environment((*search, str(DEFAULT_TEMPLATES_DIR)))
    variables = {
        "kind": kind,
        "ctx": ctx,
        "org": ctx.org,
        "answers": ctx.answers,
        "result": ctx.result,
        "override": ctx.override,
        "facts": _facts(ctx),
        "decision": _decision(ctx),
    }
    if kind_country(kind):
        variables |= eu_template_variables(kind, {**(ctx.eu or {}), "regimes": ctx.regimes}, ctx.aware_at)
    unknowns: list[str] = []
    token = _UNKNOWNS.set(unknowns)
    try:
        body = _render_template(env, template_name(kind, ctx), variables)
    finally:
        _UNKNOWNS.reset(token)
    warnings = _kind_warnings(kind, ctx)
    listed = [a for a in _actions(ctx, planned=False) + _actions(ctx, planned=True) if a["text"] in body]
    if kind in PEOPLE_KINDS and _is_blank(ctx.public_measures) and listed:
        warnings.append(
            "This letter lists the remedial actions as recorded for the register. Put what was done in plain "
            f"words for the people affected with breachbot incident facts {ctx.ref} --public-measures TEXT "
            "(or /breach facts), or edit them here."
        )
    if kind in PEOPLE_KINDS and ctx.ico_reported_at is None and "Information Commissioner" in body:
        warnings.append(
            "The ICO report is not recorded yet, so this letter says it is still to be made. If it has been "
            f"made, record it (breachbot incident reported {ctx.ref}, or /breach reported) and draft again."
        )
    warnings += [f"The template left the field '{m}' empty." for m in _EMPTY_FIELD.findall(body)]
    head, _, rest = body.lstrip("\n").partition("\n")
    preamble = _preamble(unknowns, warnings)
    if head.startswith("# ") and preamble:
        markdown = f"{head}\n\n{preamble}\n{rest.lstrip(chr(10))}"
    else:
        markdown = f"{preamble}\n{body}" if preamble else body
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
    return RenderedNotice(
        kind=kind,
        title=f"{_kind_title(kind)}: {ctx.ref}",
        markdown=markdown,
        unknowns=tuple(unknowns),
        warnings=tuple(warnings),
    )
