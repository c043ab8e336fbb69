"""Each trap of a released spreadsheet is found; a clean workbook passes."""

from __future__ import annotations

from django.test import SimpleTestCase

from incidents.disclosure import Severity
from tests.disclosure import files
from tests.disclosure.files import check


class CleanWorkbookTests(SimpleTestCase):
    def test_a_table_of_counts_passes(self) -> None:
        report = check(files.clean_xlsx())
        self.assertEqual(report.verdict, "pass", [f.title for f in report.findings])

    def test_counts_by_offence_type_pass(self) -> None:
        wb = files.summary_workbook()
        ws = wb.create_sheet("By offence")
        ws.append(["Offence type", "Ethnicity", "Count"])
        ws.append(["Assault", "White British", 12])
        ws.append(["Theft", "Asian British", 3])
        self.assertEqual(check(files.save(wb)).verdict, "pass")


class HiddenSheetTests(SimpleTestCase):
    def test_it_finds_a_hidden_sheet(self) -> None:
        report = check(files.hidden_sheet_xlsx())
        [finding] = report.of_kind("hidden_sheet")
        self.assertEqual(finding.location.sheet, "Staff")
        self.assertEqual(finding.severity, Severity.HIGH)
        self.assertEqual(report.verdict, "fail")

    def test_it_finds_the_staff_names_on_the_hidden_sheet(self) -> None:
        report = check(files.hidden_sheet_xlsx())
        names = [f for f in report.of_kind("personal_data") if "names" in f.title]
        self.assertEqual(len(names), 1)
        self.assertEqual(names[0].location.range, "A2:A4")
        self.assertEqual(names[0].evidence, ("J*** S****", "A**** K***", "P**** J****"))
        self.assertEqual(names[0].categories[0].name, "Basic personal identifiers, eg name, contact details")
        self.assertIn("hidden sheet", names[0].title)

    def test_an_empty_hidden_sheet_is_noted_but_does_not_fail(self) -> None:
        wb = files.summary_workbook()
        wb.create_sheet("Spare").sheet_state = "hidden"
        report = check(files.save(wb))
        [finding] = report.of_kind("hidden_sheet")
        self.assertEqual((finding.severity, report.verdict), (Severity.LOW, "pass"))

    def test_it_finds_a_very_hidden_sheet(self) -> None:
        report = check(files.hidden_sheet_xlsx("veryHidden"))
        [finding] = report.of_kind("very_hidden_sheet")
        self.assertEqual(finding.location.sheet, "Staff")
        self.assertIn("Unhide", finding.detail)

    def test_no_evidence_shows_a_real_name_or_email(self) -> None:
        report = check(files.hidden_sheet_xlsx())
        text = repr(report.to_dict())
        for name, _rank, email in files.STAFF[1:]:
            self.assertNotIn(name, text)
            self.assertNotIn(email, text)


class HiddenRowsAndColumnsTests(SimpleTestCase):
    def test_it_finds_a_hidden_column_with_names(self) -> None:
        report = check(files.hidden_columns_xlsx())
        [finding] = report.of_kind("hidden_columns")
        self.assertEqual(finding.location.range, "columns C")
        self.assertEqual(finding.severity, Severity.HIGH)
        self.assertIn("basic_identifiers", [c.code for c in finding.categories])

    def test_it_finds_a_hidden_row_with_data(self) -> None:
        report = check(files.hidden_rows_xlsx())
        [finding] = report.of_kind("hidden_rows")
        self.assertEqual(finding.location.range, "rows 5")
        self.assertEqual(finding.count, 1)
        self.assertEqual(report.verdict, "fail")

    def test_it_finds_cells_outside_the_print_area(self) -> None:
        report = check(files.print_area_xlsx())
        [finding] = report.of_kind("outside_print_area")
        self.assertEqual(finding.location.range, "H20")

    def test_it_finds_cells_outside_the_declared_used_range(self) -> None:
        data = files.patch(files.clean_xlsx(), edit={
            "xl/worksheets/sheet1.xml": ('<dimension ref="A1:C4" />', '<dimension ref="A1:B2" />')})
        [finding] = check(data).of_kind("outside_used_area")
        self.assertIn("C1", finding.location.range)


