"""Each kind of bad file gets a clear message and leaves the incident exactly as it was."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from incidents.imports.reader import ImportFileError
from incidents.models import DataSubject, SubjectImport
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import HEADERS, csv_bytes, person, snapshot, upload


def _one_sheet(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace_part(content: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, data if info.filename == name else source.read(info.filename))
        if name not in source.namelist():
            target.writestr(name, data)
    return out.getvalue()


def _tmp_files() -> set[str]:
    folder = Path(settings.MEDIA_ROOT) / "imports-tmp"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


class BadInputTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        make_subject(cls.incident, actor=cls.dpo, full_name="Already Here")

    def setUp(self) -> None:
        self.before = snapshot(self.incident)
        self.tmp_before = _tmp_files()

    def assertUnchanged(self) -> None:  # noqa: N802
        self.assertEqual(snapshot(self.incident), self.before)

    def assertRefused(self, content: bytes, message: str, name: str = "people.csv") -> None:  # noqa: N802
        with self.assertRaisesMessage(ImportFileError, message):
            upload(self.incident, self.handler, content, name=name)
        self.assertFalse(SubjectImport.objects.exists())
        self.assertEqual(_tmp_files(), self.tmp_before, "a refused upload leaves no file behind")
        self.assertUnchanged()

    def _errors(self, subject_import: SubjectImport) -> list[str]:
        return list(subject_import.issues.filter(kind="error").values_list("message", flat=True))

    def _kept(self, subject_import: SubjectImport) -> list[str]:
        """What the check says it left empty on a person it keeps (issue 15: never lose a person)."""
        self.assertEqual((subject_import.rows_valid, subject_import.rows_invalid), (1, 0), "the person is kept")
        return list(subject_import.issues.filter(kind="kept").values_list("message", flat=True))

    def test_it_refuses_an_empty_file(self) -> None:
        self.assertRefused(b"", "The file is empty.")

    def test_it_refuses_a_file_of_blank_lines(self) -> None:
        self.assertRefused(b"\r\n\r\n  \r\n", "The file is empty.")

    def test_it_fails_a_file_with_headers_only(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([]))
        self.assertEqual(result.status, SubjectImport.Status.FAILED)
        self.assertIn("header row but no rows", result.message)
        self.assertEqual(result.tmp_name, "")
        self.assertUnchanged()

    def test_it_asks_for_a_mapping_when_no_header_is_recognised(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([["Alex", "victim"]], headers=["Col A", "Col B"]))
        self.assertEqual(result.status, SubjectImport.Status.MAPPING)
        self.assertIn("None of the column headers were recognised", result.message)
        self.assertUnchanged()

    def test_it_asks_for_a_mapping_when_the_data_is_in_the_first_row(self) -> None:
        content = b"Alex Example,1980-04-01,Victim\r\nSam Example,1981-04-01,Witness\r\n"
        result = upload(self.incident, self.handler, content)
        self.assertEqual(result.status, SubjectImport.Status.MAPPING)
        self.assertUnchanged()

    def test_it_refuses_a_utf16_file(self) -> None:
        self.assertRefused(csv_bytes([person()], encoding="utf-16"), "not in an encoding we can read")

    def test_it_refuses_bytes_that_are_neither_utf8_nor_windows_1252(self) -> None:
        # 0x81 and 0x8d are undefined in Windows-1252 and invalid on their own in UTF-8.
        content = csv_bytes([person()]) + b"\x81\x8d,\x81\r\n"
        self.assertRefused(content, "neither UTF-8 nor Windows-1252")

    def test_it_reads_a_file_with_a_utf8_bom(self) -> None:
        result = upload(self.incident, self.handler, b"\xef\xbb\xbf" + csv_bytes([person("Siân Jones")]))
        self.assertEqual(result.status, SubjectImport.Status.VALIDATED, result.message)
        self.assertEqual(result.encoding, "utf-8-sig")
        self.assertEqual(result.mapping[0], "reference")
        self.assertEqual(result.rows_valid, 1)
        self.assertUnchanged()

    def test_it_reads_a_windows_1252_file(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person("Siân O’Brien")], encoding="cp1252"))
        self.assertEqual(result.encoding, "cp1252")
        self.assertEqual(result.rows_valid, 1)

    def test_it_reads_a_semicolon_separated_file(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person()], delimiter=";"))
        self.assertEqual(result.status, SubjectImport.Status.VALIDATED, result.message)
        self.assertEqual(result.rows_valid, 1)

    def test_it_flags_a_row_using_another_delimiter(self) -> None:
        content = csv_bytes([person()]) + b";Sam Example;1981-01-01;Witness;LS1 4AP;;\r\n"
        result = upload(self.incident, self.handler, content)
        self.assertEqual((result.rows_valid, result.rows_invalid), (1, 1))
        self.assertIn("It seems to use “;” between cells where the file uses “,”", self._errors(result)[0])
        self.assertUnchanged()

    def test_it_refuses_a_200_mb_upload_from_its_declared_size_without_reading_it(self) -> None:
        self.login(self.handler)
        url = reverse("subject_import_upload", args=[self.incident.reference])
        response = self.client.generic("POST", url, b"x" * 100, content_type="multipart/form-data; boundary=b",
                                       CONTENT_LENGTH=str(200 * 1024 * 1024))
        self.assertContains(response, f"larger than {settings.BREACHTRACKER_MAX_UPLOAD_MB} MB", status_code=413)
        self.assertFalse(SubjectImport.objects.exists())
        self.assertUnchanged()

    @override_settings(BREACHTRACKER_MAX_UPLOAD_MB=1)
    def test_it_stops_reading_a_file_once_it_passes_the_limit(self) -> None:
        # Just over 1 MB: within the allowance for form fields, so the declared length lets it
        # through and the upload handler is what stops it.
        self.login(self.handler)
        url = reverse("subject_import_upload", args=[self.incident.reference])
        big = io.BytesIO(b"x" * (1024 * 1024 + 10_000))
        big.name = "big.csv"
        response = self.client.post(url, {"file": big})
        self.assertContains(response, "larger than 1 MB", status_code=413)
        self.assertFalse(SubjectImport.objects.exists())
        self.assertEqual(_tmp_files(), self.tmp_before)
        self.assertUnchanged()

    def test_it_flags_a_row_with_more_cells_than_the_header(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person() + ["surprise"]]))
        self.assertIn("This row has 8 cells but the header row has 7.", self._errors(result))
        self.assertEqual(result.rows_valid, 0)
        self.assertUnchanged()

    def test_it_flags_a_row_with_fewer_cells_than_the_header(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person()[:4]]))
        self.assertIn("This row has 4 cells but the header row has 7.", self._errors(result))
        self.assertUnchanged()

    def test_it_flags_a_date_of_birth_in_the_future(self) -> None:
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        result = upload(self.incident, self.handler, csv_bytes([person(dob=tomorrow)]))
        self.assertEqual(self._kept(result), ["The date of birth cannot be in the future."])
        self.assertUnchanged()

    def test_a_date_of_birth_it_cannot_read_keeps_the_person_with_the_date_to_check(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(dob="31/02/1990")]))
        self.assertEqual(self._kept(result), ["Not a date we can read (write it as YYYY-MM-DD or DD/MM/YYYY): "
                                              "left empty."])
        issue = result.issues.get()
        self.assertEqual((issue.row, issue.column, issue.value), (2, "Date of birth", "31/02/1990"))
        self.assertUnchanged()

    def test_it_reads_british_dates(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(dob="01/04/1980")]))
        self.assertEqual(result.rows_valid, 1)

    def test_it_flags_a_role_not_in_the_vocabulary(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(role="Victim; Bystander")]))
        self.assertTrue(self._kept(result)[0].startswith("Not a role we know."))
        self.assertEqual(result.issues.get().value, "Bystander")
        self.assertUnchanged()

    def test_it_flags_a_row_without_a_role(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(role="")]))
        self.assertEqual(self._kept(result), ["No role given: counted as “Not yet known”."])

    def test_it_flags_a_postcode_that_is_not_a_uk_postcode(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(postcode="90210")]))
        self.assertEqual(self._kept(result), ["Not a UK postcode (the format is like SW1A 1AA)."])

    def test_it_flags_a_cell_with_a_nul_character(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(reference="A\x01B")]))
        self.assertEqual(self._kept(result), ["Contains control characters."])

    def test_a_name_with_control_characters_leaves_the_row_out(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(name="Alex\x01Example")]))
        self.assertEqual((result.rows_valid, result.rows_invalid), (0, 1))
        self.assertEqual(self._errors(result), ["Contains control characters."])

    def test_a_row_without_a_name_is_left_out_with_every_reason(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(name="", dob="31/02/1990")]))
        self.assertEqual((result.rows_valid, result.rows_invalid), (0, 1))
        self.assertEqual(self._errors(result)[0], "A name is required.")

    def test_an_unreadable_do_not_write_is_taken_as_yes(self) -> None:
        content = csv_bytes([["Sam Example", "Victim", "maybe", "Phone", "07700 900123"]],
                            headers=["Full name", "Role", "Do not write", "Preferred channel", "Phone"])
        result = upload(self.incident, self.handler, content)
        self.assertEqual(self._kept(result), ["Write yes or no: taken as yes, the safer answer."])

    def test_it_refuses_a_file_with_a_cell_longer_than_the_limit(self) -> None:
        # Read while looking for the header row, so refused at the upload: nothing is kept.
        self.assertRefused(csv_bytes([person(name="n" * 40_000)]), "Row 2 cannot be read")

    def test_it_fails_a_file_with_a_cell_longer_than_the_limit_further_down(self) -> None:
        rows = [person(f"Person {i}") for i in range(30)] + [person(name="n" * 40_000)]
        result = upload(self.incident, self.handler, csv_bytes(rows))
        self.assertEqual(result.status, SubjectImport.Status.FAILED)
        self.assertIn("Row 32 cannot be read", result.message)
        self.assertUnchanged()

    def test_it_flags_a_name_over_300_characters(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(name="n" * 301)]))
        self.assertEqual(self._errors(result), ["Too long: 301 characters, at most 300."])

    def test_it_refuses_a_password_protected_workbook(self) -> None:
        # An encrypted .xlsx is an OLE2 compound file, not a zip.
        content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"EncryptionInfo" + b"\x00" * 512
        self.assertRefused(content, "password-protected", name="people.xlsx")

    def test_it_refuses_a_corrupt_workbook(self) -> None:
        self.assertRefused(b"PK\x03\x04" + b"\x13" * 300, "The file is damaged", name="people.xlsx")

    def test_it_refuses_a_zip_bomb_before_decompressing_it(self) -> None:
        # 40 MB of one repeated byte in the sheet part: it packs about 1,000 times.
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", " " * 40_000_000)
        self.assertRefused(out.getvalue(), "a zip bomb", name="people.xlsx")

    def test_it_refuses_a_workbook_with_xml_entities(self) -> None:
        book = _one_sheet([["Full name", "Role"], ["Alex Example", "Victim"]])
        content = _replace_part(book, "xl/sharedStrings.xml",
                                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><sst>&a;</sst>')
        self.assertRefused(content, "XML entities or a DTD", name="people.xlsx")

    @override_settings(BREACHTRACKER_IMPORT_MAX_ROWS=40)
    def test_a_sheet_past_the_row_limit_is_stopped_while_streaming(self) -> None:
        rows = [["Full name", "Role"]] + [[f"Person {i}", "Victim"] for i in range(60)]
        result = upload(self.incident, self.handler, _one_sheet(rows), name="people.xlsx")
        self.assertEqual(result.status, SubjectImport.Status.FAILED)
        self.assertIn("more than 40 rows", result.message)
        self.assertEqual(result.tmp_name, "", "the uploaded file is deleted")
        self.assertUnchanged()

    def test_a_sheet_without_a_dimension_tag_is_read_without_being_measured_first(self) -> None:
        # openpyxl's write-only mode writes no <dimension>: the upload reads the header only.
        book = Workbook(write_only=True)
        sheet = book.create_sheet("People")
        sheet.append(["Full name", "Role"])
        for i in range(2000):
            sheet.append([f"Person {i}", "Victim"])
        out = io.BytesIO()
        book.save(out)
        result = upload(self.incident, self.handler, out.getvalue(), name="people.xlsx")
        self.assertEqual((result.status, result.rows_read, result.rows_estimate), ("validated", 2000, 0))

    def test_formatted_but_empty_cells_past_the_header_are_ignored(self) -> None:
        book = Workbook()
        sheet = book.active
        sheet.append(["Full name", "Role"])
        sheet.append(["Alex Example", "Victim"])
        for column in range(3, 14):  # styled cells with no value, right of the header
            sheet.cell(row=2, column=column).number_format = "0.00"
        out = io.BytesIO()
        book.save(out)
        result = upload(self.incident, self.handler, out.getvalue(), name="people.xlsx")
        self.assertEqual((result.rows_valid, result.rows_invalid), (1, 0))

    def test_it_refuses_to_import_the_same_file_twice(self) -> None:
        from tests.incidents.imports import confirm

        content = csv_bytes([person()])
        confirm(upload(self.incident, self.handler, content), self.handler)
        after_first = snapshot(self.incident)
        with self.assertRaisesMessage(ImportFileError, "Importing it again would change nothing"):
            upload(self.incident, self.handler, content)
        self.assertEqual(snapshot(self.incident), after_first)


def _workbook(sheets: list[tuple[str, str, list[list[object]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, state, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class WorkbookTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def test_it_reads_only_the_first_visible_sheet(self) -> None:
        content = _workbook([
            ("Officers", "hidden", [HEADERS, person("Hidden Officer")]),
            ("People", "visible", [HEADERS, person("Visible Person"), person("Second Person", dob="1990-01-01")]),
            ("Notes", "visible", [["anything"]]),
        ])
        result = upload(self.incident, self.handler, content, name="people.xlsx")
        self.assertEqual(result.status, SubjectImport.Status.VALIDATED, result.message)
        self.assertEqual((result.sheet, result.rows_valid), ("People", 2))
        self.assertEqual(result.other_sheets, ["Officers (hidden)", "Notes"])
        self.assertFalse(DataSubject.objects.exists())

    def test_it_reads_a_hidden_sheet_only_when_asked_by_name(self) -> None:
        content = _workbook([
            ("People", "visible", [HEADERS, person("Visible Person")]),
            ("Officers", "hidden", [HEADERS, person("Hidden Officer"), person("Other Officer", dob="1970-02-02")]),
        ])
        result = upload(self.incident, self.handler, content, name="people.xlsx", sheet="Officers")
        self.assertEqual((result.sheet, result.rows_valid), ("Officers", 2))

    def test_it_reads_real_dates_and_numbers_from_cells(self) -> None:
        from datetime import datetime

        content = _workbook([("People", "visible", [HEADERS, [12345, "Alex Example", datetime(1980, 4, 1), "Victim",
                                                              "SW1A 1AA", None, None]])])
        from tests.incidents.imports import confirm

        result = confirm(upload(self.incident, self.handler, content, name="people.xlsx"), self.handler)
        subject = DataSubject.objects.get()
        self.assertEqual((subject.reference, subject.date_of_birth.isoformat()), ("12345", "1980-04-01"))
        self.assertEqual(result.status, SubjectImport.Status.DONE)


class HostileShapeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def test_it_refuses_a_file_with_thousands_of_columns(self) -> None:
        with self.assertRaisesMessage(ImportFileError, "The file has 5,000 columns"):
            upload(self.incident, self.handler, csv_bytes([], headers=[f"c{n}" for n in range(5000)]))
        self.assertFalse(SubjectImport.objects.exists())

    def test_it_keeps_only_the_base_name_of_a_windows_path(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person()]), name="C:\\fakepath\\..\\people.csv")
        self.assertEqual(result.file_name, "people.csv")
