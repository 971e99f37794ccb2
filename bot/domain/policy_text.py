"""The policy reader's ground: the findings it proposes, the phrase table it matches against, and the
text it reads (sentences, runs of capitalised words), kept apart from what it looks for in that text."""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

ICO_FORM_KEYS = (
    "basic_identifiers", "identification_data", "economic_financial", "official_documents",
    "location", "genetic_biometric", "criminal_offence", "credentials", "special_racial_ethnic",
    "special_political", "special_religious", "special_trade_union", "special_sex_life",
    "special_sexual_orientation", "special_health", "other",
)  # fmt: skip

MAX_SENTENCE = 300


@dataclass(frozen=True)
class Finding:
    value: str
    sentence: str

    def to_dict(self) -> dict[str, str]:
        return {"value": self.value, "sentence": self.sentence}


# --- rules data -----------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRules:
    phrases: dict[tuple[str, ...], str | None]  # None: an [ignore] phrase
    first_words: frozenset[str]
    longest: int
    known_parties: tuple[str, ...]


@lru_cache(maxsize=1)
def category_rules() -> CategoryRules:
    raw = tomllib.loads(resources.files("bot.rules").joinpath("policy_categories.toml").read_text("utf-8"))
    phrases: dict[tuple[str, ...], str | None] = {}
    for key, words in raw.get("categories", {}).items():
        if key not in ICO_FORM_KEYS:
            # A typo here would silently drop a category from every proposal.
            raise ValueError(f"policy_categories.toml: {key!r} is not an ICO form key")
        for phrase in words:
            phrases[tokens_of(phrase)] = key
    for phrase in raw.get("ignore", {}).get("phrases", []):
        phrases[tokens_of(phrase)] = None
    phrases.pop((), None)
    return CategoryRules(
        phrases=phrases,
        first_words=frozenset(p[0] for p in phrases),
        longest=max((len(p) for p in phrases), default=0),
        known_parties=tuple(raw.get("third_parties", {}).get("known", [])),
    )


TOKEN = re.compile(r"[A-Za-z0-9]+")


def stem(word: str) -> str:
    """Fold plurals so "names" meets the rules file's "name"; used on both sides, so crude is fine."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens_of(phrase: str) -> tuple[str, ...]:
    return tuple(stem(t.lower()) for t in TOKEN.findall(phrase))


# --- text helpers ---------------------------------------------------------------------

_BOUNDARY = re.compile(r"[.!?;](?=\s)|\n")
_LABEL = re.compile(r"[A-Z][A-Za-z ]{0,20}:")  # "Email:", "Post:" start a new line of contact details
BULLETS = " \t\f•·▪*-–—#>"


def word_set(s: str) -> frozenset[str]:
    return frozenset(s.split())


def squash(s: str) -> str:
    return " ".join(s.split())


class PolicyText:
    """One policy's text plus sentence boundaries, so any span can be shown in context."""

    def __init__(self, text: str) -> None:
        self.text = text
        bounds = [0]
        line_start = 0
        for m in _BOUNDARY.finditer(text):
            i = m.start()
            if m.group() == "\n":
                line_len, line_start = i - line_start, i + 1
                # A newline inside a hard-wrapped paragraph ("our payment\nservice") is not a
                # break; short lines are headings, list items or address lines, which are.
                if 0 < i < len(text) - 1 and (text[i - 1].islower() or text[i - 1] == ","):
                    nxt = text[i + 1]
                    long_line = line_len >= 60 and (nxt.isalnum() or nxt in '+("“')
                    if nxt.islower() or (long_line and not _LABEL.match(text, i + 1)):
                        continue
            bounds.append(m.end())
        bounds.append(len(text))
        self.bounds = bounds

    def span_of_sentence(self, start: int, end: int) -> tuple[int, int]:
        left = self.bounds[bisect_right(self.bounds, start) - 1]
        right = self.bounds[min(bisect_left(self.bounds, end), len(self.bounds) - 1)]
        return left, max(right, end)

    def sentence(self, start: int, end: int) -> str:
        left, right = self.span_of_sentence(start, end)
        full = squash(self.text[left:right])
        # Drop a leading bullet for readability, unless the value itself starts with one.
        if squash(self.text[start:end]) in full.lstrip(BULLETS):
            full = full.lstrip(BULLETS)
        if len(full) <= MAX_SENTENCE:
            return full
        # Too long: widen around the span as far as the limit allows, so the value stays in.
        lo, hi = 0, MAX_SENTENCE
        while lo < hi:
            k = (lo + hi + 1) // 2
            if len(squash(self.text[max(left, start - k) : min(right, end + k)])) <= MAX_SENTENCE:
                lo = k
            else:
                hi = k - 1
        return squash(self.text[max(left, start - lo) : min(right, end + lo)])[:MAX_SENTENCE]

    def finding(self, value: str, start: int, end: int) -> Finding:
        return Finding(value=value, sentence=self.sentence(start, end))


# --- a title line naming the organisation ---------------------------------------------

_TITLE_PREFIX = re.compile(
    r"(?i)(?P<name>.{0,80}?)[\s\-–—:|]*\b(?:privacy|data protection)[ \t]+(?:policy|notice|statement)[\s.:]*"
)
_TITLE_SUFFIX = re.compile(
    r"(?i)(?:privacy|data protection)[ \t]+(?:policy|notice|statement)[ \t]*(?:[-–—:|]|\bfor\b|\bof\b)"
    r"[ \t]*(?P<name>.{1,80}?)[\s.]*"
)
# A word from this set means the line talks about a policy ("Changes to this privacy notice").
_NOT_TITLE = word_set("this our your to changes change updates update updating about contents see read with in")
# Audience words in a title are not part of the organisation's name ("Website Privacy Policy").
_TITLE_AUDIENCE = word_set(
    "website web online site app customer customers client clients employee employees staff "
    "candidate candidates patient patients member members general full short cookie cookies"
)


def title_name(line: str) -> str | None:
    """The name in a policy title line ("" for a bare "Privacy Policy"); None if not a title."""
    line = line.strip().lstrip(BULLETS + "0123456789.)").strip()
    if not line or len(line) > 120:
        return None
    m = _TITLE_PREFIX.fullmatch(line) or _TITLE_SUFFIX.fullmatch(line)
    if not m:
        return None
    words = re.sub(r"['’]s$", "", m.group("name").strip(" \t-–—:|,")).split()
    while words and words[-1].lower() in _TITLE_AUDIENCE:
        words.pop()
    if any(w.lower() in _NOT_TITLE for w in words) or (words and not words[0][0].isupper()):
        return None
    return " ".join(words)
