"""The release-safe copy (issue 16): only what a reader sees, checked again, written only if it passes."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase
from openpyxl import Workbook, load_workbook

from incidents.disclosure import check_file
from incidents.disclosure.clean import CleanOptions, clean_file, parse_column
from tests.incidents.test_check_disclosure_command import run_check_disclosure

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CT = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
      'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>')


def leaky_workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Response"
    sheet.append(["Year", "Offence type", "Count"])
    sheet.append([2023, "Burglary", 12])
    sheet.append([2023, "Theft", 40])
    sheet.append([2024, "Fraud", 7])
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["D"].hidden = True
    sheet["D2"] = "Jane Smith"
    sheet["F1"] = "=SUM(C2:C4)"
    raw = book.create_sheet("Raw")
    raw.sheet_state = "hidden"
    raw.append(["Name", "Date of birth"])
    raw.append(["John Doe", "1980-01-01"])
    book.save(path)
    return path


def word_document(path: Path) -> Path:
    document = f'''<?xml version="1.0"?><w:document {W}><w:body>
<w:p><w:r><w:t>Response to your request.</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>Jane Smith</w:t></w:r></w:p>
<w:p><w:r><w:rPr><w:rStyle w:val="Secret"/></w:rPr><w:t>12 Elm Road</w:t></w:r></w:p>
<w:p><w:ins w:author="A"><w:r><w:t>Added words.</w:t></w:r></w:ins><w:del w:author="A"><w:r><w:delText>Removed words.</w:delText></w:r></w:del></w:p>
<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>MERGEFIELD Surname</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Shown result</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Year</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Count</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:sectPr/></w:body></w:document>'''
    styles = (f'<?xml version="1.0"?><w:styles {W}><w:style w:type="character" w:styleId="Base"><w:rPr><w:vanish/>'
              '</w:rPr></w:style><w:style w:type="character" w:styleId="Secret"><w:basedOn w:val="Base"/></w:style>'
              '</w:styles>')
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("[Content_Types].xml", CT)
        out.writestr("_rels/.rels", RELS)
        out.writestr("word/document.xml", document)
        out.writestr("word/styles.xml", styles)
        out.writestr("word/comments.xml", f'<w:comments {W}><w:comment w:author="Bob"><w:p><w:r><w:t>Ask Jane</w:t>'
                                          '</w:r></w:p></w:comment></w:comments>')
    return path


def document_text(path: Path) -> str:
    return zipfile.ZipFile(path).read("word/document.xml").decode()


class CleanCopyTests(SimpleTestCase):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.tmp = Path(self.folder.name)

    def tearDown(self) -> None:
        self.folder.cleanup()

    def test_a_workbook_copy_keeps_only_visible_cells_as_values_and_passes(self) -> None:
        original = leaky_workbook(self.tmp / "response.xlsx")
        self.assertFalse(check_file(original).passed)
        result = clean_file(original, self.tmp / "release.xlsx")
        self.assertTrue(result.written)
        self.assertTrue(result.report.passed)
        copy = load_workbook(self.tmp / "release.xlsx")
        self.assertEqual(copy.sheetnames, ["Response"])
        rows = [[c.value for c in row] for row in copy.active.iter_rows()]
        self.assertEqual(rows, [["Year", "Offence type", "Count"], [2023, "Burglary", 12], [2024, "Fraud", 7]])
        self.assertTrue(check_file(self.tmp / "release.xlsx").passed)

    def test_text_that_looks_like_a_formula_stays_text(self) -> None:
        book = Workbook()
        book.active.append(["Note"])
        book.active.append(["x"])
        book.active["A2"].value = "=cmd|' /C calc'!A0"
        book.active["A2"].data_type = "s"
        book.save(self.tmp / "f.xlsx")
        clean_file(self.tmp / "f.xlsx", self.tmp / "g.xlsx")
        with zipfile.ZipFile(self.tmp / "g.xlsx") as out:
            sheet = out.read("xl/worksheets/sheet1.xml").decode()
        self.assertNotIn("<f>", sheet)
        self.assertEqual(load_workbook(self.tmp / "g.xlsx").active["A2"].value, "=cmd|' /C calc'!A0")

    def test_a_copy_that_still_shows_personal_data_is_not_written_until_the_column_is_dropped(self) -> None:
        book = Workbook()
        book.active.title = "People"
        book.active.append(["Name", "Date of birth", "Count"])
        for name in ("Jane Smith", "John Doe", "Amir Khan", "Grace Hall"):
            book.active.append([name, "1980-03-02", 1])
        book.save(self.tmp / "people.xlsx")
        first = clean_file(self.tmp / "people.xlsx", self.tmp / "out.xlsx")
        self.assertFalse(first.written)
        self.assertFalse((self.tmp / "out.xlsx").exists())
        self.assertEqual([p.name for p in self.tmp.iterdir() if "partial" in p.name], [])
        second = clean_file(self.tmp / "people.xlsx", self.tmp / "out.xlsx",
                            options=CleanOptions(drop_columns=frozenset({("People", 1), ("People", 2)})))
        self.assertTrue(second.written, [f.title for f in second.report.findings])
        self.assertEqual([c.value for c in load_workbook(self.tmp / "out.xlsx").active["A"]], ["Count", 1, 1, 1, 1])

    def test_a_dropped_sheet_is_left_out(self) -> None:
        book = Workbook()
        book.active.title = "Summary"
        book.active.append(["Total", 3])
        book.create_sheet("Detail").append(["Year", 2024])
        book.save(self.tmp / "two.xlsx")
        result = clean_file(self.tmp / "two.xlsx", self.tmp / "one.xlsx",
                            options=CleanOptions(drop_sheets=frozenset({"Detail"})))
        self.assertEqual(result.kept_sheets, ["Summary"])
        self.assertEqual(load_workbook(self.tmp / "one.xlsx").sheetnames, ["Summary"])

    def test_a_word_copy_has_the_visible_text_only_with_changes_accepted(self) -> None:
        result = clean_file(word_document(self.tmp / "letter.docx"), self.tmp / "release.docx")
        self.assertTrue(result.written)
        text = document_text(self.tmp / "release.docx")
        for shown in ("Response to your request.", "Added words.", "Shown result", "Year", "Count"):
            self.assertIn(shown, text)
        for gone in ("Jane Smith", "12 Elm Road", "Removed words.", "MERGEFIELD"):
            self.assertNotIn(gone, text)
        names = zipfile.ZipFile(self.tmp / "release.docx").namelist()
        self.assertNotIn("word/comments.xml", names)
        self.assertFalse(any(n.startswith("docProps/") for n in names))

    def test_a_word_copy_can_reject_the_changes_instead(self) -> None:
        clean_file(word_document(self.tmp / "letter.docx"), self.tmp / "release.docx",
                   options=CleanOptions(tracked="reject"))
        text = document_text(self.tmp / "release.docx")
        self.assertIn("Removed words.", text)
        self.assertNotIn("Added words.", text)

    def test_a_csv_copy_drops_the_chosen_columns(self) -> None:
        (self.tmp / "list.csv").write_bytes("Name;Area;Count\r\nJane Smith;Leeds;3\r\nJohn Doe;York;4\r\n"
                                            .encode("cp1252"))
        result = clean_file(self.tmp / "list.csv", self.tmp / "out.csv",
                            options=CleanOptions(drop_columns=frozenset({("", 1)})))
        self.assertTrue(result.written)
        self.assertEqual((self.tmp / "out.csv").read_bytes(), b"Area;Count\r\nLeeds;3\r\nYork;4\r\n")

    def test_a_zip_bomb_is_refused_and_no_copy_is_written(self) -> None:
        with zipfile.ZipFile(self.tmp / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
            out.writestr("[Content_Types].xml", CT)
            out.writestr("xl/workbook.xml", "<workbook/>")
            out.writestr("xl/worksheets/sheet1.xml", b"0" * 400_000_000)
        from incidents.disclosure import Refused
        with self.assertRaises(Refused):
            clean_file(self.tmp / "bomb.xlsx", self.tmp / "bomb-copy.xlsx")
        self.assertEqual(sorted(p.name for p in self.tmp.iterdir()), ["bomb.xlsx"])

    def test_columns_are_read_as_people_write_them(self) -> None:
        self.assertEqual(parse_column("Sheet1!C"), ("Sheet1", 3))
        self.assertEqual(parse_column("'My sheet'!AA"), ("My sheet", 27))
        self.assertEqual(parse_column("3"), ("", 3))
        with self.assertRaisesMessage(ValueError, "is not a column"):
            parse_column("C!$$")


class CleanCommandTests(SimpleTestCase):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.tmp = Path(self.folder.name)

    def tearDown(self) -> None:
        self.folder.cleanup()

    def run_command(self, *args: str) -> tuple[int, str]:
        return run_check_disclosure(*args)

    def test_clean_writes_a_passing_copy_and_exits_0(self) -> None:
        original = leaky_workbook(self.tmp / "response.xlsx")
        code, out = self.run_command(str(original), "--clean", str(self.tmp / "release.xlsx"))
        self.assertEqual(code, 0)
        self.assertIn("it PASSES", out)
        self.assertTrue((self.tmp / "release.xlsx").exists())

    def test_a_copy_that_still_fails_exits_1_and_writes_nothing(self) -> None:
        book = Workbook()
        book.active.append(["Name", "Date of birth"])
        for name in ("Jane Smith", "John Doe", "Amir Khan"):
            book.active.append([name, "1980-03-02"])
        book.save(self.tmp / "people.xlsx")
        code, out = self.run_command(str(self.tmp / "people.xlsx"), "--clean", str(self.tmp / "out.xlsx"))
        self.assertEqual(code, 1)
        self.assertIn("NOT written", out)
        self.assertFalse((self.tmp / "out.xlsx").exists())
        code, out = self.run_command(str(self.tmp / "people.xlsx"), "--clean", str(self.tmp / "out.xlsx"),
                                     "--drop-column", "Sheet!A", "--drop-column", "Sheet!B")
        self.assertEqual(code, 0, out)

    def test_a_copy_named_for_another_type_is_a_usage_error(self) -> None:
        original = leaky_workbook(self.tmp / "response.xlsx")
        with self.assertRaisesMessage(CommandError, "ending in .xlsx") as raised:
            call_command("check_disclosure", str(original), "--clean", str(self.tmp / "release.docx"),
                         stdout=io.StringIO())
        self.assertEqual(raised.exception.returncode, 3)
        code, _ = self.run_command(str(original), "--clean", str(original))
        self.assertEqual(code, 3)

    def test_author_metadata_naming_a_person_fails_unless_accepted(self) -> None:
        book = Workbook()
        book.active.append(["Year", "Count"])
        book.active.append([2024, 3])
        book.properties.creator = "Jane Smith"
        book.save(self.tmp / "counts.xlsx")
        code, _ = self.run_command(str(self.tmp / "counts.xlsx"))
        self.assertEqual(code, 1)
        code, out = self.run_command(str(self.tmp / "counts.xlsx"), "--accept-metadata")
        self.assertEqual(code, 0, out)
