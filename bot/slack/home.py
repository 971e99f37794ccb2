"""The App Home: publishing it for one person, and republishing the privacy team's (which list every open
incident) when the timeline has moved on or a listed deadline has passed, while their owner has opened
them recently. Everyone else's Home (how to report) never goes out of date."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.config import Settings
from bot.services import incidents as incident_service
from bot.services.alerts import last_sweep
from bot.slack import view_records
from bot.slack.client import SlackCallFailed, SlackCalls
from bot.slack.context import PrivacyTeam
from bot.slack.views.clock_states import next_deadline_change
from bot.slack.views.lists import home_view
from bot.slack.views.reporting import sweeper_home_line
from bot.store.session import Database
from bot.timesource import Clock

log = logging.getLogger(__name__)

WATCHED_FOR = timedelta(hours=12)  # a Home opened this recently is kept current
LEASE = timedelta(minutes=1)
PER_PASS = 20  # views.publish is Tier 4; a handful of privacy-team Homes per pass is far inside it


def publish_home(
    database: Database,
    clock: Clock,
    settings: Settings,
    calls: SlackCalls,
    team: PrivacyTeam,
    user: str,
    team_id: str | None,
    *,
    opened: bool,
) -> None:
    now, zone = clock.now(), settings.zone
    if not team.is_member(user):
        calls("views.publish", user_id=user, view=home_view(None, now, zone, team.who(), team_id))
        return
    with database.unit_of_work() as session:
        shown = view_records.events_total(session)
        found = incident_service.list_incidents(session, open_only=True)
        sweeper = sweeper_home_line(last_sweep(session), open_incidents=len(found), now=now, zone=zone)
        view = home_view(found, now, zone, team.who(), team_id, sweeper=sweeper)
        changes = [moment for incident in found if (moment := next_deadline_change(incident, now))]
    calls("views.publish", user_id=user, view=view)
    with database.unit_of_work() as session:
        view_records.record_home(
            session,
            user,
            team_id=team_id,
            shown_events=shown,
            refresh_at=min(changes, default=None),
            now=now,
            opened=opened,
        )


def refresh_homes(database: Database, clock: Clock, settings: Settings, calls: SlackCalls, team: PrivacyTeam) -> int:
    """Republish the privacy team's Homes that are behind. Returns how many were published."""
    now = clock.now()
    with database.unit_of_work() as session:
        if not view_records.any_watched_home(session, now - WATCHED_FOR):
            return 0
        claimed = view_records.claim_homes(
            session,
            total=view_records.events_total(session),
            now=now,
            watched_since=now - WATCHED_FOR,
            until=now + LEASE,
            limit=PER_PASS,
        )
    published = 0
    for index, (user, team_id) in enumerate(claimed):
        try:
            publish_home(database, clock, settings, calls, team, user, team_id, opened=False)
            published += 1
        except SlackCallFailed as problem:
            wait = timedelta(seconds=problem.retry_after or 60) if problem.retryable else WATCHED_FOR
            log.info("App Home of %s not republished: %s", user, problem)
            with database.unit_of_work() as session:
                for later, _ in claimed[index:]:
                    view_records.release_home(session, later, retry_at=clock.now() + wait if later == user else None)
            break
    return published
