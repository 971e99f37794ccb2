"""Propose an organisation profile from the plain text of its privacy policy.

Everything here is a proposal for a person to confirm, so each field carries the sentence
it came from. The text is untrusted and often messy (pasted from web pages or PDFs), so
nothing raises on odd input and every regex is bounded or anchored at a run start, which
keeps them linear-time even on a megabyte with no line breaks.

Phone numbers are shown in UK national format with the usual grouping: "020 7946 0000",
"0161 496 0000", "0800 123 4567", "07700 900123", "01923 854770". "+44 (0)20 ..." becomes
"020 ...". Non-UK numbers are not proposed.

The postal address is the lines (or comma segments) leading up to the postcode, joined
with ", ", ending with the normalised postcode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice, pairwise
from typing import Any

from bot.domain.policy_fields import (
    find_address,
    find_categories,
    find_dpo,
    find_emails,
    find_name,
    find_phones,
    find_third_parties,
)
from bot.domain.policy_text import ICO_FORM_KEYS, MAX_SENTENCE, Finding, PolicyText, title_name

__all__ = ["ICO_FORM_KEYS", "MAX_SENTENCE", "Finding", "PolicyProposal", "read_policy"]


@dataclass(frozen=True)
class PolicyProposal:
    name: Finding | None
    emails: tuple[Finding, ...]
    phones: tuple[Finding, ...]
    postal_address: Finding | None
    postcode: Finding | None
    dpo_named: Finding | None
    data_categories: tuple[Finding, ...]
    third_parties: tuple[Finding, ...]

    def to_dict(self) -> dict[str, Any]:
        def one(f: Finding | None) -> dict[str, str] | None:
            return f.to_dict() if f else None

        return {
            "name": one(self.name),
            "emails": [f.to_dict() for f in self.emails],
            "phones": [f.to_dict() for f in self.phones],
            "postal_address": one(self.postal_address),
            "postcode": one(self.postcode),
            "dpo_named": one(self.dpo_named),
            "data_categories": [f.to_dict() for f in self.data_categories],
            "third_parties": [f.to_dict() for f in self.third_parties],
        }


def read_policy(text: str) -> list[PolicyProposal]:
    """One proposal per policy in ``text``; [] when there is no text at all."""
    # A form feed is a page break, which in a concatenated file often separates two policies.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\f", "\n---\n")
    if not text.strip():
        return []
    return [_propose(text[a:b]) for a, b in _split_policies(text)]


# --- splitting a file into policies ---------------------------------------------------

_ALNUM = re.compile(r"[^\W_]")
_SEPARATOR = re.compile(r"[-=*_~#]{3,}")


def _split_policies(text: str) -> list[tuple[int, int]]:
    cuts = {0, len(text)}
    pos = 0
    for line in text.split("\n"):
        if _SEPARATOR.fullmatch(line.strip()) or title_name(line) is not None:
            cuts.add(pos)
        pos += len(line) + 1
    segments: list[tuple[int, int]] = []
    carry: int | None = None
    for a, b in pairwise(sorted(cuts)):
        start = a if carry is None else carry
        # A title with little under it is a preamble or a repeated heading, not a policy.
        if len(list(islice(_ALNUM.finditer(text, start, b), 200))) < 200:
            carry = start
            continue
        carry = None
        segments.append((start, b))
    if carry is not None:
        if segments:
            segments[-1] = (segments[-1][0], len(text))
        else:
            segments.append((carry, len(text)))
    return segments


# --- the proposal ---------------------------------------------------------------------


def _propose(text: str) -> PolicyProposal:
    doc = PolicyText(text)
    name = find_name(doc)
    emails = find_emails(doc)
    address, postcode = find_address(doc, name.value if name else "")
    return PolicyProposal(
        name=name,
        emails=emails,
        phones=find_phones(doc),
        postal_address=address,
        postcode=postcode,
        dpo_named=find_dpo(doc, name.value if name else ""),
        data_categories=find_categories(doc),
        third_parties=find_third_parties(doc, name.value if name else "", emails),
    )
