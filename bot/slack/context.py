"""What every listener needs, built once per app: the runtime, the Slack-call wrapper, who the privacy
team is, and the organisation's regimes (cached so a modal can open before any database work)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.runtime import Runtime
from bot.services import incidents as incident_service
from bot.slack.client import SlackCallFailed, SlackCalls
from bot.slack.views.text import mention

log = logging.getLogger(__name__)

TEAM_CACHE_SECONDS = 60.0
TEAM_FAILURE_CACHE_SECONDS = 10.0
ORG_CACHE_SECONDS = 60.0


class PrivacyTeam:
    """The configured user IDs plus the members of the configured user group, cached briefly: every
    guarded click would otherwise cost a usergroups.users.list call."""

    def __init__(
        self,
        calls: SlackCalls,
        users: tuple[str, ...],
        usergroup: str | None,
        *,
        ttl: float = TEAM_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.calls = calls
        self.users = users
        self.usergroup = usergroup
        self.ttl = ttl
        self.monotonic = monotonic
        self._cached: frozenset[str] | None = None
        self._complete = True
        self._expires = 0.0
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.users or self.usergroup)

    def members(self) -> frozenset[str]:
        return self.lookup()[0]

    def lookup(self) -> tuple[frozenset[str], bool]:
        """The members, and whether the user group could be read (False: the listed users only)."""
        with self._lock:
            if self._cached is not None and self.monotonic() < self._expires:
                return self._cached, self._complete
        found = set(self.users)
        ttl = self.ttl
        complete = True
        if self.usergroup:
            try:
                response = self.calls("usergroups.users.list", usergroup=self.usergroup)
                found.update(str(user) for user in response.get("users") or [])
            except SlackCallFailed as problem:
                # Fall back to the listed users for a short while rather than lock the team out.
                log.warning("privacy team user group %s unreadable: %s", self.usergroup, problem)
                ttl = TEAM_FAILURE_CACHE_SECONDS
                complete = False
        members = frozenset(found)
        with self._lock:
            self._cached = members
            self._complete = complete
            self._expires = self.monotonic() + ttl
        return members, complete

    def is_member(self, user_id: str | None) -> bool:
        return bool(user_id) and user_id in self.members()

    def who(self) -> str:
        """'the privacy team (<!subteam^S1> or <@U1>, <@U2>)', for refusals."""
        names = []
        if self.usergroup:
            names.append(f"<!subteam^{self.usergroup}>")
        names.extend(mention(user) for user in self.users)
        if not names:
            return (
                "the privacy team, and none is configured yet: an admin sets BREACHBOT_PRIVACY_TEAM_USERS "
                "or BREACHBOT_PRIVACY_TEAM_USERGROUP"
            )
        return "the privacy team (" + ", ".join(names) + ")"


@dataclass(frozen=True)
class OrgProfile:
    regimes: tuple[str, ...]
    is_processor: bool


class OrgProfileCache:
    """The organisation's regimes for presetting the report modal. Read at start and refreshed after a
    modal has opened, never before: views.open must beat the 3-second trigger expiry."""

    def __init__(self, runtime: Runtime, *, ttl: float = ORG_CACHE_SECONDS) -> None:
        self.runtime = runtime
        self.ttl = ttl
        self._profile = OrgProfile(("uk-gdpr",), False)
        self._expires = 0.0
        self._lock = threading.Lock()

    def current(self) -> OrgProfile:
        with self._lock:
            return self._profile

    def refresh_if_stale(self) -> None:
        with self._lock:
            if time.monotonic() < self._expires:
                return
            self._expires = time.monotonic() + self.ttl
        self._load()

    def refresh(self) -> None:
        """Read the profile now: after `/breach setup` saves, the next report modal must already show it."""
        with self._lock:
            self._expires = time.monotonic() + self.ttl
        self._load()

    def _load(self) -> None:
        with self.runtime.database.unit_of_work() as session:
            org = incident_service.organisation(session)
            profile = OrgProfile(tuple((org.regimes if org else None) or ["uk-gdpr"]), bool(org and org.is_processor))
        with self._lock:
            self._profile = profile


@dataclass
class BotContext:
    runtime: Runtime
    calls: SlackCalls
    # One attempt, no sleeping: for calls racing a trigger_id's 3-second life (views.open).
    quick: SlackCalls
    team: PrivacyTeam
    org: OrgProfileCache

    def now(self) -> datetime:
        return self.runtime.clock.now()
