"""The triage modal (built from the engine's QUESTIONS, which are the data), the override modal, and the
messages that show a decision: the result post, the override post and the summary's decision line."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

from bot.domain.decision import capitalised, decision_text, regime_words
from bot.domain.triage import QUESTIONS, TEXT_LIMIT, Question
from bot.services.assessments import JUSTIFICATION_MINIMUM, current_decision, latest_assessment
from bot.slack.views import forms
from bot.slack.views.text import button, context, escape, mention, plain, section
from bot.store.models import Assessment, Incident, Override

CALLBACK_ID = "triage_submit"
OVERRIDE_CALLBACK = "triage_override_submit"
NOT_KNOWN = "not_known"
NOT_KNOWN_LABEL = "Not known yet"
CHECKBOX_LIMIT = 10  # Slack's cap on checkboxes and radio buttons; longer lists become a multi-select
COUNT_PATTERN = re.compile(r"\d{1,12}")
GROUPS = ("What data", "Whose data", "How many", "What happened to it", "What protected it")
EXEMPTIONS = {
    "art34_3_a": "UK GDPR Art 34(3)(a): the data were unintelligible to anyone unauthorised, so the people "
    "affected need not be told.",
    "art34_3_b": "UK GDPR Art 34(3)(b): measures taken since mean the high risk is no longer likely, so the people "
    "affected need not be told directly.",
    "art34_3_c": "UK GDPR Art 34(3)(c): telling each person would take disproportionate effort, so make a public "
    "communication instead.",
}
_QUESTION_BY_KEY = {q.key: q for q in QUESTIONS}


# --- the questions -----------------------------------------------------------------------------------------


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value}


def _options(q: Question) -> list[dict[str, Any]]:
    pairs = [("yes", "Yes"), ("no", "No")] if q.kind == "bool" else list(q.options)
    # A question whose own options already say "not known" (cause) needs no second such choice.
    if q.kind in ("bool", "choice") and all(label != NOT_KNOWN_LABEL for _, label in pairs):
        pairs.append((NOT_KNOWN, NOT_KNOWN_LABEL))
    return [_option(value, label) for value, label in pairs]


def _element(q: Question, previous: Any) -> dict[str, Any]:
    if q.kind == "text":
        element_text: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": TEXT_LIMIT,
        }
        if isinstance(previous, str) and previous:
            element_text["initial_value"] = previous
        return element_text
    if q.kind == "count":
        element: dict[str, Any] = {
            "type": "number_input",
            "action_id": "value",
            "is_decimal_allowed": False,
            "min_value": "0",
        }
        if isinstance(previous, int) and not isinstance(previous, bool):
            element["initial_value"] = str(previous)
        return element
    options = _options(q)
    by_value = {o["value"]: o for o in options}
    if q.kind == "multi":
        kind = "checkboxes" if len(options) <= CHECKBOX_LIMIT else "multi_static_select"
        element = {"type": kind, "action_id": "value", "options": options}
        if kind == "multi_static_select":
            element["placeholder"] = plain("Choose all that apply")
        chosen = [by_value[v] for v in previous or () if v in by_value]
        if chosen:
            element["initial_options"] = chosen
        return element
    if q.kind == "bool":
        value = NOT_KNOWN if previous is None else ("yes" if previous else "no")
    else:
        value = previous if previous in by_value else NOT_KNOWN
    element = {"type": "radio_buttons", "action_id": "value", "options": options}
    if value in by_value:
        element["initial_option"] = by_value[value]
    return element


def _question_block(q: Question, previous: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": q.key,
        "optional": True,
        "label": plain(q.label, 150),
        "hint": plain(q.help, 2000),
        "element": _element(q, previous),
    }


def loading_modal(title: str, callback_id: str = "breachbot_loading") -> dict[str, Any]:
    """Opened at once on a click, so the trigger id is used before any database work; replaced after."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain("Cancel", 24),
        "blocks": [section(":hourglass_flowing_sand: Loading…")],
    }


def triage_modal(
    ref: str, previous: dict[str, Any] | None, *, version: int | None, channel: str | None
) -> dict[str, Any]:
    previous = previous or {}
    intro = (
        f"Pre-filled from triage v{version}: change what you now know better."
        if version
        else "Answer what you know now; leave the rest as *Not known yet*. Gaps lean to caution and are listed."
    )
    blocks: list[dict[str, Any]] = [context(intro)]
    for group in GROUPS:
        asked = [q for q in QUESTIONS if q.group == group]
        if not asked:
            continue
        blocks.append({"type": "header", "text": plain(group, 150)})
        blocks += [_question_block(q, previous.get(q.key)) for q in asked]
    # A group the rules file adds later still gets asked rather than silently dropped.
    extra = [q for q in QUESTIONS if q.group not in GROUPS]
    if extra:
        blocks.append({"type": "header", "text": plain("Other", 150)})
        blocks += [_question_block(q, previous.get(q.key)) for q in extra]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(f"Triage {ref}", 24),
        "submit": plain("Assess", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"ref": ref, "channel": channel}),
        "blocks": blocks,
    }


