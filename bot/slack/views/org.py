"""The organisation setup modal (`/breach setup`) and the pushed view that reads a privacy policy into it."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.clock import regimes
from bot.domain.policy import Finding, PolicyProposal
from bot.domain.triage import QUESTIONS
from bot.services.org import TEXT_FIELDS
from bot.slack.views import eu, forms
from bot.slack.views.text import clip, context, escape, plain

SETUP_CALLBACK = "org_setup"
POLICY_CALLBACK = "org_policy"
POLICY_BUTTON = "org_policy_open"
REGIME_KEYS = ("uk-gdpr", "pecr", "eidas", "nis")
POLICY_INPUTS = ("policy_1", "policy_2", "policy_3")
INPUT_LIMIT = 3000  # Slack's cap on one plain_text_input
METADATA_LIMIT = 3000
SOURCE_LIMIT = 6  # findings shown per list field: enough to check, few enough to read
_CATEGORY_LABELS = dict(next(q for q in QUESTIONS if q.key == "data_categories").options)
TEXT_INPUTS = (
    ("name", "Organisation name", False, None),
    ("ico_registration", "ICO registration number", False, "The data protection fee reference, e.g. ZA123456."),
    ("address", "Organisation's postal address", True, None),
    ("dpo_name", "DPO or contact point: name", False, None),
    ("dpo_email", "DPO or contact point: email", False, None),
    ("dpo_phone", "DPO or contact point: phone", False, None),
    ("dpo_address", "DPO's postal address, if different", True, None),
)
FIELD_BLOCKS = frozenset(
    [key for key, *_ in TEXT_INPUTS] + ["regimes", "is_processor", "data_categories", "processors", *eu.SETUP_BLOCKS]
)


def _text_input(block_id: str, label: str, value: str | None, *, multiline: bool, hint: str | None) -> dict[str, Any]:
    limit = min(TEXT_FIELDS.get(block_id, INPUT_LIMIT), INPUT_LIMIT)
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    element["max_length"] = limit
    if value:
        element["initial_value"] = clip(value, limit)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 150),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _choices(block_id: str, label: str, kind: str, options: list[dict[str, Any]], chosen: list[str]) -> dict[str, Any]:
    element: dict[str, Any] = {"type": kind, "action_id": "value", "options": options}
    if kind == "multi_static_select":
        element["placeholder"] = plain("Choose all that apply")
    initial = [o for o in options if o["value"] in chosen]
    if initial:
        element["initial_options"] = initial
    return {"type": "input", "block_id": block_id, "optional": True, "label": plain(label, 150), "element": element}


def setup_modal(
    values: dict[str, Any], *, channel: str | None, sources: list[str] | None = None, note: str | None = None
) -> dict[str, Any]:
    """The setup form pre-filled from `values` (a profile dict, or what was typed plus a policy's proposals)."""
    blocks: list[dict[str, Any]] = [
        context(
            note
            or "Drafts and reports use these details. Nothing is saved until you press *Save*; "
            "*Fill from a privacy policy* proposes them from your policy's text."
        ),
        {
            "type": "actions",
            "block_id": "policy",
            "elements": [{"type": "button", "text": plain("Fill from a privacy policy"), "action_id": POLICY_BUTTON}],
        },
    ]
    if sources:
        blocks.append(context("*Found in the policy* (check each against its sentence):"))
        blocks += [context(line) for line in sources]
    for key, label, multiline, hint in TEXT_INPUTS:
        blocks.append(_text_input(key, label, values.get(key), multiline=multiline, hint=hint))
    # A regime saved some other way (the CLI) stays offered, so saving this form cannot drop it unseen.
    saved = [k for k in values.get("regimes") or [] if k in regimes() and k not in REGIME_KEYS]
    regime_options = [{"text": plain(regimes()[k].label), "value": k} for k in (*REGIME_KEYS, *saved)]
    blocks.append(_choices("regimes", "Regimes it is under", "checkboxes", regime_options, values.get("regimes") or []))
    processor_option = [{"text": plain("It processes personal data for other organisations"), "value": "yes"}]
    chosen = ["yes"] if values.get("is_processor") else []
    blocks.append(_choices("is_processor", "Processor role", "checkboxes", processor_option, chosen))
    category_options = [{"text": plain(label), "value": value} for value, label in _CATEGORY_LABELS.items()]
    blocks.append(
        _choices(
            "data_categories",
            "Categories of personal data it holds",
            "multi_static_select",
            category_options,
            values.get("data_categories") or [],
        )
    )
    processors = "\n".join(str(p) for p in values.get("processors") or [])
    blocks.append(
        _text_input("processors", "Processors it uses", processors, multiline=True, hint="One organisation per line.")
    )
    blocks += eu.setup_blocks(values)
    return {
        "type": "modal",
        "callback_id": SETUP_CALLBACK,
        "title": plain("Organisation setup", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"channel": channel}),
        "blocks": blocks,
    }


