"""The findings list reads most serious first: by severity, then by how much a kind of
finding hides (a hidden sheet before author metadata), whatever order the scan found them in."""

from __future__ import annotations

from django.test import SimpleTestCase

from incidents.disclosure.report import Finding, Location, Report, Severity


def _finding(kind: str, severity: Severity = Severity.HIGH, part: str = "xl/workbook.xml") -> Finding:
    return Finding(kind, kind.replace("_", " "), severity, Location(part))


class FindingOrderTests(SimpleTestCase):
    def test_kinds_found_since_issue_16_sort_among_the_others(self) -> None:
        report = Report("book.xlsx", "xlsx", 1)
        for kind in ("author", "outside_used_area", "custom_xml", "header_footer", "shape_text", "hidden_text",
                     "hidden_sheet"):
            report.add(_finding(kind))
        self.assertEqual([f.kind for f in report.sorted_findings()], [
            "hidden_sheet", "hidden_text", "shape_text", "header_footer", "custom_xml", "outside_used_area", "author"])

    def test_severity_comes_first(self) -> None:
        report = Report("book.xlsx", "xlsx", 1)
        report.add(_finding("hidden_sheet", Severity.LOW))
        report.add(_finding("author", Severity.HIGH))
        self.assertEqual([f.kind for f in report.sorted_findings()], ["author", "hidden_sheet"])
