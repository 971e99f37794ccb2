"""Spotting the personal data of the people affected in an ICO draft, which the ICO form says to leave out.

The organisation's own contact details belong in the report, so they are not flagged."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.domain.notice_wording import ICO_HELPLINE

if TYPE_CHECKING:
    from bot.domain.notices import NoticeContext

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)(?:\d[\s)-]{0,2}){9,10}(?!\d)")
_NINO = re.compile(r"\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[A-Z]{2}\b", re.I)
_HOUSE = re.compile(r"(?:^|[\s,])(?:flat\s+)?\d{1,4}[a-z]?,?\s+[a-z]", re.I)


def _digits(text: str | None) -> str:
    digits = re.sub(r"\D", "", text or "")
    return "0" + digits[2:] if digits.startswith("44") else digits


def _luhn(number: str) -> bool:
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(map(int, number[::-1])))
    return total % 10 == 0


def _found(text: str, own_emails: set[str], own_phones: set[str], own_postcodes: set[str]) -> list[str]:
    kinds = []
    if any(m.group().lower() not in own_emails for m in _EMAIL.finditer(text)):
        kinds.append("an email address")
    if any(len(d := _digits(m.group())) in (10, 11) and d not in own_phones for m in _PHONE.finditer(text)):
        kinds.append("a phone number")
    if any(m.group(1).upper() not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"} for m in _NINO.finditer(text)):
        kinds.append("a National Insurance number")
    if any(13 <= len(d := _digits(m.group())) <= 19 and _luhn(d) for m in _CARD.finditer(text)):
        kinds.append("a payment card number")
    for m in _POSTCODE.finditer(text):
        before = text[max(0, m.start() - 60) : m.start()].split("\n")[-1]
        if re.sub(r"\s", "", m.group()).upper() not in own_postcodes and _HOUSE.search(before):
            kinds.append("a home address")
            break
    return kinds


def personal_data_warnings(ctx: NoticeContext) -> list[str]:
    """The ICO form says not to include the personal data itself; the organisation's own contact
    details belong in the report, so they are not flagged."""
    org = ctx.org
    own_emails = {org.dpo_email.strip().lower()} if org.dpo_email else set()
    own_phones = {_digits(org.dpo_phone), _digits(ICO_HELPLINE)} - {""}
    own_postcodes = {
        re.sub(r"\s", "", m.group()).upper()
        for text in (org.address, org.dpo_address)
        for m in _POSTCODE.finditer(text or "")
    }
    fields = {
        "title": ctx.title, "what happened": ctx.description, "how it was discovered": ctx.discovered_how,
        "likely consequences": ctx.likely_consequences, "staff involvement": ctx.staff_involved,
        "others told": ctx.others_told, "reasons for delay": ctx.delay_reasons,
        "override reason": (ctx.override or {}).get("reason"),
        "actions": "\n".join(str(a.get("text") or "") for a in ctx.actions),
    }  # fmt: skip
    found = [
        f"{kind} in '{field}'"
        for field, text in fields.items()
        if isinstance(text, str)
        for kind in _found(text, own_emails, own_phones, own_postcodes)
    ]
    if not found:
        return []
    return [
        "This draft seems to contain personal data of the people affected ("
        + ", ".join(found)
        + "). The ICO asks you not to include it in the report: remove it before you send the report."
    ]