def read_setup(view: dict[str, Any]) -> dict[str, Any]:
    """The form as profile changes; update_profile validates them. A blank text field clears it."""
    changes: dict[str, Any] = {key: forms.text(view, key) for key, *_ in TEXT_INPUTS}
    changes["regimes"] = forms.selected(view, "regimes")
    changes["is_processor"] = "yes" in forms.selected(view, "is_processor")
    changes["data_categories"] = forms.selected(view, "data_categories")
    changes["processors"] = [line.strip() for line in forms.text(view, "processors").splitlines() if line.strip()]
    return changes | eu.read_setup(view)


def policy_modal(channel: str | None, typed: dict[str, Any] | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"channel": channel, "typed": typed}
    if len(json.dumps(meta)) > METADATA_LIMIT:
        # Too much typed to carry: the proposals then go over the saved profile instead.
        meta = {"channel": channel}
    inputs = []
    for number, block_id in enumerate(POLICY_INPUTS, 1):
        inputs.append(
            {
                "type": "input",
                "block_id": block_id,
                "optional": number > 1,
                "label": plain("Privacy policy text" if number == 1 else f"Continued ({number} of 3)", 150),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": INPUT_LIMIT,
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": POLICY_CALLBACK,
        "title": plain("Read a privacy policy", 24),
        "submit": plain("Propose details", 24),
        "close": plain("Back", 24),
        "private_metadata": json.dumps(meta),
        "blocks": [
            context(
                "Paste the policy's plain text. Slack takes 3,000 characters per box: continue a longer policy in "
                "the next boxes. Only what the policy says about the organisation is proposed; nothing is saved yet."
            ),
            *inputs,
        ],
    }


def _source(label: str, finding: Finding) -> str:
    return f"*{label}:* {escape(finding.value)} · from “{escape(clip(finding.sentence, 400))}”"


def source_lines(proposal: PolicyProposal) -> list[str]:
    """Each proposed value with the sentence it came from, so a person can check it."""
    lines: list[str] = []
    singles = (("Name", proposal.name), ("Address", proposal.postal_address), ("DPO", proposal.dpo_named))
    lines += [_source(label, found) for label, found in singles if found is not None]
    if proposal.emails:
        lines.append(_source("Email", proposal.emails[0]))
    if proposal.phones:
        lines.append(_source("Phone", proposal.phones[0]))
    for label, findings in (("Data", proposal.data_categories), ("Processor", proposal.third_parties)):
        shown = [
            Finding(_CATEGORY_LABELS.get(f.value, f.value) if label == "Data" else f.value, f.sentence)
            for f in findings[:SOURCE_LIMIT]
        ]
        if shown:
            more = f"\n…and {len(findings) - SOURCE_LIMIT} more" if len(findings) > SOURCE_LIMIT else ""
            lines.append(clip("\n".join(_source(label, f) for f in shown) + more, 2900))
    return lines
