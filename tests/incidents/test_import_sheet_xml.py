"""The import's worksheet reader (`imports/xlsx.py`, expat callbacks): the sheet XML that
Excel, LibreOffice and other tools really write is read cell for cell as the disclosure check
reads it, and XML that is unsafe or broken is refused with a clear message."""

from __future__ import annotations

import io
import os
import signal
import zipfile
from pathlib import Path
from tempfile import TemporaryDirectory

from django.test import SimpleTestCase
from openpyxl import Workbook

from incidents.disclosure.package import Deadline, Package, open_zip
from incidents.disclosure.report import Report
from incidents.disclosure.xlsx import Workbook as CheckedWorkbook
from incidents.imports.files import import_limits
from incidents.imports.xlsx import Book, SheetError

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _book_bytes(build=None) -> bytes:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    sheet.title = "People"
    sheet.append(["Full name", "Date of birth", "Phone"])
    if build:
        build(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_sheet(sheet_xml: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(_book_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, sheet_xml if info.filename == SHEET else source.read(info.filename))
    return out.getvalue()


class SheetXmlTests(SimpleTestCase):
    def setUp(self) -> None:
        self.folder = TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    parallel = False

    def rows(self, content: bytes, max_rows: int = 1000) -> list[tuple[int, list[str]]]:
        path = Path(self.folder.name) / "people.xlsx"
        path.write_bytes(content)
        book = Book(path, max_rows=max_rows, seconds=30, limits=import_limits())
        try:
            return list(book.rows(book.sheet(""), parallel=self.parallel))
        finally:
            book.close()

    def checked_rows(self, content: bytes) -> list[tuple[int, list[str]]]:
        """The same sheet read cell by cell through the disclosure check's ElementTree path."""
        path = Path(self.folder.name) / "checked.xlsx"
        path.write_bytes(content)
        with open_zip(path, import_limits()) as archive:
            package = Package(archive, Deadline(30), import_limits())
            book = CheckedWorkbook(package, Report("checked.xlsx", "xlsx", len(content)), import_limits())
            rows: dict[int, dict[int, str]] = {}
            for _event, node in package.iterparse(SHEET, events=("end",)):
                if node.tag == f"{{{MAIN}}}c":
                    value = book.cell_value(node)
                    if value:
                        ref = node.get("r", "")
                        letters = ref.rstrip("0123456789")
                        column = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(letters)))
                        rows.setdefault(int(ref[len(letters):]), {})[column] = value
        return [(n, [cells.get(i, "") for i in range(1, max(cells) + 1)]) for n, cells in sorted(rows.items())]

    def test_values_are_read_as_the_disclosure_check_reads_them(self) -> None:
        from datetime import date, datetime

        def build(book, sheet):  # type: ignore[no-untyped-def]
            sheet.append(["  Ann Example ", date(1980, 3, 2), 7700900123])
            sheet.append(["Bob Example", datetime(1979, 12, 31, 10, 30), 0.5])
            sheet.append([])  # a blank row is skipped, its number kept by the next
            sheet.append(["Cy Example", 29282, True])
            sheet["F9"] = "far right"
            sheet.append(["Dee & <Example>", "02/03/1980", "=cmd|' /C calc'!A0"])

        content = _book_bytes(build)
        rows = self.rows(content)
        self.assertEqual(rows[0], (1, ["Full name", "Date of birth", "Phone"]))
        self.assertEqual(rows[1], (2, ["Ann Example", "1980-03-02", "7700900123"]))
        self.assertEqual(rows[2][1][:2], ["Bob Example", "1979-12-31"])
        self.assertEqual([n for n, _ in rows], [1, 2, 3, 5, 9, 10])
        self.assertEqual(rows[4][1], ["", "", "", "", "", "far right"])
        # A formula saved without a result is its own text, never evaluated.
        self.assertEqual(rows[5][1], ["Dee & <Example>", "02/03/1980", "=cmd|' /C calc'!A0"])
        # Every cell but that formula (the check reports formulas apart) reads as the check reads it.
        self.assertEqual(rows[:5], self.checked_rows(content)[:5])

    def test_shared_strings_rich_text_and_a_namespace_prefix(self) -> None:
        xml = (f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
               '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Full name</x:t></x:is></x:c>'
               '<x:c r="B1" t="inlineStr"><x:is><x:t>Role</x:t></x:is></x:c></x:row>'
               '<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:r><x:t>Ann </x:t></x:r><x:r><x:t>Example</x:t>'
               '</x:r></x:is></x:c><x:c r="B3" t="str"><x:f>"Vic"&amp;"tim"</x:f><x:v>Victim</x:v></x:c></x:row>'
               '<x:row><x:c t="inlineStr"><x:is><x:t><![CDATA[Bo <b>]]></x:t></x:is></x:c>'
               '<x:c t="e"><x:v>#N/A</x:v></x:c></x:row>'
               '</x:sheetData></x:worksheet>').encode()
        self.assertEqual(self.rows(_with_sheet(xml)), [
            (1, ["Full name", "Role"]), (3, ["Ann Example", "Victim"]), (4, ["Bo <b>", "#N/A"])])

    def test_a_dtd_or_entity_in_the_sheet_is_refused(self) -> None:
        xml = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
               b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData><row r="1"><c r="A1" t="inlineStr">'
               b'<is><t>&b;</t></is></c></row></sheetData></worksheet>')
        with self.assertRaisesMessage(SheetError, "uses XML entities or a DTD, which are refused"):
            self.rows(_with_sheet(xml))

    def test_broken_xml_is_refused_with_where(self) -> None:
        xml = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Full name'
               '</t></is></c></row><row r="2"><c r="A2"><v>1</c></row></sheetData></worksheet>').encode()
        with self.assertRaisesMessage(SheetError, "is not well-formed XML (mismatched tag: line 1"):
            self.rows(_with_sheet(xml))

    def test_the_row_limit_gives_the_rows_before_it_then_stops(self) -> None:
        def build(book, sheet):  # type: ignore[no-untyped-def]
            for i in range(30):
                sheet.append([f"Person {i}", "", ""])

        path = Path(self.folder.name) / "people.xlsx"
        path.write_bytes(_book_bytes(build))
        book = Book(path, max_rows=10, seconds=30, limits=import_limits())
        seen = []
        with self.assertRaisesMessage(SheetError, "has more than 10 rows"):
            for number, _cells in book.rows(book.sheet(""), parallel=self.parallel):
                seen.append(number)
        book.close()
        self.assertEqual(seen, list(range(1, 11)))


