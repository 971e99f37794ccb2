"""Realistic breaches with the outcome the published guidance gives them.

Facts are paraphrased from the regulators' worked examples. Where the guidance leaves an outcome open
("depending on the type of data") the scenario does not assert it: `None` below means "not decided by
the source", never "false".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bot.domain.triage import assess, parse_answers


@dataclass(frozen=True)
class Scenario:
    id: str
    source: str
    facts: str
    answers: dict[str, Any]
    ico: bool | None = None
    individuals: bool | None = None
    exemption: str | None = None
    band: str | None = None
    processor: bool = False
    public: bool | None = None


def answers(**given: Any) -> dict[str, Any]:
    return {"personal_data": True, **given}


# The table stays one fact pattern per few lines: readable as a casebook beats one argument per line.
# fmt: off
SCENARIOS = [
    Scenario(
        "edpb01-case01-ransomware-backup-no-exfiltration",
        "EDPB Guidelines 01/2021 case 1: internal record only",
        "Ransomware encrypts a small firm's file server of staff and customer records; logs show nothing left "
        "the network and the server is restored from an offline backup within hours.",
        answers(
            data_categories=["basic_identifiers", "economic_financial"], subject_types=["employees", "customers"],
            subjects_count=800, breach_types=["availability"], cause="malicious", exposure="none",
            availability="restored_quickly", protection="none", impact_on_people="none",
        ),
        ico=False, individuals=False,
    ),
    Scenario(
        "edpb01-case02-ransomware-no-backup",
        "EDPB Guidelines 01/2021 case 2: notify the authority, individuals not required",
        "Ransomware encrypts a farm business's only PC holding staff and customer billing records; there is no "
        "backup, logs rule out exfiltration, and the records must be rebuilt from paper.",
        answers(
            data_categories=["basic_identifiers", "economic_financial"], subject_types=["employees", "customers"],
            subjects_count=150, breach_types=["availability"], cause="malicious", exposure="none",
            availability="lost", protection="none", impact_on_people="none",
        ),
        ico=True, individuals=False,
    ),
    Scenario(
        "edpb01-case03-hospital-ransomware-treatment-delayed",
        "EDPB Guidelines 01/2021 case 3: notify the authority and the patients",
        "A hospital's systems are encrypted by ransomware; backups exist but restoring takes two days, so "
        "operations are postponed. No data was taken.",
        answers(
            data_categories=["basic_identifiers", "special_health"], subject_types=["patients"],
            subjects_count=40000, breach_types=["availability"], cause="malicious", exposure="none",
            availability="delayed", protection="none", impact_on_people="significant",
        ),
        ico=True, individuals=True, band="very_high",
    ),
    Scenario(
        "edpb01-case04-ransomware-with-exfiltration-no-backup",
        "EDPB Guidelines 01/2021 case 4: notify the authority and the individuals",
        "A transport operator's customer database (names, addresses, ID numbers, payment details) is copied "
        "out and then encrypted by ransomware; there is no usable backup.",
        answers(
            data_categories=["basic_identifiers", "identification_data", "economic_financial"],
            subject_types=["customers"], subjects_count=2_000_000,
            breach_types=["confidentiality", "availability"], cause="malicious", exposure="unknown",
            availability="lost", protection="none",
        ),
        ico=True, individuals=True, band="very_high",
    ),
    Scenario(
        "edpb01-case05-job-applications-exfiltrated",
        "EDPB Guidelines 01/2021 case 5: notify the authority and the applicants",
        "Malicious code injected into a recruitment web form sends everything applicants type (names, contact "
        "details, dates of birth, CV history) to the attacker for several weeks.",
        answers(
            data_categories=["basic_identifiers", "identification_data", "other"], subject_types=["other"],
            subjects_count=213, breach_types=["confidentiality"], cause="malicious", exposure="unknown",
            availability="not_affected", protection="none",
        ),
        ico=True, individuals=True,
    ),
    Scenario(
        "edpb01-case06-salted-password-hashes-only",
        "EDPB Guidelines 01/2021 case 6: internal record only",
        "SQL injection copies a web shop's password table: state-of-the-art salted hashes, salts not taken, "
        "no other data in the table.",
        answers(
            data_categories=["credentials"], subject_types=["users"], subjects_count=1200,
            breach_types=["confidentiality"], cause="malicious", exposure="unknown",
            availability="not_affected", protection="hashed", protection_intact=True,
        ),
        ico=False, individuals=False, band="low",
    ),
    Scenario(
        "edpb01-case07-credential-stuffing-bank",
        "EDPB Guidelines 01/2021 case 7: notify the authority and the affected customers",
        "Attackers replay leaked passwords against a bank's online banking and log in to about 2,000 accounts, "
        "seeing balances and transactions.",
        answers(
            data_categories=["basic_identifiers", "credentials", "economic_financial"],
            subject_types=["customers"], subjects_count=2000, breach_types=["confidentiality"],
            cause="malicious", exposure="unknown", availability="not_affected", protection="none",
        ),
        ico=True, individuals=True,
    ),
    Scenario(
        "edpb01-case08-departing-employee-copies-client-contacts",
        "EDPB Guidelines 01/2021 case 8: notify the authority, individuals not required",
        "During notice, an employee copies the client list (names and business contact details) and later uses "
        "it to solicit the clients for his own business.",
        answers(
            data_categories=["basic_identifiers"], subject_types=["customers"], subjects_count=600,
            breach_types=["confidentiality"], cause="malicious", exposure="known", recovered=False,
            availability="not_affected", protection="none",
        ),
        ico=True, individuals=False,
    ),
    Scenario(
        "edpb01-case09-sent-to-trusted-insurance-agent",
        "EDPB Guidelines 01/2021 case 9: internal record only",
        "An insurance agent is sent another client's policy report by mistake; the agent is bound by "
        "professional confidentiality, reports the error and confirms the file is deleted.",
        answers(
            data_categories=["basic_identifiers", "economic_financial"], subject_types=["customers"],
            subjects_count=1, breach_types=["confidentiality"], cause="accidental", exposure="trusted",
            recovered=True, availability="not_affected", protection="none",
        ),
        ico=False, individuals=False,
    ),
    Scenario(
        "edpb01-case10-stolen-encrypted-tablets",
        "EDPB Guidelines 01/2021 case 10: internal record only",
        "Two tablets used at a childcare centre are stolen; the children's records on them are encrypted to "
        "the state of the art, the key was not with them, and a backup restores everything the same day.",
        answers(
            data_categories=["basic_identifiers", "identification_data"], subject_types=["children"],
            subjects_count=60, breach_types=["confidentiality", "availability"], cause="malicious",
            exposure="unknown", availability="restored_quickly", protection="encrypted", protection_intact=True,
        ),
        ico=False, individuals=False, band="low",
    ),
    Scenario(
        "edpb01-case11-stolen-unencrypted-laptop",
        "EDPB Guidelines 01/2021 case 11: notify the authority and the customers",
        "An unencrypted laptop holding names, sex, addresses and dates of birth of over 100,000 customers is "
        "stolen from an employee's car; a backup exists.",
        answers(
            data_categories=["basic_identifiers", "identification_data"], subject_types=["customers"],
            subjects_count=100_000, breach_types=["confidentiality", "availability"], cause="malicious",
            exposure="unknown", availability="restored_quickly", protection="none",
        ),
        ico=True, individuals=True,
    ),
    Scenario(
        "edpb01-case12-rehab-centre-logbook-stolen",
        "EDPB Guidelines 01/2021 case 12: notify the authority and the patients",
        "A paper logbook with the identities and treatment notes of patients at a drug rehabilitation centre "
        "is stolen in a break-in; there is no copy.",
        answers(
            data_categories=["basic_identifiers", "special_health"], subject_types=["patients"],
            subjects_count=40, breach_types=["confidentiality", "availability"], cause="malicious",
            exposure="unknown", availability="lost", protection="none",
        ),
        ico=True, individuals=True, band="very_high",
    ),
    Scenario(
        "edpb01-case13-swapped-order-invoices",
        "EDPB Guidelines 01/2021 case 13: internal record only",
        "Two parcels are packed with each other's invoices (name, address, items and price); both customers "
        "are asked to destroy the wrong invoice and confirm they have.",
        answers(
            data_categories=["basic_identifiers", "other"], subject_types=["customers"], subjects_count=2,
            breach_types=["confidentiality"], cause="accidental", exposure="known", recovered=True,
            availability="not_affected", protection="none", impact_on_people="none",
        ),
        ico=False, individuals=False, band="low",
    ),
    Scenario(
        "edpb01-case14-jobseeker-file-attached-to-mass-email",
        "EDPB Guidelines 01/2021 case 14: notify the authority and the job seekers",
        "An employment service's mailing about training courses goes to tens of thousands of job seekers with "
        "a file of every job seeker's name, address and national insurance number attached; forwarding "
        "cannot be ruled out.",
        answers(
            data_categories=["basic_identifiers", "identification_data"], subject_types=["other"],
            subjects_count=20_000, breach_types=["confidentiality"], cause="accidental", exposure="unknown",
            availability="not_affected", protection="none",
        ),
        ico=True, individuals=True,
    ),
    Scenario(
        "edpb01-case17-identity-theft-via-contact-centre",
        "EDPB Guidelines 01/2021 case 17: notify the authority and the customer",
        "A caller posing as a telecoms customer passes weak identity checks, has the account email changed "
        "and obtains the customer's billing details.",
        answers(
            data_categories=["basic_identifiers", "economic_financial"], subject_types=["customers"],
            subjects_count=1, breach_types=["confidentiality", "integrity"], cause="malicious",
            exposure="unknown", availability="not_affected", protection="none",
        ),
        ico=True, individuals=True,
    ),
    Scenario(
        "edpb922-bank-statement-to-wrong-customer",
        "EDPB Guidelines 9/2022 annex B: notify the authority; individuals only if the risk is high",
        "A bank customer rings to say the monthly statement they received is someone else's; a short "
        "investigation confirms one statement was misdirected.",
        answers(
            data_categories=["basic_identifiers", "economic_financial"], subject_types=["customers"],
            subjects_count=1, breach_types=["confidentiality"], cause="accidental", exposure="known",
            availability="not_affected", protection="none",
        ),
        ico=True,
    ),
    Scenario(
        "edpb922-marketplace-credentials-published",
        "EDPB Guidelines 9/2022 annex B: notify the authority and the individuals",
        "An online marketplace is hacked and its customers' user names, passwords and purchase histories are "
        "published online.",
        answers(
            data_categories=["basic_identifiers", "credentials", "other"], subject_types=["customers"],
            subjects_count=500_000, breach_types=["confidentiality"], cause="malicious", exposure="unknown",
            availability="not_affected", protection="none",
        ),
        ico=True, individuals=True, band="very_high",
    ),
    Scenario(
        "edpb922-call-centre-power-cut",
        "EDPB Guidelines 9/2022 annex B: not notifiable, record internally",
        "A power cut of a few minutes stops a call centre reaching customer records; service resumes with "
        "nothing lost.",
        answers(
            data_categories=["basic_identifiers"], subject_types=["customers"], subjects_count=10_000,
            breach_types=["availability"], cause="accidental", exposure="none",
            availability="restored_quickly", protection="none", impact_on_people="none",
        ),
        ico=False, individuals=False,
    ),
    Scenario(
        "edpb922-hospital-records-unavailable-30-hours",
        "EDPB Guidelines 9/2022 annex B: notify the authority and the patients",
        "A cyber attack leaves a hospital's medical records unavailable for 30 hours; clinics run without "
        "patient histories.",
        answers(
            data_categories=["basic_identifiers", "special_health"], subject_types=["patients"],
            subjects_count=20_000, breach_types=["availability"], cause="malicious", exposure="none",
            availability="delayed", protection="none", impact_on_people="significant",
        ),
        ico=True, individuals=True, band="very_high",
    ),
    Scenario(
        "edpb922-student-data-to-mailing-list",
        "EDPB Guidelines 9/2022 annex B: notify the authority; individuals depending on the data",
        "A spreadsheet of 1,500 students' names, contact details and course results is sent by mistake to a "
        "mailing list of over 1,000 recipients.",
        answers(
            data_categories=["basic_identifiers", "other"], subject_types=["students"], subjects_count=1500,
            breach_types=["confidentiality"], cause="accidental", exposure="known",
            availability="not_affected", protection="none",
        ),
        ico=True,
    ),
    Scenario(
        "edpb922-psychotherapist-newsletter-open-cc",
        "EDPB Guidelines 9/2022 annex B: notify the authority where sensitive data is revealed",
        "A psychotherapy practice sends its newsletter with every client's email address visible to all "
        "recipients, revealing that each of them is in therapy.",
        answers(
            data_categories=["basic_identifiers", "special_health"], subject_types=["patients"],
            subjects_count=300, breach_types=["confidentiality"], cause="accidental", exposure="known",
            availability="not_affected", protection="none",
        ),
        ico=True,
    ),
    Scenario(
        "edpb922-hosting-processor-authorisation-bug",
        "EDPB Guidelines 9/2022 annex B; UK GDPR Art 33(2): the processor tells its controllers",
        "A web hosting company, acting as processor, finds a bug that let any logged-in user view other "
        "users' account details.",
        answers(
            data_categories=["basic_identifiers", "identification_data"], subject_types=["users"],
            subjects_count=5000, breach_types=["confidentiality"], cause="accidental", exposure="unknown",
            availability="not_affected", protection="none",
        ),
        ico=False, individuals=False, processor=True,
    ),
    Scenario(
        "ico-staff-phone-list-overwritten",
        "ICO guide to personal data breaches: a lost or altered staff phone list would not normally be reported",
        "The internal staff telephone list is overwritten by mistake and has to be rebuilt; no one outside "
        "saw it.",
        answers(
            data_categories=["basic_identifiers"], subject_types=["employees"], subjects_count=300,
            breach_types=["integrity", "availability"], cause="accidental", exposure="none",
            availability="lost", protection="none", impact_on_people="none",
        ),
        ico=False, individuals=False, band="medium",
    ),
    Scenario(
        "ico-hospital-patient-records-disclosed",
        "ICO guide to personal data breaches: disclosed patient records must be told to the patients",
        "A hospital accidentally discloses a batch of patient records, with diagnoses, to an outside "
        "organisation not bound by confidentiality.",
        answers(
            data_categories=["basic_identifiers", "special_health"], subject_types=["patients"],
            subjects_count=25, breach_types=["confidentiality"], cause="accidental", exposure="known",
            availability="not_affected", protection="none",
        ),
        ico=True, individuals=True,
    ),
    Scenario(
        "ico-alumni-contacts-deleted-and-restored",
        "ICO guide to personal data breaches: deleted alumni contacts recreated from backup, no need to tell",
        "A university staff member deletes the alumni contact records by mistake; they are recreated from "
        "backup the same day.",
        answers(
            data_categories=["basic_identifiers"], subject_types=["other"], subjects_count=5000,
            breach_types=["availability"], cause="accidental", exposure="none",
            availability="restored_quickly", protection="none", impact_on_people="none",
        ),
        ico=False, individuals=False,
    ),
    Scenario(
        "ico-archive-processor-attacked",
        "ICO guide to personal data breaches: the processor tells the controller, who reports to the ICO",
        "An IT firm that archives a retailer's customer records detects an attack that accessed them.",
        answers(
            data_categories=["basic_identifiers", "economic_financial"], subject_types=["customers"],
            subjects_count=30_000, breach_types=["confidentiality"], cause="malicious", exposure="unknown",
            availability="not_affected", protection="none",
        ),
        ico=False, individuals=False, processor=True,
    ),
    Scenario(
        "art34-3-a-encrypted-laptop-slow-restore",
        "UK GDPR Art 34(3)(a); EDPB Guidelines 9/2022: unintelligible data, but lost access is still a risk",
        "A laptop with strongly encrypted staff sickness records is stolen (key safe); the only other copy "
        "takes three days to restore, delaying some sick-pay decisions.",
        answers(
            data_categories=["basic_identifiers", "special_health"], subject_types=["employees"],
            subjects_count=400, breach_types=["confidentiality", "availability"], cause="malicious",
            exposure="unknown", availability="delayed", protection="encrypted", protection_intact=True,
            impact_on_people="minor",
        ),
        ico=True, individuals=False, exemption="art34_3_a",
    ),
    Scenario(
        "art34-3-b-cards-cancelled-before-use",
        "UK GDPR Art 34(3)(b): later measures mean the high risk is no longer likely",
        "An insider copies 3,000 customers' card details; the card issuer cancels and reissues every card "
        "before any fraudulent use.",
        answers(
            data_categories=["basic_identifiers", "economic_financial"], subject_types=["customers"],
            subjects_count=3000, breach_types=["confidentiality"], cause="malicious", exposure="known",
            availability="not_affected", protection="none", mitigated=True,
        ),
        ico=True, individuals=False, exemption="art34_3_b",
    ),
    Scenario(
        "art34-3-c-old-patient-files-in-public-skip",
        "UK GDPR Art 34(3)(c): disproportionate effort, so a public communication instead",
        "Decades-old paper patient files are found dumped in a public skip; there are no current contact "
        "details for the patients.",
        answers(
            data_categories=["basic_identifiers", "special_health"], subject_types=["patients"],
            subjects_count=2000, breach_types=["confidentiality"], cause="accidental", exposure="unknown",
            availability="not_affected", protection="none", disproportionate_effort=True,
            disproportionate_effort_reason="The files are decades old: there are no current contact details.",
        ),
        ico=True, individuals=False, exemption="art34_3_c", public=True,
    ),
    Scenario(
        "ico-self-assessment-no-personal-data",
        "ICO self-assessment: no living people's personal data, so not a personal data breach",
        "A confidential pricing spreadsheet with no personal data is emailed to a competitor.",
        {"personal_data": False, "breach_types": ["confidentiality"], "cause": "accidental", "exposure": "known"},
        ico=False, individuals=False,
    ),
]
# fmt: on


@pytest.mark.parametrize("case", [pytest.param(s, id=s.id) for s in SCENARIOS])
def test_published_example(case: Scenario) -> None:
    result = assess(parse_answers(case.answers), processor=case.processor)
    context = f"{case.id} ({case.source}): {case.facts}\n" + "\n".join(result.reasons)
    assert result.record is True, context
    if case.ico is not None:
        assert result.notify_ico is case.ico, context
    if case.individuals is not None:
        assert result.notify_individuals is case.individuals, context
    assert result.exemption == case.exemption, context
    if case.band is not None:
        assert result.severity.band == case.band, context
    if case.public is not None:
        assert result.public_communication is case.public, context
    assert result.notify_controller is case.processor, context


def test_scenario_table_is_broad() -> None:
    assert len(SCENARIOS) >= 22
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
    outcomes = {(s.ico, s.individuals, s.exemption) for s in SCENARIOS}
    # The table must exercise every branch of the decision, not one answer many times.
    assert {(False, False, None), (True, False, None), (True, True, None)} <= outcomes
    assert {"art34_3_a", "art34_3_b", "art34_3_c"} <= {s.exemption for s in SCENARIOS}
