"""Author, last-modified-by and manager metadata fail the check when they name a person, unless
the person checking the file accepts them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from incidents.disclosure import Report, Severity
from incidents.disclosure.ooxml import names_a_person, properties
from incidents.disclosure.package import Deadline, Limits, Package, open_zip
from tests.disclosure import files
from tests.disclosure.files import check

CORE_NS = ('xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/"')


def with_metadata(creator: str = "", last_modified_by: str = "", manager: str = "", company: str = "") -> bytes:
    core = (f'<?xml version="1.0"?><cp:coreProperties {CORE_NS}><dc:creator>{creator}</dc:creator>'
            f"<cp:lastModifiedBy>{last_modified_by}</cp:lastModifiedBy></cp:coreProperties>")
    app = ('<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           f"<Manager>{manager}</Manager><Company>{company}</Company></Properties>")
    return files.patch(files.clean_xlsx(), add={"docProps/core.xml": core, "docProps/app.xml": app})


def properties_of(data: bytes, *, accept_metadata: bool) -> Report:
    """What properties() reports, as check_file will when the lead passes accept_metadata on."""
    report = Report(filename="response.xlsx", file_type="xlsx", size=len(data))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "response.xlsx"
        path.write_bytes(data)
        with open_zip(path, Limits()) as archive:
            properties(Package(archive, Deadline(60)), report, accept_metadata=accept_metadata)
    return report


def severities(report: Report) -> dict[str, Severity]:
    return {f.location.range: f.severity for f in report.findings}


class PersonalNameTests(SimpleTestCase):
    def test_names_of_people_are_recognised(self) -> None:
        for value in ("Jane Doe", "J.Bloggs", "DOE, Jane", "Smith, John", "Dr Patel", "jane.doe@police.example.org",
                      "mary.brown"):
            with self.subTest(value):
                self.assertTrue(names_a_person(value))

    def test_generic_values_accounts_and_organisations_are_not(self) -> None:
        for value in ("Microsoft Office User", "Windows User", "openpyxl", "West Yorkshire Police", "Finance Team",
                      "Crime Statistics", "foi@police.example.org", "jsmith", "Leeds City Council"):
            with self.subTest(value):
                self.assertFalse(names_a_person(value))


class MetadataVerdictTests(SimpleTestCase):
    def test_an_author_naming_a_person_fails_the_file(self) -> None:
        report = check(with_metadata(creator="Jane Doe"))
        [finding] = report.of_kind("author")
        self.assertEqual((finding.location.range, finding.severity, report.verdict), ("creator", Severity.MEDIUM, "fail"))
        self.assertIn("names a person", finding.title)

    def test_last_modified_by_naming_a_person_fails_the_file(self) -> None:
        report = check(with_metadata(last_modified_by="Smith, John"))
        self.assertEqual(severities(report)["lastModifiedBy"], Severity.MEDIUM)

    def test_a_manager_naming_a_person_fails_the_file(self) -> None:
        report = check(with_metadata(manager="Mary Brown"))
        self.assertEqual(severities(report)["Manager"], Severity.MEDIUM)

    def test_generic_and_organisation_metadata_passes(self) -> None:
        report = check(with_metadata(creator="Microsoft Office User", last_modified_by="openpyxl",
                                     company="West Yorkshire Police", manager="Finance Team"))
        self.assertEqual(report.verdict, "pass", [f.title for f in report.findings])
        self.assertEqual(severities(report)["creator"], Severity.INFO)

    def test_an_account_name_is_noted_without_failing(self) -> None:
        report = check(with_metadata(creator="jsmith"))
        self.assertEqual((severities(report)["creator"], report.verdict), (Severity.LOW, "pass"))

    def test_accepted_metadata_no_longer_fails(self) -> None:
        report = properties_of(with_metadata(creator="Jane Doe", manager="Mary Brown"), accept_metadata=True)
        self.assertEqual(severities(report), {"creator": Severity.LOW, "Manager": Severity.LOW})
        self.assertTrue(report.passed)
        self.assertIn("chose to release", report.of_kind("author")[0].detail)

    def test_without_acceptance_the_same_metadata_fails(self) -> None:
        report = properties_of(with_metadata(creator="Jane Doe", manager="Mary Brown"), accept_metadata=False)
        self.assertEqual(severities(report), {"creator": Severity.MEDIUM, "Manager": Severity.MEDIUM})

    def test_accepting_metadata_does_not_accept_personal_data_in_the_title(self) -> None:
        core = (f'<?xml version="1.0"?><cp:coreProperties {CORE_NS} xmlns:dcterms="http://purl.org/dc/terms/">'
                "<dc:title>Complaint from mary.brown@example.org</dc:title></cp:coreProperties>")
        data = files.patch(files.clean_xlsx(), add={"docProps/core.xml": core})
        self.assertFalse(properties_of(data, accept_metadata=True).passed)

    def test_a_word_document_author_fails_too(self) -> None:
        report = check(files.docx(files.para("Reply"), creator="Jane Doe"), "reply.docx")
        self.assertEqual(report.verdict, "fail")

