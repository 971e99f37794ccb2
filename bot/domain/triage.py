"""Breach triage: from a responder's answers to the risk to people and what each regime requires, with reasons.

Pure domain logic. Every weight, threshold and sentence lives in bot/rules/triage.toml, so a DPO or a change
in the law edits data, not code; this module only applies them. The rules file explains the method.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from importlib import resources
from typing import Any

from bot.domain import regime_triage
from bot.domain.notice_wording import up_to_people
from bot.domain.regime_triage import RegimeDecision


def _load_rules() -> dict[str, Any]:
    with resources.files("bot.rules").joinpath("triage.toml").open("rb") as fh:
        return tomllib.load(fh)


_R = _load_rules()
RULES_VERSION: str = _R["version"]
_D, _L, _E, _A, _T = _R["decision"], _R["likelihood"], _R["enisa"], _R["assume"], _R["text"]
_PHRASES: dict[str, dict[str, str]] = _R["phrases"]
_ASSUME_TEXT: dict[str, str] = _A["text"]
# For the drafts, which must say why their decision differs from the ENISA band (bot/domain/notices.py).
HIGH_RISK_CATEGORIES: tuple[str, ...] = tuple(_D["high_risk_categories"])
VULNERABLE_SUBJECTS: tuple[str, ...] = tuple(_D["vulnerable_subject_types"])
LARGE_VOLUME_AT: int = int(_D["volume_people_at"])
_ORDER = ("none", "unlikely", "risk", "high")
_RANK = {name: rank for rank, name in enumerate(_ORDER)}
LABEL_MAX, HELP_MAX = 75, 150  # Slack modal limits


@dataclass(frozen=True)
class Question:
    """One question of the Slack modal. `noun` names the answer inside a sentence; `item` names one option."""

    key: str
    group: str
    label: str
    help: str
    kind: str  # "bool" | "choice" | "multi" | "count" | "text"
    options: tuple[tuple[str, str], ...]
    noun: str
    item: str


def _question(q: dict[str, Any]) -> Question:
    options = tuple((value, label) for value, label in q.get("options", ()))
    return Question(q["key"], q["group"], q["label"], q["help"], q["kind"], options, q["noun"], q.get("item", "value"))


QUESTIONS: tuple[Question, ...] = tuple(_question(q) for q in _R["questions"])
_Q = {q.key: q for q in QUESTIONS}
_VALUES = {q.key: tuple(value for value, _ in q.options) for q in QUESTIONS}


class AnswersError(ValueError):
    """Bad triage answers; `key` names the offending answer and the message is one line a person can act on."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class TriageAnswers:
    """Facts a responder can give in minutes. Every field may be None, meaning not known yet."""

    personal_data: bool | None = None
    data_categories: tuple[str, ...] | None = None
    subject_types: tuple[str, ...] | None = None
    subjects_count: int | None = None
    records_count: int | None = None
    breach_types: tuple[str, ...] | None = None
    cause: str | None = None
    exposure: str | None = None
    recovered: bool | None = None
    availability: str | None = None
    impact_on_people: str | None = None
    protection: str | None = None
    protection_intact: bool | None = None
    mitigated: bool | None = None
    disproportionate_effort: bool | None = None
    disproportionate_effort_reason: str | None = None


@dataclass(frozen=True)
class Severity:
    """ENISA 2013 severity: score = dpc x ei + cb, with its band."""

    score: float
    band: str
    dpc: float
    ei: float
    cb: float


