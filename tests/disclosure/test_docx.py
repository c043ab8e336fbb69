"""Word documents: tracked changes, comments, hidden text and author metadata are found."""

from __future__ import annotations

from django.test import SimpleTestCase

from incidents.disclosure import Severity
from tests.disclosure import files
from tests.disclosure.files import check, para

DELETION = ('<w:p><w:r><w:t>The victim was </w:t></w:r><w:del w:id="1" w:author="Jane Doe">'
            "<w:r><w:delText>Mary Brown of SW1A 1AA</w:delText></w:r></w:del></w:p>")
INSERTION = '<w:p><w:ins w:id="2" w:author="Jane Doe"><w:r><w:t>a member of the public</w:t></w:r></w:ins></w:p>'


def doc(body: str, **kwargs: str) -> bytes:
    return files.docx(body, **kwargs)


class DocxTests(SimpleTestCase):
    def test_a_plain_letter_passes(self) -> None:
        report = check(doc(para("Thank you for your request. We hold no information.")), "reply.docx")
        self.assertEqual(report.verdict, "pass")
        self.assertEqual(report.file_type, "docx")

    def test_it_finds_a_tracked_deletion_that_still_holds_a_name(self) -> None:
        report = check(doc(DELETION), "reply.docx")
        [deletion] = [f for f in report.of_kind("tracked_changes") if "deletion" in f.title]
        self.assertEqual(deletion.severity, Severity.HIGH)
        self.assertIn("M*** B****", " ".join(deletion.evidence))
        self.assertIn("J*** D***", deletion.evidence)

    def test_it_finds_a_tracked_insertion(self) -> None:
        [insertion] = check(doc(INSERTION), "reply.docx").of_kind("tracked_changes")
        self.assertIn("1 tracked insertion", insertion.title)

    def test_it_finds_hidden_text(self) -> None:
        body = para("Visible text") + para("Suspect lives at SW1A 1AA", props="<w:vanish/>")
        [finding] = check(doc(body), "reply.docx").of_kind("hidden_text")
        self.assertEqual(finding.severity, Severity.HIGH)
        self.assertIn("basic_identifiers", [c.code for c in finding.categories])

    def test_text_unhidden_with_vanish_off_is_not_hidden(self) -> None:
        body = para("Visible", props='<w:vanish w:val="0"/>')
        self.assertEqual(check(doc(body), "reply.docx").of_kind("hidden_text"), [])

    def test_it_finds_comments_and_their_authors(self) -> None:
        comments = '<w:comment w:id="0" w:author="Jane Doe"><w:p><w:r><w:t>Is John Smith named?</w:t></w:r></w:p></w:comment>'
        [finding] = check(doc(para("Reply"), comments=comments), "reply.docx").of_kind("comments")
        self.assertEqual(finding.location.part, "word/comments.xml")
        self.assertIn("J*** D***", finding.evidence)

    def test_it_finds_the_author(self) -> None:
        [finding] = check(doc(para("Reply"), creator="Jane Doe"), "reply.docx").of_kind("author")
        self.assertEqual(finding.evidence, ("J*** D***",))

    def test_it_finds_contact_details_in_the_text(self) -> None:
        body = para("Contact jane.doe@example.org or 07700 900123, NI AB123456C")
        [finding] = check(doc(body), "reply.docx").of_kind("personal_data")
        self.assertIn("j***@***.org", finding.evidence)
        self.assertIn("AB ** ** ** *", finding.evidence)
        self.assertIn("official_documents", [c.code for c in finding.categories])

    def test_a_macro_enabled_document_fails(self) -> None:
        data = files.patch(doc(para("Reply")), add={"word/vbaProject.bin": b"x"})
        report = check(data, "reply.docm")
        self.assertEqual(len(report.of_kind("macro")), 1)
        self.assertEqual(report.verdict, "fail")
