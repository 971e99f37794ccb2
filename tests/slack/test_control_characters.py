"""Control characters from Slack are removed as the payload enters; text stored with one before still
drafts and exports; and drafts that were not uploaded, for whatever reason, are posted on the next press."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import update

from bot.services.timeline import events_for
from bot.slack.listeners import drafts as drafts_listener
from bot.store.models import Incident
from tests.slack.conftest import REPORTER, Harness
from tests.slack.test_double_submits import kinds, modal_from
from tests.slack.test_register_slack import PRIVACY
from tests.slack.test_reporting_slack import text_values, wait_for_ephemeral
from tests.slack.test_triage import DPO, posts, triaged


def store_title(harness: Harness, incident: Incident, title: str) -> None:
    """Text as it could be stored before Slack input was cleaned on entry."""
    with harness.database.unit_of_work() as session:
        session.execute(update(Incident).where(Incident.id == incident.id).values(title=title, description=title))


def test_a_control_character_typed_in_slack_is_not_stored(harness: Harness) -> None:
    incident = harness.report(title="Laptop\x01 stolen\x1b")
    assert incident.title == "Laptop stolen"
    channel = incident.slack_channel_id
    view_id, view = modal_from(
        harness,
        lambda: harness.driver.block_action("add_update", incident.ref, user=REPORTER, channel=channel),
        "add_update",
    )
    harness.driver.view_submission(view, text_values(known="CCTV\x00 \x07requested"), user=REPORTER, view_id=view_id)
    harness.wait_for(
        lambda: [m for m in harness.slack.messages_in(channel) if "Status update" in str(m.get("text"))], "the update"
    )
    with harness.database.unit_of_work() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        update = [e for e in events_for(session, stored) if e.kind == "update"][-1]
        assert update.after["known"] == "CCTV requested"


def test_drafts_of_text_stored_with_a_control_character_are_posted_as_files(harness: Harness) -> None:
    incident = triaged(harness)
    store_title(harness, incident, "Laptop\x01 stolen")
    harness.driver.block_action("drafts_post", incident.ref, user=DPO, channel=incident.slack_channel_id)
    harness.wait_for_call("files.completeUploadExternal", 2)
    words = [f for f in harness.slack.files.values() if f["filename"].endswith(".docx")]
    assert len(words) == 2
    texts = ["\n".join(p.text for p in Document(io.BytesIO(word["content"])).paragraphs) for word in words]
    assert any("Laptop stolen" in text for text in texts)  # the ICO draft describes what happened
    assert "drafts_post_failed" not in kinds(harness, incident)


def test_drafts_not_uploaded_for_any_reason_are_posted_on_the_next_press(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = triaged(harness)
    channel = incident.slack_channel_id

    def broken(*_: object, **__: object) -> bytes:
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr(drafts_listener, "markdown_to_docx", broken)
    harness.driver.block_action("drafts_post", incident.ref, user=DPO, channel=channel)
    harness.wait_for(lambda: posts(harness, incident, "were not posted"), "the failure note")
    assert not harness.slack.calls_to("files.completeUploadExternal")
    assert kinds(harness, incident)[-2:] == ["drafts_posted", "drafts_post_failed"]

    monkeypatch.undo()
    harness.driver.block_action("drafts_post", incident.ref, user=DPO, channel=channel)
    harness.wait_for_call("files.completeUploadExternal", 2)
    assert not posts(harness, incident, "have not changed")


def test_the_register_exports_text_stored_with_a_control_character(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(BREACHBOT_PRIVACY_CHANNEL=PRIVACY)
    incident = harness.report()
    store_title(harness, incident, "Payroll\x01 sent")
    harness.driver.command("register", user=DPO, channel=PRIVACY)
    wait_for_ephemeral(harness, DPO, "Posted breach-register-")
    [stored] = harness.slack.files.values()
    rows = list(load_workbook(io.BytesIO(stored["content"]), read_only=True)["Register"].iter_rows(values_only=True))
    assert "Payroll sent" in rows[1]
