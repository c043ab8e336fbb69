"""The pure parts of the importer: names, dates, delimiters, exported cells."""

from __future__ import annotations

from datetime import date

from django.test import SimpleTestCase

from incidents.imports.reader import auto_mapping, neutralise, normalise_name, parse_date, person_keys, sniff_delimiter
from incidents.vocab import DATA_CATEGORY_SEEDS


class ImporterTests(SimpleTestCase):
    def test_it_normalises_names_for_matching(self) -> None:
        self.assertEqual(normalise_name("  Siân   O'Brien-Jones, Jr. "), "sian o brien jones jr")
        self.assertEqual(normalise_name("ZOË"), normalise_name("zoe"))

    def test_a_person_without_name_has_no_key(self) -> None:
        self.assertEqual(person_keys("", date(1980, 1, 1), "SW1A 1AA", "a@example.org"), [])

    def test_it_reads_dates_in_the_formats_people_type(self) -> None:
        for text in ("1980-04-01", "01/04/1980", "01-04-1980", "01.04.1980", "1 Apr 1980", "1980-04-01T00:00:00"):
            self.assertEqual(parse_date(text), date(1980, 4, 1), text)
        for text in ("1980-02-30", "04/31/1980", "yesterday", "=TODAY()", "31/02/1985", "not known", "12", "1980"):
            self.assertIsNone(parse_date(text), text)

    def test_it_reads_the_dates_spreadsheets_write(self) -> None:
        # Issue 15: each of these was refused and the person dropped.
        for text in ("29282", "29282.0", "02-Mar-1980", "2-March-1980", "March 2, 1980", "Mar 2 1980",
                     "02/03/1980 00:00", "1980-03-02 00:00:00", " 2  March   1980 "):
            self.assertEqual(parse_date(text), date(1980, 3, 2), text)

    def test_two_digit_years_pivot_at_30(self) -> None:
        self.assertEqual(parse_date("02/03/80"), date(1980, 3, 2))
        self.assertEqual(parse_date("02/03/05"), date(2005, 3, 2))
        self.assertEqual(parse_date("02-Mar-29"), date(2029, 3, 2))

    def test_it_sniffs_the_delimiter_from_the_header_outside_quotes(self) -> None:
        self.assertEqual(sniff_delimiter("Full name;Role;Postcode"), ";")
        self.assertEqual(sniff_delimiter('"Smith; Jones",Role'), ",")

    def test_it_neutralises_cells_a_spreadsheet_would_run(self) -> None:
        for text in ("=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"):
            self.assertEqual(neutralise(text), "'" + text)
        self.assertEqual(neutralise("Alex"), "Alex")
        self.assertEqual(neutralise(None), "")

    def test_it_matches_headers_ignoring_case_spaces_and_punctuation(self) -> None:
        mapping = auto_mapping(["FULL NAME", "date_of_birth", "Health Data", "Mystery", "full-name"], DATA_CATEGORY_SEEDS)
        self.assertEqual(mapping, ["full_name", "date_of_birth", "cat:health", "", ""])
