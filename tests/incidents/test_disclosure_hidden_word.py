"""Nothing hides in a Word document: text hidden through a style (and the styles it is based
on, and the document defaults), in headers, footers, text boxes and notes, and in field codes."""

from __future__ import annotations

import io
import zipfile

from django.test import SimpleTestCase

from incidents.disclosure import Severity
from tests.disclosure.files import W, _rels, check, para

SECRET = "Suspect lives at SW1A 1AA"


def styles(*definitions: str, defaults: str = "") -> str:
    doc_defaults = f"<w:docDefaults><w:rPrDefault><w:rPr>{defaults}</w:rPr></w:rPrDefault></w:docDefaults>"
    return f'<?xml version="1.0"?><w:styles xmlns:w="{W}">{doc_defaults}{"".join(definitions)}</w:styles>'


def style(style_id: str, kind: str = "paragraph", *, props: str = "", based_on: str = "", default: bool = False) -> str:
    return (f'<w:style w:type="{kind}" w:styleId="{style_id}"{" w:default=" + chr(34) + "1" + chr(34) if default else ""}>'
            f'<w:name w:val="{style_id}"/>{f"<w:basedOn w:val={chr(34)}{based_on}{chr(34)}/>" if based_on else ""}'
            f"<w:rPr>{props}</w:rPr></w:style>")


