"""Issue 19, "one source for each fact": what the notification plan says (likely consequences,
what we have done) is the report's answer and is not asked again; the number of records is
asked, never the sum of the categories' counts."""

from __future__ import annotations

import json

import jsonschema
from django.urls import reverse

from incidents.register import services
from notifications import services as notification_services
from reporting.ico_report import build_report, report_json
from reporting.models import ReportDetails
from reporting.register_export import register_rows
from reporting.services import report_details_save
from tests.base import BaseTestCase, category, make_incident
from tests.notifications.helpers import isolated_media
from tests.reporting.reports import schema

CONSEQUENCES = "Someone could find out you spoke to the police. You may feel worried."
MEASURES = "We asked the person who got the file to delete it. They did."


@isolated_media
class OneSourceTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def _plan(self) -> None:
        notification_services.plan_update(incident=self.incident, actor=self.dpo, fields={
            "consequences": CONSEQUENCES, "measures": MEASURES})

    def test_the_report_takes_the_plans_words_and_says_so(self) -> None:
        self._plan()
        report = build_report(self.incident)
        self.assertEqual(report["consequences"]["potential_consequences"], CONSEQUENCES)
        self.assertEqual(report["consequences"]["potential_consequences_source"], "notification plan")
        self.assertEqual(report["actions"]["taken_or_proposed"], MEASURES)
        self.assertEqual(report["actions"]["taken_or_proposed_source"], "notification plan")
        fields = {g["field"] for g in report["gaps"]}
        self.assertFalse(fields & {"potential_consequences", "taken_or_proposed"})
        jsonschema.validate(json.loads(report_json(report)), schema())

    def test_without_a_plan_the_reports_own_answer_is_used(self) -> None:
        report_details_save(incident=self.incident, actor=self.dpo, fields={"consequences": "Distress."})
        report = build_report(self.incident)
        self.assertEqual(report["consequences"]["potential_consequences"], "Distress.")
        self.assertEqual(report["consequences"]["potential_consequences_source"], "report answers")
        self.assertIsNone(report["actions"]["taken_or_proposed"])
        self.assertIsNone(report["actions"]["taken_or_proposed_source"])

    def test_the_plan_wins_over_an_older_answer_typed_in_the_report(self) -> None:
        report_details_save(incident=self.incident, actor=self.dpo, fields={"consequences": "Old words."})
        self._plan()
        self.assertEqual(build_report(self.incident)["consequences"]["potential_consequences"], CONSEQUENCES)

    def test_the_answers_page_does_not_ask_again_what_the_plan_says(self) -> None:
        self._plan()
        self.login(self.dpo)
        url = reverse("report_details_edit", args=[self.incident.reference])
        page = self.client.get(url)
        self.assertContains(page, "Taken from the notification plan")
        self.assertContains(page, CONSEQUENCES)
        self.assertNotContains(page, 'name="consequences"')
        self.assertNotContains(page, 'name="actions_taken"')
        self.assertContains(page, 'name="measures_before"')
        # A crafted post of the field the page no longer offers changes nothing.
        response = self.client.post(url, {"consequences": "Typed twice.", "measures_before": "Checks."})
        self.assertRedirects(response, reverse("report_preview", args=[self.incident.reference]))
        details = ReportDetails.objects.get(incident=self.incident)
        self.assertEqual((details.consequences, details.measures_before), ("", "Checks."))
        preview = self.client.get(reverse("report_preview", args=[self.incident.reference]))
        self.assertContains(preview, "From the notification plan: change it there.")

    def test_the_register_export_says_the_same_as_the_report(self) -> None:
        self._plan()
        rows = [row for row in register_rows() if row[0].startswith(self.incident.reference)]
        self.assertIn(CONSEQUENCES, rows[0])
        self.assertIn(MEASURES, rows[0])

    def test_the_number_of_records_is_asked_not_summed(self) -> None:
        services.incident_set_categories(incident=self.incident, actor=self.dpo, exposed={
            category("health"): {"approx_records": 12, "detail": ""},
            category("criminal"): {"approx_records": 10, "detail": ""},
            category("basic_identifiers"): {"approx_records": 6, "detail": ""}})
        report = build_report(self.incident)
        self.assertIsNone(report["personal_data"]["number_of_records"])
        gap = next(g for g in report["gaps"] if g["field"] == "number_of_records")
        self.assertIn("the categories' counts add up to 28", gap["label"])
        self.incident.approx_records = 15
        self.incident.save()
        self.assertEqual(build_report(self.incident)["personal_data"]["number_of_records"], 15)
        self.assertNotIn("number_of_records", {g["field"] for g in build_report(self.incident)["gaps"]})


