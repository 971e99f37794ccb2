"""An incident: one suspected or confirmed personal-data breach, and its reference counter."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, JSONType


class Status(enum.StrEnum):
    OPEN = "open"
    ASSESSED = "assessed"
    REPORTED = "reported"
    CLOSED = "closed"


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (UniqueConstraint("ref_year", "ref_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    ref_year: Mapped[int] = mapped_column(Integer)
    ref_number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime | None]
    aware_at: Mapped[datetime]
    discovered_how: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=Status.OPEN.value, index=True)
    regimes: Mapped[list[str]] = mapped_column(JSONType)
    is_processor: Mapped[bool] = mapped_column(Boolean, default=False)
    controller_name: Mapped[str | None] = mapped_column(String(200))
    near_miss: Mapped[bool] = mapped_column(Boolean, default=False)
    # Earliest fixed deadline across the regimes, kept so "open incidents by deadline" is one indexed query.
    next_deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    delay_reasons: Mapped[str | None] = mapped_column(Text)
    ico_reported_at: Mapped[datetime | None]
    ico_case_ref: Mapped[str | None] = mapped_column(String(60))
    closed_at: Mapped[datetime | None]
    close_outcome: Mapped[str | None] = mapped_column(String(60))
    close_reason: Mapped[str | None] = mapped_column(Text)
    # A caller-chosen key (e.g. a Slack view id) so that a retried or double-clicked submission
    # finds the incident it already made instead of making a second one.
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # Facts the ICO form and the register ask for that the triage answers do not cover.
    likely_consequences: Mapped[str | None] = mapped_column(Text)
    staff_involved: Mapped[str | None] = mapped_column(Text)
    cyber_incident: Mapped[bool | None] = mapped_column(Boolean)
    others_told: Mapped[str | None] = mapped_column(Text)
    individuals_told_at: Mapped[datetime | None]
    individuals_told_how: Mapped[str | None] = mapped_column(Text)
    # Security in place before the breach (access controls, policies, training, encryption): the ICO form asks.
    measures_in_place: Mapped[str | None] = mapped_column(Text)
    # What happened, in plain words for the people affected: letters to people never use the description.
    public_description: Mapped[str | None] = mapped_column(Text)
    # What it could mean for them, in the second person; drafts suggest it from the data when not given.
    public_consequences: Mapped[str | None] = mapped_column(Text)
    # What was done, in plain words for them; without it, letters list the remedial actions as recorded.
    public_measures: Mapped[str | None] = mapped_column(Text)
    # The processor path (Art 33(2)): when and how the controller was told, and any contractual deadline
    # (Art 28(3)(f)) in hours from awareness.
    controller_told_at: Mapped[datetime | None]
    controller_told_how: Mapped[str | None] = mapped_column(Text)
    contract_hours: Mapped[int | None] = mapped_column(Integer)
    # When a fact came true, where it was given (`incident facts --at`): {fact: UTC ISO time}.
    fact_times: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    # EU GDPR: EEA countries where affected people live {"FR": 120, "IE": null}, why these authorities,
    # and each authority's report {"FR": {"reported_at", "case_ref", "late", "by"}}.
    eu_countries: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    eu_basis: Mapped[str | None] = mapped_column(Text)
    eu_reports: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # The register's own columns (issue 12): the ICO's incident-trend category, staff training, and why the
    # people affected were not told, kept apart from the reasons for not notifying the ICO.
    cause_category: Mapped[str | None] = mapped_column(String(60))
    staff_training: Mapped[str | None] = mapped_column(Text)
    reasons_not_told: Mapped[str | None] = mapped_column(Text)
    # Where the incident lives in Slack: its private channel and the pinned summary message.
    slack_channel_id: Mapped[str | None] = mapped_column(String(40))
    slack_summary_ts: Mapped[str | None] = mapped_column(String(40))
    # Who runs the response (reminders go to them) and who owns the data-protection decisions: Slack user ids.
    lead_user_id: Mapped[str | None] = mapped_column(String(40))
    dpo_owner_user_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The head of the timeline's hash chain: catches removal of the newest event.
    timeline_count: Mapped[int] = mapped_column(Integer, default=0)
    timeline_head: Mapped[str | None] = mapped_column(String(64))
    # A keyed HMAC over the fields in domain.chain.SEALED_FIELDS, remade at every flush (store/sealing.py):
    # an edit to the row outside Breachbot no longer matches it. NULL only on incidents from before seals.
    seal: Mapped[str | None] = mapped_column(String(64))


class RegisterSeal(Base):
    """One row: the XOR of a keyed value per sealed incident, so removing a whole incident is detected
    and named, and the XOR over each incident's current seal, so rolling one incident back is detected."""

    __tablename__ = "register_seal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))
    # The XOR of a keyed value per (incident, its current seal): catches one incident put back.
    state_digest: Mapped[str | None] = mapped_column(String(64))
    # domain.chain.key_check of the key that keeps the digest: names a wrong key as such.
    key_check: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class RefCounter(Base):
    """The last reference number handed out per year; incremented under a row lock."""

    __tablename__ = "ref_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