def read_answers(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted answers as the engine's raw answers (unknowns left out), or errors by block id.
    Values are passed on as given: the engine's own check names any that is not one of its options."""
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in QUESTIONS:
        if q.kind == "text":
            typed = forms.text(view, q.key)
            if typed:
                raw[q.key] = typed
        elif q.kind == "count":
            typed = forms.text(view, q.key).replace(",", "")
            if not typed:
                continue
            if not COUNT_PATTERN.fullmatch(typed):
                errors[q.key] = "Give a whole number, 0 or more (or leave it blank if not known)."
                continue
            raw[q.key] = int(typed)
        elif q.kind == "multi":
            chosen = forms.selected(view, q.key)
            if chosen:
                raw[q.key] = chosen
        else:
            value = forms.selected_one(view, q.key)
            if not value or value == NOT_KNOWN:
                continue
            raw[q.key] = (value == "yes") if q.kind == "bool" and value in ("yes", "no") else value
    return raw, errors


# --- the override ------------------------------------------------------------------------------------------


def override_modal(ref: str, channel: str | None) -> dict[str, Any]:
    def yes_no(block_id: str, label: str) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "label": plain(label, 150),
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "options": [_option("yes", "Yes"), _option("no", "No")],
            },
        }

    return {
        "type": "modal",
        "callback_id": OVERRIDE_CALLBACK,
        "title": plain("Override decision", 24),
        "submit": plain("Override", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"ref": ref, "channel": channel}),
        "blocks": [
            context(
                f"Overrides the latest triage of *{escape(ref)}*. The computed decision stays on record beside yours."
            ),
            yes_no("notify_ico", "Notify the ICO?"),
            yes_no("notify_individuals", "Tell the people affected?"),
            {
                "type": "input",
                "block_id": "justification",
                "label": plain("Why is the computed decision wrong?", 150),
                "hint": plain("The ICO may read this: give the facts that justify your decision.", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "min_length": JUSTIFICATION_MINIMUM,
                    "max_length": 3000,
                },
            },
        ],
    }


# --- showing a decision ------------------------------------------------------------------------------------


def decision_words(
    notify_ico: bool, notify_individuals: bool, *, public: bool = False, result: dict[str, Any] | None = None
) -> str:
    result = result or {}
    if result.get("risk") == "none" and result.get("role") != "processor":
        return "Not a personal-data breach: record it in the register only"
    return capitalised(decision_text(notify_ico, notify_individuals, public=public, role=str(result.get("role") or "")))


def computed_words(result: dict[str, Any]) -> str:
    return decision_words(
        bool(result.get("notify_ico")),
        bool(result.get("notify_individuals")),
        public=bool(result.get("public_communication")),
        result=result,
    )


def severity_words(result: dict[str, Any]) -> str:
    severity = result.get("severity") or {}
    band = str(severity.get("band") or "unknown").replace("_", " ")
    return f"{band} (ENISA score {severity.get('score', '?')})"


def _bullet_sections(heading: str, items: list[str]) -> list[dict[str, Any]]:
    """Bullets under a heading, split across sections so none passes Slack's 3000 characters."""
    blocks: list[dict[str, Any]] = []
    text = heading
    for item in items:
        line = f"\n• {escape(item)}"
        if len(text) + len(line) > 2900:
            blocks.append(section(text))
            text = ""
        text += line
    blocks.append(section(text))
    return blocks


def missing_labels(result: dict[str, Any]) -> list[str]:
    return [_QUESTION_BY_KEY[k].label if k in _QUESTION_BY_KEY else k for k in result.get("missing") or []]


def result_blocks(ref: str, assessment: Assessment, actor: str) -> list[dict[str, Any]]:
    result = assessment.result
    blocks = [
        section(
            f":clipboard: *Triage v{assessment.version}* of *{escape(ref)}* by {mention(actor)}\n"
            f"*Decision:* {computed_words(result)}\n*Severity:* {severity_words(result)}"
        )
    ]
    blocks += _bullet_sections("*Why*", list(result.get("reasons") or []))
    regimes = list(result.get("regimes") or ())
    if any(entry.get("regime") != "uk-gdpr" for entry in regimes):  # UK GDPR alone says it all above
        processor = result.get("role") == "processor"
        blocks += _bullet_sections("*By regime*", [regime_words(entry, processor=processor) for entry in regimes])
    missing = missing_labels(result)
    if missing:
        blocks += _bullet_sections("*Still not known* (answers that could change the decision)", missing)
    if result.get("exemption"):
        blocks.append(section(f"*Exemption:* {EXEMPTIONS.get(result['exemption'], escape(result['exemption']))}"))
    blocks.append(context(f"Rules {escape(assessment.rules_version)}. Every reason above goes in the register."))
    blocks.append(
        {
            "type": "actions",
            "block_id": f"triage:{ref}:{assessment.version}",
            "elements": [
                button("Override decision", "triage_override", ref),
                button("Draft notices", "drafts_post", ref, "primary"),
            ],
        }
    )
    return blocks


def override_text(ref: str, assessment: Assessment, override: Override) -> str:
    chosen = decision_words(override.notify_ico, override.notify_individuals)
    return (
        f":warning: {mention(override.decided_by)} *overrode* the decision on triage v{assessment.version} "
        f"of *{escape(ref)}*.\n*In force:* {chosen}\n*Computed:* {computed_words(assessment.result)}\n"
        f"*Justification:*\n>{escape(override.justification)}"
    )


def decision_line(incident: Incident, now: datetime) -> str | None:
    """The summary's line for the decision in force, the computed one beside any override."""
    session = object_session(incident)
    if session is None:
        return None
    decision = current_decision(session, incident)
    if decision.assessment is None:
        return None
    result = decision.assessment.result
    line = (
        f"*Decision (triage v{decision.assessment.version}):* {computed_words(result)} · "
        f"*Severity:* {severity_words(result)}"
    )
    if decision.override is not None:
        chosen = decision_words(decision.override.notify_ico, decision.override.notify_individuals)
        line += (
            f"\n:warning: *Overridden* by {mention(decision.override.decided_by)}: {chosen} "
            f"(computed: {computed_words(result)}).\n>{escape(decision.override.justification)}"
        )
    return line


def has_assessment(incident: Incident) -> bool:
    session = object_session(incident)
    return session is not None and latest_assessment(session, incident) is not None
