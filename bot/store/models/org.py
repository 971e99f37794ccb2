"""The organisation's profile: who it is, who to contact, which regimes it is under."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, JSONType


class Organisation(Base):
    """One row: Breachbot serves one organisation per database."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    ico_registration: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)
    dpo_name: Mapped[str | None] = mapped_column(String(200))
    dpo_email: Mapped[str | None] = mapped_column(String(320))
    dpo_phone: Mapped[str | None] = mapped_column(String(40))
    dpo_address: Mapped[str | None] = mapped_column(Text)
    regimes: Mapped[list[str]] = mapped_column(JSONType, default=lambda: ["uk-gdpr"])
    is_processor: Mapped[bool] = mapped_column(Boolean, default=False)
    data_categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    processors: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    # EU GDPR beside UK GDPR: None = not said (treated as applying when an incident names EEA countries).
    eu_gdpr: Mapped[bool | None] = mapped_column(Boolean)
    eu_main_establishment: Mapped[str | None] = mapped_column(String(2))  # ISO code of the lead authority
    eu_representative: Mapped[str | None] = mapped_column(Text)  # the Art 27 representative: name and contact
    eu_de_authority: Mapped[str | None] = mapped_column(String(200))  # the German authority a human chose
    updated_at: Mapped[datetime | None]
