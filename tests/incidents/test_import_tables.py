"""Finding the table: every sheet of a workbook previewed, the one that looks like people read,
another sheet or header row chosen by the user when the guess is wrong or unsure (issue 15)."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import Workbook

from incidents.models import SubjectImport
from incidents.tasks import subject_import_run
from tests.base import BaseTestCase, make_incident
from tests.incidents.imports import HEADERS, csv_bytes, person, upload


def workbook(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


INSTRUCTIONS = ("Instructions", [["How to fill in this workbook"], ["Put one person on each row of the People sheet."],
                                 ["Full name", "the person's name as on their record"],
                                 ["Role", "victim, witness or suspect"]])
PEOPLE = ("People", [HEADERS, person("Jane Doe"), person("Sam Smith", dob="1990-05-06")])
OFFICERS = ("Officers", [["Collar number", "Station"], ["1234", "Leeds"]])


class SheetChoiceTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def _mapping_url(self, subject_import: SubjectImport) -> str:
        return reverse("subject_import_mapping", args=[self.incident.reference, subject_import.pk])

    def test_the_sheet_that_looks_like_people_is_read_not_the_instructions_before_it(self) -> None:
        result = upload(self.incident, self.handler, workbook([INSTRUCTIONS, PEOPLE, OFFICERS]), name="leak.xlsx")
        self.assertEqual(result.status, SubjectImport.Status.VALIDATED, result.message)
        self.assertEqual((result.sheet, result.rows_valid), ("People", 2))
        self.assertEqual(result.other_sheets, ["Instructions", "Officers"])

    def test_the_mapping_screen_shows_every_sheet_with_its_first_rows(self) -> None:
        result = upload(self.incident, self.handler, workbook([INSTRUCTIONS, PEOPLE, OFFICERS]), name="leak.xlsx")
        self.login(self.handler)
        page = self.client.get(self._mapping_url(result))
        for text in ("Sheet “Instructions”", "How to fill in this workbook", "Sheet “People” (read)", "Jane Doe",
                     "Sheet “Officers”", "Collar number", "Row 1 (column names)"):
            self.assertContains(page, text)

    def test_choosing_another_sheet_reads_the_file_again_from_it(self) -> None:
        other = ("Witnesses", [["Witness list"], ["Name", "Type", "DOB"], ["Ann Other", "Witness", "1970-01-02"]])
        result = upload(self.incident, self.handler, workbook([PEOPLE, other]), name="leak.xlsx")
        self.assertEqual(result.sheet, "People")
        self.login(self.handler)
        response = self.client.post(self._mapping_url(result), {"action": "table", "sheet": "Witnesses",
                                                                 "header_row": "1"})
        self.assertRedirects(response, self._mapping_url(result))
        result.refresh_from_db()
        self.assertEqual((result.sheet, result.header_row, result.headers), ("Witnesses", 2, ["Name", "Type", "DOB"]))
        self.assertEqual(result.mapping, ["full_name", "roles", "date_of_birth"])
        self.assertEqual(result.status, SubjectImport.Status.MAPPING, "the new columns are shown before a check")
        self.assertEqual(result.history.first().history_user, self.handler)
        with self.captureOnCommitCallbacks():
            self.client.post(self._mapping_url(result), {f"col_{i}": m for i, m in enumerate(result.mapping)})
        subject_import_run(result.pk, False)
        result.refresh_from_db()
        self.assertEqual((result.status, result.rows_valid), (SubjectImport.Status.VALIDATED, 1))

    def test_an_outsider_cannot_choose_the_sheet(self) -> None:
        result = upload(self.incident, self.handler, workbook([PEOPLE, OFFICERS]), name="leak.xlsx")
        self.login(self.auditor)
        response = self.client.post(self._mapping_url(result), {"action": "table", "sheet": "Officers",
                                                                "header_row": "1"})
        self.assertEqual(response.status_code, 403)
        result.refresh_from_db()
        self.assertEqual(result.sheet, "People")


class HeaderRowTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def _mapping_url(self, subject_import: SubjectImport) -> str:
        return reverse("subject_import_mapping", args=[self.incident.reference, subject_import.pk])

    def test_two_rows_that_both_look_like_headers_make_it_ask(self) -> None:
        # A notes row naming two of our columns, then the real header naming two as well.
        content = csv_bytes([["Name", "Role", ""], ["Name", "Role", "Notes"], ["Jane Doe", "Victim", ""]],
                            headers=["Exported from the case system", "", ""])
        result = upload(self.incident, self.handler, content)
        self.assertEqual(result.status, SubjectImport.Status.MAPPING)
        self.assertIn("not sure which row holds the column names", result.message)
        self.assertEqual(result.header_row, 2, "the first of the two is offered")

    def test_the_user_picks_the_header_row_and_the_mapping_reads_from_it(self) -> None:
        content = csv_bytes([["Person", "Kind"], ["Jane Doe", "Victim"], ["Sam Smith", "Witness"]],
                            headers=["Incident 42 extract", ""])
        result = upload(self.incident, self.handler, content)
        self.assertEqual(result.status, SubjectImport.Status.MAPPING)
        self.login(self.handler)
        page = self.client.get(self._mapping_url(result))
        for text in ("Row 1", "Incident 42 extract", "Row 2", "Person", "Row 3", "Jane Doe"):
            self.assertContains(page, text)
        self.client.post(self._mapping_url(result), {"action": "table", "header_row": "2"})
        result.refresh_from_db()
        self.assertEqual((result.header_row, result.headers), (2, ["Person", "Kind"]))
        with self.captureOnCommitCallbacks():
            self.client.post(self._mapping_url(result), {"col_0": "full_name", "col_1": "roles"})
        subject_import_run(result.pk, False)
        result.refresh_from_db()
        self.assertEqual(result.status, SubjectImport.Status.VALIDATED, result.message)
        self.assertEqual((result.rows_read, result.rows_valid), (2, 2), "the row above the header is not data")

    def test_a_blank_row_cannot_be_chosen_as_the_header(self) -> None:
        content = b"Incident 42 extract\r\n\r\nName,Role\r\nJane Doe,Victim\r\n"
        result = upload(self.incident, self.handler, content)
        self.login(self.handler)
        response = self.client.post(self._mapping_url(result), {"action": "table", "header_row": "2"})
        self.assertContains(response, "Select a valid choice")
        result.refresh_from_db()
        self.assertEqual((result.header_row, result.headers), (3, ["Name", "Role"]))

    def test_a_confident_header_is_not_asked_about(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person()]))
        self.assertEqual((result.status, result.header_row), (SubjectImport.Status.VALIDATED, 1))
        subject_import_run(result.pk, False)  # a second check reads the same row
        result.refresh_from_db()
        self.assertEqual(result.rows_valid, 1)
