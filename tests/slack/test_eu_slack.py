"""EU GDPR in Slack: the setup modal's EU position, the report modal's EEA countries, and one line per
EU authority on the pinned summary and the App Home."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from bot.services import eu_gdpr
from bot.services.incidents import get_incident
from bot.services.org import get_profile, profile_dict, update_profile
from bot.slack.views.lists import incident_line
from bot.slack.views.org import SETUP_CALLBACK
from bot.slack.views.summary import deadline_lines
from tests.conftest import NOW
from tests.slack.conftest import OUTSIDER, Harness, channel_message_text, report_values
from tests.slack.test_org_setup import values_from
from tests.slack.test_reporting_slack import live_alerts, wait_for_ephemeral
from tests.slack.test_triage import DPO, new_view


def _select(value: str) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


def test_setup_modal_saves_the_eu_position(harness: Harness) -> None:
    before = set(harness.slack.views)
    assert harness.driver.command("setup", user=DPO, channel="C_GENERAL").status == 200
    _, view = new_view(harness, before, SETUP_CALLBACK)
    View(**view).validate_json()
    ids = [b.get("block_id") for b in view["blocks"]]
    assert {"eu_gdpr", "eu_main_establishment", "eu_representative", "eu_de_authority"} <= set(ids)
    values = values_from(view, eu_representative="EU Rep Ltd, Dublin")
    values |= {"eu_gdpr": _select("yes"), "eu_main_establishment": _select("none")}
    reply = harness.driver.view_submission(view, values, user=DPO)
    assert reply.json() == {"response_action": "clear"}
    with harness.database.unit_of_work() as session:
        profile = profile_dict(get_profile(session))
    assert (profile["eu_gdpr"], profile["eu_main_establishment"]) == (True, None)
    assert profile["eu_representative"] == "EU Rep Ltd, Dublin"


def test_report_modal_countries_give_one_summary_line_per_authority(harness: Harness) -> None:
    with harness.database.unit_of_work() as session:
        update_profile(session, {"eu_gdpr": True, "eu_representative": "EU Rep Ltd"}, now=NOW)
    view_id, view = harness.open_modal("open Orders table exposed")
    View(**view).validate_json()
    block = next(b for b in view["blocks"] if b.get("block_id") == "eu_countries")
    assert len(block["element"]["options"]) == 30
    values = report_values() | {
        "eu_countries": {
            "value": {"type": "multi_static_select", "selected_options": [{"value": "FR"}, {"value": "IE"}]}
        }
    }
    assert harness.submit(view_id, view, values).status == 200
    harness.wait_for_call("pins.add")
    [incident] = harness.incidents()
    assert incident.eu_countries == {"FR": None, "IE": None}
    channel = harness.slack.channels[incident.slack_channel_id]
    [summary] = harness.slack.messages_in(channel.id)
    shown = channel_message_text(summary)
    assert "*EU GDPR: CNIL (France)*: report to French Data Protection Authority (CNIL) by" in shown
    assert "*EU GDPR: DPC (Ireland)*: report to Data Protection Commission by" in shown
    assert "*UK GDPR*: report to the ICO by" in shown

    with harness.database.unit_of_work() as session:
        eu_gdpr.record_authority_report(session, incident.ref, "FR", case_ref="C<1>", actor=DPO, now=NOW)
    with harness.database.unit_of_work() as session:
        current = get_incident(session, incident.ref)
        lines = deadline_lines(current, NOW, harness.runtime.settings.zone)
        home = incident_line(current, NOW, harness.runtime.settings.zone, with_title=True)
    french = next(line for line in lines if "CNIL" in line)
    assert "notified" in french and "case C&lt;1&gt;" in french
    assert "*EU GDPR: DPC (Ireland)*: report to" in home and "*EU GDPR: CNIL (France)*: notified" in home


def test_an_unknown_country_comes_back_as_a_field_error(harness: Harness) -> None:
    view_id, view = harness.open_modal()
    values = report_values() | {
        "eu_countries": {"value": {"type": "multi_static_select", "selected_options": [{"value": "US"}]}}
    }
    reply = harness.submit(view_id, view, values).json()
    assert reply["response_action"] == "errors" and "not an EEA country" in reply["errors"]["eu_countries"]
    assert harness.incidents() == []


def test_breach_reported_eu_stops_only_that_authoritys_clock_and_is_safe_twice(harness: Harness) -> None:
    with harness.database.unit_of_work() as session:
        update_profile(session, {"eu_gdpr": True}, now=NOW)
    view_id, view = harness.open_modal()
    countries = [{"value": "FR"}, {"value": "IE"}]
    values = report_values() | {
        "eu_countries": {"value": {"type": "multi_static_select", "selected_options": countries}}
    }
    harness.submit(view_id, view, values)
    harness.wait_for_call("pins.add")
    [incident] = harness.incidents()
    channel = incident.slack_channel_id
    refused = harness.driver.command("reported-eu FR", user=OUTSIDER, channel=channel)
    assert "Only the privacy team" in refused.json()["text"]
    usage = harness.driver.command("reported-eu", user=DPO, channel=channel).json()
    assert usage["response_type"] == "ephemeral" and "Say which authority" in usage["text"]

    assert harness.driver.command("reported-eu fr CNIL-<7>", user=DPO, channel=channel).status == 200
    wait_for_ephemeral(harness, DPO, "notified to the French Data Protection Authority (CNIL)")
    regimes = {row.regime for row in live_alerts(harness, incident.id)}
    assert "eu-gdpr:FR" not in regimes and {"uk-gdpr", "eu-gdpr:IE"} <= regimes
    posts = harness.slack.messages_in(channel)[1:]
    assert len(posts) == 1 and "CNIL-&lt;7&gt;" in posts[0]["text"] and "<7>" not in posts[0]["text"]

    harness.driver.command("reported-eu FR", user=DPO, channel=channel)
    wait_for_ephemeral(harness, DPO, "already recorded as notified")
    harness.driver.command("reported-eu ES", user=DPO, channel=channel)
    wait_for_ephemeral(harness, DPO, "no clock for the AEPD")
    assert len(harness.slack.messages_in(channel)) == 2


def test_each_eu_authoritys_draft_is_posted_to_the_incident_channel_as_its_own_files(harness: Harness) -> None:
    with harness.database.unit_of_work() as session:
        update_profile(session, {"eu_gdpr": True}, now=NOW)
    view_id, view = harness.open_modal()
    countries = [{"value": "FR"}, {"value": "IE"}]
    values = report_values() | {
        "eu_countries": {"value": {"type": "multi_static_select", "selected_options": countries}}
    }
    harness.submit(view_id, view, values)
    harness.wait_for_call("pins.add")
    [incident] = harness.incidents()
    harness.driver.block_action("drafts_post", incident.ref, user=DPO, channel=incident.slack_channel_id)
    harness.wait_for_call("files.completeUploadExternal", 3)
    names = {f["filename"] for f in harness.slack.files.values()}
    for kind in ("ico-report", "eu-authority-report-FR", "eu-authority-report-IE"):
        assert {f"{incident.ref}-{kind}-v1.md", f"{incident.ref}-{kind}-v1.docx"} <= names
    assert all(f["channel"] == incident.slack_channel_id for f in harness.slack.files.values())


def test_the_privacy_card_shows_each_eu_authority_and_when_it_was_notified(harness: Harness) -> None:
    from bot.slack.views.privacy_card import card_deadline_lines

    with harness.database.unit_of_work() as session:
        update_profile(session, {"eu_gdpr": True}, now=NOW)
    incident = harness.report()
    with harness.database.unit_of_work() as session:
        eu_gdpr.set_countries(session, incident.ref, {"FR": 2, "IE": None}, actor=DPO, now=NOW)
        eu_gdpr.record_authority_report(session, incident.ref, "IE", case_ref=None, actor=DPO, now=NOW)
    with harness.database.unit_of_work() as session:
        lines = card_deadline_lines(get_incident(session, incident.ref), NOW, harness.runtime.settings.zone)
    irish = next(line for line in lines if "DPC" in line)
    french = next(line for line in lines if "CNIL" in line)
    assert "reported <!date^" in irish and "report to French Data Protection Authority (CNIL) by" in french
