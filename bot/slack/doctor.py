"""`breachbot doctor`: is this installation ready for Slack? Each check says OK, or exactly what to fix."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import ConfigError, Settings, load_settings
from bot.domain.chain import key_check
from bot.services.alerts import last_sweep
from bot.slack.client import SlackCallFailed, SlackCalls, make_web_client
from bot.slack.views.reporting import sweeper_health
from bot.store import migrate
from bot.store.models import Incident, RegisterSeal, Status
from bot.store.sealing import REGISTER_ROW
from bot.store.session import Database, DatabaseUnavailable, dispose_engine
from bot.store.timeline_key import key_file, load_timeline_key

# What manifest.yml asks for, and why: keep the two in step.
REQUIRED_SCOPES = {
    "commands": "the /breach command and the Report a breach shortcut",
    "chat:write": "posting summaries and messages, and telling reporters in a direct message",
    "groups:write": "creating private incident channels, inviting people, setting topics, archiving",
    "groups:read": "checking private channels",
    "pins:write": "pinning the incident summary",
    "usergroups:read": "reading the privacy team's user group",
    "files:write": "posting the breach register to the privacy channel",
    "groups:history": (
        "finding an alert already posted to a private channel before a crash, so it is not posted twice; "
        "reading a message added to an incident's timeline with the timeline reaction"
    ),
    "channels:history": "the same, for a public privacy channel",
    "reactions:read": "adding a message to the timeline with the timeline reaction (default :pushpin:)",
}
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    # Worth attention but not broken: doctor still says ready (e.g. a sweeper that has not run yet).
    warning: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _header(response: Any, name: str) -> str:
    for key, value in (getattr(response, "headers", None) or {}).items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return ""


def check_slack(settings: Settings, calls: SlackCalls) -> list[Check]:
    checks = []
    try:
        who = calls("auth.test")
    except SlackCallFailed as failure:
        fix = (
            "SLACK_BOT_TOKEN is wrong or revoked: copy the Bot User OAuth Token from OAuth & Permissions"
            if failure.error in ("invalid_auth", "not_authed", "token_revoked", "account_inactive")
            else f"cannot reach Slack at SLACK_API_URL={settings.slack_api_url} ({failure.error}): check the network"
        )
        return [Check("token", False, f"auth.test failed: {failure.error}", fix)]
    checks.append(Check("token", True, f"bot @{who.get('user')} in workspace {who.get('team')} ({who.get('team_id')})"))
    granted = {s.strip() for s in _header(who, "x-oauth-scopes").split(",") if s.strip()}
    missing = [scope for scope in REQUIRED_SCOPES if scope not in granted]
    if missing:
        needs = "; ".join(f"{scope} ({REQUIRED_SCOPES[scope]})" for scope in missing)
        checks.append(
            Check(
                "scopes",
                False,
                f"missing {', '.join(missing)}",
                "add these bot scopes under OAuth & Permissions (manifest.yml lists them), then reinstall "
                f"the app: {needs}",
            )
        )
    else:
        checks.append(Check("scopes", True, "all granted: " + ", ".join(REQUIRED_SCOPES)))
    checks.extend(check_team(settings, calls))
    return checks


def check_team(settings: Settings, calls: SlackCalls) -> list[Check]:
    checks = []
    users, group = settings.privacy_team_users, settings.privacy_team_usergroup
    if not users and not group:
        return [
            Check(
                "privacy team",
                False,
                "nobody can list or close incidents",
                "set BREACHBOT_PRIVACY_TEAM_USERS (user IDs such as U0123ABCD, from a profile's ⋮ > Copy member ID) "
                "and/or BREACHBOT_PRIVACY_TEAM_USERGROUP (a user group ID such as S0123ABCD)",
            )
        ]
    bad = [u for u in users if not _USER_ID.fullmatch(u)]
    if bad:
        checks.append(
            Check(
                "privacy team users",
                False,
                f"not Slack user IDs: {', '.join(bad)}",
                "BREACHBOT_PRIVACY_TEAM_USERS takes member IDs (U0123ABCD), not names or emails",
            )
        )
    elif users:
        checks.append(Check("privacy team users", True, f"{len(users)} configured"))
    if group:
        try:
            members = calls("usergroups.users.list", usergroup=group).get("users") or []
            checks.append(Check("privacy team group", True, f"{group} has {len(members)} members"))
        except SlackCallFailed as failure:
            checks.append(
                Check(
                    "privacy team group",
                    False,
                    f"usergroups.users.list {group}: {failure.error}",
                    "check BREACHBOT_PRIVACY_TEAM_USERGROUP is a user group ID (S...) and the app has usergroups:read",
                )
            )
    if settings.privacy_channel:
        checks.append(check_privacy_channel(settings.privacy_channel, calls))
    else:
        checks.append(Check("privacy channel", True, "not set (optional): no channel gets the privacy team's cards"))
    return checks


PRIVACY_CHANNEL_FIX = "use the channel ID (C...) in BREACHBOT_PRIVACY_CHANNEL and invite the bot: /invite @Breachbot"


def check_privacy_channel(channel: str, calls: SlackCalls) -> Check:
    """Can the bot post there? conversations.info answers for a private channel with groups:read; for a
    public one it needs channels:read, which Breachbot does not ask for. Then the bot schedules a message
    there and deletes it at once: only a channel the bot can post in accepts it, and nobody sees it."""
    try:
        calls("conversations.info", channel=channel)
        return Check("privacy channel", True, f"{channel} reachable")
    except SlackCallFailed as failure:
        if failure.error != "missing_scope":
            detail = f"conversations.info {channel}: {failure.error}"
            return Check("privacy channel", False, detail, PRIVACY_CHANNEL_FIX)
    try:
        post_at = int(datetime.now(UTC).timestamp()) + 3600
        scheduled = calls("chat.scheduleMessage", channel=channel, post_at=post_at, text="Breachbot doctor check")
        scheduled_id = scheduled.get("scheduled_message_id")
        calls("chat.deleteScheduledMessage", channel=channel, scheduled_message_id=scheduled_id)
    except SlackCallFailed as failure:
        return Check("privacy channel", False, f"cannot post in {channel}: {failure.error}", PRIVACY_CHANNEL_FIX)
    return Check("privacy channel", True, f"{channel} (a public channel) accepts the bot's messages")


def check_app_token(settings: Settings, calls: SlackCalls) -> Check:
    """SLACK_APP_TOKEN, when set, is what Socket Mode connects with: apps.connections.open proves it is a
    live app-level token with connections:write (it only hands out a socket address; nothing connects)."""
    try:
        calls("apps.connections.open")
    except SlackCallFailed as failure:
        return Check(
            "app token",
            False,
            f"apps.connections.open: {failure.error}",
            "SLACK_APP_TOKEN must be an app-level token with the connections:write scope: create one under "
            "Basic Information > App-Level Tokens (or unset it to use HTTP with SLACK_SIGNING_SECRET)",
        )
    return Check("app token", True, "SLACK_APP_TOKEN opens Socket Mode connections")


def check_database(settings: Settings) -> Check:
    url = settings.resolved_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        # Opening it would create an empty file: say so instead.
        return Check("database", False, f"no database at {parsed.database} yet", "run `breachbot db upgrade`")
    try:
        database = Database(url)
        current, head = migrate.current_revision(database), migrate.head_revision()
    except DatabaseUnavailable as problem:
        return Check("database", False, f"cannot open {problem.shown_url}: {problem.reason}", problem.check)
    except Exception as problem:
        return Check(
            "database",
            False,
            f"cannot open it: {' '.join(str(problem).split())[:200]}",
            "check BREACHBOT_DATABASE_URL (sqlite:///path or postgresql+psycopg://user@host/db) and that it is running",
        )
    finally:
        dispose_engine(url)
    if current != head:
        return Check(
            "database",
            False,
            f"schema at {current or 'nothing'}, this Breachbot needs {head}",
            "run `breachbot db upgrade`",
        )
    return Check("database", True, f"schema at {head} ({database.dialect})")


def check_timeline_key(settings: Settings) -> Check:
    """Where the timeline key comes from, and whether it is the one the register was sealed with."""
    url = settings.resolved_database_url
    try:
        key = load_timeline_key(settings)
    except ConfigError as problem:
        return Check("timeline key", False, str(problem), "set BREACHBOT_TIMELINE_KEY or BREACHBOT_TIMELINE_KEY_FILE")
    try:
        with Database(url, timeline_key=key).unit_of_work() as session:
            register = session.get(RegisterSeal, REGISTER_ROW)
            sealed_with = register.key_check if register is not None else None
    finally:
        dispose_engine(url)
    if sealed_with and sealed_with != key_check(key):
        return Check(
            "timeline key",
            False,
            "not the key this database's timelines were sealed with: every keyed event would fail to verify",
            "set BREACHBOT_TIMELINE_KEY (or _FILE) to the key used so far (restore it from your backup)",
        )
    if settings.timeline_key:
        return Check("timeline key", True, "set by BREACHBOT_TIMELINE_KEY")
    if settings.timeline_key_file:
        return Check("timeline key", True, f"read from BREACHBOT_TIMELINE_KEY_FILE={settings.timeline_key_file}")
    return Check(
        "timeline key",
        True,
        f"made by Breachbot at {key_file(settings)}",
        "back it up apart from the database; with bots on several hosts, set BREACHBOT_TIMELINE_KEY on every one",
        warning=True,
    )


def check_sweeper(settings: Settings, now: datetime) -> Check:
    """When the alert sweeper last ran; a warning when it never has, or not for five minutes, while
    incidents are open (their deadline alerts are then not being sent)."""
    url = settings.resolved_database_url
    try:
        with Database(url).unit_of_work() as session:
            status = last_sweep(session)
            open_count = session.scalar(
                select(func.count()).select_from(Incident).where(Incident.status != Status.CLOSED.value)
            )
    finally:
        dispose_engine(url)
    limit = timedelta(seconds=settings.sweeper_stale_after)
    healthy, words = sweeper_health(status, open_incidents=open_count or 0, now=now, stale_after=limit)
    if healthy:
        return Check("alert sweeper", True, words)
    fix = "the bot runs one (`breachbot run` or `breachbot serve`); or run `breachbot alerts worker` beside it"
    if status is None:
        # Before the bot's first start this is expected: worth saying, not a fault.
        return Check("alert sweeper", True, words, fix, warning=True)
    # It ran, then stopped completing sweeps for longer than BREACHBOT_SWEEPER_STALE_AFTER: alerts are late.
    return Check(
        "alert sweeper",
        False,
        f"{words} (no sweep for longer than BREACHBOT_SWEEPER_STALE_AFTER={settings.sweeper_stale_after}s)",
        fix,
    )


def run_checks(
    load: Callable[[], Settings] = load_settings,
    calls_for: Callable[[Settings], SlackCalls] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    app_calls_for: Callable[[Settings], SlackCalls] | None = None,
) -> list[Check]:
    try:
        settings = load()
    except ConfigError as problem:
        return [Check("configuration", False, str(problem), "correct the variable named above (environment or .env)")]
    checks = [Check("configuration", True, "settings read")]
    if not settings.slack_bot_token:
        checks.append(
            Check(
                "token",
                False,
                "SLACK_BOT_TOKEN is not set",
                "install the app from manifest.yml and set SLACK_BOT_TOKEN (xoxb-...)",
            )
        )
    elif not settings.slack_signing_secret and not settings.slack_app_token:
        checks.append(
            Check(
                "transport",
                False,
                "neither SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN is set",
                "set SLACK_SIGNING_SECRET (Basic Information > App Credentials) for HTTP, "
                "or SLACK_APP_TOKEN (xapp-) for Socket Mode",
            )
        )
    if settings.slack_bot_token:
        make = calls_for or (lambda s: SlackCalls(make_web_client(s.slack_bot_token, s.slack_api_url), attempts=1))
        checks.extend(check_slack(settings, make(settings)))
    if settings.slack_app_token:
        make_app = app_calls_for or (
            lambda s: SlackCalls(make_web_client(s.slack_app_token, s.slack_api_url), attempts=1)
        )
        checks.append(check_app_token(settings, make_app(settings)))
    database = check_database(settings)
    checks.append(database)
    if database.ok:
        checks.append(check_timeline_key(settings))
        checks.append(check_sweeper(settings, now()))
    return checks
