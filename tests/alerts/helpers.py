"""Shared set-up for the alert tests: incidents with channels, and a sweeper pointed at a stand-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text

from bot.alerts.worker import Sweeper
from bot.config import load_settings
from bot.services import alerts as alert_service
from bot.services.incidents import IncidentDraft, open_incident
from bot.slack.client import SlackCalls, make_web_client
from bot.slack.sandbox.webapi import SlackStandIn
from bot.store.models import Base, PlannedAlert
from bot.store.session import Database
from bot.timesource import Clock
from tests.alerts.standins import PRIVACY

TITLE = "Payroll spreadsheet emailed to Zanzibar Quill"


def open_planned(
    database: Database,
    *,
    aware_at: datetime,
    now: datetime,
    regimes: Sequence[str] = ("uk-gdpr",),
    channel: str | None = "CINCIDENT",
    title: str = TITLE,
) -> tuple[str, int]:
    """Open an incident as the Slack face would (channel set, alerts planned); returns (ref, id)."""
    with database.unit_of_work() as session:
        draft = IncidentDraft(
            title=title, aware_at=aware_at, regimes=tuple(regimes), description="Salaries of 40 staff"
        )
        incident = open_incident(session, draft, actor="U1", now=now)
        incident.slack_channel_id = channel
        alert_service.plan_for_incident(session, incident, now)
        return incident.ref, incident.id


def make_sweeper(
    database: Database, clock: Clock, slack: SlackStandIn, *, privacy: str | None = PRIVACY, **kwargs: object
) -> Sweeper:
    env = {"BREACHBOT_DATABASE_URL": database.url}
    if privacy:
        env["BREACHBOT_PRIVACY_CHANNEL"] = privacy
    settings = load_settings(**env)
    # No real sleeping between SlackCalls' own retries: the tests move time with the ManualClock.
    calls = SlackCalls(make_web_client("xoxb-test", slack.api_url), max_sleep=0, sleep=lambda _s: None)
    return Sweeper(database, clock, calls, settings, **kwargs)  # type: ignore[arg-type]


def alerts_of(database: Database, incident_id: int) -> list[PlannedAlert]:
    with database.unit_of_work() as session:
        return list(
            session.scalars(
                select(PlannedAlert).where(PlannedAlert.incident_id == incident_id).order_by(PlannedAlert.due_at)
            )
        )


def by_kind(database: Database, incident_id: int, generation: int | None = None) -> dict[str, PlannedAlert]:
    rows = alerts_of(database, incident_id)
    top = generation or max(r.generation for r in rows)
    return {f"{r.regime}:{r.kind}:{r.step}": r for r in rows if r.generation == top}


def empty_database(url: str) -> None:
    database = Database(url)
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
