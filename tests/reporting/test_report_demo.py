"""The demo's FOI incident gives a complete ICO report whose counts match the rows."""

from __future__ import annotations

import json
from io import StringIO

import jsonschema
from django.core.management import call_command
from django.db.models import Q
from django.test import override_settings
from django.urls import reverse

from incidents.assessment import services as assessment_services
from reporting.ico_report import build_report, report_json
from incidents.models import DataSubject, Incident
from incidents.vocab import ROLES
from notifications import progress
from notifications import services as notification_services
from notifications.models import Notification
from tests.base import BaseTestCase
from tests.notifications.helpers import isolated_media, make_ready
from tests.reporting.reports import schema


@isolated_media
@override_settings(DEBUG=True)
class DemoReportTests(BaseTestCase):
    def setUp(self) -> None:
        call_command("load_demo", "--people", "40", stdout=StringIO())
        self.foi = Incident.objects.get(regime="dpa_part3")
        dpo = self.foi.created_by
        assessment_services.decision_record(incident=self.foi, actor=dpo, kind="report",
                                 fields={"outcome": True, "justification": "Victims' details were published."})
        assessment_services.decision_record(incident=self.foi, actor=dpo, kind="tell",
                                 fields={"outcome": True, "justification": "High risk to victims."})
        # An outbox for 30 of the 40 people (the worker is not run: they stay pending), then a
        # spread of states as the weeks of contact would leave them.
        make_ready(self.foi, dpo)  # the plan's public wording, which the demo leaves for the DPO to write
        ids = list(self.foi.subjects.order_by("pk").values_list("pk", flat=True))
        with self.captureOnCommitCallbacks(execute=False):
            notification_services.batch_start(incident=self.foi, actor=dpo, subject_ids=ids[:30])
        rows = Notification.objects.filter(incident=self.foi).order_by("subject_id")
        pks = list(rows.values_list("pk", flat=True))
        Notification.objects.filter(pk__in=pks[:8]).update(status="sent")
        Notification.objects.filter(pk__in=pks[8:12]).update(status="delivered")
        Notification.objects.filter(pk__in=pks[12:15]).update(status="withheld", withheld_code="restricted")
        Notification.objects.filter(pk__in=pks[15:17]).update(status="withheld", withheld_code="personal_contact")
        progress.recount(self.foi)  # written outside the services: counted once
        self.report = build_report(self.foi)

    def test_the_report_is_complete(self) -> None:
        self.assertEqual(self.report["gaps"], [])

    def test_it_validates_against_the_schema(self) -> None:
        jsonschema.validate(json.loads(report_json(self.report)), schema(),
                            format_checker=jsonschema.FormatChecker())

    def test_the_subject_counts_match_the_subject_rows(self) -> None:
        subjects = DataSubject.objects.filter(incident=self.foi)
        self.assertEqual(self.report["personal_data"]["data_subjects_recorded"], subjects.count())
        counts = {r["name"]: r["count"] for r in self.report["data_subjects"]["categories"]}
        other_mask = sum(1 << r.bit for r in ROLES.values() if r.ico_category == "Other")
        other = sum(1 for roles in subjects.values_list("roles", flat=True) if roles & other_mask)
        self.assertEqual(counts["Other"], other)
        self.assertEqual(counts["Children"], subjects.filter(is_child=True).count())
        self.assertEqual(counts["Vulnerable adults"], subjects.filter(is_vulnerable=True).count())
        roles = {r["code"]: r["count"] for r in self.report["data_subjects"]["roles"]}
        for code in ("victim", "witness", "suspect"):
            self.assertEqual(roles[code], subjects.with_role(code).count(), code)

    def test_the_telling_counts_match_the_notification_rows(self) -> None:
        counts = self.report["telling_data_subjects"]["counts"]
        rows = Notification.objects.filter(incident=self.foi)
        self.assertEqual(counts["told"], rows.filter(status__in=Notification.DONE).count())
        self.assertEqual(counts["in_progress"], rows.filter(status__in=Notification.OUTSTANDING).count())
        self.assertEqual({w["reason"]: w["count"] for w in counts["withheld"]},
                         {"restricted": 3, "personal_contact": 2})
        self.assertEqual(counts["not_yet"], DataSubject.objects.filter(incident=self.foi)
                         .filter(~Q(pk__in=rows.values("subject_id"))).count())
        self.assertEqual((counts["told"], counts["in_progress"], counts["not_yet"]), (12, 13, 10))
        self.assertEqual(self.report["telling_data_subjects"]["answer"], "About to, or in the process")

    def test_the_categories_of_data_are_ticked_in_the_icos_wording(self) -> None:
        ticked = [c["name"] for c in self.report["personal_data"]["categories"] if c["ticked"]]
        self.assertEqual(ticked, ["Sex life data", "Health data", "Basic personal identifiers, eg name, contact details",
                                  "Criminal convictions, offences"])

    def test_the_report_page_and_pdf_render(self) -> None:
        self.login(self.foi.created_by)  # the demo's own DPO (load_demo sets its password)
        self.assertContains(self.client.get(reverse("report_preview", args=[self.foi.reference])),
                            "Every answer the ICO asks for is filled in.")
        response = self.client.get(reverse("report_pdf", args=[self.foi.reference]))
        self.assertEqual(response["Content-Type"], "application/pdf")
