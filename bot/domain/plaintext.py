"""People's text made safe to store and to write into any document: control characters removed.

One `\\x01` pasted from a terminal once broke the XLSX register and every Word draft (XML 1.0 cannot hold
it). Text is cleaned once where it enters (Slack payloads, command-line arguments, files read), and the
document writers clean again, so that a row written before this existed still exports."""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab and newline, DEL, the C1 controls, lone surrogates (invalid JSON escapes such as
# "\ud800" decode to them, and neither UTF-8 nor PostgreSQL accepts them) and the two non-characters
# XML forbids.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Keep tab and newline; a carriage return becomes a newline; every other control character goes."""
    if not text.isprintable() or "\r" in text:
        text = _UNWANTED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text


def clean_strings(value: Any) -> Any:
    """Clean every string inside a JSON-like value, in place for dicts and lists; returns the value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = clean_strings(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = clean_strings(item)
    return value
