"""The breach register as CSV and XLSX: every incident, the Art. 33(5) facts, nobody's details."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import timedelta
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.disclosure import check_file
from reporting.models import ExportRecord
from reporting.register_export import HEADER, build_xlsx, register_rows
from reporting.services import report_details_save
from tests.base import BaseTestCase, make_incident
from tests.reporting.reports import add_distinctive_people, pii_strings, xlsx_all_text
from tests.notifications.helpers import isolated_media


@isolated_media
class RegisterExportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        now = timezone.now()
        cls.reported = make_incident(actor=cls.dpo, description="=HYPERLINK(\"http://evil\")",
                                     discovered_at=now - timedelta(days=6), aware_at=now - timedelta(days=5))
        add_distinctive_people(cls.reported)
        assessment_services.decision_record(incident=cls.reported, actor=cls.dpo, kind="report",
                                 fields={"outcome": True, "justification": "Victims' details published."})
        assessment_services.submission_record(incident=cls.reported, actor=cls.dpo, fields={
            "kind": "initial", "submitted_at": now - timedelta(days=1), "ico_reference": "IC-9-ZZ",
            "delay_reasons": "Forensics."})
        report_details_save(incident=cls.reported, actor=cls.dpo, fields={
            "consequences": "Distress.", "actions_taken": "-Recalled the file", "likelihood": "likely"})
        cls.not_reported = make_incident(actor=cls.dpo, title="Email to a trusted recipient")
        assessment_services.decision_record(incident=cls.not_reported, actor=cls.dpo, kind="report",
                                 fields={"outcome": False, "justification": "Recipient deleted it at once."})

    def _csv(self) -> list[dict[str, str]]:
        self.login(self.dpo)
        response = self.client.get(reverse("register_export", args=["csv"]))
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    def _xlsx(self) -> bytes:
        self.login(self.auditor)
        response = self.client.get(reverse("register_export", args=["xlsx"]))
        self.assertEqual(response["Content-Type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return response.content

    def test_it_lists_every_incident_reported_or_not(self) -> None:
        rows = {r["Incident (reference: title)"].split(":")[0]: r for r in self._csv()}
        self.assertEqual(set(rows), {self.reported.reference, self.not_reported.reference})
        self.assertEqual(rows[self.not_reported.reference]["Regulator state"], "Decided not to report")
        self.assertIn("Recipient deleted it at once.", rows[self.not_reported.reference]["Decisions (when, who, what, why)"])

    def test_it_says_who_decided_when_and_whether_reporting_was_late(self) -> None:
        row = {r["Incident (reference: title)"].split(":")[0]: r for r in self._csv()}[self.reported.reference]
        self.assertIn("Dana Okafor", row["Decisions (when, who, what, why)"])
        self.assertEqual(row["Reported late"], "Yes")
        self.assertEqual(row["Reasons for delay"], "Forensics.")
        self.assertEqual(row["Effects: likely consequences"], "Distress.")
        self.assertEqual(row["People recorded"], "2")

    def test_csv_cells_that_start_like_formulas_are_neutralised(self) -> None:
        row = {r["Incident (reference: title)"].split(":")[0]: r for r in self._csv()}[self.reported.reference]
        self.assertTrue(row["What happened (facts)"].startswith("'="))
        self.assertTrue(row["Remedial action taken or proposed"].startswith("'-"))

    def test_the_csv_never_contains_a_persons_details(self) -> None:
        self.login(self.dpo)
        text = self.client.get(reverse("register_export", args=["csv"])).content.decode("utf-8-sig")
        for secret in pii_strings():
            self.assertNotIn(secret, text)

    def test_the_xlsx_has_one_visible_sheet_and_nothing_hidden(self) -> None:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(self._xlsx()))
        self.assertEqual([(s.title, s.sheet_state) for s in book.worksheets], [("Register", "visible")])
        sheet = book.active
        self.assertFalse(any(d.hidden for d in sheet.column_dimensions.values()))
        self.assertFalse(any(d.hidden for d in sheet.row_dimensions.values()))
        self.assertEqual(len(book.defined_names), 0)
        self.assertEqual([c.value for c in sheet[1]], HEADER)

    def test_formula_like_text_is_stored_as_text_not_a_formula(self) -> None:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(self._xlsx())).active
        facts = [row[HEADER.index("What happened (facts)")] for row in sheet.iter_rows(min_row=2, values_only=True)]
        self.assertIn('=HYPERLINK("http://evil")', facts)
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
        self.assertFalse([c for c in cells if c.data_type == "f"])

    def test_the_xlsx_never_contains_a_persons_details_in_any_part(self) -> None:
        text = xlsx_all_text(self._xlsx())
        for secret in pii_strings():
            self.assertNotIn(secret, text)
        self.assertNotIn("creator>", text)
        self.assertNotIn("lastModifiedBy", text)

    def test_the_xlsx_passes_our_own_disclosure_check(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "register.xlsx"
            path.write_bytes(self._xlsx())
            report = check_file(path)
        self.assertTrue(report.passed, [f"{f.kind} {f.severity.label}: {f.title}" for f in report.findings])
        self.assertEqual([s.state for s in report.sheets], ["visible"])
        self.assertFalse(report.of_kind("pivot_cache"))

    def test_each_register_export_is_logged(self) -> None:
        self._xlsx()
        record = ExportRecord.objects.get()
        self.assertEqual((record.kind, record.incident, record.incident_count, record.exported_by),
                         ("register_xlsx", None, 2, self.auditor))

    def test_an_unknown_format_is_404(self) -> None:
        self.login(self.dpo)
        self.assertEqual(self.client.get(reverse("register_export", args=["exe"])).status_code, 404)

    def test_a_handler_cannot_export_the_register(self) -> None:
        self.login(self.handler)
        self.assertEqual(self.client.get(reverse("register_export", args=["csv"])).status_code, 403)
        self.assertFalse(ExportRecord.objects.exists())

    def test_control_characters_do_not_break_the_workbook(self) -> None:
        self.reported.description = "Bad\x01bytes\x0b here"
        self.reported.save()
        from openpyxl import load_workbook

        load_workbook(io.BytesIO(build_xlsx(register_rows())))

    def test_the_register_page_uses_the_same_queries_for_2_and_12_incidents(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.login(self.dpo)
        url = reverse("register_export", args=["csv"])
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for _ in range(10):
            make_incident(actor=self.dpo)
        with CaptureQueriesContext(connection) as many:
            self.client.get(url)
        self.assertEqual(len(few), len(many))
