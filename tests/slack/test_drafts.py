"""Notice drafts in Slack: posted only to the incident's own channel, as Markdown and Word files with a
preview; each version once; a broken organisation template explained in the channel."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from docx import Document
from sqlalchemy import select

from bot.store.models import NoticeDraft
from tests.slack.conftest import OUTSIDER, Harness, channel_message_text
from tests.slack.test_triage import DPO, posts, triaged


def stored_drafts(harness: Harness) -> list[NoticeDraft]:
    with harness.database.unit_of_work() as session:
        return list(session.scalars(select(NoticeDraft).order_by(NoticeDraft.kind)))


def test_drafts_go_to_the_incident_channel_only_as_files_with_a_preview(harness: Harness) -> None:
    incident = triaged(harness)
    channel = incident.slack_channel_id
    harness.driver.block_action("drafts_post", incident.ref, user=DPO, channel=channel)
    drafts = harness.wait_for(lambda: stored_drafts(harness), "the drafts")
    assert {d.kind for d in drafts} == {"ico_report", "individuals_notice"}
    completions = harness.wait_for_call("files.completeUploadExternal", len(drafts))
    assert all(c.params["channel_id"] == channel for c in completions)
    files = list(harness.slack.files.values())
    assert len(files) == 2 * len(drafts) and all(f["channel"] == channel for f in files)
    for draft in drafts:
        stem = f"{incident.ref}-{draft.kind.replace('_', '-')}-v1"
        [markdown] = [f for f in files if f["filename"] == f"{stem}.md"]
        [word] = [f for f in files if f["filename"] == f"{stem}.docx"]
        assert markdown["content"].decode("utf-8") == draft.markdown
        paragraphs = [p.text for p in Document(io.BytesIO(word["content"])).paragraphs]
        assert draft.markdown.splitlines()[0].lstrip("# ") == paragraphs[0]
        assert all(unknown in paragraphs for unknown in draft.unknowns)
        [preview] = posts(harness, incident, f"{draft.title}* · draft v1")
        shown = channel_message_text(preview)
        assert f"Still to confirm ({len(draft.unknowns)}):" in shown and draft.unknowns
    # Nothing about the drafts was posted outside the incident channel.
    # (The one message elsewhere is the reporter's confirmation DM: a reference and a link.)
    assert all(m["channel"] == channel or "recorded as" in m["text"] for m in harness.slack.messages)
    assert all(e["channel"] == channel for e in harness.slack.ephemerals)

    # Again, with nothing changed: no second upload, and the channel is told why.
    assert harness.driver.command("drafts", user=DPO, channel=channel).json()["response_type"] == "ephemeral"
    harness.wait_for(lambda: posts(harness, incident, "have not changed"), "the unchanged note")
    assert len(harness.slack.calls_to("files.completeUploadExternal")) == len(drafts)
    assert len(stored_drafts(harness)) == len(drafts)


def test_drafts_command_refuses_outsiders_and_other_channels(harness: Harness) -> None:
    incident = harness.report()
    outsider = harness.driver.command("drafts", user=OUTSIDER, channel=incident.slack_channel_id).json()
    assert outsider["response_type"] == "ephemeral" and "Only the privacy team" in outsider["text"]
    elsewhere = harness.driver.command("drafts", user=DPO, channel="C_GENERAL").json()
    assert "incident's own channel" in elsewhere["text"]
    harness.driver.block_action("drafts_post", incident.ref, user=OUTSIDER, channel=incident.slack_channel_id)
    harness.wait_for(lambda: any(e["user"] == OUTSIDER for e in harness.slack.ephemerals), "the refusal")
    assert stored_drafts(harness) == [] and harness.slack.files == {}


def test_a_hostile_template_is_explained_in_the_channel(make_harness: Callable[..., Harness], tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "ico_report.md.j2").write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    harness = make_harness(BREACHBOT_TEMPLATES_DIR=str(templates))
    incident = harness.report()
    harness.driver.block_action("drafts_post", incident.ref, user=DPO, channel=incident.slack_channel_id)
    [message] = harness.wait_for(lambda: posts(harness, incident, "Could not draft"), "the drafting failure")
    shown = channel_message_text(message)
    assert "ico_report.md.j2" in shown and "__class__" in shown and "Traceback" not in shown
    assert stored_drafts(harness) == [] and harness.slack.files == {}
