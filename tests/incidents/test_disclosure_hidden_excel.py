"""Nothing hides in a workbook: headers and footers, text boxes and shapes, custom XML parts,
and charts that keep a copy of hidden cells."""

from __future__ import annotations

from django.test import SimpleTestCase

from incidents.disclosure import Severity
from incidents.disclosure.xlsx import header_footer_text
from tests.disclosure import files
from tests.disclosure.files import check

XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"


def with_header_footer(inner: str) -> bytes:
    return files.patch(files.clean_xlsx(), edit={"xl/worksheets/sheet1.xml": (
        "</worksheet>", f"<headerFooter>{inner}</headerFooter></worksheet>")})


def with_shape(text: str, *, hidden: bool = False) -> bytes:
    shape = (f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}"><xdr:twoCellAnchor><xdr:sp>'
             f'<xdr:nvSpPr><xdr:cNvPr id="2" name="TextBox 1"{" hidden=" + chr(34) + "1" + chr(34) if hidden else ""}/></xdr:nvSpPr>'
             f"<xdr:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></xdr:txBody></xdr:sp></xdr:twoCellAnchor></xdr:wsDr>")
    return files.patch(files.clean_xlsx(), add={
        "xl/drawings/drawing1.xml": shape,
        "xl/worksheets/_rels/sheet1.xml.rels": files._rels(("rId1", "drawing", "../drawings/drawing1.xml")),
    })


def with_chart(formula: str, *, hide_row: int = 0, hide_column: str = "") -> bytes:
    wb = files.summary_workbook()
    ws = wb.active
    if hide_row:
        ws.row_dimensions[hide_row].hidden = True
    if hide_column:
        ws.column_dimensions[hide_column].hidden = True
    chart = (f'<?xml version="1.0" encoding="UTF-8"?><c:chartSpace xmlns:c="{C}"><c:chart><c:plotArea><c:barChart><c:ser>'
             f"<c:val><c:numRef><c:f>{formula}</c:f><c:numCache><c:ptCount val=\"3\"/>"
             '<c:pt idx="0"><c:v>12</c:v></c:pt><c:pt idx="1"><c:v>9</c:v></c:pt><c:pt idx="2"><c:v>14</c:v></c:pt>'
             "</c:numCache></c:numRef></c:val></c:ser></c:barChart></c:plotArea><c:plotVisOnly val=\"0\"/></c:chart></c:chartSpace>")
    return files.patch(files.save(wb), add={"xl/charts/chart1.xml": chart})


class HeaderFooterTests(SimpleTestCase):
    def test_it_finds_a_name_in_a_header(self) -> None:
        report = check(with_header_footer("<oddHeader>&amp;LPrepared by Mary Brown, 07700 900123&amp;R&amp;D</oddHeader>"))
        [finding] = report.of_kind("header_footer")
        self.assertEqual((finding.location.sheet, finding.location.range, finding.severity), ("Summary", "header", Severity.HIGH))
        self.assertIn("07*** ***23", finding.evidence)
        self.assertEqual(report.verdict, "fail")

    def test_text_in_a_footer_fails_without_personal_data(self) -> None:
        [finding] = check(with_header_footer("<oddFooter>&amp;CInternal working copy</oddFooter>")).of_kind("header_footer")
        self.assertEqual((finding.location.range, finding.severity), ("footer", Severity.MEDIUM))
        self.assertEqual(finding.evidence, ("I******* w****** c***",))

    def test_a_page_number_footer_is_nothing_to_report(self) -> None:
        report = check(with_header_footer("<oddFooter>&amp;CPage &amp;P of &amp;N</oddFooter><evenFooter>&amp;R&amp;F</evenFooter>"))
        self.assertEqual(report.of_kind("header_footer"), [])

    def test_codes_are_stripped_and_a_literal_ampersand_kept(self) -> None:
        self.assertEqual(header_footer_text('&L&"Arial,Bold"&14&KFF0000Smith && Co&R&P'), "Smith & Co")

    def test_first_page_and_even_page_headers_are_read(self) -> None:
        report = check(with_header_footer(
            '<evenHeader>&amp;CDraft</evenHeader><firstHeader>&amp;Cjohn.smith@police.example.org</firstHeader>'))
        [finding] = report.of_kind("header_footer")
        self.assertEqual(finding.location.range, "even-page header, first-page header")


class ShapeTests(SimpleTestCase):
    def test_it_finds_text_in_a_text_box(self) -> None:
        [finding] = check(with_shape("Draft: check the figures")).of_kind("shape_text")
        self.assertEqual((finding.location.part, finding.location.sheet, finding.location.range),
                         ("xl/drawings/drawing1.xml", "Summary", "TextBox 1"))
        self.assertEqual(finding.severity, Severity.MEDIUM)

    def test_a_hidden_shape_with_a_name_is_high(self) -> None:
        [finding] = check(with_shape("Victim: Mary Brown, SW1A 1AA", hidden=True)).of_kind("shape_text")
        self.assertEqual(finding.severity, Severity.HIGH)
        self.assertIn("1 hidden", finding.title)
        self.assertIn("basic_identifiers", [c.code for c in finding.categories])

    def test_a_shape_without_text_is_nothing_to_report(self) -> None:
        self.assertEqual(check(with_shape("")).of_kind("shape_text"), [])


def with_vml(*shapes: str) -> bytes:
    """A legacy (VML) drawing on the sheet, as Excel writes for comments, old text boxes and
    form controls; not well-formed XML (an unclosed <br>), as real ones often are not."""
    vml = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:x="urn:schemas-microsoft-com:office:excel"><v:shapetype id="_x0000_t202"></v:shapetype>'
           + "".join(shapes) + "</xml>")
    return files.patch(files.clean_xlsx(), add={
        "xl/drawings/vmlDrawing1.vml": vml,
        "xl/worksheets/_rels/sheet1.xml.rels": files._rels(("rId1", "vmlDrawing", "../drawings/vmlDrawing1.vml")),
    })


