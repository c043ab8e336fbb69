"""The disclosure check does not cry wolf: columns judged by their values as well as their
headers, rows Excel shows counted as shown, offence words in prose left alone, and CSV files
the import reads checked rather than refused."""

from __future__ import annotations

from datetime import date

from django.test import SimpleTestCase

from incidents.disclosure import Refused, Severity
from incidents.disclosure.detect import detect_column, detect_table, find_in_text
from tests.disclosure import files
from tests.disclosure.files import check, para

TODAY = date(2026, 12, 3)
NOTICE = ("We may share what you tell us about your health, or about domestic violence or abuse, with "
          "other agencies when the law requires it, for example to protect a child. You can ask us "
          "for a copy of what we hold. Our privacy notice explains your rights.")


def kind(header: str, values: list[str]) -> str | None:
    found = detect_column(0, header, values, today=TODAY)
    return found.kind.code if found else None


def personal_columns(report: object) -> dict[str, str]:
    """Header → kind label of each failing personal-data column finding."""
    return {f.title.split(": “")[-1].rstrip("”"): f.title.split(" looks like ")[1].split(":")[0]
            for f in report.of_kind("personal_data") if f.severity >= Severity.MEDIUM}  # type: ignore[attr-defined]


class ColumnValuesTests(SimpleTestCase):
    def test_a_date_column_is_not_crime_reference_numbers(self) -> None:
        self.assertIsNone(kind("Date", ["12/03/21", "01/04/27", "2027-05-06"]))

    def test_dates_under_an_unhelpful_header_are_not_crime_reference_numbers(self) -> None:
        self.assertNotEqual(kind("When", ["12/03/21", "01/04/27", "05/06/28"]), "crime_ref")

    def test_a_document_number_column_is_not_crime_reference_numbers(self) -> None:
        self.assertIsNone(kind("Document no", ["DOC-2021-0045", "HR/2020/113", "FIN-19-22"]))

    def test_real_crime_references_are_still_found_without_a_header(self) -> None:
        self.assertEqual(kind("Ref", ["CR/012345/21", "12/34567/22", "INC-2021-004512"]), "crime_ref")

    def test_a_us_zip_column_is_not_uk_postcodes(self) -> None:
        self.assertIsNone(kind("Zip", ["90210", "10001", "60614"]))

    def test_a_zip_column_of_uk_postcodes_is_still_postcodes(self) -> None:
        self.assertEqual(kind("Zip", ["SW1A 1AA", "M1 1AE"]), "postcode")

    def test_a_date_of_birth_column_must_hold_dates(self) -> None:
        self.assertIsNone(kind("DOB", ["yes", "no", "yes"]))

    def test_a_postcode_column_of_placeholders_is_only_worth_a_look(self) -> None:
        found = detect_column(0, "Postcode", ["n/a", "unknown"], today=TODAY)
        assert found is not None
        self.assertLess(found.confidence, 0.45)

    def test_a_column_where_few_values_have_the_shape_does_not_fail(self) -> None:
        found = detect_column(0, "Postcode", ["SW1A 1AA", "Leeds", "York", "Hull"], today=TODAY)
        assert found is not None
        self.assertLess(found.confidence, 0.45)

    def test_a_spreadsheet_with_dates_and_document_numbers_beside_counts_passes(self) -> None:
        wb = files.summary_workbook()
        ws = wb.create_sheet("Requests")
        ws.append(["Date", "Document reference", "Zip", "Pages"])
        ws.append(["12/03/21", "DOC-2021-0045", "90210", 3])
        ws.append(["01/04/21", "HR/2020/113", "10001", 7])
        ws.append(["05/06/21", "FIN-19-22", "60614", 2])
        report = check(files.save(wb))
        self.assertEqual(report.verdict, "pass", [f.title for f in report.findings])


