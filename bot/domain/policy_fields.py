"""What the policy reader looks for: the organisation's name, emails, UK phones, postal address, a named
DPO, the categories of data it collects and the third parties it names. Each finder reads a PolicyText
and returns Findings carrying the sentence they came from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice, pairwise

from bot.domain.policy_text import (
    BULLETS,
    TOKEN,
    Finding,
    PolicyText,
    category_rules,
    squash,
    stem,
    title_name,
    word_set,
)

# --- organisation name ----------------------------------------------------------------

_WORD = r"[A-Z][A-Za-z0-9'’&\-]{0,30}"
_RUN = re.compile(rf"(?<![A-Za-z0-9'’&\-]){_WORD}(?:[ \t](?:(?:of|and|the|for|&)[ \t])?{_WORD}){{0,7}}")
_LEGAL_SUFFIX = re.compile(r"(?<=[ \t])(?:Ltd|LTD|Limited|LIMITED|LLP|PLC|plc|CIC|LLC)\b")
_LEGAL_HEAD = re.compile(rf"(?<![A-Za-z0-9'’&\-])(?:{_WORD}[ \t](?:(?:of|and|the|for|&)[ \t])?){{1,6}}$")
_WE_DEFINED = re.compile(
    r"\([ \t]{0,3}(?:(?:together|hereinafter|referred|to|as)[ \t]+){0,4}[“\"'‘][ \t]?(?:we|us|our)\b", re.I
)
_APPLIES_TO = re.compile(
    r"(?i:privacy[ \t]+(?:policy|notice|statement)[ \t]+(?:(?:applies|relates)[ \t]+to|of|for))"
    r"[ \t]+(?:the[ \t]+)?"
)
_AT_WE = re.compile(r"\bAt[ \t]+")
_IS_CONTROLLER = re.compile(r"[ \t]+(?:is|are)[ \t]+(?:committed|(?:the|a)[ \t]+data[ \t]+controller)", re.I)
_LEAD_STOP = word_set(
    "At This These We Our By For If Contact Welcome Hello Dear Please From Email Write Privacy "
    "Policy Notice Registered Trading Copyright In About Website"
)
_LEGAL_TAIL = re.compile(r"[ \t,]+(?:Ltd|LTD|Limited|LIMITED|LLP|PLC|plc|CIC|LLC)\.?$")
_SUFFIXES = {"Ltd": "Ltd", "Limited": "Limited", "Llp": "LLP", "Plc": "plc", "Cic": "CIC", "Llc": "LLC"}


def _clean_name(raw: str) -> str:
    words = [re.sub(r"['’]s$", "", w) for w in raw.split()]
    while words and words[0] in _LEAD_STOP:
        words.pop(0)
    return " ".join(words).strip(" '’&-")


def _run_at(text: str, pos: int) -> tuple[str, int, int] | None:
    m = _RUN.match(text, pos)
    return (m.group(), m.start(), m.end()) if m else None


def _run_before(text: str, pos: int) -> tuple[str, int, int] | None:
    """The capitalised run that ends just before ``pos`` (ignoring a comma and spaces)."""
    base = max(0, pos - 160)
    window = text[base:pos].rstrip(" \t,")
    last = None
    for m in _RUN.finditer(window):
        last = m
    if last is None or last.end() != len(window):
        return None
    return last.group(), base + last.start(), base + last.end()


def _mixed_case(doc: PolicyText, name: str) -> str:
    """Turn a shouted title ("HARBOUR LANE PRIVACY POLICY") back into the name's usual case."""
    if not name.isupper():
        return name
    for m in re.finditer(re.escape(name), doc.text[:200_000], re.I):
        if not m.group().isupper():
            return m.group()
    return " ".join(_SUFFIXES.get(w.title(), w.title()) for w in name.split())


def _legal_names(text: str) -> list[tuple[str, int, int]]:
    """Company names with a legal suffix ("Acme Widgets Ltd"), found from the suffix backwards."""
    names: list[tuple[str, int, int]] = []
    # Searching back from each suffix is far cheaper than trying every capital as a start.
    for m in islice(_LEGAL_SUFFIX.finditer(text), 200):
        head = _LEGAL_HEAD.search(text, max(0, m.start() - 200), m.start())
        if head and (name := _clean_name(head.group() + m.group())):
            names.append((name, head.start(), m.end()))
    return names


