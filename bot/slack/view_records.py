"""Queries on slack_view and slack_home_view: which Slack views are behind the timeline, claiming one to
re-render, and recording what it now shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import Incident, PlannedAlert, SlackHomeView, SlackView, Status
from bot.store.models.alerts import is_live


def _free(now: datetime):  # type: ignore[no-untyped-def]
    return or_(SlackView.busy_until.is_(None), SlackView.busy_until <= now)


def _behind(now: datetime):  # type: ignore[no-untyped-def]
    return or_(Incident.timeline_count > SlackView.shown_seq, SlackView.refresh_at <= now)


def ensure_views(session: Session, incident_id: int, kinds: list[str], now: datetime) -> None:
    """A row for each view the incident should have; existing rows are left as they are."""
    if not kinds:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [{"incident_id": incident_id, "kind": kind, "shown_seq": 0, "updated_at": now} for kind in kinds]
    session.execute(dialect.insert(SlackView).values(rows).on_conflict_do_nothing())


def claim_behind(session: Session, incident: Incident, now: datetime, until: datetime) -> list[SlackView]:
    """Claim the incident's views that are behind its timeline (or past their refresh time) and that no
    other projector holds. The UPDATE re-checks, so two projectors never both get one view."""
    candidates = session.scalars(
        select(SlackView)
        .join(Incident, Incident.id == SlackView.incident_id)
        .where(SlackView.incident_id == incident.id, _behind(now), _free(now))
    ).all()
    claimed = []
    for view in candidates:
        won = session.execute(
            update(SlackView)
            .where(SlackView.incident_id == view.incident_id, SlackView.kind == view.kind, _free(now))
            .values(busy_until=until)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won == 1:
            claimed.append(view)
    return claimed


def record_shown(
    session: Session,
    incident_id: int,
    kind: str,
    *,
    seq: int,
    digest: str | None,
    refresh_at: datetime | None,
    channel_id: str | None,
    ts: str | None,
    error: str | None,
    now: datetime,
) -> None:
    values: dict[str, object] = {
        "shown_seq": seq,
        "digest": digest,
        "refresh_at": refresh_at,
        "busy_until": None,
        "last_error": error,
        "updated_at": now,
    }
    if channel_id is not None:
        values["channel_id"] = channel_id
    if ts is not None:
        values["ts"] = ts
    session.execute(
        update(SlackView).where(SlackView.incident_id == incident_id, SlackView.kind == kind).values(**values)
    )


def record_retry(
    session: Session, incident_id: int, kind: str, *, retry_at: datetime, error: str, now: datetime
) -> None:
    """Slack could not take it now: leave the view behind, untouched by any projector until `retry_at`."""
    session.execute(
        update(SlackView)
        .where(SlackView.incident_id == incident_id, SlackView.kind == kind)
        .values(busy_until=retry_at, last_error=error, updated_at=now)
    )


def next_alert_due(session: Session, incident_id: int, now: datetime) -> datetime | None:
    """When the incident's next alert is due: what the summary says about time left changes then."""
    return session.scalar(
        select(func.min(PlannedAlert.due_at)).where(
            PlannedAlert.incident_id == incident_id, is_live(), PlannedAlert.due_at > now
        )
    )


def incidents_behind(session: Session, now: datetime, *, privacy_channel: bool, limit: int) -> list[int]:
    """Incidents with a view behind its timeline, or an open incident missing a view it should have
    (changed or opened on the command line, or set up before views were recorded), oldest change first."""
    behind = (
        select(SlackView.incident_id)
        .join(Incident, Incident.id == SlackView.incident_id)
        .where(_behind(now), _free(now))
    )

    def lacks(kind: str):  # type: ignore[no-untyped-def]
        return ~exists().where(SlackView.incident_id == Incident.id, SlackView.kind == kind)

    missing_conditions = [
        and_(Incident.slack_summary_ts.is_not(None), lacks("summary")),
        and_(Incident.slack_channel_id.is_not(None), lacks("topic")),
    ]
    if privacy_channel:
        missing_conditions.append(lacks("privacy_card"))
    missing = select(Incident.id).where(Incident.status != Status.CLOSED.value, or_(*missing_conditions))
    ids = session.scalars(
        select(Incident.id)
        .where(or_(Incident.id.in_(behind), Incident.id.in_(missing)))
        .order_by(Incident.updated_at)
        .limit(limit)
    ).all()
    return list(ids)


def events_total(session: Session) -> int:
    """How many timeline events there are across all incidents: it only grows, so a Home that showed
    fewer is behind."""
    return int(session.scalar(select(func.coalesce(func.sum(Incident.timeline_count), 0))) or 0)


def any_watched_home(session: Session, watched_since: datetime) -> bool:
    """Cheap (an index lookup): most flows find no Home open, and skip counting events."""
    return (
        session.scalar(select(SlackHomeView.user_id).where(SlackHomeView.opened_at >= watched_since).limit(1))
        is not None
    )


def claim_homes(
    session: Session, *, total: int, now: datetime, watched_since: datetime, until: datetime, limit: int
) -> list[tuple[str, str | None]]:
    """Claim the App Homes opened since `watched_since` that are behind (fewer events shown than there are,
    or past their refresh time) and that no other projector holds."""
    free = or_(SlackHomeView.busy_until.is_(None), SlackHomeView.busy_until <= now)
    candidates = session.execute(
        select(SlackHomeView.user_id, SlackHomeView.team_id)
        .where(
            SlackHomeView.opened_at >= watched_since,
            or_(SlackHomeView.shown_events != total, SlackHomeView.refresh_at <= now),
            free,
        )
        .order_by(SlackHomeView.opened_at.desc())
        .limit(limit)
    ).all()
    claimed = []
    for user_id, team_id in candidates:
        won = session.execute(
            update(SlackHomeView)
            .where(SlackHomeView.user_id == user_id, free)
            .values(busy_until=until)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won == 1:
            claimed.append((user_id, team_id))
    return claimed


def record_home(
    session: Session,
    user_id: str,
    *,
    team_id: str | None,
    shown_events: int,
    refresh_at: datetime | None,
    now: datetime,
    opened: bool,
) -> None:
    """A Home just published: what it showed, and (when its owner opened it) that it is being watched."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values: dict[str, object] = {
        "team_id": team_id,
        "shown_events": shown_events,
        "refresh_at": refresh_at,
        "busy_until": None,
        "published_at": now,
    }
    if opened:
        values["opened_at"] = now
    insert = dialect.insert(SlackHomeView).values({"user_id": user_id[:40], "opened_at": now, **values})
    session.execute(insert.on_conflict_do_update(index_elements=[SlackHomeView.user_id], set_=values))


def release_home(session: Session, user_id: str, *, retry_at: datetime | None) -> None:
    session.execute(update(SlackHomeView).where(SlackHomeView.user_id == user_id).values(busy_until=retry_at))
