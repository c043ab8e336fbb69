"""Issue 19: a PECR breach is reported on the ICO's PECR form — initial notification, a second
notification within three days of it, then follow-ups — and its answers are laid out in that
form's parts for copying."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.assessment import services as assessment_services
from reporting import copy_form
from reporting.ico_forms import pecr
from reporting.ico_report import build_report, report_json
from tests.base import BaseTestCase, make_incident
from tests.notifications.helpers import isolated_media, make_organisation
from tests.reporting.reports import schema


@isolated_media
class PecrReportTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        now = timezone.now().replace(microsecond=0)
        self.incident = make_incident(actor=self.dpo, regime="pecr", aware_at=now - timedelta(hours=20),
                                      discovered_at=now - timedelta(hours=21), cause="cyber_misconfiguration")
        self.initial_at = now - timedelta(hours=10)

    def _submit(self, kind: str, at: object, **fields: str) -> object:
        return assessment_services.submission_record(incident=self.incident, actor=self.dpo, fields={
            "kind": kind, "submitted_at": at, **fields})

    def test_the_initial_then_second_notification_with_its_due_time(self) -> None:
        report = build_report(self.incident)
        self.assertEqual((report["report_type"]["type"], report["report_type"]["label"]),
                         ("initial", "Initial notification"))
        self.assertNotIn("second_notification_due", report["report_type"])
        self._submit("initial", self.initial_at)
        report = build_report(self.incident)
        self.assertEqual((report["report_type"]["type"], report["report_type"]["label"]),
                         ("second", "Second notification"))
        due = timezone.localtime(self.initial_at + timedelta(days=3)).isoformat()
        self.assertEqual(report["report_type"]["second_notification_due"], due)
        jsonschema.validate(json.loads(report_json(report)), schema(), format_checker=jsonschema.FormatChecker())
        self._submit("second", self.initial_at + timedelta(hours=2), what_changed="The routers affected.")
        report = build_report(self.incident)
        self.assertEqual((report["report_type"]["type"], report["report_type"]["label"]),
                         ("follow_up", "Follow-up notification"))
        self.assertNotIn("second_notification_due", report["report_type"])

    def test_second_notification_rules(self) -> None:
        with self.assertRaisesMessage(ValidationError, "Record the initial notification before the second one."):
            self._submit("second", self.initial_at, what_changed="x")
        self._submit("initial", self.initial_at)
        with self.assertRaisesMessage(ValidationError, "Say what further detail this notification gives."):
            self._submit("second", self.initial_at + timedelta(hours=1))
        with self.assertRaisesMessage(ValidationError, "cannot be before the initial one"):
            self._submit("second", self.initial_at - timedelta(hours=1), what_changed="x")
        self._submit("second", self.initial_at + timedelta(hours=1), what_changed="More detail.")
        with self.assertRaisesMessage(ValidationError, "already recorded"):
            self._submit("second", self.initial_at + timedelta(hours=2), what_changed="Again.")

    def test_a_uk_gdpr_incident_has_no_second_notification(self) -> None:
        other = make_incident(actor=self.dpo)
        assessment_services.submission_record(incident=other, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now()})
        with self.assertRaisesMessage(ValidationError, "for PECR breaches only"):
            assessment_services.submission_record(incident=other, actor=self.dpo, fields={
                "kind": "second", "submitted_at": timezone.now(), "what_changed": "x"})

    def test_the_copy_page_follows_the_pecr_form(self) -> None:
        self._submit("initial", self.initial_at)
        self.assertIs(copy_form.form_for("pecr"), pecr.FORM)
        answers = {a.question.key: a for _p, rows in copy_form.form_answers(build_report(self.incident), pecr.FORM)
                   for a in rows}
        self.assertEqual(answers["pecr_submission_type"].text, "Second notification")
        self.assertEqual(answers["pecr_monthly_log_file"].state, copy_form.NOT_APPLICABLE)
        self.assertIn("A breach of confidentiality", answers["pecr_initial_breach_type"].text)
        self.assertEqual(answers["pecr_followup_occurred_at"].state, copy_form.NOT_APPLICABLE)
        self.login(self.dpo)
        page = self.client.get(reverse("report_copy", args=[self.incident.reference]))
        self.assertContains(page, "Report a security breach (PECR service providers)")
        self.assertContains(page, "within three days of the initial notification")
        self.assertContains(page, 'href="https://ico.org.uk/for-organisations/report-a-breach/data-security-breach-pecr/')
        self.assertNotContains(page, "Part 2: About the breach")  # not the UK GDPR form
