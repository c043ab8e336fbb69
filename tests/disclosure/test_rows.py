"""The rows a file exposed become people in the import template's shape."""

from __future__ import annotations

from django.test import SimpleTestCase

from incidents.disclosure.report import Location, Table
from incidents.disclosure.rows import TEMPLATE_KEYS, exposed_people, table_people
from tests.disclosure import files
from tests.disclosure.files import check


class ExposedPeopleTests(SimpleTestCase):
    def test_the_pivot_cache_records_become_people_with_their_categories(self) -> None:
        people = exposed_people(check(files.pivot_xlsx()))
        self.assertEqual([p["full_name"] for p in people], ["Mary Brown", "David Wilson", "Sarah Taylor"])
        mary = people[0]
        self.assertEqual(tuple(mary), TEMPLATE_KEYS)
        self.assertEqual(mary["reference"], "CR/012345/21")
        self.assertEqual(mary["date_of_birth"], "1984-03-02")
        self.assertEqual(mary["postcode"], "SW1A 1AA")
        self.assertEqual(mary["categories"], ["basic_identifiers", "criminal"])

    def test_the_staff_on_a_hidden_sheet_become_people(self) -> None:
        people = exposed_people(check(files.hidden_sheet_xlsx()))
        self.assertEqual([(p["full_name"], p["email"]) for p in people],
                         [(n, e) for n, _r, e in files.STAFF[1:]])

    def test_a_clean_file_exposes_nobody(self) -> None:
        self.assertEqual(exposed_people(check(files.clean_xlsx())), [])

    def test_a_person_in_two_tables_is_listed_once_with_both_tables_categories(self) -> None:
        rows = [["Mary Brown", "SW1A 1AA"]]
        report = check(files.clean_xlsx())
        report.tables = [
            Table("a", Location("a"), ["Name", "Postcode"], rows),
            Table("b", Location("b"), ["Name", "Postcode", "Offence"],
                  [["Mary Brown", "SW1A 1AA", "Assault by partner at home"]]),
        ]
        [person] = exposed_people(report)
        self.assertEqual(person["categories"], ["basic_identifiers", "criminal"])

    def test_it_splits_one_address_column_and_joins_first_and_last_names(self) -> None:
        table = Table("t", Location("t"), ["Forename", "Surname", "Address", "Role", "DOB"], [
            ["Mary", "Brown", "Flat 2, 1 High Street, Leeds, LS1 4AP", "Victim", "02/03/1984"],
        ])
        [person] = table_people(table)
        self.assertEqual(person["full_name"], "Mary Brown")
        self.assertEqual((person["address_line_1"], person["address_line_2"], person["town"], person["postcode"]),
                         ("Flat 2", "1 High Street", "Leeds", "LS1 4AP"))
        self.assertEqual(person["role"], "victim")
        self.assertEqual(person["date_of_birth"], "1984-03-02")

    def test_surname_first_names_are_turned_round(self) -> None:
        table = Table("t", Location("t"), ["Name"], [["BROWN, Mary"], ["WILSON, David"]])
        self.assertEqual([p["full_name"] for p in table_people(table)], ["Mary Brown", "David Wilson"])

    def test_rows_without_a_name_are_skipped(self) -> None:
        table = Table("t", Location("t"), ["Name", "Email"], [["Mary Brown", "m@example.org"], ["", "x@example.org"]])
        self.assertEqual(len(table_people(table)), 1)

    def test_an_impossible_date_of_birth_is_left_blank(self) -> None:
        table = Table("t", Location("t"), ["Name", "DOB"], [["Mary Brown", "31/02/1984"], ["David Wilson", "01/01/1990"]])
        self.assertEqual(table_people(table)[0]["date_of_birth"], "")
