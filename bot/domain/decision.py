"""The triage decision in words, the same everywhere it is shown: timeline, register, Slack and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.regime_triage import label as regime_label


def decision_text(notify_ico: bool, notify_individuals: bool, *, public: bool = False, role: str = "") -> str:
    """Lower-case, to sit inside a sentence; capitalise it to stand alone."""
    if role == "processor":
        return "tell the controller without undue delay (UK GDPR Art 33(2)); the controller decides on the ICO"
    if notify_individuals:
        return "notify the ICO and tell the people affected"
    if notify_ico and public:
        return "notify the ICO and make a public communication instead of telling people one by one"
    if notify_ico:
        return "notify the ICO; the people affected need not be told directly"
    return "record in the breach register only; do not notify the ICO"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def regime_words(entry: Mapping[str, Any], *, processor: bool = False) -> str:
    """One regime's decision (a triage result's `regimes` entry), as "PECR: report to the ICO; ..."."""
    name = regime_label(str(entry.get("regime")))
    if processor:
        return f"{name}: tell the controller without undue delay; it decides on the regulator and the people"
    if entry.get("displaced_by"):
        return f"{name}: gives way to {regime_label(str(entry['displaced_by']))} for this breach"
    report = "report to the regulator" if entry.get("notify_ico") else "no report required"
    people = "tell the people affected" if entry.get("notify_individuals") else "people need not be told"
    return f"{name}: {report}; {people}"
