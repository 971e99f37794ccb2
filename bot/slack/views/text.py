"""Small mrkdwn helpers every view uses: escaping people's text, date tokens, mentions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.clock import format_local, require_aware

LONDON = ZoneInfo("Europe/London")
_USER_ID = re.compile(r"[UW][A-Z0-9_]{1,30}")


def escape(text: str | None) -> str:
    """Slack mrkdwn escaping: only &, < and > are special. Without it `<!channel>` pings everyone."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack sends a slash command's @-mentions as <@U123|name> tokens (should_escape). Once escaped for display they
# would show as markup, so a person's mention is let through again; nothing else (links, @channel) is.
_ESCAPED_USER_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{2,30})(?:\|[^&<>]{0,80})?&gt;")


def escape_keeping_mentions(text: str | None) -> str:
    """`escape`, with Slack's user mentions (<@U123> or <@U123|name>) left as mentions."""
    return _ESCAPED_USER_MENTION.sub(r"<@\1>", escape(text))


def unescape(text: str) -> str:
    """Undo Slack's own escaping of &, < and > in the text it sends (a slash command's text): stored once
    as typed, and escaped again, once, when shown."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def date_token(moment: datetime, zone: ZoneInfo = LONDON, style: str = "{date_short_pretty} at {time}") -> str:
    """A time each reader sees in their own zone; the fallback (for notifications and old clients) is
    the configured zone with its abbreviation, e.g. 'Mon 30 Mar 2026, 13:00 BST'."""
    unix = int(require_aware(moment).timestamp())
    return f"<!date^{unix}^{style}|{format_local(moment, zone)}>"


def mention(user_id: str | None) -> str:
    """`<@U123>` for a Slack user id; anything else (a CLI actor) as escaped text."""
    if user_id and _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return escape(user_id or "someone")


def channel_link(channel_id: str | None) -> str:
    return f"<#{channel_id}>" if channel_id else "(no channel yet)"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str, **extra: Any) -> dict[str, Any]:
    # A section's text may be at most 3000 characters.
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}, **extra}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 3000)}]}


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def button(label: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(label), "action_id": action_id}
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    return element