def word(body: str, *, style_xml: str = "", parts: dict[str, str] | None = None) -> bytes:
    """A .docx with a styles part and, in `parts`, headers, footers or notes (rel type → body)."""
    parts = parts or {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("word/document.xml", f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
        rels = [("rIdStyles", "styles", "styles.xml")] if style_xml else []
        if style_xml:
            z.writestr("word/styles.xml", style_xml)
        roots = {"header": "hdr", "footer": "ftr", "footnotes": "footnotes", "endnotes": "endnotes"}
        for n, (kind, inner) in enumerate(parts.items(), start=1):
            name = f"{kind}{n}.xml"
            z.writestr(f"word/{name}", f'<?xml version="1.0"?><w:{roots[kind]} xmlns:w="{W}">{inner}</w:{roots[kind]}>')
            rels.append((f"rId{n}", kind, name))
        z.writestr("word/_rels/document.xml.rels", _rels(*rels))
    return out.getvalue()


def styled_para(text: str, style_id: str) -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>'


def hidden(report: object) -> list[tuple[str, int | None]]:
    return [(f.location.part, f.count) for f in report.of_kind("hidden_text")]  # type: ignore[attr-defined]


class StyleHiddenTextTests(SimpleTestCase):
    def test_it_finds_text_hidden_by_a_paragraph_style(self) -> None:
        data = word(para("Reply") + styled_para(SECRET, "Secret"), style_xml=styles(style("Secret", props="<w:vanish/>")))
        [finding] = check(data, "reply.docx").of_kind("hidden_text")
        self.assertEqual((finding.location.part, finding.count, finding.severity), ("word/document.xml", 1, Severity.HIGH))
        self.assertIn("by a style", finding.detail)

    def test_it_finds_text_hidden_by_a_character_style(self) -> None:
        run = f'<w:p><w:r><w:rPr><w:rStyle w:val="Quiet"/></w:rPr><w:t>{SECRET}</w:t></w:r></w:p>'
        data = word(para("Reply") + run, style_xml=styles(style("Quiet", "character", props="<w:vanish/>")))
        self.assertEqual(hidden(check(data, "reply.docx")), [("word/document.xml", 1)])

    def test_it_follows_the_based_on_chain(self) -> None:
        definitions = styles(style("Base", props="<w:vanish/>"), style("Middle", based_on="Base"),
                             style("Leaf", based_on="Middle"))
        data = word(para("Reply") + styled_para(SECRET, "Leaf"), style_xml=definitions)
        self.assertEqual(hidden(check(data, "reply.docx")), [("word/document.xml", 1)])

    def test_a_style_that_unhides_beats_the_style_it_is_based_on(self) -> None:
        definitions = styles(style("Base", props="<w:vanish/>"), style("Shown", based_on="Base", props='<w:vanish w:val="0"/>'))
        data = word(styled_para("Visible reply", "Shown"), style_xml=definitions)
        self.assertEqual(hidden(check(data, "reply.docx")), [])

    def test_a_based_on_loop_does_not_hang_the_check(self) -> None:
        definitions = styles(style("A", based_on="B"), style("B", based_on="A"))
        data = word(styled_para("Visible reply", "A"), style_xml=definitions)
        self.assertEqual(hidden(check(data, "reply.docx")), [])

    def test_it_finds_text_hidden_by_the_document_defaults(self) -> None:
        data = word(para(SECRET), style_xml=styles(defaults="<w:vanish/>"))
        self.assertEqual(hidden(check(data, "reply.docx")), [("word/document.xml", 1)])

    def test_it_finds_text_hidden_by_the_default_paragraph_style(self) -> None:
        data = word(para(SECRET), style_xml=styles(style("Normal", props="<w:vanish/>", default=True)))
        self.assertEqual(hidden(check(data, "reply.docx")), [("word/document.xml", 1)])

    def test_direct_formatting_can_show_text_a_style_hides(self) -> None:
        run = '<w:p><w:pPr><w:pStyle w:val="Secret"/></w:pPr><w:r><w:rPr><w:vanish w:val="false"/></w:rPr><w:t>Visible</w:t></w:r></w:p>'
        data = word(run, style_xml=styles(style("Secret", props="<w:vanish/>")))
        self.assertEqual(hidden(check(data, "reply.docx")), [])

    def test_it_finds_spec_vanish_in_a_style(self) -> None:
        data = word(styled_para(SECRET, "Secret"), style_xml=styles(style("Secret", props="<w:specVanish/>")))
        self.assertEqual(hidden(check(data, "reply.docx")), [("word/document.xml", 1)])

    def test_a_styled_document_without_hidden_styles_passes(self) -> None:
        data = word(styled_para("Thank you for your request.", "Heading1"),
                    style_xml=styles(style("Heading1", props="<w:b/>")))
        self.assertEqual(check(data, "reply.docx").verdict, "pass")


class OtherPlacesTests(SimpleTestCase):
    def test_it_finds_hidden_text_in_a_header(self) -> None:
        data = word(para("Reply"), style_xml=styles(style("Secret", props="<w:vanish/>")),
                    parts={"header": styled_para(SECRET, "Secret")})
        self.assertEqual(hidden(check(data, "reply.docx")), [("word/header1.xml", 1)])

    def test_it_finds_personal_data_in_a_footer(self) -> None:
        data = word(para("Reply"), parts={"footer": para("Case officer: john.smith@police.example.org")})
        [finding] = check(data, "reply.docx").of_kind("personal_data")
        self.assertEqual((finding.location.part, finding.evidence), ("word/footer1.xml", ("j***@***.org",)))

    def test_it_finds_hidden_text_in_a_footnote(self) -> None:
        note = f'<w:footnote w:id="1">{para(SECRET, props="<w:vanish/>")}</w:footnote>'
        data = word(para("Reply"), parts={"footnotes": note})
        self.assertEqual(hidden(check(data, "reply.docx")), [("word/footnotes1.xml", 1)])

    def test_it_finds_hidden_text_in_a_text_box_by_the_text_box_paragraph_style(self) -> None:
        box = ("<w:p><w:r><w:t>Reply</w:t></w:r><w:r><w:pict><w:txbxContent>"
               f"{styled_para(SECRET, 'Secret')}</w:txbxContent></w:pict></w:r></w:p>")
        data = word(box, style_xml=styles(style("Secret", props="<w:vanish/>")))
        [finding] = check(data, "reply.docx").of_kind("hidden_text")
        self.assertEqual(finding.count, 1)
        self.assertEqual(finding.evidence, ("S****** l**** a*** S*** 1***",))

    def test_text_box_text_is_read_once_not_again_from_its_fallback_copy(self) -> None:
        mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
        box = (f'<w:p><w:r><mc:AlternateContent xmlns:mc="{mc}"><mc:Choice Requires="wps"><w:txbxContent>'
               f'{para("Ring 07700 900123")}</w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent>'
               f'{para("Ring 07700 900123")}</w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>')
        [finding] = check(word(box), "reply.docx").of_kind("personal_data")
        self.assertEqual(finding.count, 1)


class FieldCodeTests(SimpleTestCase):
    def test_it_finds_personal_data_in_an_index_entry(self) -> None:
        body = ('<w:p><w:r><w:t>Reply</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                '<w:r><w:instrText> XE "Mary Brown, 07700 900123" </w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
        [finding] = check(word(body), "reply.docx").of_kind("field_codes")
        self.assertEqual((finding.location.part, finding.severity), ("word/document.xml", Severity.HIGH))
        self.assertIn("07*** ***23", finding.evidence)

    def test_it_finds_a_mail_address_in_a_simple_field(self) -> None:
        body = '<w:p><w:fldSimple w:instr=" HYPERLINK &quot;mailto:mary.brown@example.org&quot; "><w:r><w:t>Email us</w:t></w:r></w:fldSimple></w:p>'
        [finding] = check(word(body), "reply.docx").of_kind("field_codes")
        self.assertEqual(finding.evidence, ("m***@***.org",))

    def test_a_page_number_field_is_nothing_to_report(self) -> None:
        body = '<w:p><w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>'
        self.assertEqual(check(word(body), "reply.docx").of_kind("field_codes"), [])


class WordTableTests(SimpleTestCase):
    def row(self, *cells: str) -> str:
        return "<w:tr>" + "".join(f"<w:tc>{para(c)}</w:tc>" for c in cells) + "</w:tr>"

    def test_offence_descriptions_in_a_table_of_people_are_found(self) -> None:
        table = ("<w:tbl>" + self.row("Name", "Circumstances") + self.row("Mary Brown", "Assault by partner at home")
                 + self.row("David Wilson", "Harassment by neighbour") + "</w:tbl>")
        findings = [f for f in check(word(table), "reply.docx").of_kind("personal_data") if f.location.range]
        self.assertEqual([(f.location.range, f.categories[0].code) for f in findings], [("table 1, column 2", "criminal")])