def find_name(doc: PolicyText) -> Finding | None:
    text = doc.text
    for m in _WE_DEFINED.finditer(text):
        run = _run_before(text, m.start())
        if run and (name := _clean_name(run[0])):
            return doc.finding(name, run[1], run[2])

    short: tuple[str, int, int] | None = None
    # Clues to the name the policy uses for itself, strongest first.
    candidates = [_run_at(text, m.end()) for m in _APPLIES_TO.finditer(text)]
    pos = 0
    for line in text.split("\n", 10)[:10]:
        title = title_name(line)
        if title:
            candidates.append((_mixed_case(doc, title), pos, pos + len(line)))
            break
        pos += len(line) + 1
    for m in _AT_WE.finditer(text):
        run = _run_at(text, m.end())
        if run and re.match(r",?[ \t]+we\b", text[run[2] : run[2] + 6]):
            candidates.append(run)
    candidates.extend(_run_before(text, m.start()) for m in _IS_CONTROLLER.finditer(text))
    for cand in candidates:
        if cand and (cleaned := _clean_name(cand[0])):
            short = (cleaned, cand[1], cand[2])
            break

    legal = _legal_names(text)
    if short:
        for entry in legal:
            if entry[0].lower().startswith(short[0].lower()):
                return doc.finding(*entry)
        return doc.finding(*short)
    if legal:
        # With no other clue, the organisation is the company the policy names most often.
        counts: dict[str, int] = {}
        for entry in legal:
            counts[entry[0]] = counts.get(entry[0], 0) + 1
        best = max(legal, key=lambda e: counts[e[0]])
        return doc.finding(*best)
    return None


# --- emails and phones ----------------------------------------------------------------

_AT_SEP = r"(?:[ \t]{0,2}(?:@|[\[({][ \t]{0,2}at[ \t]{0,2}[\])}])[ \t]{0,2}|[ \t]{1,2}at[ \t]{1,2})"
_DOT_SEP = r"(?:\.|[ \t]{0,2}[\[({][ \t]{0,2}dot[ \t]{0,2}[\])}][ \t]{0,2}|[ \t]{1,2}dot[ \t]{1,2})"
_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._%+'\-])(?P<local>[A-Za-z0-9._%+'\-]{{1,64}})(?P<at>{_AT_SEP})"
    rf"(?P<domain>[A-Za-z0-9\-]{{1,63}}(?:{_DOT_SEP}[A-Za-z0-9\-]{{1,63}}){{1,5}})",
    re.I,
)
_DOT_SPLIT = re.compile(_DOT_SEP, re.I)
_NOT_TLD = word_set("png jpg jpeg gif svg webp html htm php pdf")
_SPOKEN_TLDS = word_set("com org net uk io co gov ac nhs example info biz scot wales cymru london eu ie")
_EXCLUDED_DOMAINS = ("ico.org.uk",)  # the regulator's addresses are in most policies


def find_emails(doc: PolicyText) -> tuple[Finding, ...]:
    found: dict[str, Finding] = {}
    for m in _EMAIL.finditer(doc.text):
        labels = [lab.lower() for lab in _DOT_SPLIT.split(m.group("domain"))]
        local = m.group("local").strip(".")
        tld = labels[-1]
        if not local or not tld.isalpha() or len(tld) < 2 or tld in _NOT_TLD:
            continue
        spoken_at = not any(c in m.group("at") for c in "@[({")
        # "write to us at example.com" is prose; a spoken "at" must come with a spoken "dot".
        if spoken_at and ("." in m.group("domain") or tld not in _SPOKEN_TLDS):
            continue
        value = f"{local}@{'.'.join(labels)}".lower()
        if any(value.endswith(d) for d in _EXCLUDED_DOMAINS) or value in found:
            continue
        found[value] = doc.finding(value, m.start(), m.end())
    return tuple(found.values())


_PHONE = re.compile(
    r"(?<![\d+])(?P<intl>(?:\+|00)[ \t]?44[ \t]?(?:\(0\)[ \t]?)?\(?|\(?0)"
    r"\d{1,4}\)?(?:[ \t.\-]?\d{2,4}){1,3}(?!\d)"
)
_EXCLUDED_PHONES = frozenset({"0303 123 1113"})  # the ICO helpline


def _format_uk(n: str) -> str:
    if n.startswith("02"):
        return f"{n[:3]} {n[3:7]} {n[7:]}"
    if n.startswith("07") or (n.startswith("01") and n[2] != "1" and n[3] != "1"):
        return f"{n[:5]} {n[5:]}"
    return f"{n[:4]} {n[4:7]} {n[7:]}"


