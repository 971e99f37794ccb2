"""Cleaning people's text: every control character goes but tab and newline; nothing else changes."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.plaintext import clean_strings, clean_text

UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def test_tab_and_newline_stay_and_carriage_returns_become_newlines() -> None:
    assert clean_text("a\x01b\tc\r\nd\re\x00\x7f\x85\ud800\uffff") == "ab\tc\nd\ne"
    assert clean_text("Données – fuite 😀 ✓") == "Données – fuite 😀 ✓"


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_the_result_holds_no_control_character_and_cleaning_twice_changes_nothing(text: str) -> None:
    cleaned = clean_text(text)
    assert not UNWANTED.search(cleaned)
    assert clean_text(cleaned) == cleaned
    # Nothing but the unwanted characters is removed.
    assert UNWANTED.sub("", text.replace("\r\n", "\n").replace("\r", "\n")) == cleaned


def test_every_string_in_a_payload_is_cleaned_in_place() -> None:
    payload = {
        "view": {"state": {"values": {"text": {"value": {"value": "a\x01b"}}}}},
        "actions": [{"value": "\x00x"}],
        "n": 3,
    }
    view = payload["view"]
    assert clean_strings(payload) is payload and payload["n"] == 3
    assert view["state"]["values"]["text"]["value"]["value"] == "ab" and payload["actions"][0]["value"] == "x"
