"""The EU GDPR's pieces of the Slack forms: the organisation's EU position in the setup modal, and the
EEA countries where affected people live in the report modal."""

from __future__ import annotations

from typing import Any

from bot.domain.eu_authorities import InvalidCountries, authorities, country_code
from bot.slack.views import forms
from bot.slack.views.text import clip, plain

NO_ESTABLISHMENT = "none"
SETUP_BLOCKS = ("eu_gdpr", "eu_main_establishment", "eu_representative", "eu_de_authority")
COUNTRIES_BLOCK = "eu_countries"


def _country_options() -> list[dict[str, Any]]:
    ordered = sorted(authorities().values(), key=lambda a: a.country)
    return [{"text": plain(f"{a.country} ({a.short})", 75), "value": a.country_code} for a in ordered]


def _select(block_id: str, label: str, options: list[dict[str, Any]], chosen: str | None, hint: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": options}
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial:
        element["initial_option"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 150),
        "hint": plain(hint, 2000),
        "element": element,
    }


def _text(block_id: str, label: str, value: str | None, limit: int, hint: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": limit}
    if value:
        element["initial_value"] = clip(value, limit)
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 150),
        "hint": plain(hint, 2000),
        "element": element,
    }


def setup_blocks(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The organisation's EU position: whether the EU GDPR applies, its main establishment or its Art 27
    representative, and the German authority a person chose as competent."""
    applies = values.get("eu_gdpr")
    yes_no = [
        {"text": plain("Yes: it offers goods or services to, or monitors, people in the EEA"), "value": "yes"},
        {"text": plain("No"), "value": "no"},
    ]
    establishment = [{"text": plain("None: no establishment in the EEA"), "value": NO_ESTABLISHMENT}]
    return [
        _select(
            "eu_gdpr",
            "Does the EU GDPR apply too?",
            yes_no,
            None if applies is None else ("yes" if applies else "no"),
            "EU GDPR Art 3(2). When it applies, each EEA authority to be told gets its own 72-hour clock.",
        ),
        _select(
            "eu_main_establishment",
            "Main establishment in the EEA",
            establishment + _country_options(),
            values.get("eu_main_establishment") or (NO_ESTABLISHMENT if applies else None),
            "With one, its authority leads (Art 56). Without one, every country's authority where affected "
            "people live is told (EDPB Guidelines 9/2022 para 73).",
        ),
        _text(
            "eu_representative",
            "EU representative (Art 27): name and contact",
            values.get("eu_representative"),
            1000,
            "A representative does not make a lead authority: it is named in each authority's draft.",
        ),
        _text(
            "eu_de_authority",
            "Competent German authority, if chosen",
            values.get("eu_de_authority"),
            200,
            "Germany has an authority per Land: a person must choose the competent one (see the authorities table).",
        ),
    ]


def read_setup(view: dict[str, Any]) -> dict[str, Any]:
    """The EU blocks as profile changes; update_profile validates them. Unanswered selects change nothing."""
    applies = forms.selected_one(view, "eu_gdpr")
    return {
        "eu_gdpr": None if not applies else applies == "yes",
        "eu_main_establishment": forms.selected_one(view, "eu_main_establishment") or None,
        "eu_representative": forms.text(view, "eu_representative"),
        "eu_de_authority": forms.text(view, "eu_de_authority"),
    }


def countries_block() -> dict[str, Any]:
    """The report modal's multi-select of EEA countries where affected people live."""
    return {
        "type": "input",
        "block_id": COUNTRIES_BLOCK,
        "optional": True,
        "label": plain("Do any of the people affected live in the EEA? Where?"),
        "hint": plain(
            "Under the EU GDPR each country's authority may need its own report within 72 hours. "
            "Numbers per country can be added later."
        ),
        "element": {
            "type": "multi_static_select",
            "action_id": "value",
            "placeholder": plain("Choose the countries"),
            "options": _country_options(),
        },
    }


def read_countries(view: dict[str, Any]) -> tuple[dict[str, int | None] | None, str | None]:
    """The chosen countries (no counts yet), or an error for the block; None when none were chosen."""
    chosen = forms.selected(view, COUNTRIES_BLOCK)
    if not chosen:
        return None, None
    try:
        return {country_code(code): None for code in chosen}, None
    except InvalidCountries as problem:
        return None, str(problem)
