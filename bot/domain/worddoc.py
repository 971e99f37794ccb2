"""Turn a Markdown notice draft into a .docx people can edit in Word.

Only the Markdown the notice templates produce is understood: headings, paragraphs, bullet and numbered
lists, block quotes (used for warnings), bold, italic and inline code. Anything else stays as literal text,
so the document never holds less text than the draft.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.text.paragraph import Paragraph

from bot.domain.plaintext import clean_text

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)\d+[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_INLINE = re.compile(r"\*\*(?P<bold>.+?)\*\*|(?<![\w*])\*(?P<italic>[^*\s](?:[^*]*[^*\s])?)\*(?!\w)|`(?P<code>[^`]+)`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])")
# Markers show a reviewer what still has to be filled in, so they are highlighted in Word as well.
_MARKER = re.compile(r"\[NOT YET KNOWN: [^\]]*\]")


@dataclass(frozen=True)
class Block:
    """One Word paragraph: its kind ("heading", "bullet", "number", "quote", "para"), level and text."""

    kind: str
    level: int
    text: str


def _indent_level(indent: str) -> int:
    return min(len(indent.expandtabs(4)) // 2, 2)


def parse_blocks(markdown: str) -> Iterator[Block]:
    """Split Markdown into paragraphs; soft line breaks join, as they do when Markdown is displayed."""
    current: list[str] = []
    kind, level = "para", 0

    def flush() -> Iterator[Block]:
        if current:
            yield Block(kind, level, " ".join(part.strip() for part in current))
            current.clear()

    for line in markdown.splitlines():
        if not line.strip() or _RULE.match(line):
            yield from flush()
            continue
        heading, item, quote = (
            _HEADING.match(line),
            _BULLET.match(line) or _NUMBERED.match(line),
            _QUOTE.match(line),
        )
        if heading:
            yield from flush()
            yield Block("heading", len(heading.group(1)), heading.group(2))
        elif item:
            yield from flush()
            kind = "bullet" if item.re is _BULLET else "number"
            level = _indent_level(item.group(1))
            current.append(item.group(2))
        elif quote:
            if kind != "quote":
                yield from flush()
            kind, level = "quote", 0
            current.append(quote.group(1))
        else:
            if kind in ("heading", "quote") or not current:
                yield from flush()
                kind, level = "para", 0
            current.append(line)
    yield from flush()


def _runs(text: str) -> Iterator[tuple[str, dict[str, bool]]]:
    """Inline Markdown as (text, style) pieces; escapes become the literal character."""
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], {}
        name = match.lastgroup or "bold"
        yield match.group(name), {name: True}
        position = match.end()
    if position < len(text):
        yield text[position:], {}


def _add_runs(paragraph: Paragraph, text: str) -> None:
    for piece, style in _runs(text):
        piece = piece if style.get("code") else _ESCAPE.sub(r"\1", piece)
        position = 0
        for part in [*_MARKER.finditer(piece), None]:
            end = part.start() if part else len(piece)
            for chunk, highlight in ((piece[position:end], False), (part.group() if part else "", True)):
                if not chunk:
                    continue
                run = paragraph.add_run(chunk)
                run.bold = style.get("bold") or highlight or None
                run.italic = style.get("italic") or None
                if style.get("code"):
                    run.font.name = "Consolas"
                if highlight:
                    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
            position = part.end() if part else position


_LIST_STYLES = {
    "bullet": ("List Bullet", "List Bullet 2", "List Bullet 3"),
    "number": ("List Number", "List Number 2", "List Number 3"),
}


def markdown_to_docx(markdown: str, title: str | None = None) -> bytes:
    """The draft as .docx bytes; ``title`` goes into the document properties, not the body."""
    document = Document()
    if title:
        document.core_properties.title = clean_text(title)
    # XML cannot hold control characters: one stored before text was cleaned on entry must not break a draft.
    for block in parse_blocks(clean_text(markdown)):
        if block.kind == "heading":
            paragraph = document.add_heading("", level=min(block.level, 9))
        elif block.kind in _LIST_STYLES:
            paragraph = document.add_paragraph(style=_LIST_STYLES[block.kind][block.level])
        elif block.kind == "quote":
            paragraph = document.add_paragraph(style="Intense Quote")
        else:
            paragraph = document.add_paragraph()
        _add_runs(paragraph, block.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
