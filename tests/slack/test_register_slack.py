"""The register's Slack face end to end: `/breach register` uploads only to the privacy channel,
`/breach near-miss` records a near miss with its channel, `/breach action` records remedial action."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import load_workbook
from sqlalchemy import select

from bot.services.timeline import events_for
from bot.store.models import RemedialAction
from tests.slack.conftest import OUTSIDER, REPORTER, TEAM_USERS, Harness, channel_message_text, report_values
from tests.slack.test_reporting_slack import wait_for_ephemeral

PRIVACY = "C_PRIVACY"
DPO = TEAM_USERS[0]
UPLOAD_METHODS = ("files.getUploadURLExternal", "files.completeUploadExternal")


def uploads(harness: Harness) -> list[object]:
    return [c for c in harness.slack.calls if c.method in UPLOAD_METHODS]


def test_register_from_a_non_member_is_refused_and_uploads_nothing(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(BREACHBOT_PRIVACY_CHANNEL=PRIVACY)
    harness.report()
    reply = harness.driver.command("register", user=OUTSIDER, channel=PRIVACY)
    assert reply.status == 200 and "Only the privacy team" in reply.json()["text"]
    assert "<@U_DPO>" in reply.json()["text"]  # names who can
    assert uploads(harness) == [] and harness.slack.files == {}


def test_register_goes_only_to_the_privacy_channel_as_a_valid_xlsx(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(BREACHBOT_PRIVACY_CHANNEL=PRIVACY)
    incident = harness.report(title="Payroll <sent> to the wrong person")
    # Typed in the incident's channel: the file still goes to the privacy channel, and only there.
    reply = harness.driver.command("register", user=DPO, channel=incident.slack_channel_id)
    assert reply.status == 200 and "never to this channel" in reply.json()["text"]
    confirmation = wait_for_ephemeral(harness, DPO, "Posted breach-register-")
    assert (
        "breach-register-2026-11-23-1200.xlsx" in confirmation and "every incident's timeline verified" in confirmation
    )
    [complete] = harness.slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == PRIVACY
    [stored] = harness.slack.files.values()
    assert stored["channel"] == PRIVACY and stored["filename"] == "breach-register-2026-11-23-1200.xlsx"
    assert "Payroll" not in str(stored["initial_comment"])  # the comment shows in the channel: counts only
    workbook = load_workbook(io.BytesIO(stored["content"]), read_only=True)
    assert workbook.sheetnames == ["Register", "Read me", "Timeline", "Timeline integrity"]
    rows = list(workbook["Register"].iter_rows(values_only=True))
    assert len(rows) == 2 and incident.ref in rows[1] and "Payroll <sent> to the wrong person" in rows[1]
    assert not [m for m in harness.slack.messages if m["channel"] != PRIVACY and "register" in str(m["text"])]


def test_register_without_a_privacy_channel_says_so_and_uploads_nothing(harness: Harness) -> None:
    reply = harness.driver.command("register", user=DPO, channel="C_GENERAL")
    assert "No privacy team channel is configured" in reply.json()["text"]
    assert uploads(harness) == [] and harness.slack.files == {}


def test_near_miss_opens_the_report_modal_as_a_near_miss_with_its_own_channel(harness: Harness) -> None:
    view_id, view = harness.open_modal("near-miss Email nearly sent to the wrong list")
    assert view["title"]["text"] == "Report a near miss" and "near miss" in channel_message_text(view)
    assert harness.submit(view_id, view, report_values(title="Email nearly sent")).body == ""
    harness.wait_for_call("pins.add")
    [incident] = harness.incidents()
    assert incident.near_miss and incident.slack_channel_id and incident.reported_by == REPORTER
    [summary] = harness.slack.messages_in(incident.slack_channel_id)
    assert f"*{incident.ref}* · near miss" in channel_message_text(summary)


def close_guidance(harness: Harness, channel: str) -> str:
    _, view = harness.open_modal("close", user=DPO, channel=channel)
    return channel_message_text({"blocks": view["blocks"]})


def test_breach_action_records_actions_on_the_timeline_once(harness: Harness) -> None:
    incident = harness.report()
    channel = incident.slack_channel_id
    assert "record a remedial action taken" in close_guidance(harness, channel)
    done = harness.driver.command("action Reset the <passwords> of 40 accounts", user=REPORTER, channel=channel)
    assert "Recorded a remedial action on BR-2026-0001" in done.json()["text"]
    assert "&lt;passwords&gt;" in done.json()["text"]
    again = harness.driver.command("action Reset the <passwords> of 40 accounts", user=REPORTER, channel=channel)
    assert "already on BR-2026-0001's timeline" in again.json()["text"]
    planned = harness.driver.command("action planned: Retrain the payroll team", user=DPO, channel=channel)
    assert "Recorded a planned action" in planned.json()["text"]
    assert "Say what was done" in harness.driver.command("action planned:", user=DPO, channel=channel).json()["text"]
    elsewhere = harness.driver.command("action Something", user=DPO, channel="C_GENERAL")
    assert "incident's own channel" in elsewhere.json()["text"]
    with harness.database.unit_of_work() as session:
        actions = [(a.text, a.planned) for a in session.scalars(select(RemedialAction).order_by(RemedialAction.id))]
        events = [(e.kind, e.summary) for e in events_for(session, session.merge(incident))]
    assert actions == [("Reset the <passwords> of 40 accounts", False), ("Retrain the payroll team", True)]
    assert ("action", "Remedial action: Reset the <passwords> of 40 accounts") in events
    assert ("action_planned", "Planned action: Retrain the payroll team") in events
    # The close modal still lists what the register lacks, and no longer the remedial action.
    guidance = close_guidance(harness, channel)
    assert "the register still needs" in guidance and "remedial action" not in guidance


def test_a_refused_upload_is_told_plainly_and_help_lists_the_new_commands(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(BREACHBOT_PRIVACY_CHANNEL=PRIVACY)
    harness.slack.fail("files.completeUploadExternal", "not_in_channel")
    harness.driver.command("register", user=DPO, channel=PRIVACY)
    told = wait_for_ephemeral(harness, DPO, "Could not post the register")
    assert "(not_in_channel)" in told and "invite the bot" in told and "Traceback" not in told
    shown = channel_message_text(harness.driver.command("help", user=REPORTER).json())
    for usage in ("/breach register", "/breach near-miss", "/breach action [planned:] TEXT", "/breach reported"):
        assert usage in shown
    assert "/breach aware-at" in shown


def test_stats_posts_one_png_per_chart_to_the_privacy_channel_only(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(BREACHBOT_PRIVACY_CHANNEL=PRIVACY)
    incident = harness.report(title="Payroll sent to the wrong person")
    refused = harness.driver.command("stats", user=OUTSIDER, channel=PRIVACY)
    assert "Only the privacy team" in refused.json()["text"] and uploads(harness) == []
    reply = harness.driver.command("stats", user=DPO, channel=incident.slack_channel_id)
    assert reply.status == 200
    confirmation = wait_for_ephemeral(harness, DPO, "Posted 5 charts")
    assert "01 Dec 2025 to 23 Nov 2026" in confirmation
    stored = list(harness.slack.files.values())
    assert len(stored) == 5 and {f["channel"] for f in stored} == {PRIVACY}
    assert all(f["content"].startswith(b"\x89PNG") for f in stored)
    # Counts only: the comment and file names hold no incident's title or reference.
    assert "Payroll" not in str(stored[0]["initial_comment"]) and incident.ref not in str(stored[0]["initial_comment"])
    assert "1 breach, 0 near misses; 0 of 0 ICO reports within the deadline" in str(stored[0]["initial_comment"])


def test_stats_with_a_date_that_is_not_one_says_how_to_write_it(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(BREACHBOT_PRIVACY_CHANNEL=PRIVACY)
    harness.driver.command("stats not-a-date", user=DPO, channel=PRIVACY)
    assert "is not a date" in wait_for_ephemeral(harness, DPO, "not a date")
    assert uploads(harness) == []