def find_phones(doc: PolicyText) -> tuple[Finding, ...]:
    found: dict[str, Finding] = {}
    for m in _PHONE.finditer(doc.text):
        digits = re.sub(r"\D", "", m.group())
        if m.group("intl").lstrip("(").startswith(("+", "00")):
            digits = digits.removeprefix("00")[2:]
            digits = digits if digits.startswith("0") else "0" + digits
        valid = len(digits) == 11 or (len(digits) == 10 and digits[1] in "18")
        if not valid or digits[1] not in "123789":
            continue
        if "fax" in doc.text[max(0, m.start() - 12) : m.start()].lower():
            continue
        value = _format_uk(digits)
        if value not in found and value not in _EXCLUDED_PHONES:
            found[value] = doc.finding(value, m.start(), m.end())
    return tuple(found.values())


# --- postal address -------------------------------------------------------------------

_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])([A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?))"
    r"[ \t]{0,2}([0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"
)
_REGULATOR = re.compile(r"(?i)information commissioner|wycliffe house|\bICO\b")
# Words that mark a segment as a label, a role or prose rather than part of an address.
_NOT_ADDRESS = word_set(
    "officer manager dpo controller ltd limited llp plc cic llc inc contact privacy policy notice "
    "us our we you your write writing email e-mail phone telephone tel post sent details fao attn "
    "attention secretary director treasurer chair clerk administrator"
)
_MAX_ADDRESS_PARTS = 5


def _address_part(seg: str, org_names: tuple[str, ...]) -> str | None:
    """``seg`` cleaned if it can be an address line; None marks where an address starts."""
    seg = squash(seg).strip(BULLETS)
    words = seg.split()
    low = seg.lower()
    if not any(c.isalnum() for c in seg) or len(seg) > 60 or len(words) > 6 or seg.endswith(":"):
        return None
    if "@" in seg or "http" in low or "www." in low or sum(c.isdigit() for c in seg) >= 6:
        return None
    if seg.endswith(".") and len(words) > 3:
        return None
    if any(w.strip(".,()").lower() in _NOT_ADDRESS for w in words) or low in org_names:
        return None
    return seg.rstrip(".")


def _address_at(doc: PolicyText, m: re.Match[str], org_names: tuple[str, ...]) -> tuple[list[str], int]:
    """Walk back from a postcode through comma segments and lines to collect the address."""
    text = doc.text
    parts: list[str] = []
    start = end = m.start()
    while len(parts) < _MAX_ADDRESS_PARTS:
        # Only the tail of a very long line can be address; looking further is wasted work.
        line_start = max(text.rfind("\n", 0, end) + 1, end - 300)
        line = text[line_start:end]
        if not line.strip() and end != m.start():
            break  # a blank line ends the address block
        seg_end = len(line)
        for seg_start in reversed([0, *(i + 1 for i, c in enumerate(line) if c == ",")]):
            piece, seg_end = line[seg_start:seg_end], seg_start - 1
            if not piece.strip():
                continue
            tail = piece[piece.rfind(":") + 1 :]  # after a label such as "Registered office:"
            part = _address_part(tail, org_names)
            if part is None:
                return parts, start
            parts.insert(0, part)
            start = line_start + seg_start + len(piece) - len(tail.lstrip())
            if ":" in piece:  # "Registered office: 1 High Street" - the label starts the address
                return parts, start
            if len(parts) >= _MAX_ADDRESS_PARTS:
                break
        if line_start == 0 or text[line_start - 1] != "\n":
            break
        end = line_start - 1
    return parts, start


def find_address(doc: PolicyText, org: str) -> tuple[Finding | None, Finding | None]:
    org_short = _LEGAL_TAIL.sub("", org).strip()
    org_names = tuple(n.lower() for n in {org, org_short} if n)
    # One distinctive word of the name is enough to spot it beside an address ("The" is not).
    org_word = next((w for w in org_short.lower().split() if len(w) > 3), "")
    candidates: list[tuple[str, list[str], int, re.Match[str], bool]] = []
    for i, m in enumerate(_POSTCODE.finditer(doc.text)):
        if i >= 50:
            break
        parts, start = _address_at(doc, m, org_names)
        if _REGULATOR.search(doc.text[slice(*doc.span_of_sentence(start, m.end()))]):
            continue
        near_org = bool(org_word) and org_word in doc.text[max(0, start - 250) : m.end()].lower()
        candidates.append((f"{m.group(1)} {m.group(2)}", parts, start, m, near_org))
    if not candidates:
        return None, None
    # Prefer the postcode printed near the organisation's own name, then its fullest address.
    chosen = next((c for c in candidates if c[4]), candidates[0])[0]
    code, parts, start, m, _ = max((c for c in candidates if c[0] == chosen), key=lambda c: len(c[1]))
    postcode = doc.finding(code, start, m.end())
    if not parts:
        return None, postcode
    return doc.finding(", ".join([*parts, code]), start, m.end()), postcode


