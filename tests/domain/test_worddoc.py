"""The Word version of a draft opens in python-docx and holds the same text as the Markdown."""

from __future__ import annotations

import io
import re

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX

from bot.domain.notices import NOTICE_KINDS, OrgDetails, render_notice
from bot.domain.worddoc import markdown_to_docx
from tests.domain.test_notices import make_ctx


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def without_markup(line: str) -> str:
    """A Markdown line as a reader sees it, written independently of the converter under test."""
    line = re.sub(r"^\s*(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s?)", "", line)
    return " ".join(line.replace("**", "").split())


def empty_context_kwargs() -> dict[str, object]:
    nullable = (
        "description",
        "discovered_how",
        "reported_by",
        "occurred_at",
        "likely_consequences",
        "result",
    )
    return {
        "org": OrgDetails(*([None] * 7), is_processor=True),
        "answers": {},
        "actions": (),
    } | dict.fromkeys(nullable)


@pytest.mark.parametrize("kind", NOTICE_KINDS)
@pytest.mark.parametrize("empty", [False, True], ids=["known", "unknown"])
def test_docx_holds_the_same_paragraphs_as_the_markdown(kind: str, empty: bool) -> None:
    ctx = make_ctx(**empty_context_kwargs()) if empty else make_ctx()
    notice = render_notice(kind, ctx)
    document = open_docx(markdown_to_docx(notice.markdown, title=notice.title))
    # The templates write each paragraph on one line, so each non-blank line is one Word paragraph.
    expected = [without_markup(line) for line in notice.markdown.splitlines() if line.strip()]
    assert [" ".join(p.text.split()) for p in document.paragraphs] == expected
    assert document.core_properties.title == notice.title


def test_structure_maps_to_word_styles() -> None:
    md = (
        "# Title\n\nIntro line one\nline two.\n\n## Part\n\n- first\n- second\n  - nested\n\n"
        "1. one\n\n> **Warning:** x\n"
    )
    styles = [(p.style.name, p.text) for p in open_docx(markdown_to_docx(md)).paragraphs]
    assert styles == [
        ("Heading 1", "Title"),
        ("Normal", "Intro line one line two."),
        ("Heading 2", "Part"),
        ("List Bullet", "first"),
        ("List Bullet", "second"),
        ("List Bullet 2", "nested"),
        ("List Number", "one"),
        ("Intense Quote", "Warning: x"),
    ]


def test_bold_runs_and_highlighted_markers() -> None:
    md = "- **Name:** [NOT YET KNOWN: name of the DPO] and *soon*\n"
    runs = open_docx(markdown_to_docx(md)).paragraphs[0].runs
    by_text = {run.text: run for run in runs}
    assert by_text["Name:"].bold
    assert by_text["[NOT YET KNOWN: name of the DPO]"].font.highlight_color == WD_COLOR_INDEX.YELLOW
    assert by_text["soon"].italic
    assert "".join(run.text for run in runs) == "Name: [NOT YET KNOWN: name of the DPO] and soon"


@pytest.mark.parametrize(
    "text",
    ["5 * 3 = 15 and 2*2", "snake_case_name stays", "[a link-like](thing) stays", "Price: £1,200 (approx.)"],
)
def test_text_that_is_not_markup_is_kept_as_it_is(text: str) -> None:
    assert open_docx(markdown_to_docx(text)).paragraphs[0].text == text


def test_user_text_with_line_breaks_keeps_every_word() -> None:
    ctx = make_ctx(description="First line of the story.\nSecond line.\n\nA new paragraph.")
    notice = render_notice("ico_report", ctx)
    text = " ".join(p.text for p in open_docx(markdown_to_docx(notice.markdown)).paragraphs)
    plain = " ".join(without_markup(line) for line in notice.markdown.splitlines())
    assert " ".join(text.split()) == " ".join(plain.split())
    assert "First line of the story. Second line." in text


def test_empty_draft_still_makes_a_document() -> None:
    assert open_docx(markdown_to_docx("")).paragraphs == []
