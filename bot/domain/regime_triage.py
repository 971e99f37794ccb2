"""What each regime of an incident requires, from the triage engine's judgement of the risk to people.

UK GDPR reports a breach that is likely to result in a risk; PECR reports every personal data breach and tells
subscribers on a lower bar than high risk; UK eIDAS and NIS have their own tests. The tests, their thresholds
and their sentences are data (bot/rules/regime_triage.toml); this module only applies them. Pure: no I/O.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

LEVELS = ("none", "unlikely", "risk", "high")
_RANK = {name: rank for rank, name in enumerate(LEVELS)}
DEFAULT_REGIMES = ("uk-gdpr",)
_LABELS = {"uk-gdpr": "UK GDPR", "eu-gdpr": "EU GDPR", "pecr": "PECR", "eidas": "UK eIDAS", "nis": "NIS"}


def _load(name: str) -> dict[str, Any]:
    with resources.files("bot.rules").joinpath(name).open("rb") as fh:
        return tomllib.load(fh)


_RULES = _load("regime_triage.toml")
_TEXT: dict[str, str] = _RULES.pop("text")


def _check_rules() -> None:
    """Refuse to start when a regime has a clock but no triage rule, or a rule names an unknown level."""
    problems = [
        f"{key} has a clock (regimes.toml) but no triage rule" for key in _load("regimes.toml") if key not in _RULES
    ]
    for key, rule in _RULES.items():
        for field in ("ico_from", "individuals_from"):
            if field in rule and rule[field] not in _RANK:
                problems.append(f"{key}.{field} must be one of {', '.join(LEVELS)}")
        if rule.get("displaced_by") and rule["displaced_by"] not in _RULES:
            problems.append(f"{key}.displaced_by names no regime")
    if problems:
        raise RuntimeError("bot/rules/regime_triage.toml: " + "; ".join(problems))


_check_rules()


class UnknownTriageRegime(ValueError):
    pass


@dataclass(frozen=True)
class Judgement:
    """What the engine concluded, as far as any regime's test needs it."""

    risk: str  # one of LEVELS
    risk_unprotected: str  # the level had the data not been protected
    exemption: str | None  # the UK GDPR Art 34(3) exemption, if any
    unintelligible: bool  # state-of-the-art protection with the key or salt safe
    availability: str  # the (cautiously resolved) availability answer
    processor: bool
    gdpr_reasons: tuple[str, ...]  # the engine's Art 33/34 decision sentences


@dataclass(frozen=True)
class RegimeDecision:
    regime: str
    notify_ico: bool
    notify_individuals: bool
    test: str
    reasons: tuple[str, ...]
    exemption: str | None = None  # why people are not told although the level would call for it
    displaced_by: str | None = None  # another regime of the incident takes this one's place

    def to_dict(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "notify_ico": self.notify_ico,
            "notify_individuals": self.notify_individuals,
            "test": self.test,
            "reasons": list(self.reasons),
            "exemption": self.exemption,
            "displaced_by": self.displaced_by,
        }


def check_regimes(regimes: Sequence[str]) -> tuple[str, ...]:
    """The regimes in order without repeats; an unknown one is an error naming the known ones."""
    unknown = [key for key in regimes if key not in _RULES]
    if unknown:
        raise UnknownTriageRegime(f"unknown regime {unknown[0]!r}: use one of {', '.join(_RULES)}")
    return tuple(dict.fromkeys(regimes)) or DEFAULT_REGIMES


def reports_every_breach(regime: str) -> bool:
    """The regime reports every personal data breach, whatever the risk (PECR): no judgement can waive it."""
    return _RULES.get(regime, {}).get("ico_from") == "unlikely"


def label(regime: str) -> str:
    return _LABELS.get(regime, regime)


def _at_least(level: str, floor: str | None) -> bool:
    return floor is not None and _RANK[level] >= _RANK[floor]


def _decide(key: str, rule: dict[str, Any], j: Judgement, regimes: tuple[str, ...]) -> RegimeDecision:
    text: dict[str, str] = rule.get("text", {})
    name = label(key)

    def plain(notify_ico: bool, notify_individuals: bool, reasons: list[str], **extra: Any) -> RegimeDecision:
        return RegimeDecision(key, notify_ico, notify_individuals, rule["test"], tuple(reasons), **extra)

    displaced_by = rule.get("displaced_by")
    if j.processor:
        return plain(False, False, [text.get("not_ico") or _TEXT["processor"].format(label=name)])
    if j.risk == "none":
        return plain(False, False, [_TEXT["not_personal_data"].format(label=name)])
    if displaced_by in regimes:
        return plain(False, False, [text["displaced"]], displaced_by=displaced_by)
    if rule.get("gdpr_reasons"):
        exemption = j.exemption if rule.get("art34_exemptions") else None
        notify_individuals = _at_least(j.risk, rule.get("individuals_from")) and exemption is None
        return plain(
            _at_least(j.risk, rule.get("ico_from")), notify_individuals, list(j.gdpr_reasons), exemption=exemption
        )
    if "ico_availability" in rule:
        notify_ico = j.availability in rule["ico_availability"]
    else:
        notify_ico = _at_least(j.risk, rule.get("ico_from"))
    reasons = [text["ico"] if notify_ico else text["not_ico"]] if "ico" in text else []
    exemption = None
    notify_individuals = _at_least(j.risk, rule.get("individuals_from"))
    # The protection excuses the notice only where the adverse effect would have come from the data being
    # read; lost or altered data harm people however well they were encrypted (as UK GDPR Art 34(3)(a) here).
    exempted = rule.get("unintelligible_exempts") and j.unintelligible
    if not notify_individuals and exempted and _at_least(j.risk_unprotected, rule.get("individuals_from")):
        exemption = "unintelligible"
        reasons.append(text["unintelligible"])
    elif "individuals" in text:
        reasons.append(text["individuals"] if notify_individuals else text["not_individuals"])
    if notify_individuals and j.exemption in ("art34_3_b", "art34_3_c") and "no_later_measures" in text:
        reasons.append(text["no_later_measures"])
    if "log" in text:
        reasons.append(text["log"])
    # A regime with no sentence for this outcome still says what its test is, never nothing.
    return plain(notify_ico, notify_individuals, reasons or [text.get("not_ico") or rule["test"]], exemption=exemption)


def decide(regimes: Sequence[str], judgement: Judgement) -> tuple[RegimeDecision, ...]:
    """One decision per regime, in the incident's order."""
    keys = check_regimes(regimes)
    return tuple(_decide(key, _RULES[key], judgement, keys) for key in keys)


def keeps_own_log(decisions: Sequence[RegimeDecision]) -> bool:
    """A regime of the incident names its own breach log (PECR reg 5A(8)) and no GDPR regime is in force, so the
    UK GDPR Art 33(5) register sentence would cite the wrong law."""
    live = [d for d in decisions if d.displaced_by is None]
    return any(_RULES[d.regime].get("own_log") for d in live) and art34_regime(decisions) is None


def art34_regime(decisions: Sequence[RegimeDecision]) -> RegimeDecision | None:
    """The GDPR regime whose Art 34(3) exemption and public communication are in force; None when there is
    none, or when PECR has taken its place (PECR has no such exemptions)."""
    live = [d for d in decisions if d.displaced_by is None]
    gdpr = [d for d in live if _RULES[d.regime].get("art34_exemptions")]
    return gdpr[0] if gdpr else None