# --- DPO ------------------------------------------------------------------------------

_PERSON = r"(?P<name>[A-Z][A-Za-z'’\-]{1,20}(?:[ \t][A-Z][A-Za-z'’\-]{1,20}){1,2})"
_HONORIFIC = r"(?<![A-Za-z'’\-])(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]{1,2})?"
_ROLE = r"(?:(?i:data[ \t]+protection[ \t]+officer)|DPO)"
_DPO_FORMS = (
    # "Our Data Protection Officer is Jane Smith", "DPO: Jane Smith", "our DPO, Jane Smith"
    re.compile(
        rf"\b{_ROLE}\b[^.\n]{{0,20}}?(?:[ \t]is|:|,|[ \t][-–—])[ \t]{{0,3}}\n?[ \t]{{0,3}}"
        rf"{_HONORIFIC}{_PERSON}\b"
    ),
    # "Jane Smith, our Data Protection Officer", "Jane Smith (DPO)", a name line above the role
    re.compile(
        rf"{_HONORIFIC}{_PERSON}[ \t]{{0,3}}(?:[,(\-–—][ \t]{{0,3}}|\n[ \t]{{0,3}})"
        rf"(?:(?i:our|the)[ \t]+)?{_ROLE}\b"
    ),
)
_NOT_PERSON = word_set(
    "Data Protection Officer Our The Team Privacy Manager Compliance Contact Dear Email Phone Post "
    "Ltd Limited Office Department Group Service Services Customer Information Commissioner"
)


def find_dpo(doc: PolicyText, org: str) -> Finding | None:
    org_words = set(org.split())
    for form in _DPO_FORMS:
        for m in form.finditer(doc.text):
            words = m.group("name").split()
            # Every word needs a lower-case letter: "DPO" or "CONTACT US" is not a person.
            if not any(w in _NOT_PERSON or w in org_words or w.isupper() for w in words):
                return doc.finding(f"yes: {m.group('name')}", m.start(), m.end())
    return None


# --- data categories ------------------------------------------------------------------


def find_categories(doc: PolicyText) -> tuple[Finding, ...]:
    rules = category_rules()
    matches = list(TOKEN.finditer(doc.text))
    stems: dict[str, str] = {}
    words = [stems.get(w) or stems.setdefault(w, stem(w)) for w in TOKEN.findall(doc.text.lower())]
    found: dict[str, Finding] = {}
    i = 0
    while i < len(words):
        if words[i] not in rules.first_words:
            i += 1
            continue
        # Longest phrase first, so "ip address" wins over a shorter phrase inside it.
        for n in range(min(rules.longest, len(words) - i), 0, -1):
            key = tuple(words[i : i + n])
            if key in rules.phrases:
                category = rules.phrases[key]
                if category and category not in found:
                    found[category] = doc.finding(category, matches[i].start(), matches[i + n - 1].end())
                i += n
                break
        else:
            i += 1
    return tuple(found.values())


# --- third parties --------------------------------------------------------------------

_TRIGGER = re.compile(
    r"(?i)\b(?:use[sd]?|using|providers?|processors?|processed|partners?|suppliers?|hosted|hosting|"
    r"powered|platforms?|software|services?|third[- ]part(?:y|ies)|3rd[- ]part(?:y|ies)|such as|via|"
    r"through|share|shared|sub-?processors?|recipients?|managed|provided)\b"
)
_DOMAIN = re.compile(
    r"(?i)(?<![A-Za-z0-9@.\-])(?:https?://)?(?:www\.)?(?P<label>[a-z0-9\-]{1,63})"
    r"(?P<rest>(?:\.[a-z0-9\-]{1,63}){0,3}\.(?:com|net|org|io|ai|eu|uk|ie|app|cloud|co))(?![A-Za-z0-9\-])"
)
_EXCLUDED_SITES = word_set("ico.org.uk allaboutcookies.org aboutcookies.org youronlinechoices gov.uk europa.eu")
# Any of these in a capitalised run means it is law, a role or a document, not a company.
_DROP_RUN = word_set(
    "GDPR Regulation Regulations Commissioner ICO Act Officer Team Department Manager Article Policy "
    "Policies Notice Terms Conditions Court"
)
# Generic capitalised words trimmed from either end of a run ("Our", "Third Party").
_TRIM = word_set(
    "The A An We Our Us You Your This These That Those It Its Both All Any Some Each Please If In On At "
    "By For From With When Where While Whilst As To Of Or But Not No Data Personal Information Privacy "
    "Security Procedures Third Party Parties Controller Controllers Processor Processors Processing "
    "Customer Customers Client Clients UK EU EEA European Economic Area England Wales Scotland United "
    "Kingdom Website Site Internet Cookie Cookies Email E-mail Phone Telephone Call Calls Use Using Uses "
    "January February March April May June July August September October November December Monday "
    "Tuesday Wednesday Thursday Friday Saturday Sunday SSL TLS London Britain Great Northern Ireland "
    "Europe USA US America States"
)
_MID_CAPITAL = re.compile(r"\b[a-z]+,? ([A-Z][A-Za-z0-9]+)")
_CONNECTORS = word_set("of for the & and")


