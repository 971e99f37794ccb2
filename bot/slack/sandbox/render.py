"""What Slack would show, as plain text: Block Kit and mrkdwn rendered for a terminal.

Date tokens show their fallback, mentions and links their names, and escaped entities are unescaped
for display (the escaping is for Slack's parser, not for the reader)."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"<([^<>]+)>")


def mrkdwn(text: str, channels: dict[str, str] | None = None) -> str:
    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!subteam^"):
            return label or "@" + target.removeprefix("!subteam^")
        if target.startswith("!"):
            return "@" + target[1:]
        if target.startswith("@"):
            return label or target
        if target.startswith("#"):
            return "#" + (label or (channels or {}).get(target[1:], target[1:]))
        return f"{label} ({target})" if label else target

    shown = _TOKEN.sub(replace, text)
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(node: Any, channels: dict[str, str] | None) -> str:
    if not isinstance(node, dict):
        return ""
    raw = str(node.get("text") or "")
    return mrkdwn(raw, channels) if node.get("type") == "mrkdwn" else raw


def _element(element: dict[str, Any], channels: dict[str, str] | None) -> str:
    kind = element.get("type")
    if kind == "button":
        url = f" -> {element['url']}" if element.get("url") else ""
        return f"[{_text(element.get('text'), channels)}]{url}"
    if kind in ("checkboxes", "radio_buttons"):
        chosen = {o.get("value") for o in element.get("initial_options") or []}
        return "  ".join(
            f"[{'x' if o.get('value') in chosen else ' '}] {_text(o.get('text'), channels)}"
            for o in element.get("options") or []
        )
    if kind == "static_select":
        return "(" + " | ".join(_text(o.get("text"), channels) for o in element.get("options") or []) + ")"
    if kind == "plain_text_input":
        value = element.get("initial_value") or _text(element.get("placeholder"), channels)
        return f"[ {value} ]" if value else "[ ____ ]"
    return f"[{kind}]"


def blocks(items: list[dict[str, Any]], channels: dict[str, str] | None = None) -> str:
    lines: list[str] = []
    for block in items or []:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), channels)
            lines += [title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"], channels))
            lines += [_text(field, channels) for field in block.get("fields") or []]
            if block.get("accessory"):
                lines.append("    " + _element(block["accessory"], channels))
        elif kind == "context":
            lines.append("  " + " ".join(_text(e, channels) for e in block.get("elements") or []))
        elif kind == "actions":
            lines.append(" ".join(_element(e, channels) for e in block.get("elements") or []))
        elif kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            lines.append(
                f"{_text(block.get('label'), channels)}{optional}: {_element(block.get('element') or {}, channels)}"
            )
        elif kind == "divider":
            lines.append("-" * 40)
    return "\n".join(lines)


def message(item: dict[str, Any], channels: dict[str, str] | None = None) -> str:
    """A message or an acknowledgement body: its blocks, or its text when it has none."""
    if item.get("blocks"):
        return blocks(item["blocks"], channels)
    return mrkdwn(str(item.get("text") or ""), channels)


def view(item: dict[str, Any], channels: dict[str, str] | None = None) -> str:
    title = _text(item.get("title"), channels)
    buttons = " ".join(f"[{_text(item[k], channels)}]" for k in ("close", "submit") if item.get(k))
    body = blocks(item.get("blocks") or [], channels)
    return "\n".join(part for part in (f"┌ {title} ┐" if title else "", body, buttons) if part)
