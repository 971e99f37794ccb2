"""The register's pure rules: columns, entries from plain values, the close rule table."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain import register as domain
from bot.domain import register_columns as columns
from bot.services.register_export import as_json, as_text

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BARE = domain.IncidentFacts(
    ref="BR-2026-0001", title="Lost laptop", status="open", near_miss=False, regimes=("uk-gdpr",), aware_at=NOW
)
RECORD_ONLY = {"notify_ico": False, "notify_individuals": False, "reasons": ["Unlikely to result in a risk."]}


def test_columns_are_unique_and_every_time_heading_names_its_zone() -> None:
    for table in (columns.COLUMNS, columns.TIMELINE_COLUMNS, columns.INTEGRITY_COLUMNS):
        assert len({c.key for c in table}) == len(table) == len({c.heading for c in table})
        assert all("(UTC)" in c.heading for c in table if c.kind == "datetime")
    # Every register column says what it means and where it comes from: the Read me sheet prints both.
    assert all(c.meaning and c.source and c.value for c in columns.COLUMNS)
    assert {r.when for r in domain.CLOSE_REQUIREMENTS} <= set(domain._WHEN)
    assert {r.key for r in domain.CLOSE_REQUIREMENTS} == set(domain._DONE)


def test_not_yet_known_and_not_applicable_differ_in_every_format() -> None:
    entry = columns.build_entry(BARE, now=NOW)
    assert entry["decision"] is None and entry["occurred_at"] is None and entry["cause"] is None
    assert as_text(entry["decision"], "text") == "not yet known" and as_json(entry["decision"]) is None
    assert entry["override_justification"] is domain.NOT_APPLICABLE
    assert as_text(entry["override_justification"], "text") == "not applicable"
    assert as_json(entry["override_justification"]) == "not applicable"
    assert as_text(entry["actions_taken"], "actions") == "none recorded"


def test_hours_late_counts_from_the_uk_gdpr_clock_until_the_report_or_close() -> None:
    old = replace(BARE, aware_at=NOW - timedelta(hours=80))
    assert domain.hours_late(old, NOW) == 8.0  # undecided: a report may be owed
    decided_not = replace(old, computed=RECORD_ONLY)
    assert domain.hours_late(decided_not, NOW) is None  # nothing to report, so nothing is late
    reported = replace(old, ico_reported_at=NOW - timedelta(hours=6))
    assert domain.hours_late(reported, NOW + timedelta(days=30)) == 2.0
    closed = replace(old, closed_at=NOW - timedelta(hours=7, minutes=30))
    assert domain.hours_late(closed, NOW + timedelta(days=30)) == 0.5
    assert domain.hours_late(replace(old, regimes=("processor",)), NOW) is None
    assert domain.hours_late(replace(old, near_miss=True), NOW) is None


def test_close_rule_for_a_breach_and_for_a_near_miss() -> None:
    keys = [r.key for r in domain.missing_to_close(BARE, outcome=None, reason=None, now=NOW)]
    assert keys == ["outcome", "reason", "decision", "remedial_action"]
    action = domain.ActionFact(text="Wiped remotely", at=NOW, by="dpo", planned=False)
    done = replace(BARE, computed=RECORD_ONLY, actions=(action,))
    assert domain.missing_to_close(done, outcome="not-reportable", reason="Wiped", now=NOW) == []
    reported_outcome = domain.missing_to_close(done, outcome="reported", reason="Wiped", now=NOW)
    assert [r.key for r in reported_outcome] == ["ico_report"]
    near_miss = replace(BARE, near_miss=True, aware_at=NOW - timedelta(days=10))
    assert domain.missing_to_close(near_miss, outcome="near-miss", reason="Nothing lost", now=NOW) == []