def _children() -> set[int]:
    """This process's child processes (Linux)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


class SheetXmlInAReadingProcessTests(SheetXmlTests):
    """The same sheets read by `sheet_child` in a process of its own (the import's check)."""

    parallel = True

    def test_stopping_early_stops_the_reading_process(self) -> None:
        def build(book, sheet):  # type: ignore[no-untyped-def]
            for i in range(5000):
                sheet.append([f"Person {i}", "", ""])

        path = Path(self.folder.name) / "people.xlsx"
        path.write_bytes(_book_bytes(build))
        book = Book(path, max_rows=10_000, seconds=30, limits=import_limits())
        before = _children()
        rows = book.rows(book.sheet(""), parallel=True)
        self.assertEqual(next(rows)[0], 1)
        self.assertEqual(len(_children() - before), 1, "the sheet is read by a process of its own")
        rows.close()  # a cancel: the caller stops reading
        book.close()
        self.assertEqual(_children() - before, set())

    def test_a_reading_process_that_dies_is_an_error_not_missing_rows(self) -> None:
        def build(book, sheet):  # type: ignore[no-untyped-def]
            for i in range(30000):
                sheet.append([f"Person {i}", "", ""])

        path = Path(self.folder.name) / "people.xlsx"
        path.write_bytes(_book_bytes(build))
        book = Book(path, max_rows=100_000, seconds=60, limits=import_limits())
        before = _children()
        rows = book.rows(book.sheet(""), parallel=True)
        next(rows)
        for pid in _children() - before:
            os.kill(pid, signal.SIGKILL)
        with self.assertRaisesMessage(SheetError, "its reader stopped unexpectedly"):
            for _row in rows:
                pass
        book.close()
