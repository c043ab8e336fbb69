"""The import screens: upload, match columns, report, progress, confirm, downloads."""

from __future__ import annotations

import csv
import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from django.db import connection
from django.urls import reverse

from incidents.models import DataCategory, DataSubject, SubjectImport
from incidents.tasks import subject_import_run
from tests.base import BaseTestCase, make_incident
from tests.incidents.imports import HEADERS, confirm, csv_bytes, person, snapshot, upload
from tests.stored import upload_path


class ImportFlowTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def _url(self, name: str, subject_import: SubjectImport | None = None) -> str:
        args = [self.incident.reference] + ([subject_import.pk] if subject_import else [])
        return reverse(name, args=args)

    def test_an_upload_is_checked_in_the_background_then_imported_when_confirmed(self) -> None:
        self.login(self.handler)
        content = csv_bytes([person("Alex Example"), person("Sam Example", dob="1990-01-01")])
        with self.captureOnCommitCallbacks() as callbacks:
            response = self.client.post(self._url("subject_import_upload"),
                                        {"file": SimpleUploadedFile("../../etc/passwd people.csv", content)})
        subject_import = SubjectImport.objects.get()
        self.assertRedirects(response, subject_import.get_absolute_url())
        self.assertEqual(len(callbacks), 1, "the check is queued after the upload commits")
        self.assertEqual(subject_import.file_name, "passwd people.csv", "no path from the browser is kept")
        self.assertNotIn("passwd", subject_import.tmp_name)
        self.assertTrue(upload_path(subject_import).exists())
        subject_import_run(subject_import.pk, False)
        self.assertFalse(DataSubject.objects.exists())
        with self.captureOnCommitCallbacks() as callbacks:
            self.client.post(subject_import.get_absolute_url(), {"action": "import"})
        self.assertEqual(len(callbacks), 1)
        subject_import_run(subject_import.pk, True)
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.DONE)
        self.assertEqual(DataSubject.objects.count(), 2)
        self.assertEqual(len(subject_import.file_sha256), 64)
        self.assertFalse(upload_path(subject_import) and upload_path(subject_import).exists())
        self.assertEqual(subject_import.tmp_name, "", "the uploaded file is not kept")
        self.assertEqual(subject_import.history.first().history_user, self.handler)

    def test_imported_people_have_history_naming_who_confirmed(self) -> None:
        confirm(upload(self.incident, self.handler, csv_bytes([person()])), self.dpo)
        record = DataSubject.objects.get().history.get()
        self.assertEqual((record.history_type, record.history_user), ("+", self.dpo))
        self.assertIn("Imported from people.csv", record.history_change_reason)

    def test_it_will_not_import_rows_with_problems_unless_asked_to_leave_them_out(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person(), person("", role="Bystander")]))
        self.login(self.handler)
        self.client.post(subject_import.get_absolute_url(), {"action": "import"})
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATED)
        with self.captureOnCommitCallbacks():
            self.client.post(subject_import.get_absolute_url(), {"action": "import", "only_valid": "on"})
        subject_import_run(subject_import.pk, True)
        self.assertEqual(list(DataSubject.objects.values_list("full_name", flat=True)), ["Alex Example"])

    def test_a_victim_with_an_impossible_date_of_birth_is_imported_with_it_to_check(self) -> None:
        # Issue 15: "31/02/1985" and "not known" made a victim and a witness disappear.
        content = csv_bytes([person("Vic Tim", dob="31/02/1985"), person("Wit Ness", dob="not known", role="Witness")])
        subject_import = upload(self.incident, self.handler, content)
        self.assertEqual((subject_import.rows_read, subject_import.rows_valid, subject_import.rows_invalid), (2, 2, 0))
        confirm(subject_import, self.dpo)
        people = {p.full_name: p for p in DataSubject.objects.all()}  # names are encrypted: no filter
        victim = people["Vic Tim"]
        self.assertIsNone(victim.date_of_birth)
        self.assertIn("Date of birth “31/02/1985”: Not a date we can read", victim.to_check)
        self.assertIn("Not a date we can read", people["Wit Ness"].to_check)
        with connection.cursor() as cursor:  # the raw value is kept encrypted, like the rest of their data
            cursor.execute("SELECT to_check FROM incidents_datasubject WHERE id = %s", [victim.pk])
            self.assertNotIn("31/02/1985", cursor.fetchone()[0])
        self.login(self.handler)
        page = self.client.get(reverse("subject_detail", args=[self.incident.reference, victim.pk]))
        self.assertContains(page, "To check:")
        self.assertContains(page, "“31/02/1985”")

    def test_split_names_and_a_type_column_are_read(self) -> None:
        content = csv_bytes([["Mrs", "Jane", "Ann", "Doe", "02-Mar-1980", "Victim"]],
                            headers=["Title", "First name", "Middle names", "Surname", "D.O.B.", "Type"])
        subject_import = upload(self.incident, self.handler, content)
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATED, subject_import.message)
        confirm(subject_import, self.dpo)
        person_ = DataSubject.objects.get()
        self.assertEqual((person_.full_name, person_.date_of_birth.isoformat()), ("Mrs Jane Ann Doe", "1980-03-02"))

    def test_a_title_and_blank_rows_above_the_header_are_skipped(self) -> None:
        content = csv_bytes([[], ["Exported 01/12/2026", "", ""], ["Full name", "Date of birth", "Role"],
                             ["Jane Doe", "1980-03-02", "Victim"]], headers=["Crime report extract", "", ""])
        subject_import = upload(self.incident, self.handler, content)
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATED, subject_import.message)
        self.assertEqual(subject_import.headers, ["Full name", "Date of birth", "Role"])
        confirm(subject_import, self.dpo)
        self.assertEqual([p.full_name for p in DataSubject.objects.all()], ["Jane Doe"])

    def test_an_xlsx_with_a_title_and_merged_group_headers_is_read(self) -> None:
        book = Workbook()
        sheet = book.active
        sheet.append(["Victims and witnesses, Q3"])
        sheet.append(["Person", None, "Address", None])
        sheet.merge_cells("A2:B2")
        sheet.merge_cells("C2:D2")
        sheet.append(["First name", "Surname", "Postcode", "Role"])
        sheet.append(["Jane", "Doe", "SW1A 1AA", "Victim"])
        out = io.BytesIO()
        book.save(out)
        subject_import = upload(self.incident, self.handler, out.getvalue(), name="people.xlsx")
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATED, subject_import.message)
        confirm(subject_import, self.dpo)
        self.assertEqual([(p.full_name, p.postcode) for p in DataSubject.objects.all()], [("Jane Doe", "SW1A 1AA")])

    def test_a_role_and_categories_can_be_set_for_every_row_of_the_file(self) -> None:
        # A list of victims with no role column: "all victims; basic identifiers and criminal offence data".
        self.login(self.handler)
        content = csv_bytes([["Jane Doe", "SW1A 1AA"], ["John Roe", "SW1A 2AA"]], headers=["Full name", "Postcode"])
        with self.captureOnCommitCallbacks():
            response = self.client.post(self._url("subject_import_upload"), {
                "file": SimpleUploadedFile("victims.csv", content), "file_roles": ["victim"],
                "file_categories": ["basic_identifiers", "criminal"]})
        subject_import = SubjectImport.objects.get()
        self.assertRedirects(response, subject_import.get_absolute_url(), fetch_redirect_response=False)
        subject_import_run(subject_import.pk, False)  # the check, as the worker runs it
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATED, subject_import.message)
        confirm(subject_import, self.dpo)
        people = list(DataSubject.objects.all())
        self.assertEqual(len(people), 2)
        self.assertTrue(all([r.code for r in p.role_list] == ["victim"] for p in people))
        criminal = DataCategory.objects.get(code="criminal")
        self.assertTrue(all(p.categories_mask & criminal.mask for p in people))
        self.assertFalse(any(p.to_check for p in people), "no one is flagged for a role the file gave")

    def test_a_file_with_no_role_column_asks_for_a_role_for_everyone(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([["Jane Doe"]], headers=["Full name"]))
        self.assertEqual(subject_import.status, SubjectImport.Status.MAPPING)
        self.login(self.handler)
        url = reverse("subject_import_mapping", args=[self.incident.reference, subject_import.pk])
        page = self.client.get(url)
        self.assertContains(page, "Everyone in this file is a…")
        with self.captureOnCommitCallbacks():
            self.client.post(url, {"col_0": "full_name", "file_roles": ["witness"]})
        subject_import_run(subject_import.pk, False)
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATED, subject_import.message)

    def test_cancelling_deletes_the_file_and_imports_nothing(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        path = upload_path(subject_import)
        self.login(self.handler)
        self.client.post(subject_import.get_absolute_url(), {"action": "cancel"})
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.CANCELLED)
        self.assertFalse(path.exists())
        self.assertFalse(DataSubject.objects.exists())

    def test_an_auditor_cannot_confirm_an_import(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        self.login(self.auditor)
        response = self.client.post(subject_import.get_absolute_url(), {"action": "import"})
        self.assertEqual(response.status_code, 403)
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATED)

    def test_a_running_duplicate_of_the_import_task_does_nothing(self) -> None:
        subject_import = confirm(upload(self.incident, self.handler, csv_bytes([person()])), self.handler)
        before = snapshot(self.incident)
        subject_import_run(subject_import.pk, True)
        subject_import_run(subject_import.pk, False)
        self.assertEqual(snapshot(self.incident), before)

    def test_the_mapping_step_matches_unknown_headers(self) -> None:
        content = csv_bytes([["Alex Example", "Victim", "1980-04-01"]], headers=["Person", "Kind", "Born"])
        self.login(self.handler)
        with self.captureOnCommitCallbacks():
            response = self.client.post(self._url("subject_import_upload"), {"file": SimpleUploadedFile("p.csv", content)})
        subject_import = SubjectImport.objects.get()
        self.assertRedirects(response, self._url("subject_import_mapping", subject_import))
        page = self.client.get(self._url("subject_import_mapping", subject_import))
        self.assertContains(page, "Column 1: “Person”")
        with self.captureOnCommitCallbacks() as callbacks:
            self.client.post(self._url("subject_import_mapping", subject_import),
                             {"col_0": "full_name", "col_1": "roles", "col_2": "date_of_birth"})
        self.assertEqual(len(callbacks), 1)
        subject_import_run(subject_import.pk, False)
        subject_import.refresh_from_db()
        self.assertEqual((subject_import.status, subject_import.rows_valid), (SubjectImport.Status.VALIDATED, 1))

    def test_the_mapping_step_needs_a_name_and_a_role(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([["x", "y"]], headers=["A", "B"]))
        self.login(self.handler)
        response = self.client.post(self._url("subject_import_mapping", subject_import), {"col_0": "full_name"})
        self.assertContains(response, "No column is mapped to “Role”")

    def test_the_progress_endpoint_reports_counts_as_json(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person(), person(), person("", role="?")]))
        self.login(self.auditor)
        response = self.client.get(self._url("subject_import_progress", subject_import))
        data = json.loads(response.content)
        self.assertEqual(data, {"status": "validated", "status_label": "Checked: waiting for you to import",
                                "running": False, "percent": 100, "rows_read": 3, "rows_valid": 2,
                                "rows_invalid": 1, "rows_merged": 1})
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_the_progress_endpoint_shows_a_queued_import_as_running(self) -> None:
        self.login(self.handler)
        with self.captureOnCommitCallbacks():
            self.client.post(self._url("subject_import_upload"), {"file": SimpleUploadedFile("p.csv", csv_bytes([person()]))})
        data = self.client.get(self._url("subject_import_progress", SubjectImport.objects.get())).json()
        self.assertEqual((data["status"], data["running"], data["rows_read"]), ("queued", True, 0))

    def test_the_detail_page_polls_with_a_script_file_not_inline_code(self) -> None:
        self.login(self.handler)
        with self.captureOnCommitCallbacks():
            self.client.post(self._url("subject_import_upload"), {"file": SimpleUploadedFile("p.csv", csv_bytes([person()]))})
        response = self.client.get(SubjectImport.objects.get().get_absolute_url())
        self.assertContains(response, 'data-running="true"')
        self.assertContains(response, "js/import-progress.js")
        self.assertNotContains(response, "<script>")
        self.assertNotContains(response, "style=")

    def test_names_with_html_are_shown_escaped(self) -> None:
        hostile = '<script>alert("x")</script>'
        subject_import = upload(self.incident, self.handler, csv_bytes([person(hostile, role=hostile)]))
        self.login(self.handler)
        response = self.client.get(subject_import.get_absolute_url())
        self.assertNotContains(response, hostile)
        self.assertContains(response, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
        confirm(upload(self.incident, self.handler, csv_bytes([person(hostile)])), self.handler)
        listing = self.client.get(self._url("subject_list"))
        self.assertNotContains(listing, hostile)
        self.assertContains(listing, "&lt;script&gt;")

    def test_formula_like_cells_are_stored_as_text_and_neutralised_in_the_report(self) -> None:
        formulas = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(A1:A2)", "-2+3"]
        rows = [person(name, dob=name) for name in formulas]
        subject_import = upload(self.incident, self.handler, csv_bytes(rows))
        self.login(self.handler)
        response = self.client.get(self._url("subject_import_report", subject_import))
        report = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        self.assertEqual(report[0], ["row", "column", "value", "kind", "message"])
        for line in report[1:]:
            self.assertFalse(line[2].startswith(("=", "+", "-", "@")), line)
        self.assertEqual(report[1][2], "'" + formulas[0])
        confirm(upload(self.incident, self.handler, csv_bytes([person(name) for name in formulas[:1]])), self.handler)
        self.assertEqual(DataSubject.objects.get().full_name, formulas[0], "stored exactly as text")

    def test_the_report_neutralises_formula_values(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person(dob="=1+1"), person(dob="@A1")]))
        self.login(self.auditor)
        response = self.client.get(self._url("subject_import_report", subject_import))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertIn(",'=1+1,", text)
        self.assertIn(",'@A1,", text)
        self.assertIn('attachment; filename="', response["Content-Disposition"])

    def test_the_template_imports_cleanly(self) -> None:
        self.login(self.handler)
        content = self.client.get(self._url("subject_import_template")).content
        subject_import = confirm(upload(self.incident, self.handler, content, name="template.csv"), self.handler)
        self.assertEqual(subject_import.status, SubjectImport.Status.DONE, subject_import.message)
        self.assertFalse(any(m == "" for m in subject_import.mapping), subject_import.mapping)
        self.assertEqual(DataSubject.objects.get().full_name, "Alex Example")

    def test_the_report_page_has_a_constant_number_of_queries(self) -> None:
        small = upload(self.incident, self.handler, csv_bytes([person(role="?")] * 3))
        big = upload(self.incident, self.handler, csv_bytes([person(role="?", dob=f"19{n % 90 + 10}-01-01") for n in range(300)]))
        self.login(self.handler)
        self.client.get(self._url("subject_import_template"))  # the session's first request records last-seen
        # session + user + two-factor device + groups; incident; import + uploader; issue count;
        # issue page.
        for subject_import in (small, big):
            url = self._url("subject_import_detail", subject_import)
            with self.assertNumQueries(8):
                self.client.get(url)

    def test_the_affected_people_page_links_to_the_import_for_editors_only(self) -> None:
        url = self._url("subject_import_upload")
        self.login(self.handler)
        self.assertContains(self.client.get(self._url("subject_list")), url)
        self.login(self.auditor)
        self.assertNotContains(self.client.get(self._url("subject_list")), url)
        self.assertEqual(connection.vendor in ("sqlite", "postgresql"), True)


class ImportHistoryTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def test_the_incident_history_shows_the_import_with_its_file_and_counts(self) -> None:
        subject_import = confirm(upload(self.incident, self.handler, csv_bytes([person()]), name="victims.csv"),
                                 self.dpo)
        self.login(self.auditor)
        response = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(response, "Import of affected people")
        self.assertContains(response, "victims.csv")
        self.assertContains(response, subject_import.file_sha256)
        self.assertContains(response, "Imported")
        self.assertNotContains(response, "Mapping")


class ImportNotesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def test_the_report_names_columns_that_were_not_imported(self) -> None:
        subject_import = upload(self.incident, self.handler,
                                csv_bytes([person() + ["secret"]], headers=[*HEADERS, "Offence notes"]))
        note = subject_import.issues.get(kind="note")
        self.assertEqual(note.column, "Offence notes")
        self.assertIn("not imported", note.message)

    def test_a_running_check_cannot_be_remapped_but_can_be_cancelled(self) -> None:
        self.login(self.handler)
        with self.captureOnCommitCallbacks():
            self.client.post(reverse("subject_import_upload", args=[self.incident.reference]),
                             {"file": SimpleUploadedFile("p.csv", csv_bytes([person()]))})
        subject_import = SubjectImport.objects.get()
        mapping_url = reverse("subject_import_mapping", args=[self.incident.reference, subject_import.pk])
        self.assertRedirects(self.client.get(mapping_url), subject_import.get_absolute_url())
        path = upload_path(subject_import)
        self.client.post(subject_import.get_absolute_url(), {"action": "cancel"})
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.CANCELLED)
        self.assertFalse(path.exists())
