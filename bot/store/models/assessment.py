"""Triage assessments (versioned per incident) and DPO overrides of their decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, JSONType


class Assessment(Base):
    """One run of the triage engine on an incident. Reassessment adds a version; none is ever changed."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("incident_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    rules_version: Mapped[str] = mapped_column(String(40))
    answered_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Override(Base):
    """A privacy-team decision that replaces the computed one, with the written justification it needs."""

    __tablename__ = "assessment_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"))
    notify_ico: Mapped[bool] = mapped_column(Boolean)
    notify_individuals: Mapped[bool] = mapped_column(Boolean)
    justification: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