class PivotCacheTests(SimpleTestCase):
    def test_it_finds_the_raw_records_behind_a_pivot_table(self) -> None:
        report = check(files.pivot_xlsx())
        [finding] = report.of_kind("pivot_cache_records")
        self.assertEqual(finding.count, 3)
        self.assertEqual(finding.severity, Severity.HIGH)
        self.assertEqual(finding.location.part, "xl/pivotCache/pivotCacheRecords1.xml")
        self.assertEqual(finding.location.range, "Raw data!A1:E4")

    def test_it_names_the_pivot_fields_that_hold_personal_data(self) -> None:
        [finding] = check(files.pivot_xlsx()).of_kind("pivot_cache_records")
        for field in ("Crime ref", "Victim name", "DOB", "Postcode", "Offence"):
            self.assertIn(field, finding.detail)
        self.assertEqual({c.code for c in finding.categories}, {"basic_identifiers", "criminal"})

    def test_the_visible_sheet_alone_would_pass(self) -> None:
        report = check(files.pivot_xlsx())
        visible = [f for f in report.findings if f.location.part == "xl/worksheets/sheet1.xml"]
        self.assertTrue(all(f.severity < Severity.MEDIUM for f in visible), visible)
        self.assertEqual(report.verdict, "fail")

    def test_it_finds_personal_data_in_a_cache_without_records(self) -> None:
        report = check(files.pivot_xlsx(with_records=False))
        [finding] = report.of_kind("pivot_cache")
        self.assertEqual(finding.severity, Severity.HIGH)
        self.assertIn("Victim name", finding.detail)

    def test_it_lists_the_pivot_table(self) -> None:
        [finding] = check(files.pivot_xlsx()).of_kind("pivot_table")
        self.assertEqual((finding.location.sheet, finding.location.range), ("Summary", "A1:B4"))


class CommentsAndMetadataTests(SimpleTestCase):
    def test_it_finds_a_note_with_a_name_and_its_author(self) -> None:
        [finding] = check(files.comments_xlsx()).of_kind("comments")
        self.assertEqual(finding.location.range, "B2")
        self.assertIn("J*** D***", finding.evidence)
        self.assertIn("basic_identifiers", [c.code for c in finding.categories])

    def test_it_finds_threaded_comments_and_their_author(self) -> None:
        [finding] = check(files.threaded_comments_xlsx()).of_kind("threaded_comments")
        self.assertEqual((finding.location.sheet, finding.location.range), ("Summary", "B3"))
        self.assertIn("J*** D***", finding.evidence)

    def test_it_finds_the_author_and_last_modified_by(self) -> None:
        report = check(files.author_xlsx())
        ranges = {f.location.range: f.evidence for f in report.of_kind("author")}
        self.assertEqual(ranges, {"creator": ("J*** D***",), "lastModifiedBy": ("J*******",)})

    def test_author_metadata_naming_a_person_fails_the_file(self) -> None:
        # Issue 16: a person's name in the metadata fails unless the user accepts it
        # (tests/incidents/test_disclosure_hidden_metadata.py covers accepting it).
        self.assertEqual(check(files.author_xlsx()).verdict, "fail")

    def test_it_finds_a_hidden_defined_name_pointing_at_a_hidden_sheet(self) -> None:
        [finding] = check(files.hidden_name_xlsx()).of_kind("hidden_name")
        self.assertEqual(finding.location.range, "StaffList")
        self.assertIn("hidden sheet", finding.title)

    def test_it_finds_an_external_connection_without_showing_its_password(self) -> None:
        report = check(files.connection_xlsx())
        [finding] = report.of_kind("external_connection")
        self.assertIn("crimedb01", finding.detail)
        self.assertNotIn("hunter2", repr(report.to_dict()))


class MacroTests(SimpleTestCase):
    def test_it_reports_a_vba_project_and_fails(self) -> None:
        report = check(files.macro_xlsm(), "response.xlsm")
        [finding] = report.of_kind("macro")
        self.assertEqual(finding.location.part, "xl/vbaProject.bin")
        self.assertIn("not run", finding.detail)
        self.assertEqual(report.verdict, "fail")
        self.assertEqual(report.file_type, "xlsm")

    def test_it_reports_an_embedded_file(self) -> None:
        data = files.patch(files.clean_xlsx(), add={"xl/embeddings/oleObject1.bin": b"\x00" * 10})
        [finding] = check(data).of_kind("embedded_object")
        self.assertEqual(finding.location.part, "xl/embeddings/oleObject1.bin")


