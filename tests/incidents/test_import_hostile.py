"""More of the bad input issue 15 lists: old Mac line endings, a 50 MB file, a workbook of
1,048,576 rows, an old .xls under a new name, formulas. Each gets a clear message (with the
row and column where it applies) and leaves the incident exactly as it was."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Iterator

from django.conf import settings
from django.urls import reverse
from openpyxl import Workbook

from incidents.imports.files import inspect_upload
from incidents.imports.reader import ImportFileError
from incidents.models import DataSubject, SubjectImport
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import confirm, csv_bytes, person, snapshot, upload
from tests.incidents.test_import_bad_input import _one_sheet, _replace_part, _tmp_files

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _compound_file(*streams: str) -> bytes:
    """The shape of an OLE2 compound file: its magic, then a directory naming its streams."""
    directory = b"".join(name.encode("utf-16-le").ljust(128, b"\x00") for name in ("Root Entry", *streams))
    return CFB_MAGIC + b"\x00" * 504 + directory + b"\x00" * 1024


def _million_row_sheet() -> bytes:
    """A workbook whose sheet runs to Excel's last row, 1,048,576 (formatted rows to the bottom)."""
    people = [("Full name", "Role"), ("Jane Doe", "Victim"), ("Sam Smith", "Witness")]
    head = b"".join(
        b'<row r="%d">' % n + b"".join(
            b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (col, n, text.encode())
            for col, text in zip((b"A", b"B"), row, strict=True)) + b"</row>"
        for n, row in enumerate(people, start=1))
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1:B1048576"/><sheetData>' + head
             + b"".join(b'<row r="%d" s="1" customFormat="1"/>' % n for n in range(len(people) + 1, 1_048_577))
             + b"</sheetData></worksheet>")
    return _replace_part(_one_sheet([["x"]]), "xl/worksheets/sheet1.xml", sheet)


class HostileFileTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        make_subject(cls.incident, actor=cls.dpo, full_name="Already Here")

    def setUp(self) -> None:
        self.before = snapshot(self.incident)
        self.tmp_before = _tmp_files()

    def assertRefused(self, content: bytes, message: str, name: str = "people.csv") -> None:  # noqa: N802
        with self.assertRaisesMessage(ImportFileError, message):
            upload(self.incident, self.handler, content, name=name)
        self.assertFalse(SubjectImport.objects.exists())
        self.assertEqual(_tmp_files(), self.tmp_before, "a refused upload leaves no file behind")
        self.assertEqual(snapshot(self.incident), self.before)

    def test_it_reads_a_csv_with_old_mac_line_endings(self) -> None:
        content = b"Full name,Role,Date of birth\rJane Doe,Victim,1980-03-02\rSam Smith,Witness,1990-01-01\r"
        result = upload(self.incident, self.handler, content)
        self.assertEqual(result.status, SubjectImport.Status.VALIDATED, result.message)
        self.assertEqual((result.rows_read, result.rows_valid, result.rows_estimate), (2, 2, 3))

    def test_it_refuses_a_utf16_file_even_with_its_byte_order_mark_saying_how_to_save_it(self) -> None:
        content = "\ufeffFull name,Role\r\nJane Doe,Victim\r\n".encode("utf-16-le")
        self.assertRefused(content, "Save it as “CSV UTF-8” and upload it again.")

    def test_an_old_xls_file_renamed_is_named_for_what_it_is(self) -> None:
        self.assertRefused(_compound_file("Workbook", "\x05SummaryInformation"),
                           "This is an old Excel .xls file (Excel 97–2003), even if its name ends in .xlsx or .csv. "
                           "Open it in Excel, save it as .xlsx or CSV", name="people.xlsx")

    def test_a_password_protected_workbook_is_not_called_an_xls_file(self) -> None:
        content = _compound_file("EncryptionInfo", "EncryptedPackage")
        with self.assertRaisesMessage(ImportFileError, "This workbook is password-protected"):
            upload(self.incident, self.handler, content, name="people.xlsx")

    def test_a_file_just_over_50_mb_is_stopped_while_it_streams_in_and_nothing_is_kept(self) -> None:
        self.assertEqual(settings.BREACHTRACKER_MAX_UPLOAD_MB, 50)
        self.login(self.handler)
        line = b"Jane Doe,Victim,1980-03-02\r\n"
        big = io.BytesIO(b"Full name,Role,Date of birth\r\n" + line * (50 * 1024 * 1024 // len(line) + 100))
        big.name = "big.csv"
        response = self.client.post(reverse("subject_import_upload", args=[self.incident.reference]), {"file": big})
        self.assertContains(response, "larger than 50 MB", status_code=413)
        self.assertFalse(SubjectImport.objects.exists())
        self.assertEqual(_tmp_files(), self.tmp_before)
        self.assertEqual(snapshot(self.incident), self.before)

    def test_a_50_mb_upload_is_inspected_chunk_by_chunk_never_held_whole(self) -> None:
        chunk = b"Jane Doe,Victim,1980-03-02\r\n" * 2340  # 64 KiB or so

        def chunks() -> Iterator[bytes]:
            yield b"Full name,Role,Date of birth\r\n"
            for _ in range(50 * 1024 * 1024 // len(chunk)):
                yield chunk

        class Sink(io.RawIOBase):
            def write(self, data: bytes) -> int:  # type: ignore[override]
                return len(data)

        tracemalloc.start()
        try:
            info = inspect_upload(chunks(), Sink())  # type: ignore[arg-type]
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertGreater(info.size, 49 * 1024 * 1024)
        self.assertLess(peak, 2 * 1024 * 1024, "memory stays at a few chunks")

    def test_a_workbook_of_1048576_rows_is_stopped_while_streaming_at_the_row_limit(self) -> None:
        # Its three rows of people are followed by empty rows to the bottom of the sheet: the
        # search for the header streams into them and stops at the limit, in the upload request.
        self.assertRefused(_million_row_sheet(),
                           f"The sheet “Sheet” has more than {settings.BREACHTRACKER_IMPORT_MAX_ROWS:,} rows, the most "
                           "one import reads. Split the file, or remove the empty rows below the list.",
                           name="people.xlsx")

    def test_a_csv_past_the_row_limit_is_stopped_while_reading(self) -> None:
        with self.settings(BREACHTRACKER_IMPORT_MAX_ROWS=30):
            result = upload(self.incident, self.handler, csv_bytes([person(f"Person {n}") for n in range(40)]))
        self.assertEqual(result.status, SubjectImport.Status.FAILED)
        self.assertIn("The file has more than 30 rows", result.message)
        self.assertEqual(snapshot(self.incident), self.before)

    def test_a_formula_in_a_workbook_is_kept_as_its_text_never_worked_out(self) -> None:
        book = Workbook()
        book.active.append(["Reference", "Full name", "Role"])
        book.active.append(["=1+1", '=HYPERLINK("http://evil.example","Jane")', "Victim"])
        out = io.BytesIO()
        book.save(out)
        result = confirm(upload(self.incident, self.handler, out.getvalue(), name="people.xlsx"), self.handler)
        subject = next(s for s in DataSubject.objects.filter(incident=self.incident) if s.full_name != "Already Here")
        self.assertEqual(result.status, SubjectImport.Status.DONE, result.message)
        self.assertEqual((subject.reference, subject.full_name), ("=1+1", '=HYPERLINK("http://evil.example","Jane")'))

    def test_a_csv_command_formula_is_imported_as_text_and_neutralised_in_the_report(self) -> None:
        attack = "=cmd|' /C calc'!A0"
        result = upload(self.incident, self.handler, csv_bytes([person(attack, dob=attack)]))
        issue = result.issues.get(kind="kept")
        self.assertEqual((issue.row, issue.column, issue.value), (2, "Date of birth", attack))
        self.login(self.handler)
        response = self.client.get(reverse("subject_import_report", args=[self.incident.reference, result.pk]))
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        self.assertEqual(lines[1][:3], ["2", "Date of birth", "'" + attack])
        confirm(result, self.handler)
        self.assertIn(attack, [s.full_name for s in DataSubject.objects.filter(incident=self.incident)])
