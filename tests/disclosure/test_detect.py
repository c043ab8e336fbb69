"""Personal-data detection by header and content, and masking of the samples shown."""

from __future__ import annotations

from datetime import date

from django.test import SimpleTestCase

from incidents.disclosure.detect import detect_column, detect_table, find_in_text, mask
from incidents.vocab import DATA_CATEGORY_SEEDS

TODAY = date(2026, 11, 24)


def kind(header: str, values: list[str]) -> str | None:
    found = detect_column(0, header, values, today=TODAY)
    return found.kind.code if found else None


class DetectTests(SimpleTestCase):
    def test_it_recognises_each_kind_by_header_and_content(self) -> None:
        cases = {
            "name": ("Victim name", ["Mary Brown", "David Wilson"]),
            "dob": ("DOB", ["1984-03-02", "02/03/1990"]),
            "address": ("Home address", ["1 High Street, Leeds", "22 Mill Lane, York"]),
            "postcode": ("Postcode", ["SW1A 1AA", "M1 1AE"]),
            "email": ("Email", ["mary@example.org", "d@example.org"]),
            "phone": ("Mobile", ["07700 900123", "+44 7700 900456"]),
            "nino": ("NI number", ["AB123456C", "CE 12 34 56 D"]),
            "crime_ref": ("Crime reference", ["CR/012345/21", "12/34567/22"]),
            "offence": ("Circumstances", ["Victim assaulted by partner", "Harassment by neighbour"]),
        }
        for expected, (header, values) in cases.items():
            with self.subTest(expected):
                self.assertEqual(kind(header, values), expected)

    def test_it_recognises_content_without_a_header(self) -> None:
        self.assertEqual(kind("Col7", ["SW1A 1AA", "M1 1AE", "LS1 4AP"]), "postcode")
        self.assertEqual(kind("", ["Mary Brown", "David Wilson"]), "name")

    def test_place_names_are_not_people(self) -> None:
        self.assertIsNone(kind("Area", ["North Yorkshire", "West Midlands", "Greater Manchester"]))

    def test_numbers_and_months_are_not_personal_data(self) -> None:
        self.assertIsNone(kind("Count", ["12", "9"]))
        self.assertIsNone(kind("Month", ["January", "February"]))

    def test_an_invalid_national_insurance_prefix_is_not_matched(self) -> None:
        self.assertIsNone(kind("Code", ["GB123456A", "BG123456A"]))

    def test_confidence_is_higher_with_header_and_content_than_content_alone(self) -> None:
        both = detect_column(0, "Postcode", ["SW1A 1AA", "M1 1AE"], today=TODAY)
        alone = detect_column(0, "X", ["SW1A 1AA", "M1 1AE"], today=TODAY)
        assert both and alone
        self.assertGreater(both.confidence, alone.confidence)

    def test_a_header_with_values_that_do_not_match_is_low_confidence(self) -> None:
        found = detect_column(0, "Email", ["n/a", "none", "unknown"], today=TODAY)
        assert found
        self.assertLess(found.confidence, 0.45)

    def test_special_categories_count_only_next_to_an_identifier(self) -> None:
        alone = detect_table(["Ethnicity", "Count"], [["White British", "3"]], today=TODAY)
        beside = detect_table(["Name", "Ethnicity"], [["Mary Brown", "White British"]], today=TODAY)
        self.assertLess(alone[0].confidence, 0.45)
        self.assertEqual(beside[1].kind.category, "racial_ethnic")
        self.assertGreaterEqual(beside[1].confidence, 0.45)

    def test_every_kind_maps_to_an_ico_category(self) -> None:
        from incidents.disclosure.detect import KINDS

        codes = {seed.code for seed in DATA_CATEGORY_SEEDS}
        for k in KINDS.values():
            self.assertIn(k.category, codes)

    def test_it_finds_personal_data_in_free_text(self) -> None:
        found = {k.code for k, _ in find_in_text("Ring John Smith on 07700 900123 at SW1A 1AA re the assault")}
        self.assertEqual(found, {"name", "phone", "postcode", "offence"})


class MaskTests(SimpleTestCase):
    def test_masks(self) -> None:
        self.assertEqual(mask("name", "John Smith"), "J*** S****")
        self.assertEqual(mask("postcode", "sw1a 1aa"), "SW1A ***")
        self.assertEqual(mask("email", "john.smith@police.example.org"), "j***@***.org")
        self.assertEqual(mask("phone", "07700 900123"), "07*** ***23")
        self.assertEqual(mask("nino", "AB123456C"), "AB ** ** ** *")
        self.assertEqual(mask("dob", "1984-03-02"), "**/**/19**")
        self.assertEqual(mask("crime_ref", "CR/012345/21"), "CR/******/**")

    def test_a_masked_value_never_contains_the_value(self) -> None:
        for k, value in (("name", "Bo Li"), ("email", "x@y.co"), ("offence", "Assault on Mary Brown")):
            self.assertNotIn(value, mask(k, value))
