"""Dates as files write them: the day/month order asked once per file unless the file settles
it, and Excel day numbers in the workbook's own date system (issue 15)."""

from __future__ import annotations

import io
from datetime import date

from django.test import SimpleTestCase
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from incidents.imports.reader import AMBIGUOUS, SAYS_DAY_FIRST, SAYS_MONTH_FIRST, SERIAL, date_form, parse_date
from incidents.imports.services import subject_import_answer_dates
from incidents.models import DataSubject, SubjectImport
from incidents.tasks import subject_import_run
from tests.base import BaseTestCase, make_incident
from tests.incidents.imports import confirm, csv_bytes, person, upload


class DateFormTests(SimpleTestCase):
    def test_it_tells_which_dates_could_be_read_either_way(self) -> None:
        self.assertEqual(date_form("02/03/1980"), AMBIGUOUS)
        self.assertEqual(date_form("25/03/1980"), SAYS_DAY_FIRST)
        self.assertEqual(date_form("03/25/1980"), SAYS_MONTH_FIRST)
        self.assertEqual(date_form("29282"), SERIAL)
        for text in ("05/05/1980", "1980-03-02", "2 March 1980", "not known"):
            self.assertEqual(date_form(text), "", text)

    def test_it_reads_the_order_it_is_told(self) -> None:
        self.assertEqual(parse_date("02/03/1980"), date(1980, 3, 2))
        self.assertEqual(parse_date("02/03/1980", order="mdy"), date(1980, 2, 3))
        self.assertIsNone(parse_date("25/03/1980", order="mdy"))

    def test_it_reads_day_numbers_in_either_excel_system(self) -> None:
        self.assertEqual(parse_date("29282", system="1900"), date(1980, 3, 2))
        self.assertEqual(parse_date("29282", system="1904"), date(1984, 3, 3))


class DayMonthOrderTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def _detail(self, subject_import: SubjectImport) -> str:
        return reverse("subject_import_detail", args=[self.incident.reference, subject_import.pk])

    def _notes(self, subject_import: SubjectImport) -> list[str]:
        return list(subject_import.issues.filter(kind="note").values_list("message", flat=True))

    def test_ambiguous_dates_are_counted_and_the_order_is_asked_not_assumed(self) -> None:
        rows = [person("Ann One", dob="02/03/1980"), person("Bob Two", dob="04/05/1990"),
                person("Cat Three", dob="1970-01-01")]
        result = upload(self.incident, self.handler, csv_bytes(rows))
        self.assertEqual((result.status, result.dates_ambiguous, result.date_order),
                         (SubjectImport.Status.VALIDATED, 2, ""))
        self.assertTrue(result.asks_about_dates)
        self.assertIn("2 dates of birth could be read either way, like “02/03/1980” (row 2). Say whether this file "
                      "writes the day or the month first", self._notes(result)[0])
        self.login(self.handler)
        page = self.client.get(self._detail(result))
        self.assertContains(page, "how does this file write dates?")
        self.assertContains(page, "Day first: 02/03/1980 is 2 March 1980 (the UK way)")
        self.assertNotContains(page, 'value="dmy" checked', msg_prefix="no answer is chosen for the user")
        self.assertNotContains(page, 'value="import"')

    def test_an_unanswered_order_blocks_confirmation(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(dob="02/03/1980")]))
        self.login(self.handler)
        response = self.client.post(self._detail(result), {"action": "import"}, follow=True)
        self.assertContains(response, "Say how this file writes its dates first")
        result.refresh_from_db()
        self.assertEqual(result.status, SubjectImport.Status.VALIDATED)
        self.assertFalse(DataSubject.objects.exists())

    def test_the_answer_is_stored_with_who_gave_it_and_the_rows_are_read_again(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(dob="02/03/1980")]))
        self.login(self.handler)
        with self.captureOnCommitCallbacks():
            self.client.post(self._detail(result), {"action": "dates", "date_order": "mdy"})
        subject_import_run(result.pk, False)
        result.refresh_from_db()
        self.assertEqual((result.date_order, result.date_order_source, result.status),
                         ("mdy", "user", SubjectImport.Status.VALIDATED))
        self.assertEqual(result.history.filter(date_order="mdy").last().history_user, self.handler)
        self.assertIn("read month first, as you said the file writes them", self._notes(result)[0])
        page = self.client.get(self._detail(result))
        self.assertContains(page, "Dates: Month first: 02/03/1980 is 3 February 1980 (the US way) (chosen by the user).")
        confirm(result, self.handler)
        self.assertEqual(DataSubject.objects.get().date_of_birth, date(1980, 2, 3))

    def test_posting_no_answer_changes_nothing(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(dob="02/03/1980")]))
        self.login(self.handler)
        self.client.post(self._detail(result), {"action": "dates"})
        result.refresh_from_db()
        self.assertEqual((result.date_order, result.status), ("", SubjectImport.Status.VALIDATED))

    def test_one_date_that_can_only_be_day_first_settles_the_file(self) -> None:
        rows = [person("Ann One", dob="02/03/1980"), person("Bob Two", dob="25/03/1980")]
        result = upload(self.incident, self.handler, csv_bytes(rows))
        self.assertEqual((result.date_order, result.date_order_source), ("dmy", "file"))
        self.assertFalse(result.asks_about_dates)
        self.assertIn("1 date of birth could be read either way, like “02/03/1980” (row 2): read day first, because "
                      "the file writes dates day first: “25/03/1980” (row 3) can only be read that way.",
                      self._notes(result))
        confirm(result, self.handler)
        self.assertEqual(sorted(p.date_of_birth for p in DataSubject.objects.all()),
                         [date(1980, 3, 2), date(1980, 3, 25)])

    def test_a_file_writing_month_first_is_read_month_first(self) -> None:
        rows = [person("Ann One", dob="02/03/1980"), person("Bob Two", dob="03/25/1980")]
        result = upload(self.incident, self.handler, csv_bytes(rows))
        self.assertEqual((result.date_order, result.date_order_source, result.rows_to_check), ("mdy", "file", 0))
        confirm(result, self.handler)
        self.assertEqual(sorted(p.date_of_birth for p in DataSubject.objects.all()),
                         [date(1980, 2, 3), date(1980, 3, 25)])

    def test_a_file_with_no_ambiguous_date_asks_nothing(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(dob="1980-03-02"), person("B", dob="05/05/1981")]))
        self.assertEqual((result.dates_ambiguous, result.asks_about_dates), (0, False))


class SerialDateTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def _workbook(self, *, mac: bool) -> bytes:
        book = Workbook()
        if mac:
            book.epoch = CALENDAR_MAC_1904
        sheet = book.active
        sheet.append(["Full name", "Role", "Date of birth"])
        sheet.append(["Jane Doe", "Victim", 29282])  # a plain number, not formatted as a date
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def test_a_workbook_in_the_1904_system_has_its_day_numbers_read_in_it(self) -> None:
        result = upload(self.incident, self.handler, self._workbook(mac=True), name="mac.xlsx")
        self.assertEqual((result.date_system, result.date_system_source, result.date_serials), ("1904", "file", 1))
        self.assertFalse(result.asks_about_dates)
        self.assertIn("read in the workbook's own 1904 date system",
                      result.issues.get(kind="note").message)
        confirm(result, self.handler)
        self.assertEqual(DataSubject.objects.get().date_of_birth, date(1984, 3, 3))

    def test_a_workbook_in_the_1900_system_has_its_day_numbers_read_in_it(self) -> None:
        result = confirm(upload(self.incident, self.handler, self._workbook(mac=False), name="pc.xlsx"), self.handler)
        self.assertEqual(result.date_system, "1900")
        self.assertEqual(DataSubject.objects.get().date_of_birth, date(1980, 3, 2))

    def test_day_numbers_in_a_csv_ask_which_system_made_them(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(dob="29282")]))
        self.assertEqual((result.date_serials, result.date_system, result.asks_about_dates), (1, "", True))
        self.assertIn("A CSV file does not say which of Excel's two date systems made them",
                      result.issues.get(kind="note").message)
        with self.captureOnCommitCallbacks():
            subject_import_answer_dates(subject_import=result, actor=self.handler, date_system="1904")
        subject_import_run(result.pk, False)
        result.refresh_from_db()
        confirm(result, self.handler)
        self.assertEqual(DataSubject.objects.get().date_of_birth, date(1984, 3, 3))
