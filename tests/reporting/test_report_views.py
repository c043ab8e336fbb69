"""The Regulator report tab, its answers form, and the PDF and JSON downloads."""

from __future__ import annotations

import json

from django.test import override_settings
from django.urls import reverse

from reporting import tasks
from reporting.models import ExportRecord, ReportDetails, ReportPdf
from tests.base import BaseTestCase, make_incident, make_subject
from tests.reporting.reports import add_distinctive_people, pdf_text, pii_strings
from tests.notifications.helpers import isolated_media


@isolated_media
class ReportPreviewTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo, description="<script>alert(1)</script> went out")
        self.url = reverse("report_preview", args=[self.incident.reference])

    def test_it_shows_the_forms_sections_in_order(self) -> None:
        self.login(self.handler)
        html = self.client.get(self.url).content.decode()
        headings = ["1. Report type", "2. About the breach", "3. Categories of personal data",
                    "4. Categories of data subjects", "5. Potential consequences", "6. Cyber incidents",
                    "7. Staff involved", "8. Taking action", "9. Have you told the data subjects?",
                    "10. Other organisations told", "11. About you"]
        positions = [html.index(h) for h in headings]
        self.assertEqual(positions, sorted(positions))

    def test_it_lists_each_gap_with_a_link_to_fill_it(self) -> None:
        self.login(self.dpo)
        response = self.client.get(self.url)
        self.assertContains(response, "Potential consequences — <a class=\"alert-link\" href=\"%s\">fill it in</a>"
                            % reverse("report_details_edit", args=[self.incident.reference]), html=False)

    def test_it_escapes_text_typed_into_the_case(self) -> None:
        self.login(self.dpo)
        response = self.client.get(self.url)
        self.assertNotContains(response, "<script>alert(1)</script>")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_handlers_see_no_download_buttons(self) -> None:
        self.login(self.handler)
        self.assertNotContains(self.client.get(self.url), reverse("report_pdf", args=[self.incident.reference]))

    def test_the_header_has_a_regulator_report_tab(self) -> None:
        self.login(self.auditor)
        response = self.client.get(reverse("incident_detail", args=[self.incident.reference]))
        self.assertContains(response, f'href="{self.url}">Regulator report</a>')


