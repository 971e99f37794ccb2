"""The organisation profile: validation, and proposals from a privacy policy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import org as service
from bot.store.session import Database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"


def test_profile_round_trip(database: Database) -> None:
    with database.unit_of_work() as session:
        assert service.profile_dict(service.get_profile(session))["name"] is None
        service.update_profile(
            session,
            {
                "name": "  Acme   Ltd ",
                "ico_registration": "za 123456",
                "regimes": ["uk-gdpr", "pecr", "pecr"],
                "is_processor": True,
                "data_categories": ["special_health"],
                "processors": ["Mailchimp"],
                "address": "1 High St\n  Leeds\n\nLS1 1AA",
            },
            now=NOW,
        )
    with database.unit_of_work() as session:
        profile = service.profile_dict(service.get_profile(session))
    assert profile["name"] == "Acme Ltd"
    assert profile["ico_registration"] == "ZA123456"
    assert profile["regimes"] == ["uk-gdpr", "pecr"]
    assert profile["address"] == "1 High St\nLeeds\nLS1 1AA"
    assert profile["is_processor"] is True


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"dpo_email": "not-an-email"}, "dpo_email"),
        ({"dpo_phone": "call me"}, "dpo_phone"),
        ({"ico_registration": "12"}, "ico_registration"),
        ({"regimes": ["gdpr"]}, "unknown regime"),
        ({"data_categories": ["heatlh"]}, "data_categories"),
        ({"favourite_colour": "red"}, "unknown profile field"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_profile_values_are_refused(database: Database, changes: dict, says: str) -> None:
    with pytest.raises(Exception, match=says), database.unit_of_work() as session:
        service.update_profile(session, changes, now=NOW)


def test_policy_proposal_maps_onto_profile_fields() -> None:
    text = (FIXTURES / "two-policies.txt").read_text("utf-8")
    proposals = service.propose_from_policy(text)
    assert len(proposals) == 2
    changes = service.proposal_changes(proposals[0])
    assert changes["name"]
    assert "@" in changes["dpo_email"]


def test_policy_text_that_is_not_utf8_is_still_read() -> None:
    assert "café" in service.read_policy_text("café Ltd privacy".encode("cp1252"))


def test_text_with_nothing_found_is_refused() -> None:
    with pytest.raises(service.InvalidProfile, match="no organisation details"):
        service.propose_from_policy("")