class InvisibleContentTests(SimpleTestCase):
    def test_it_finds_white_text_on_no_fill(self) -> None:
        report = check(files.invisible_cells_xlsx("white"))
        [finding] = report.of_kind("invisible_cells")
        self.assertEqual((finding.location.range, finding.severity), ("E2", Severity.HIGH))
        self.assertIn("basic_identifiers", [c.code for c in finding.categories])

    def test_it_finds_cells_under_the_blank_number_format(self) -> None:
        [finding] = check(files.invisible_cells_xlsx(";;;")).of_kind("invisible_cells")
        self.assertEqual(finding.location.range, "E2")

    def test_it_finds_a_chart_that_caches_names_from_a_hidden_sheet(self) -> None:
        [finding] = check(files.chart_xlsx()).of_kind("chart_cache")
        self.assertEqual(finding.location.sheet, "Staff")
        self.assertIn("J*** S****", finding.evidence)


class MoreHidingPlacesTests(SimpleTestCase):
    def test_rows_hidden_by_a_zero_default_height_are_found(self) -> None:
        data = files.patch(files.clean_xlsx(), edit={"xl/worksheets/sheet1.xml": (
            '<sheetFormatPr baseColWidth="8" defaultRowHeight="15" />',
            '<sheetFormatPr baseColWidth="8" defaultRowHeight="15" zeroHeight="1" />')})
        [finding] = check(data).of_kind("hidden_rows")
        self.assertEqual(finding.location.range, "rows 1–4")
        self.assertIn("zero height", finding.detail)

    def test_it_finds_a_link_to_another_workbook(self) -> None:
        rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
                'Target="file:///\\\\fileserver\\crime\\victims.xlsx" TargetMode="External"/></Relationships>')
        data = files.patch(files.clean_xlsx(), add={
            "xl/externalLinks/externalLink1.xml": f'<externalLink xmlns="{files.SS}"/>',
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels,
        })
        [finding] = check(data).of_kind("external_link")
        self.assertIn("victims.xlsx", finding.detail)

    def test_a_visible_named_range_is_only_information(self) -> None:
        from openpyxl.workbook.defined_name import DefinedName

        wb = files.summary_workbook()
        wb.defined_names["Totals"] = DefinedName("Totals", attr_text="Summary!$B$2:$C$4")
        report = check(files.save(wb))
        [finding] = report.of_kind("defined_name")
        self.assertEqual((finding.severity, report.verdict), (Severity.INFO, "pass"))


class HostileWorkbookTests(SimpleTestCase):
    def test_a_lone_cell_in_the_last_column_does_not_widen_every_row(self) -> None:
        wb = files.summary_workbook()
        ws = wb.active
        ws["XFD1"] = "Mary Brown"
        report = check(files.save(wb))
        [table] = report.tables
        self.assertEqual(len(table.headers), 4)
        self.assertEqual(table.columns[-1], 16_384)

    def test_a_doctype_in_a_streamed_sheet_is_refused(self) -> None:
        from incidents.disclosure import Refused

        data = files.patch(files.clean_xlsx(), edit={"xl/worksheets/sheet1.xml": (
            "<worksheet", '<!DOCTYPE x [<!ENTITY e "boom">]><worksheet')})
        with self.assertRaises(Refused) as caught:
            check(data)
        self.assertEqual(caught.exception.code, "unsafe_xml")

    def test_formula_text_in_cells_is_reported_as_text(self) -> None:
        wb = files.hidden_sheet_xlsx_workbook()
        wb["Staff"]["A5"] = '=HYPERLINK("http://evil.example","Mary Brown")'
        report = check(files.save(wb))
        self.assertEqual(report.verdict, "fail")


class SheetInventoryTests(SimpleTestCase):
    def test_every_sheet_is_listed_with_its_visibility(self) -> None:
        wb = files.hidden_sheet_xlsx_workbook()
        wb.create_sheet("Secret").sheet_state = "veryHidden"
        report = check(files.save(wb))
        self.assertEqual([(s.name, s.state_label, s.cells) for s in report.sheets],
                         [("Summary", "visible", 12), ("Staff", "hidden", 12), ("Secret", "very hidden", 0)])
        self.assertEqual(report.to_dict()["sheets"][1]["state"], "hidden")
