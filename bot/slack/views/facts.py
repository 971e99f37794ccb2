"""The register-facts modal: what the ICO form and the breach register ask for beyond the triage answers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.causes import causes, get_cause
from bot.domain.clock import format_local
from bot.slack.views.text import context, plain
from bot.slack.views.times import time_blocks
from bot.store.models import Incident

CALLBACK_ID = "register_facts"
TEXT_FIELDS = (
    ("likely_consequences", "Likely consequences for the people affected", "e.g. phishing attempts, fraud, distress"),
    ("staff_involved", "Was a member of staff involved?", "Who was involved and how. The ICO form asks."),
    ("others_told", "Who else has been told?", "Police, other regulators, insurers; any media coverage."),
    ("individuals_told_how", "How were the people affected told?", "e.g. email to each person, letter, website"),
    (
        "measures_in_place",
        "Security in place before the breach",
        "Access controls, policies, staff training, encryption. The ICO form asks.",
    ),
    (
        "public_description",
        "What happened, for the people affected",
        "Plain words for letters to people. The internal description never goes in them.",
    ),
    (
        "public_consequences",
        "What it could mean for them, written to them",
        "e.g. 'You may get scam emails that use your name.' Left blank: suggested from the kinds of data.",
    ),
    (
        "public_measures",
        "What we have done, for the people affected",
        "Plain words for letters to people. Left blank: the remedial actions as recorded.",
    ),
)
CONTRACT_HOURS_HINT = "Processor: hours from awareness your contract gives to tell the controller (Art 28(3)(f))."
CYBER_OPTIONS = (("yes", "Yes"), ("no", "No"), ("unknown", "Not known yet"))
# Further register columns (issue 12): training beside staff involvement; why people were not told.
REGISTER_TEXT_FIELDS = (
    ("staff_training", "Their data protection training?", "What training the staff involved had, and when."),
    ("reasons_not_told", "Why were the people affected not told?", "Only if they were not: the register keeps it."),
)
CAUSE_BLOCK = "cause_category"
# Advice received is a list, not a fact: each save with these filled adds one piece of advice to the register.
# When it was given is a time field pair (ADVICE_TIME), placed between who gave it and what it was.
ADVICE_TIME = ("advice_at", "Advice received: when was it given?")
ADVICE_FIELDS = (
    ("advice_from", "Advice received: from whom?", "e.g. our DPO, our lawyers, the ICO helpline", False),
    ("advice_text", "What was the advice?", "The register keeps who advised what, and when (ICO audit toolkit).", True),
)


def _cause_select(current: str | None) -> dict[str, Any]:
    """The cause in the ICO's incident types, grouped as the ICO groups them (rules/causes.toml)."""
    groups = []
    for group in ("non-cyber", "cyber"):
        options = [{"text": plain(c.label, 75), "value": c.key} for c in causes().values() if c.group == group]
        groups.append({"label": plain(group.capitalize(), 75), "options": options})
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("Choose the ICO's incident type"),
        "option_groups": groups,
    }
    if current in causes():
        element["initial_option"] = {"text": plain(get_cause(current).label, 75), "value": current}
    return {
        "type": "input",
        "block_id": CAUSE_BLOCK,
        "optional": True,
        "label": plain("What caused it?"),
        "hint": plain("The incident types the ICO publishes its breach figures in."),
        "element": element,
    }


def _text_input(block_id: str, label: str, hint: str, value: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000}
    if value:
        element["initial_value"] = value[:3000]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 150),
        "hint": plain(hint, 150),
        "element": element,
    }


def _advice_input(block_id: str, label: str, hint: str, multiline: bool) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 150),
        "hint": plain(hint, 150),
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": multiline,
            "max_length": 3000 if multiline else 200,
        },
    }


def facts_modal(incident: Incident, zone: ZoneInfo) -> dict[str, Any]:
    cyber = {True: "yes", False: "no"}.get(incident.cyber_incident, "unknown")  # type: ignore[arg-type]
    options = [{"text": plain(label), "value": value} for value, label in CYBER_OPTIONS]
    blocks: list[dict[str, Any]] = [
        context(
            f"*{incident.ref}*: these facts go into the ICO report and the breach register. Leave blank what "
            "is not known yet; drafts show it as not yet known."
        ),
        _cause_select(incident.cause_category),
        *[_text_input(key, label, hint, getattr(incident, key)) for key, label, hint in TEXT_FIELDS[:2]],
        *[_text_input(key, label, hint, getattr(incident, key)) for key, label, hint in REGISTER_TEXT_FIELDS[:1]],
        _text_input(*TEXT_FIELDS[2][:3], incident.others_told),
        {
            "type": "input",
            "block_id": "cyber_incident",
            "label": plain("Was it a cyber incident?"),
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "options": options,
                "initial_option": next(o for o in options if o["value"] == cyber),
            },
        },
        *time_blocks(
            "individuals_told_at", "When were the people affected told?", initial=incident.individuals_told_at
        ),
        _text_input(*TEXT_FIELDS[3][:3], incident.individuals_told_how),
        *[_text_input(key, label, hint, getattr(incident, key)) for key, label, hint in TEXT_FIELDS[4:]],
        _text_input(*REGISTER_TEXT_FIELDS[1][:3], incident.reasons_not_told),
        _advice_input(*ADVICE_FIELDS[0]),
        *time_blocks(*ADVICE_TIME, optional=True),
        *[_advice_input(block, label, hint, multiline) for block, label, hint, multiline in ADVICE_FIELDS[1:]],
    ]
    if incident.is_processor:
        hours = str(incident.contract_hours) if incident.contract_hours else None
        blocks.append(
            {
                "type": "input",
                "block_id": "contract_hours",
                "optional": True,
                "label": plain("Contractual deadline to tell the controller (hours)"),
                "hint": plain(CONTRACT_HOURS_HINT, 150),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": 5,
                    **({"initial_value": hours} if hours else {}),
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Register facts", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"ref": incident.ref}),
        "blocks": blocks,
    }


def describe_changes(changes: dict[str, Any], zone: ZoneInfo) -> list[str]:
    labels = {key: label for key, label, _ in (*TEXT_FIELDS, *REGISTER_TEXT_FIELDS)} | {
        "cause_category": "Cause",
        "cyber_incident": "Cyber incident",
        "individuals_told_at": "People affected told",
        "contract_hours": "Contractual deadline to tell the controller (hours)",
    }
    shown = []
    for key, value in changes.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, datetime):
            value = format_local(value, zone)
        elif key == "cause_category":
            value = get_cause(value).label
        elif key == "advice":
            adviser, given_at, advice = value
            shown.append(f"Advice from {adviser} ({format_local(given_at, zone)}): {advice}")
            continue
        shown.append(f"{labels[key]}: {value}")
    return shown
