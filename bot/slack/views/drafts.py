"""The short preview posted in the incident channel beside each draft's files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.slack.views.text import clip, context, escape, section

PREVIEW_LINES = 6
PREVIEW_CHARS = 900


@dataclass(frozen=True)
class DraftCopy:
    """A draft read out of its session, for posting after the unit of work has committed."""

    kind: str
    version: int
    title: str
    markdown: str
    unknowns: tuple[str, ...]
    warnings: tuple[str, ...]
    stem: str
    assessment_version: int | None


def preview_lines(markdown: str) -> list[str]:
    lines = [line.strip() for line in markdown.splitlines() if line.strip()]
    return lines[:PREVIEW_LINES]


def preview_blocks(draft: DraftCopy) -> list[dict[str, Any]]:
    source = f"triage v{draft.assessment_version}" if draft.assessment_version else "no triage yet"
    quoted = "\n".join(f">{escape(line)}" for line in preview_lines(draft.markdown))
    blocks = [
        section(
            f":page_facing_up: *{escape(draft.title)}* · draft v{draft.version} (from {source})\n"
            f"{clip(quoted, PREVIEW_CHARS)}"
        )
    ]
    if draft.unknowns:
        listed = ", ".join(escape(u) for u in draft.unknowns)
        blocks.append(section(f"*Still to confirm ({len(draft.unknowns)}):* {clip(listed, 1500)}"))
    else:
        blocks.append(section("*Still to confirm:* nothing: every fact the draft needs is recorded."))
    for warning in draft.warnings:
        blocks.append(section(f":warning: {escape(warning)}"))
    blocks.append(context("The Markdown and Word files follow. Read the draft through before sending it."))
    return blocks


def preview_text(draft: DraftCopy) -> str:
    return f"Draft: {escape(draft.title)} v{draft.version} ({len(draft.unknowns)} still to confirm)"