def _party_key(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _LEGAL_TAIL.sub("", value).lower())


def _parties_in(sentence: str, mid_capitals: set[str]) -> Iterator[tuple[int, int, str]]:
    """Capitalised names in one sentence that already reads as being about a third party."""
    first = len(sentence) - len(sentence.lstrip(BULLETS + "0123456789.)"))
    for m in _RUN.finditer(sentence):
        if sentence[m.start() - 1 : m.start()] == "(" and m.group().isupper():
            continue  # "(DBS)" spells out an abbreviation
        pieces: list[list[tuple[int, str]]] = [[]]
        for w in re.finditer(r"\S+", m.group()):
            if w.group() == "and":  # "Stripe and PayPal" are two companies
                pieces.append([])
            else:
                pieces[-1].append((m.start() + w.start(), re.sub(r"['’]s$", "", w.group())))
        for piece in pieces:
            if any(w in _DROP_RUN for _, w in piece):
                continue
            while piece and (piece[0][1] in _TRIM or piece[0][1] in _CONNECTORS):
                piece.pop(0)
            while piece and (piece[-1][1] in _TRIM or piece[-1][1] in _CONNECTORS):
                piece.pop()
            value = " ".join(w for _, w in piece)
            if not piece or (len(value) < 3 and value.isupper()):
                continue  # "GP", "IP": roles and jargon, not organisations
            if piece[0][0] == first and len(piece) == 1 and value not in mid_capitals:
                continue  # a capital that only marks the start of a sentence
            yield piece[0][0], piece[-1][0] + len(piece[-1][1]), value


def find_third_parties(doc: PolicyText, org: str, emails: tuple[Finding, ...]) -> tuple[Finding, ...]:
    text = doc.text
    own_key = _party_key(org)
    own_domains = {e.value.split("@", 1)[1] for e in emails}
    hits: list[tuple[int, int, str]] = []
    for known in category_rules().known_parties:
        pos = text.find(known)
        while pos != -1:
            before, after = text[pos - 1 : pos], text[pos + len(known) : pos + len(known) + 1]
            if not (before.isalnum() or after.isalnum()):
                hits.append((pos, pos + len(known), known))
                break
            pos = text.find(known, pos + 1)
    # Any company other than the organisation itself is someone the data may go to.
    hits.extend((start, end, name) for name, start, end in _legal_names(text))
    mid_capitals = {m.group(1) for m in _MID_CAPITAL.finditer(text)}
    for left, right in pairwise(doc.bounds):
        sentence = text[left:right]
        # Long "sentences" are unsplit junk, and shouted lines are headings.
        if right - left > 1000 or not _TRIGGER.search(sentence) or sentence.isupper():
            continue
        hits.extend((left + a, left + b, value) for a, b, value in _parties_in(sentence, mid_capitals))
        for m in _DOMAIN.finditer(sentence):
            domain = (m.group("label") + m.group("rest")).lower()
            if domain not in own_domains and not any(x in domain for x in _EXCLUDED_SITES):
                hits.append((left + m.start(), left + m.end(), domain))
    found: dict[str, Finding] = {}
    # Earliest first; at the same place a name over its web address ("Smartsupp" over
    # "smartsupp.com") and the longer name ("Acme Bank plc" over "Acme Bank").
    for start, end, value in sorted(hits, key=lambda h: (h[0], "." in h[2], -h[1])):
        key = _party_key(value.split(".")[0] if "." in value and " " not in value else value)
        if not key or key == own_key or own_key.startswith(key) or key in found:
            continue
        found[key] = doc.finding(value, start, end)
    return tuple(found.values())
