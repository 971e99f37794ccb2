"""Every table, imported here so that Base.metadata (and so Alembic) sees them all."""

from bot.store.models.alerts import AlertPlan, AlertState, PlannedAlert, SweeperHeartbeat
from bot.store.models.assessment import Assessment, Override
from bot.store.models.base import Base, JSONType, UTCDateTime
from bot.store.models.incident import Incident, RefCounter, RegisterSeal, Status
from bot.store.models.notice import AdviceReceived, NoticeDraft, RemedialAction
from bot.store.models.org import Organisation
from bot.store.models.slack import SlackEventSeen, SlackHomeView, SlackSetup, SlackView
from bot.store.models.timeline import AppendOnlyViolation, TimelineEvent

__all__ = [
    "AdviceReceived",
    "AlertPlan",
    "AlertState",
    "AppendOnlyViolation",
    "Assessment",
    "Base",
    "Incident",
    "JSONType",
    "NoticeDraft",
    "Organisation",
    "Override",
    "PlannedAlert",
    "RefCounter",
    "RegisterSeal",
    "RemedialAction",
    "SlackEventSeen",
    "SlackHomeView",
    "SlackSetup",
    "SlackView",
    "Status",
    "SweeperHeartbeat",
    "TimelineEvent",
    "UTCDateTime",
]