class OffenceWordsTests(SimpleTestCase):
    def test_a_privacy_notice_paragraph_in_word_is_not_offence_data(self) -> None:
        report = check(files.docx(para(NOTICE) + para("Contact the DPO at dpo@example.org")), "notice.docx")
        [finding] = report.of_kind("personal_data")
        self.assertNotIn("offence", finding.title)
        self.assertNotIn("criminal", [c.code for c in finding.categories])

    def test_a_notice_in_a_sheet_beside_a_contact_list_is_not_offence_data(self) -> None:
        wb = files.summary_workbook()
        ws = wb.create_sheet("Contacts")
        ws.append(["Name", "Email", "Notes"])
        ws.append(["Mary Brown", "mary@example.org", NOTICE])
        ws.append(["David Wilson", "david@example.org", ""])
        columns = personal_columns(check(files.save(wb)))
        self.assertEqual(columns, {"Name": "names", "Email": "email addresses"})

    def test_offence_descriptions_next_to_names_are_still_found(self) -> None:
        found = detect_table(["Name", "Details"], [["Mary Brown", "Assault by partner at home"],
                                                   ["David Wilson", "Harassment by neighbour"]], today=TODAY)
        self.assertEqual([(m.kind.code, m.confidence >= 0.45) for m in found], [("name", True), ("offence", True)])

    def test_offence_words_alone_in_free_text_are_not_offence_data(self) -> None:
        self.assertEqual(find_in_text("Figures on domestic violence are published monthly."), [])

    def test_offence_words_beside_a_person_in_free_text_are(self) -> None:
        found = {k.code for k, _ in find_in_text("Mary Brown, SW1A 1AA: assault by partner")}
        self.assertIn("offence", found)


class DefaultHiddenRowsTests(SimpleTestCase):
    ZERO_HEIGHT = ('<sheetFormatPr baseColWidth="8" defaultRowHeight="15" />',
                   '<sheetFormatPr baseColWidth="8" defaultRowHeight="15" zeroHeight="1" />')

    def sheet(self, row_attrs: str) -> bytes:
        """The summary sheet, rows hidden by default, with row 1–3 given `row_attrs`."""
        data = files.patch(files.clean_xlsx(), edit={"xl/worksheets/sheet1.xml": self.ZERO_HEIGHT})
        for n in (1, 2, 3):
            data = files.patch(data, edit={"xl/worksheets/sheet1.xml": (f'<row r="{n}"', f'<row r="{n}" {row_attrs}')})
        return data

    def test_rows_with_an_explicit_height_count_as_visible(self) -> None:
        [finding] = check(self.sheet('ht="15" customHeight="1"')).of_kind("hidden_rows")
        self.assertEqual(finding.location.range, "rows 4")

    def test_a_height_without_the_custom_flag_also_counts_as_visible(self) -> None:
        [finding] = check(self.sheet('ht="20"')).of_kind("hidden_rows")
        self.assertEqual(finding.location.range, "rows 4")

    def test_a_zero_height_is_still_hidden(self) -> None:
        [finding] = check(self.sheet('ht="0" customHeight="1"')).of_kind("hidden_rows")
        self.assertEqual(finding.location.range, "rows 1–4")


class CsvEncodingTests(SimpleTestCase):
    ROWS = ["Name,Email", "Mary Brown,mary@example.org", "David Wilson,david@example.org"]

    def columns(self, data: bytes) -> list[str]:
        return [f.location.range for f in check(data, "people.csv").of_kind("personal_data")]

    def test_it_reads_cr_only_line_endings(self) -> None:
        self.assertEqual(self.columns("\r".join(self.ROWS).encode()), ["column 1 “Name”", "column 2 “Email”"])

    def test_it_reads_utf16_with_a_byte_order_mark(self) -> None:
        data = "\r\n".join(self.ROWS).encode("utf-16")
        self.assertEqual(self.columns(data), ["column 1 “Name”", "column 2 “Email”"])

    def test_it_reads_big_endian_utf16_tab_separated_text(self) -> None:
        data = b"\xfe\xff" + "\r\n".join(r.replace(",", "\t") for r in self.ROWS).encode("utf-16-be")
        self.assertEqual(self.columns(data), ["column 1 “Name”", "column 2 “Email”"])

    def test_utf16_without_a_marker_is_refused_in_plain_words(self) -> None:
        with self.assertRaises(Refused) as caught:
            check("\n".join(self.ROWS).encode("utf-16-le"), "people.csv")
        self.assertEqual(caught.exception.code, "not_text")

    def test_a_cell_too_long_for_csv_is_refused_without_pythons_message(self) -> None:
        with self.assertRaises(Refused) as caught:
            check(("Name,Note\nMary Brown," + "x" * 140_000 + "\n").encode(), "long.csv")
        self.assertEqual(caught.exception.code, "corrupt")
        self.assertIn("longer than", caught.exception.message)
        self.assertNotIn("field limit", caught.exception.message)