@dataclass(frozen=True)
class TriageResult:
    record: bool
    notify_ico: bool
    notify_individuals: bool
    public_communication: bool
    exemption: str | None
    severity: Severity
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    risk: str
    role: str
    notify_controller: bool
    rules_version: str
    regimes: tuple[RegimeDecision, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The `breachbot triage` result contract (guide/contracts.md), plus risk, role and rules version.
        The field names above are the contract keys, so renaming a field breaks the contract."""
        out = asdict(self)  # severity becomes {"score", "band", "dpc", "ei", "cb"}
        out.update(reasons=list(self.reasons), missing=list(self.missing), regimes=[d.to_dict() for d in self.regimes])
        return out


def _check_rules() -> None:
    """Refuse to start on a rules file that no longer fits the engine, naming what is wrong, rather than
    failing mid-incident on a KeyError."""
    problems = []
    if [f.name for f in fields(TriageAnswers)] != list(_Q):
        problems.append("[[questions]] must list exactly the answer keys, in the TriageAnswers order")
    needs = {
        "data_categories": (_E["dpc"], _PHRASES["data_categories"]),
        "subject_types": (_PHRASES["subject_types"],),
        "exposure": (_L["exposure"], _E["cb"]["confidentiality"], _T["exposure"]),
        "availability": (_L["availability"], _E["cb"]["availability"]),
        "impact_on_people": (_D["impact_floor"], _T["impact"]),
    }
    for key, tables in needs.items():
        problems += [f"{key} option {v!r} has no rule" for v in _VALUES.get(key, ()) for t in tables if v not in t]
    too_long = [q.key for q in QUESTIONS if len(q.label) > LABEL_MAX or len(q.help) > HELP_MAX]
    problems += [f"{key}: label or help too long for the Slack modal" for key in too_long]
    if problems:
        raise RuntimeError("bot/rules/triage.toml: " + "; ".join(problems))


_check_rules()


# --- answers in and out ----------------------------------------------------------------------------------


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


TEXT_LIMIT = 2000
# More people or records than any breach has touched, and still exact as a spreadsheet number (Excel keeps
# 15 significant digits): a larger count is a typing slip, and it could not be written to the register.
COUNT_LIMIT = 10**12


def _parse_one(q: Question, value: Any) -> Any:
    if q.kind == "text":
        if not isinstance(value, str):
            raise AnswersError(q.key, f"must be text, got {_show(value)}")
        if len(value) > TEXT_LIMIT:
            raise AnswersError(q.key, f"is too long (at most {TEXT_LIMIT:,} characters)")
        return " ".join(value.split()) or None  # blank text is no answer
    if q.kind == "bool":
        if not isinstance(value, bool):
            raise AnswersError(q.key, f"must be true or false, got {_show(value)}")
        return value
    if q.kind == "count":
        # bool is an int subclass in Python, but true is not a number of people.
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswersError(q.key, f"must be a whole number (0 or more) or null, got {_show(value)}")
        if value < 0:
            raise AnswersError(q.key, f"must not be negative, got {value}")
        if value > COUNT_LIMIT:
            raise AnswersError(q.key, f"must be at most {COUNT_LIMIT:,}, got a number {len(str(value))} digits long")
        return value
    allowed = _VALUES[q.key]
    expected = f"(expected one of {', '.join(allowed)})"
    if q.kind == "choice":
        if not isinstance(value, str) or value not in allowed:
            raise AnswersError(q.key, f"unknown {q.item} {_show(value)} {expected}")
        return value
    if not isinstance(value, list | tuple):
        raise AnswersError(q.key, f"must be a list, got {type(value).__name__} {_show(value)}")
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            raise AnswersError(q.key, f"unknown {q.item} {_show(item)} {expected}")
    return tuple(dict.fromkeys(value))  # a repeated tick means nothing more; keep the first order


def parse_answers(raw: Mapping[str, Any]) -> TriageAnswers:
    """Validate raw answers (JSON or a Slack modal) strictly: a typo must not silently become "not known"."""
    if not isinstance(raw, Mapping):
        raise AnswersError("answers", f"must be an object of answers, got {type(raw).__name__}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _Q:
            raise AnswersError(str(key), f"unknown answer (expected one of {', '.join(_Q)})")
        values[key] = None if value is None else _parse_one(_Q[key], value)
    return TriageAnswers(**values)


def answers_to_dict(a: TriageAnswers) -> dict[str, Any]:
    """The answers given, as JSON-ready values; unknown answers are left out, as the contract reads them."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(a).items() if v is not None}


# --- the decision ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Eval:
    facts: TriageAnswers  # the answers with every unknown replaced by its cautious assumption
    large: bool
    vulnerable: tuple[str, ...]
    high_categories: tuple[str, ...]
    unintelligible: bool
    severity: Severity
    risk: str
    exemption: str | None
    factors: tuple[int, ...]  # harm, likelihood as protected, unprotected, and from lost access or alteration
    risk_unprotected: str = "none"  # the level had the data not been protected


def _resolve(a: TriageAnswers) -> TriageAnswers:
    """Fill each unknown with the worse plausible value so that gaps lean to caution."""
    types = a.breach_types

    def may(kind: str) -> bool:
        return types is None or kind in types

    def pick(value: Any, assumed: Any) -> Any:
        return assumed if value is None else value

    return replace(
        a,
        personal_data=pick(a.personal_data, _A["personal_data"]),
        data_categories=pick(a.data_categories, tuple(_A["data_categories"])),
        subject_types=pick(a.subject_types, ()),
        breach_types=pick(types, _VALUES["breach_types"]),
        cause=_A["cause"] if a.cause in (None, "unknown") else a.cause,
        exposure=pick(a.exposure, _A["exposure"] if may("confidentiality") else "none"),
        availability=pick(a.availability, _A["availability"] if may("availability") else "not_affected"),
        protection=pick(a.protection, _A["protection"]),
        protection_intact=pick(a.protection_intact, _A["protection_intact"]),
        recovered=pick(a.recovered, _A["recovered"]),
        mitigated=bool(a.mitigated),
        disproportionate_effort=bool(a.disproportionate_effort),
    )


def _large(a: TriageAnswers) -> bool:
    at = _D["volume_people_at"]
    if a.subjects_count is not None:
        return a.subjects_count >= at
    if a.records_count is not None and a.records_count < at:
        return False  # each person affected has at least one record, so records bound the people
    return bool(_A["large_volume"])


def _severity(f: TriageAnswers, dpc: int, unintelligible: bool) -> Severity:
    cats = f.data_categories or ()
    ei_rules, cb_rules = _E["ei"], _E["cb"]
    if unintelligible:
        ei = ei_rules["unintelligible"]
    elif f.protection == "pseudonymised" and f.protection_intact:
        ei = ei_rules["pseudonymised"]
    elif set(cats) & set(ei_rules["identifying_categories"]):
        ei = ei_rules["direct_identifiers"]
    else:
        ei = ei_rules["no_direct_identifiers"]
    cb = 0.0 if unintelligible else cb_rules["confidentiality"][f.exposure]
    if "integrity" in f.breach_types:
        lost = f.availability == "lost"
        cb += cb_rules["integrity_not_recoverable"] if lost else cb_rules["integrity_recoverable"]
    cb += cb_rules["availability"][f.availability]
    cb += cb_rules["malicious"] if f.cause == "malicious" else 0.0
    score = round(dpc * ei + cb, 2)
    band = [b["name"] for b in _E["bands"] if score >= b["from"]][-1]
    return Severity(score=score, band=band, dpc=float(dpc), ei=float(ei), cb=round(cb, 2))


def _level(harm: int, likelihood: int, severity: Severity, impact: str | None) -> str:
    if likelihood <= 0:
        level = "unlikely"  # nothing reached anyone and nothing was disrupted
    else:
        total = harm + likelihood
        level = "high" if total >= _D["high_at"] else "risk" if total >= _D["risk_at"] else "unlikely"
        if severity.band in _D["enisa_floor_bands"]:
            level = max(level, "risk", key=_RANK.__getitem__)
    return level if impact is None else max(level, _D["impact_floor"][impact], key=_RANK.__getitem__)


def _integrity_likelihood(f: TriageAnswers) -> int:
    if "integrity" not in f.breach_types:
        return 0
    return _L["integrity_restored"] if f.availability == "restored_quickly" else _L["integrity"]


def _holds_contact_details(f: TriageAnswers) -> bool:
    return bool(set(f.data_categories or ()) & set(_D["contact_categories"]))


def _effort_explained(a: TriageAnswers, f: TriageAnswers) -> bool:
    """Art 34(3)(c) on a bare yes is doubtful while the breached data hold the people's contact details."""
    reason = a.disproportionate_effort_reason or ""
    return not _holds_contact_details(f) or len(reason) >= _D["reason_minimum"]


def _effort_unexplained(a: TriageAnswers, ev: _Eval) -> bool:
    return ev.risk == "high" and bool(a.disproportionate_effort) and ev.exemption is None and not ev.facts.mitigated


def _evaluate(a: TriageAnswers) -> _Eval:
    f = _resolve(a)
    cats = f.data_categories or ()
    large = _large(a)
    vulnerable = tuple(s for s in f.subject_types or () if s in _D["vulnerable_subject_types"])
    high_categories = tuple(c for c in cats if c in _D["high_risk_categories"])
    step = _E["context_step"] if vulnerable or large else 0
    base = max((_E["dpc"][c] for c in cats), default=1)
    harm = min(4, max(base, _D["high_risk_floor"] if high_categories else 1) + step)
    unintelligible = f.protection in _D["unintelligible_protection"] and bool(f.protection_intact)
    severity = _severity(f, min(4, base + step), unintelligible)

    seen = _L["exposure"][f.exposure]
    malicious = _L["malicious_step"] if f.cause == "malicious" and seen > 0 else 0
    confidentiality = max(0, seen + malicious + (_L["recovered_step"] if f.recovered else 0))
    other = max(_L["availability"][f.availability], _integrity_likelihood(f))
    # Protection only answers confidentiality; it does nothing for lost access or altered data.
    level_unprotected = _level(harm, max(confidentiality, other), severity, f.impact_on_people)
    level = _level(harm, other if unintelligible else max(confidentiality, other), severity, f.impact_on_people)

    exemption = None
    if not f.personal_data:
        level = "none"
    elif unintelligible and level_unprotected == "high" and level == "risk":
        # High but for the protection: record Art 34(3)(a) as the reason individuals are not told.
        level, exemption = "high", "art34_3_a"
    elif level == "high" and f.mitigated:
        exemption = "art34_3_b"
    elif level == "high" and f.disproportionate_effort and _effort_explained(a, f):
        exemption = "art34_3_c"
    factors = (harm, 0 if unintelligible else confidentiality, confidentiality, other)
    unprotected = level_unprotected if f.personal_data else "none"
    return _Eval(
        f, large, vulnerable, high_categories, unintelligible, severity, level, exemption, factors, unprotected
    )


def _candidates(a: TriageAnswers, q: Question) -> tuple[Any, ...]:
    if q.kind == "bool":
        return (True, False)
    if q.key == "subjects_count" and a.records_count is not None:
        return (0, min(a.records_count, _D["volume_people_at"]))  # people cannot outnumber records
    if q.kind == "count":
        return (0, _D["volume_people_at"])
    if q.kind == "multi":
        return tuple((value,) for value in _VALUES[q.key])
    if q.kind == "text":
        return ("x" * _D["reason_minimum"],)
    return _VALUES[q.key]


# Protection only counts with its key safe, so each half of the pair is tried with the other at its best.
_PAIRED = {"protection": ("protection_intact", True), "protection_intact": ("protection", "encrypted")}


def _trials(a: TriageAnswers, q: Question) -> Iterator[_Eval]:
    partner, best = _PAIRED.get(q.key, (q.key, None))
    for candidate in _candidates(a, q):
        pair = {partner: best} if partner != q.key and getattr(a, partner) is None else {}
        yield _evaluate(replace(a, **pair, **{q.key: candidate}))


def _missing(a: TriageAnswers, ev: _Eval) -> tuple[str, ...]:
    """Unknown answers that could change the decision, or that a reportable decision rests on because the
    engine assumed their worst value. Answers that could do neither are left out as noise."""
    decided = (ev.risk, ev.exemption)
    reportable = ev.risk in ("risk", "high")
    out = []
    for q in QUESTIONS:
        value = getattr(a, q.key)
        if value is not None and not (q.key == "cause" and value == "unknown"):
            continue
        for t in _trials(a, q):
            eases = any(new < old for new, old in zip(t.factors, ev.factors, strict=True))
            if (t.risk, t.exemption) != decided or (reportable and eases):
                out.append(q.key)
                break
    return tuple(out)


# --- reasons ---------------------------------------------------------------------------------------------


def _join(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    # "names and contact details and health data" misreads; semicolons keep such items apart.
    if any(" and " in item for item in items):
        return "; ".join(items[:-1]) + "; and " + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _phrases(table: str, values: Sequence[str]) -> str:
    return _join([_PHRASES[table][v] for v in values])


def _fact_reasons(a: TriageAnswers, ev: _Eval) -> list[str]:
    """Sentences for the facts given. Assumed facts are explained separately, and only where they matter."""
    f, out = ev.facts, []
    if a.data_categories:
        out.append(_T["data"].format(phrases=_phrases("data_categories", a.data_categories)))
    if a.data_categories is not None and ev.high_categories:
        verb = "is" if len(ev.high_categories) == 1 else "are"
        out.append(_T["data_high"].format(phrases=_phrases("data_categories", ev.high_categories), verb=verb))
    elif a.data_categories is not None:
        out.append(_T["data_low"])
    if ev.vulnerable:
        out.append(_T["vulnerable"].format(phrases=_phrases("subject_types", ev.vulnerable)))
    count = a.subjects_count if a.subjects_count is not None else None if ev.large else a.records_count
    if count is not None:
        key = "volume_large" if ev.large else "volume_small"
        out.append(_T[key].format(up_to=up_to_people(count), volume=_D["volume_people_at"]))
    out += [_T[key][getattr(a, key)] for key in ("exposure", "cause") if getattr(a, key) in _T[key]]
    if a.recovered and f.exposure != "none":
        out.append(_T["recovered"])
    if ev.unintelligible:
        out.append(_T["unintelligible"])
    elif a.protection == "pseudonymised":
        out.append(_T["pseudonymised"])
    elif a.protection in ("encrypted", "hashed") and a.protection_intact is False:
        out.append(_T["protection_broken"].format(protection=_PHRASES["protection"][a.protection]))
    if a.availability in _T["availability"]:
        out.append(_T["availability"][a.availability])
    if "integrity" in (a.breach_types or ()):
        out.append(_T["integrity_restored"] if a.availability == "restored_quickly" else _T["integrity"])
    return out + ([_T["impact"][a.impact_on_people]] if a.impact_on_people else [])


def _decision_reasons(a: TriageAnswers, ev: _Eval, processor: bool) -> list[str]:
    """The UK GDPR Art 33/34 sentences (any GDPR regime's reasons, bot/rules/regime_triage.toml)."""
    if processor:
        return [_T["processor_assessment"].format(decision=_T["decision"][ev.risk])]
    if ev.risk == "none":
        return [_T["not_personal_data"]]
    if ev.risk in ("unlikely", "risk"):
        return [_T[ev.risk]] + ([_T["not_high"]] if ev.risk == "risk" else [])
    if ev.exemption == "art34_3_a":
        return [_T["risk"], _T["art34_3_a"]]
    out = [_T["high_exempt"] if ev.exemption else _T["high"]]
    if ev.unintelligible:
        out.append(_T["high_despite_protection"])
    if ev.exemption:
        out.append(_T[ev.exemption])
    if ev.exemption == "art34_3_c" and a.disproportionate_effort_reason:
        out.append(_T["art34_3_c_reason"].format(reason=a.disproportionate_effort_reason))
    if _effort_unexplained(a, ev):
        out.append(_T["art34_3_c_unexplained"])
    return out


def _reasons(
    a: TriageAnswers, ev: _Eval, missing: tuple[str, ...], processor: bool, regimes: tuple[RegimeDecision, ...]
) -> tuple[str, ...]:
    if ev.risk == "none":
        return (_T["not_personal_data"],)
    out = [_T["processor"]] if processor else []
    out += _fact_reasons(a, ev)
    out += [_ASSUME_TEXT[k].format(volume=_D["volume_people_at"]) for k in missing if k in _ASSUME_TEXT]
    s = ev.severity
    out.append(_T["enisa"].format(score=s.score, band=s.band.replace("_", " "), dpc=s.dpc, ei=s.ei, cb=s.cb))
    if processor:
        out += _decision_reasons(a, ev, processor)
    else:
        # Each regime's decision in turn; GDPR regimes share the engine's Art 33/34 sentences, said once.
        out += list(dict.fromkeys(reason for decision in regimes for reason in decision.reasons))
    if missing:
        out.append(_T["missing"].format(names=_join([_Q[k].noun for k in missing])))
    if processor or not regime_triage.keeps_own_log(regimes):
        out.append(_T["record_processor"] if processor else _T["record"])
    return tuple(out)


def assess(
    answers: TriageAnswers, *, processor: bool = False, regimes: Sequence[str] = regime_triage.DEFAULT_REGIMES
) -> TriageResult:
    """Decide the risk to people and what each regime requires, and say why in sentences a DPO can register.
    The top-level decisions are true when any regime requires them; the Art 34(3) exemption and the public
    communication are those of the GDPR regime in force (none when PECR takes its place)."""
    ev = _evaluate(answers)
    missing = _missing(answers, ev)
    if _effort_unexplained(answers, ev) and "disproportionate_effort_reason" not in missing:
        missing += ("disproportionate_effort_reason",)
    breach = ev.risk != "none"
    judgement = regime_triage.Judgement(
        risk=ev.risk,
        risk_unprotected=ev.risk_unprotected,
        exemption=ev.exemption,
        unintelligible=ev.unintelligible,
        availability=ev.facts.availability or "lost",
        processor=processor,
        gdpr_reasons=tuple(_decision_reasons(answers, ev, processor)),
    )
    decisions = regime_triage.decide(regimes, judgement)
    art34 = regime_triage.art34_regime(decisions)
    exemption = art34.exemption if art34 is not None and not processor else None
    return TriageResult(
        record=True,
        notify_ico=any(d.notify_ico for d in decisions),
        notify_individuals=any(d.notify_individuals for d in decisions),
        public_communication=exemption == "art34_3_c",
        exemption=exemption,
        severity=ev.severity,
        reasons=_reasons(answers, ev, missing, processor, decisions),
        missing=missing,
        risk=ev.risk,
        role="processor" if processor else "controller",
        notify_controller=processor and breach,
        rules_version=RULES_VERSION,
        regimes=decisions,
    )