def vml_shape(text: str, *, object_type: str = "Text", style: str = "position:absolute") -> str:
    return (f'<v:shape id="_x0000_s1025" type="#_x0000_t202" style="{style}"><v:textbox><div style="text-align:left">'
            f'<font face="Calibri">{text}</font></div></v:textbox><x:ClientData ObjectType="{object_type}">'
            "<x:Anchor>1, 15, 0, 10, 3, 15, 4, 4</x:Anchor></x:ClientData></v:shape>")


class LegacyShapeTests(SimpleTestCase):
    def test_it_finds_text_in_a_legacy_text_box(self) -> None:
        report = check(with_vml(vml_shape("Suspect: John Smith<br>DOB 02/03/1980 &amp; SW1A 1AA")))
        [finding] = report.of_kind("shape_text")
        self.assertEqual((finding.location.part, finding.location.range),
                         ("xl/drawings/vmlDrawing1.vml", "_x0000_s1025"))
        self.assertEqual(finding.severity, Severity.HIGH)
        self.assertIn("basic_identifiers", [c.code for c in finding.categories])

    def test_a_hidden_legacy_shape_is_counted_hidden(self) -> None:
        [finding] = check(with_vml(vml_shape("Draft figures", style="position:absolute; visibility: hidden"))
                          ).of_kind("shape_text")
        self.assertIn("1 hidden", finding.title)

    def test_a_comment_box_is_left_to_the_comments(self) -> None:
        self.assertEqual(check(with_vml(vml_shape("Call Mary Brown", object_type="Note"))).of_kind("shape_text"), [])

    def test_a_release_safe_copy_drops_it(self) -> None:
        import tempfile
        from pathlib import Path

        from incidents.disclosure import check_file
        from incidents.disclosure.clean import clean_file

        with tempfile.TemporaryDirectory() as folder:
            source, out = Path(folder) / "in.xlsx", Path(folder) / "out.xlsx"
            source.write_bytes(with_vml(vml_shape("Suspect: John Smith")))
            self.assertTrue(clean_file(source, out).written)
            self.assertEqual(check_file(out).of_kind("shape_text"), [])


class CustomXmlTests(SimpleTestCase):
    def test_it_finds_a_custom_xml_part_with_personal_data(self) -> None:
        item = "<case><officer>Mary Brown</officer><email>mary.brown@example.org</email></case>"
        report = check(files.patch(files.clean_xlsx(), add={"customXml/item1.xml": item}))
        [finding] = report.of_kind("custom_xml")
        self.assertEqual((finding.location.part, finding.severity, finding.count), ("customXml/item1.xml", Severity.HIGH, 2))
        self.assertEqual(report.verdict, "fail")

    def test_a_custom_xml_part_with_other_values_fails_too(self) -> None:
        item = "<properties><status>Draft for legal review</status></properties>"
        [finding] = check(files.patch(files.clean_xlsx(), add={"customXml/item1.xml": item})).of_kind("custom_xml")
        self.assertEqual(finding.severity, Severity.MEDIUM)

    def test_an_empty_custom_xml_part_is_nothing_to_report(self) -> None:
        item = '<b:Sources xmlns:b="http://schemas.openxmlformats.org/officeDocument/2006/bibliography" StyleName="APA"/>'
        data = files.patch(files.clean_xlsx(), add={"customXml/item1.xml": item,
                                                    "customXml/itemProps1.xml": "<ds:datastoreItem xmlns:ds='x'>x</ds:datastoreItem>"})
        self.assertEqual(check(data).of_kind("custom_xml"), [])

    def test_a_word_document_is_checked_for_custom_xml_too(self) -> None:
        data = files.patch(files.docx(files.para("Reply")), add={"customXml/item1.xml": "<a>Mary Brown</a>"})
        self.assertEqual(len(check(data, "reply.docx").of_kind("custom_xml")), 1)


class ChartFromHiddenCellsTests(SimpleTestCase):
    def test_a_chart_plotting_hidden_rows_keeps_their_values(self) -> None:
        [finding] = check(with_chart("Summary!$B$2:$B$4", hide_row=3)).of_kind("chart_cache")
        self.assertEqual((finding.location.sheet, finding.location.range, finding.severity),
                         ("Summary", "Summary!B2:B4", Severity.HIGH))
        self.assertIn("hidden rows 3", finding.detail)
        self.assertIn("3 cached values", finding.detail)

    def test_a_chart_plotting_a_hidden_column_of_a_quoted_sheet_name(self) -> None:
        wb = files.summary_workbook()
        wb.active.title = "By month"
        wb.active.column_dimensions["C"].hidden = True
        chart = (f'<c:chartSpace xmlns:c="{C}"><c:chart><c:plotArea><c:barChart><c:ser><c:val><c:numRef>'
                 "<c:f>'By month'!$C$2:$C$4</c:f></c:numRef></c:val></c:ser></c:barChart></c:plotArea></c:chart></c:chartSpace>")
        [finding] = check(files.patch(files.save(wb), add={"xl/charts/chart1.xml": chart})).of_kind("chart_cache")
        self.assertIn("hidden columns C", finding.detail)

    def test_a_chart_of_visible_cells_is_nothing_to_report(self) -> None:
        self.assertEqual(check(with_chart("Summary!$B$2:$B$4", hide_row=6)).of_kind("chart_cache"), [])