@isolated_media
class ReportDetailsFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.url = reverse("report_details_edit", args=[self.incident.reference])

    def test_a_handler_saves_the_answers_with_a_history_row(self) -> None:
        self.login(self.handler)
        response = self.client.post(self.url, {"consequences": "Distress and possible fraud.",
                                               "likelihood": "likely", "staff_trained": "yes"})
        self.assertRedirects(response, reverse("report_preview", args=[self.incident.reference]))
        details = ReportDetails.objects.get(incident=self.incident)
        self.assertEqual(details.likelihood, "likely")
        self.assertEqual(details.history.get().history_user, self.handler)

    def test_it_refuses_a_choice_outside_the_icos_list(self) -> None:
        self.login(self.dpo)
        response = self.client.post(self.url, {"likelihood": "certain"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(ReportDetails.objects.exists())

    def test_it_refuses_a_pasted_document(self) -> None:
        self.login(self.dpo)
        response = self.client.post(self.url, {"consequences": "x" * 10_001})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(ReportDetails.objects.exists())

    def test_the_answers_appear_in_the_history_tab(self) -> None:
        self.login(self.dpo)
        self.client.post(self.url, {"consequences": "Distress.", "likelihood": "unlikely"})
        response = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(response, "Report answers")
        self.assertContains(response, "Unlikely")


@isolated_media
class ReportDownloadTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        add_distinctive_people(self.incident)

    def test_the_json_download_is_logged_with_its_hash(self) -> None:
        self.login(self.auditor)
        response = self.client.get(reverse("report_json", args=[self.incident.reference]))
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn(f'filename="{self.incident.reference}-ico-report.json"', response["Content-Disposition"])
        report = json.loads(response.content)
        self.assertEqual(report["incident_reference"], self.incident.reference)
        record = ExportRecord.objects.get()
        self.assertEqual((record.kind, record.incident, record.exported_by), ("report_json", self.incident,
                                                                              self.auditor))
        import hashlib

        self.assertEqual(record.sha256, hashlib.sha256(response.content).hexdigest())

    def test_the_pdf_has_the_reference_and_page_numbers_on_every_page(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("report_pdf", args=[self.incident.reference]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        from io import BytesIO

        from pypdf import PdfReader

        pages = PdfReader(BytesIO(response.content)).pages
        self.assertGreaterEqual(len(pages), 2)
        for number, page in enumerate(pages, start=1):
            text = page.extract_text()
            self.assertIn(self.incident.reference, text)
            self.assertIn(f"Page {number} of {len(pages)}", text)

    def test_the_pdf_never_contains_a_persons_details(self) -> None:
        self.login(self.dpo)
        text = pdf_text(self.client.get(reverse("report_pdf", args=[self.incident.reference])).content)
        self.assertIn("Personal data breach report", text)
        for secret in pii_strings():
            self.assertNotIn(secret, text)

    def test_the_pdf_is_stored_with_its_hash_and_reused_while_nothing_changes(self) -> None:
        self.login(self.dpo)
        url = reverse("report_pdf", args=[self.incident.reference])
        first = self.client.get(url).content
        stored = ReportPdf.objects.get(incident=self.incident)
        import hashlib

        self.assertEqual(stored.pdf_sha256, hashlib.sha256(first).hexdigest())
        self.assertEqual(self.client.get(url).content, first)
        self.assertEqual(ExportRecord.objects.filter(kind="report_pdf").count(), 2)

    def test_a_change_to_the_case_makes_a_new_pdf(self) -> None:
        self.login(self.dpo)
        url = reverse("report_pdf", args=[self.incident.reference])
        self.client.get(url)
        old = ReportPdf.objects.get().pdf_sha256
        make_subject(self.incident, actor=self.dpo)
        self.client.get(url)
        self.assertNotEqual(ReportPdf.objects.get().pdf_sha256, old)

    @override_settings(REPORT_PDF_ASYNC_SUBJECTS=2)
    def test_a_large_incidents_pdf_is_made_by_a_worker(self) -> None:
        self.login(self.dpo)
        url = reverse("report_pdf", args=[self.incident.reference])
        with self.captureOnCommitCallbacks() as callbacks:
            response = self.client.get(url)
        self.assertContains(response, "The PDF is being prepared")
        self.assertEqual(ReportPdf.objects.get().status, "pending")
        self.assertEqual(len(callbacks), 1)
        self.assertFalse(ExportRecord.objects.exists())
        tasks.report_pdf_generate(ReportPdf.objects.get().pk)
        self.assertEqual(ReportPdf.objects.get().status, "ready")
        response = self.client.get(url)
        self.assertEqual(response["Content-Type"], "application/pdf")

    def test_the_worker_task_is_safe_to_run_twice(self) -> None:
        pdf = ReportPdf.objects.create(incident=self.incident, content_sha256="x", requested_at=self.incident.aware_at)
        self.assertEqual(tasks.report_pdf_generate(pdf.pk), "ready")
        sha = ReportPdf.objects.get().pdf_sha256
        self.assertEqual(tasks.report_pdf_generate(pdf.pk), "ready")
        self.assertEqual(ReportPdf.objects.get().pdf_sha256, sha)

    def test_every_export_shows_in_the_history_tab(self) -> None:
        self.login(self.dpo)
        self.client.get(reverse("report_json", args=[self.incident.reference]))
        self.client.get(reverse("register_export", args=["csv"]))
        response = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(response, "Regulator report (JSON)")
        self.assertContains(response, "Breach register (CSV)")

    def test_an_unknown_incident_is_404(self) -> None:
        self.login(self.dpo)
        self.assertEqual(self.client.get(reverse("report_json", args=["BR-1999-0001"])).status_code, 404)


@isolated_media
class HostileTextTests(BaseTestCase):
    def test_markup_typed_into_the_case_is_printed_as_text_in_the_pdf(self) -> None:
        incident = make_incident(actor=self.dpo, description='<img src="file:///etc/passwd"> =cmd|"/C calc"!A0')
        self.login(self.dpo)
        text = pdf_text(self.client.get(reverse("report_pdf", args=[incident.reference])).content)
        self.assertIn('<img src="file:///etc/passwd">', text)
        self.assertNotIn("root:x:0:0", text)


@isolated_media
class StalePdfRequestTests(BaseTestCase):
    @override_settings(REPORT_PDF_ASYNC_SUBJECTS=1)
    def test_a_request_left_pending_too_long_is_sent_to_a_worker_again(self) -> None:
        from datetime import timedelta

        from reporting import services as report_services

        incident = make_incident(actor=self.dpo)
        make_subject(incident, actor=self.dpo)
        with self.captureOnCommitCallbacks() as first:
            pdf = report_services.report_pdf_request(incident=incident, actor=self.dpo)
        with self.captureOnCommitCallbacks() as again:
            report_services.report_pdf_request(incident=incident, actor=self.dpo)
        self.assertEqual((len(first), len(again)), (1, 0))
        ReportPdf.objects.filter(pk=pdf.pk).update(requested_at=pdf.requested_at - timedelta(minutes=11))
        with self.captureOnCommitCallbacks() as stale:
            report_services.report_pdf_request(incident=incident, actor=self.dpo)
        self.assertEqual(len(stale), 1)
