"""An incident's roles: the incident lead (runs the response; update reminders go to them) and the DPO
owner (owns the data-protection decisions: whether to notify, the ICO report, the reasons for delay).

Who may assign is the face's question (Slack: the privacy team or the current lead; the CLI is run by
an operator with database access, like every other CLI change)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import BreachbotError
from bot.services.incidents import get_incident
from bot.services.timeline import append_event
from bot.store.models import Incident, Status

ROLES = {"lead": "incident lead", "dpo_owner": "DPO owner"}
TITLES = {"lead": "Incident lead", "dpo_owner": "DPO owner"}
COLUMNS = {"lead": "lead_user_id", "dpo_owner": "dpo_owner_user_id"}
# As bot/slack/views/text.py reads them (the sandbox's ids have underscores).
_USER_ID = re.compile(r"^[UW][A-Z0-9_]{1,30}$")
EXPECTED = {
    "lead": (
        "you run the response: keep the channel informed with a status update at least every few hours "
        "(`/breach update`), make sure actions are recorded (`/breach action`), and hand over with "
        "`/breach lead @someone` if you step away. Update reminders come to you."
    ),
    "dpo_owner": (
        "you own the data-protection decisions: the triage and whether to notify the ICO and the people "
        "affected, the report within the deadline (`/breach reported`), the reasons for any delay, and the "
        "register entry when it closes."
    ),
}


class RoleProblem(BreachbotError):
    pass


@dataclass(frozen=True)
class Handoff:
    role: str
    before: str | None
    after: str


def user_id(text: str) -> str:
    """A Slack user id from `U123`, `<@U123>` or `<@U123|name>`; refuses anything else."""
    raw = (text or "").strip()
    match = re.fullmatch(r"<@([A-Z0-9_]+)(?:\|[^>]*)?>", raw)
    found = match.group(1) if match else raw
    if not _USER_ID.match(found):
        raise RoleProblem(f"{raw[:60]!r} is not a Slack user: mention them (@name) or give their member ID (U...)")
    return found


def holder(incident: Incident, role: str) -> str | None:
    return getattr(incident, COLUMNS[role])


def assign_roles(
    session: Session, ref: str, changes: dict[str, str], *, actor: str, now: datetime
) -> tuple[Incident, list[Handoff]]:
    """Give each role in `changes` ({"lead": "U1", "dpo_owner": "U2"}) to its new holder, one timeline event
    per role that really changes hands. Giving a role to its current holder changes nothing."""
    unknown = set(changes) - set(ROLES)
    if unknown:
        raise RoleProblem(f"unknown role {', '.join(sorted(unknown))}: the roles are lead and dpo_owner")
    incident = get_incident(session, ref, lock=True)
    if incident.status == Status.CLOSED.value:
        raise RoleProblem(f"{incident.ref} is closed: its roles are part of the record now")
    handoffs = []
    for role, raw in changes.items():
        new = user_id(raw)
        before = holder(incident, role)
        if before == new:
            continue
        setattr(incident, COLUMNS[role], new)
        append_event(
            session,
            incident,
            actor=actor,
            kind="role_assigned",
            summary=f"{TITLES[role]}: {new}" + (f" (was {before})" if before else ""),
            at=now,
            before={"role": role, "user": before},
            after={"role": role, "user": new},
        )
        handoffs.append(Handoff(role, before, new))
    if handoffs:
        incident.updated_at = now
    return incident, handoffs
