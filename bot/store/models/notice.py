"""Notice drafts (versioned per incident and kind) and the remedial actions they report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, JSONType


class NoticeDraft(Base):
    """One rendering of one kind of notice, tied to the assessment version it was drafted from."""

    __tablename__ = "notice_draft"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    assessment_version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    markdown: Mapped[str] = mapped_column(Text)
    unknowns: Mapped[list[str]] = mapped_column(JSONType)
    warnings: Mapped[list[str]] = mapped_column(JSONType)
    template_source: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class RemedialAction(Base):
    """Something done (or planned) to contain the breach or stop it happening again. Never edited:
    completing a planned action is a new row."""

    __tablename__ = "remedial_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was done, for the register
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # When it was done (or is due), as the person said; None: at the moment it was recorded.
    happened_at: Mapped[datetime | None]


class AdviceReceived(Base):
    """Advice the organisation received about a breach (from its DPO, lawyers, the ICO's helpline, police):
    the ICO audit toolkit expects the register to hold who gave it, when, and what it was. Never edited."""

    __tablename__ = "advice_received"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    adviser: Mapped[str] = mapped_column(String(200))
    given_at: Mapped[datetime]
    advice: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
