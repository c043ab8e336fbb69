"""Issue 12 through the app: the danger question, reasons on the page and in the decision
record, one likelihood in the regulator report, PECR's dated clock and the ICO's agreement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.assessment import services as assessment_services
from reporting import services as report_services
from incidents.models import Assessment, Decision
from reporting.models import ReportDetails
from tests.base import BaseTestCase, local, make_incident

# Criminal-offence data of victims, published: the police FOI case in small.
HIGH: dict[str, Any] = {"published_or_unknown_recipients": True, "physical_safety": True, "vulnerable_people": True}
LOW: dict[str, Any] = {"disclosed_known_recipients_only": True, "recipient_trusted_and_deleted": True,
                       "physical_safety": False}


def assess(incident: Any, actor: Any, **facts: Any) -> Assessment:
    return assessment_services.assessment_record(incident=incident, actor=actor, fields=facts)[0]


class DangerQuestionTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.login(self.handler)

    def post(self, **values: str) -> Any:
        data = {"integrity": "none", "availability": "none", "identification": "maximum", "dpc_adjustment": "0",
                "published_or_unknown_recipients": "on", **values}
        return self.client.post(reverse("assessment_create", args=[self.incident.reference]), data)

    def test_the_form_asks_the_danger_question_in_plain_words(self) -> None:
        page = self.client.get(reverse("assessment_create", args=[self.incident.reference]))
        self.assertContains(page, "Could this put anyone in danger of violence, intimidation or reprisal?")

    def test_a_missing_answer_blocks_the_assessment_and_saves_nothing(self) -> None:
        response = self.post()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Answer this question: could this put anyone in danger?")
        self.assertFalse(Assessment.objects.exists())

    def test_an_unknown_answer_is_a_form_error(self) -> None:
        response = self.post(physical_safety="maybe")
        self.assertContains(response, "Select a valid choice")
        self.assertFalse(Assessment.objects.exists())

    def test_a_yes_makes_names_alone_a_high_risk_to_tell_people_about(self) -> None:
        self.post(physical_safety="yes")
        saved = Assessment.objects.get()
        self.assertIs(saved.physical_safety, True)
        self.assertEqual(saved.band, "very_high")
        self.assertTrue(saved.recommend_tell)

    def test_contradictory_answers_are_refused_naming_both(self) -> None:
        response = self.post(physical_safety="no", nothing_taken="on")
        self.assertContains(response, "“Evidence shows nobody saw or copied the data” and “Published, or reached "
                                      "unknown recipients” cannot both be true")
        self.assertFalse(Assessment.objects.exists())

    def test_a_version_from_before_the_question_says_so_on_the_page(self) -> None:
        assessment = assess(self.incident, self.handler, **HIGH)
        Assessment.objects.filter(pk=assessment.pk).update(physical_safety=None)
        page = self.client.get(reverse("assessment", args=[self.incident.reference]))
        self.assertContains(page, "recorded before the assessment asked whether anyone could be put in danger")


class ReasonsTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def test_the_page_names_the_deciding_factor_and_its_guidance(self) -> None:
        assess(self.incident, self.handler, **HIGH)
        self.login(self.auditor)
        page = self.client.get(reverse("assessment", args=[self.incident.reference]))
        self.assertContains(page, "Deciding factor:</strong> The data could put someone in danger of violence, "
                                  "intimidation or reprisal.")
        self.assertContains(page, "WP250 rev.01 section IV.B")

    def test_the_decision_record_keeps_the_recommendation_and_its_reasons(self) -> None:
        assess(self.incident, self.handler, **HIGH)
        decision = assessment_services.decision_record(incident=self.incident, actor=self.dpo, kind="tell",
                                            fields={"outcome": True})
        self.assertIn("Assessment version 1: Report to the regulator; tell the people affected.",
                      decision.recommendation_text)
        self.assertIn("Deciding factor: The data could put someone in danger", decision.recommendation_text)
        self.login(self.auditor)
        page = self.client.get(reverse("assessment", args=[self.incident.reference]))
        self.assertContains(page, "Recommended then: Assessment version 1")


class OneLikelihoodTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def save(self, **fields: Any) -> ReportDetails:
        return report_services.report_details_save(incident=self.incident, actor=self.handler, fields=fields)

    def test_the_report_form_starts_from_the_engines_likelihood(self) -> None:
        assess(self.incident, self.handler, **HIGH)
        self.login(self.handler)
        page = self.client.get(reverse("report_details_edit", args=[self.incident.reference]))
        self.assertContains(page, '<option value="very_likely" selected>')
        self.assertContains(page, "suggests “Very likely”")

    def test_the_report_never_says_unlikely_where_the_engine_finds_a_high_risk(self) -> None:
        assess(self.incident, self.handler, **HIGH)
        with self.assertRaises(ValidationError) as raised:
            self.save(likelihood="unlikely", likelihood_reason="We think it is fine.")
        self.assertIn("cannot say significant consequences are “Unlikely”", str(raised.exception))
        self.assertFalse(ReportDetails.objects.exists())

    def test_an_answer_far_from_the_engine_needs_a_reason(self) -> None:
        assess(self.incident, self.handler, **LOW)
        with self.assertRaises(ValidationError) as raised:
            self.save(likelihood="likely")
        self.assertIn("likelihood_reason", raised.exception.error_dict)
        saved = self.save(likelihood="likely", likelihood_reason="The recipient is a known journalist.")
        self.assertEqual(saved.likelihood, "likely")

    def test_a_contradicting_answer_shows_a_warning_on_the_form(self) -> None:
        assess(self.incident, self.handler, **HIGH)
        self.login(self.handler)
        response = self.client.post(reverse("report_details_edit", args=[self.incident.reference]),
                                    {"likelihood": "very_unlikely"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "the report cannot say consequences are unlikely")
        self.assertFalse(ReportDetails.objects.exists())

    def test_the_report_shows_the_engines_answer_beside_the_dpos(self) -> None:
        assess(self.incident, self.handler, **LOW)
        self.save(likelihood="likely", likelihood_reason="The recipient is a known journalist.")
        self.login(self.dpo)
        page = self.client.get(reverse("report_preview", args=[self.incident.reference]))
        self.assertContains(page, "likelihood of significant consequences: Very unlikely")
        self.assertContains(page, "The recipient is a known journalist.")


class PecrClockTests(BaseTestCase):
    def test_an_incident_known_before_20_august_2025_keeps_the_24_hour_clock(self) -> None:
        incident = make_incident(actor=self.dpo, regime="pecr", discovered_at=local(2025, 8, 19, 9, 0),
                                 aware_at=local(2025, 8, 19, 23, 59))
        self.assertEqual(incident.regulator_deadline - incident.aware_at, timedelta(hours=24))

    def test_an_incident_known_from_20_august_2025_has_72_hours(self) -> None:
        incident = make_incident(actor=self.dpo, regime="pecr", discovered_at=local(2025, 8, 20, 0, 0),
                                 aware_at=local(2025, 8, 20, 0, 0))
        self.assertEqual(incident.regulator_deadline - incident.aware_at, timedelta(hours=72))

    def test_uk_gdpr_has_always_had_72_hours(self) -> None:
        incident = make_incident(actor=self.dpo, discovered_at=local(2024, 1, 1, 9, 0), aware_at=local(2024, 1, 1, 9, 0))
        self.assertEqual(incident.regulator_deadline - incident.aware_at, timedelta(hours=72))


class PecrAgreementTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo, regime="pecr")
        assess(self.incident, self.handler, exfiltrated=True, unintelligible=True, unintelligible_how="AES-256",
               physical_safety=False)

    def decide(self, **fields: Any) -> Decision:
        return assessment_services.decision_record(incident=self.incident, actor=self.dpo, kind="tell", fields={
            "outcome": False, "exemption": "a", **fields})

    def test_not_telling_subscribers_for_unintelligible_data_needs_the_icos_agreement(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self.decide()
        self.assertEqual(set(raised.exception.error_dict), {"ico_agreement_date", "ico_agreement_reference"})
        self.assertFalse(Decision.objects.exists())

    def test_the_agreement_is_recorded_with_its_date_and_reference(self) -> None:
        decision = self.decide(ico_agreement_date=timezone.localdate(), ico_agreement_reference="PECR-2026-0042")
        self.assertEqual(decision.ico_agreement_reference, "PECR-2026-0042")

    def test_an_agreement_dated_in_the_future_is_refused(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self.decide(ico_agreement_date=timezone.localdate() + timedelta(days=2),
                        ico_agreement_reference="PECR-1")
        self.assertIn("ico_agreement_date", raised.exception.error_dict)

    def test_the_decision_form_asks_for_the_agreement_under_pecr_only(self) -> None:
        self.login(self.dpo)
        page = self.client.get(reverse("decision_create", args=[self.incident.reference, "tell"]))
        self.assertContains(page, "Date the ICO agreed")
        other = make_incident(actor=self.dpo)
        page = self.client.get(reverse("decision_create", args=[other.reference, "tell"]))
        self.assertNotContains(page, "Date the ICO agreed")
