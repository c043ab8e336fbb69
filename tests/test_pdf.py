"""The shared PDF renderer: only our static files are ever fetched."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pikepdf
from django.test import SimpleTestCase
from pypdf import PdfReader

from breachtracker import pdf


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class StaticOnlyFetcherTests(SimpleTestCase):
    def setUp(self) -> None:
        self.fetcher = pdf.fetcher()
        self.css = pdf.static_root() / "css" / "letter.css"

    def test_it_serves_a_file_in_the_static_folder(self) -> None:
        response = self.fetcher.fetch(self.css.as_uri())
        self.assertIn(b"@page", response.read())
        self.assertEqual(response.content_type, "text/css")

    def test_it_refuses_a_file_outside_the_static_folder(self) -> None:
        with self.assertRaises(pdf.RefusedURL):
            self.fetcher.fetch("file:///etc/passwd")

    def test_it_refuses_path_traversal_out_of_the_static_folder(self) -> None:
        sneaky = pdf.static_root().as_uri() + "/css/../../breachtracker/settings.py"
        with self.assertRaises(pdf.RefusedURL):
            self.fetcher.fetch(sneaky)

    def test_it_refuses_encoded_path_traversal(self) -> None:
        with self.assertRaises(pdf.RefusedURL):
            self.fetcher.fetch(pdf.static_root().as_uri() + "/%2e%2e/%2e%2e/etc/passwd")

    def test_it_refuses_a_symlink_that_leads_out(self) -> None:
        link = pdf.static_root() / "css" / "test-link-out.css"
        os.symlink("/etc/hostname", link)
        self.addCleanup(link.unlink)
        with self.assertRaises(pdf.RefusedURL):
            self.fetcher.fetch(link.as_uri())

    def test_it_refuses_http_to_loopback(self) -> None:
        with self.assertRaises(pdf.RefusedURL):
            self.fetcher.fetch("http://127.0.0.1:6379/")

    def test_it_refuses_file_urls_on_another_host(self) -> None:
        with self.assertRaises(pdf.RefusedURL):
            self.fetcher.fetch("file://evil.example/" + str(self.css))

    def test_it_refuses_data_urls_of_any_size(self) -> None:
        huge = "data:text/css;base64," + "A" * 20_000_000
        with self.assertRaises(pdf.RefusedURL) as caught:
            self.fetcher.fetch(huge)
        self.assertLess(len(str(caught.exception)), 300)

    def test_it_refuses_a_static_file_that_is_too_large(self) -> None:
        big = pdf.static_root() / "css" / "test-too-big.css"
        with open(big, "wb") as out:
            out.truncate(pdf.MAX_ASSET_BYTES + 1)
        self.addCleanup(big.unlink)
        with self.assertRaises(pdf.RefusedURL):
            self.fetcher.fetch(big.as_uri())

    def test_one_fetcher_is_reused_across_renders(self) -> None:
        self.assertIs(pdf.fetcher(), pdf.fetcher())

    def test_the_fetcher_is_a_weasyprint_url_fetcher(self) -> None:
        from weasyprint.urls import URLFetcher

        self.assertIsInstance(pdf.fetcher(), URLFetcher)


class RenderPdfTests(SimpleTestCase):
    def test_it_renders_html_to_a_pdf(self) -> None:
        data = pdf.render_pdf("<p>Hello letter</p>")
        self.assertTrue(data.startswith(b"%PDF"))
        self.assertIn("Hello letter", text_of(data))

    def test_it_still_renders_when_the_html_asks_for_etc_passwd(self) -> None:
        secret = Path("/etc/passwd").read_text().splitlines()[0]
        html = ('<link rel="stylesheet" href="file:///etc/passwd">'
                '<img src="file:///etc/passwd"><object data="file:///etc/passwd"></object>'
                '<iframe src="file:///etc/passwd"></iframe><p>Body</p>')
        with self.assertLogs("weasyprint", "ERROR") as logs:
            data = pdf.render_pdf(html)
        self.assertIn("Body", text_of(data))
        self.assertNotIn(secret[:10], text_of(data))
        self.assertTrue(any("refused" in line for line in logs.output))

    def test_it_does_not_fetch_http_urls_from_css_imports(self) -> None:
        html = "<style>@import url(http://127.0.0.1:1/x.css); @import 'file:///etc/passwd';</style><p>Body</p>"
        with self.assertLogs("weasyprint", "ERROR") as logs:
            data = pdf.render_pdf(html)
        self.assertIn("Body", text_of(data))
        self.assertEqual(sum("refused" in line for line in logs.output), 2)

    def test_it_loads_our_own_stylesheet_by_a_relative_link(self) -> None:
        data = pdf.render_pdf('<link rel="stylesheet" href="css/letter.css"><p class="reference">BR-1</p>')
        self.assertIn("Our reference: BR-1", text_of(data))

    def test_it_splits_a_multi_letter_document_into_one_pdf_per_letter(self) -> None:
        html = ('<style>section { break-before: page; }</style>'
                '<section id="l1">One</section><section id="l2">Two<p style="break-before: page">Two b</p></section>'
                '<section id="l3">Three</section>')
        parts = pdf.render_pdf_parts(html, anchors=["l1", "l2", "l3"])
        self.assertEqual([len(PdfReader(io.BytesIO(p)).pages) for p in parts], [1, 2, 1])
        self.assertIn("Three", text_of(parts[2]))

    def test_each_part_is_a_whole_pdf_with_only_its_own_pages_title_and_language(self) -> None:
        html = ('<html lang="cy"><head><title>BR-2026-0042</title></head><body>'
                '<style>section { break-before: page; }</style>'
                '<section id="a">Annwyl Siân</section><section id="b">Annwyl Łukasz</section></body></html>')
        first, second = pdf.render_pdf_parts(html, anchors=["a", "b"])
        for data, own, other in ((first, "Siân", "Łukasz"), (second, "Łukasz", "Siân")):
            reader = PdfReader(io.BytesIO(data), strict=True)
            self.assertEqual(len(reader.pages), 1)
            self.assertIn(own, text_of(data))
            self.assertNotIn(other, text_of(data))
            self.assertEqual(reader.metadata.title, "BR-2026-0042")
            self.assertEqual(reader.trailer["/Root"]["/Lang"], "cy")
            # The anchors that marked the parts are not carried into them.
            self.assertNotIn("/Names", reader.trailer["/Root"])


    def test_an_overlay_page_is_drawn_over_each_page_of_every_part_of_its_length(self) -> None:
        html = ('<style>section { break-before: page; }</style>'
                '<section id="a">Alpha</section><section id="b">Bravo<p style="break-before: page">Bravo 2</p></section>'
                '<section id="c">Charlie</section>')
        asked: list[int] = []

        def overlay(pages: int) -> list[pdf.Page]:
            asked.append(pages)
            return pdf.render_pages("".join(f'<p style="break-before: page; margin-top: 20cm">Over {j} of {pages}</p>'
                                            for j in range(1, pages + 1)))

        parts = pdf.render_pdf_parts(html, anchors=["a", "b", "c"], overlay=overlay)
        self.assertEqual(asked, [1, 2])  # laid out once for each length of part
        pages = [[page.extract_text() for page in PdfReader(io.BytesIO(data), strict=True).pages] for data in parts]
        for data in parts:
            with pikepdf.open(io.BytesIO(data)) as checked:  # qpdf's own check: syntax, streams, content
                self.assertEqual(checked.check_pdf_syntax(), [])
        self.assertEqual(len(pages), 3)
        for texts, own in zip(pages, (["Alpha"], ["Bravo", "Bravo 2"], ["Charlie"]), strict=True):
            self.assertEqual(len(texts), len(own))
            for j, (text, body) in enumerate(zip(texts, own, strict=True), start=1):
                # The page's own text first, then what is drawn over it; no other overlay page.
                self.assertEqual(text.split(), [*body.split(), "Over", str(j), "of", str(len(own))])

    def test_an_overlay_of_the_wrong_length_is_refused(self) -> None:
        html = '<section id="a">Alpha</section>'
        with self.assertRaisesRegex(ValueError, "the overlay of a 1-page part has 2 pages"):
            pdf.render_pdf_parts(html, anchors=["a"], overlay=lambda pages: pdf.render_pages(
                '<p>one</p><p style="break-before: page">two</p>'))
        with self.assertRaisesRegex(ValueError, "overlay page 2 is not the size of page 1"):
            pdf.render_pdf_parts(html, anchors=["a"], overlay=lambda pages: pdf.render_pages(
                "<style>@page { size: A5; }</style><p>small</p>"))

class StreamingPdfMergerTests(SimpleTestCase):
    def merged(self, *sources: bytes) -> tuple[list[int], PdfReader]:
        out = io.BytesIO()
        merger = pdf.StreamingPdfMerger(out)
        counts = [merger.append(io.BytesIO(s)) for s in sources]
        merger.close()
        return counts, PdfReader(io.BytesIO(out.getvalue()), strict=True)

    def test_it_concatenates_letters_in_order_keeping_their_text_and_fonts(self) -> None:
        one = pdf.render_pdf("<p>Letter one</p><p style='break-before: page'>One, page two</p>")
        two = pdf.render_pdf("<p>Letter two: Zoë, Łukasz</p>")
        counts, reader = self.merged(one, two, one)
        self.assertEqual(counts, [2, 1, 2])
        self.assertEqual([p.extract_text() for p in reader.pages],
                         ["Letter one", "One, page two", "Letter two: Zoë, Łukasz", "Letter one", "One, page two"])

    def test_an_empty_merge_is_a_valid_pdf_with_no_pages(self) -> None:
        _counts, reader = self.merged()
        self.assertEqual(len(reader.pages), 0)
