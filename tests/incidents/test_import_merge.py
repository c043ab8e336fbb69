"""De-duplication: one person, one subject, whatever the file says twice."""

from __future__ import annotations

from datetime import date

from incidents.models import DataSubject, IncidentCategory
from incidents.people.models import match_keys
from incidents.vocab import roles_to_mask
from tests.base import BaseTestCase, category, make_incident, make_subject
from tests.incidents.imports import confirm, csv_bytes, import_rows, person, snapshot, upload


class MergeWithinFileTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo, regime="dpa_part3")

    def test_it_merges_the_same_name_and_date_of_birth_and_combines_roles_and_categories(self) -> None:
        result = import_rows(self.incident, self.handler, [
            person("Alex Example", role="Victim", postcode="", categories="Health data"),
            person("ALEX  example", role="Witness", postcode="LS1 4AP", categories="criminal"),
        ])
        subject = DataSubject.objects.get()
        self.assertEqual(subject.roles, roles_to_mask(["victim", "witness"]))
        self.assertEqual(subject.categories_mask, category("health").mask | category("criminal").mask)
        self.assertEqual(subject.postcode, "LS1 4AP", "a blank is filled from the other row")
        self.assertEqual((result.rows_merged, result.subjects_created), (1, 1))
        merge = result.issues.get(kind="merged")
        self.assertEqual(merge.row, 3)
        self.assertIn("same name and date of birth as row 2", merge.message)

    def test_it_merges_the_same_name_and_postcode(self) -> None:
        import_rows(self.incident, self.handler, [person(dob="", postcode="sw1a1aa"), person(dob="", postcode="SW1A 1AA")])
        self.assertEqual(DataSubject.objects.count(), 1)

    def test_it_merges_the_same_name_and_email_ignoring_case(self) -> None:
        result = import_rows(self.incident, self.handler, [
            person(dob="", postcode="", email="Alex@Example.org"), person(dob="", postcode="", email="alex@example.org")])
        self.assertEqual(DataSubject.objects.count(), 1)
        self.assertIn("same name and email", result.issues.get(kind="merged").message)

    def test_it_ignores_accents_punctuation_and_case_in_names(self) -> None:
        import_rows(self.incident, self.handler, [person("Siân O'Brien"), person("sian o brien"), person("SIAN O’BRIEN")])
        self.assertEqual(DataSubject.objects.get().full_name, "Siân O'Brien")

    def test_it_keeps_apart_people_with_the_same_name_and_nothing_else_in_common(self) -> None:
        import_rows(self.incident, self.handler, [person(dob="1980-01-01", postcode="LS1 4AP"),
                                                  person(dob="1990-01-01", postcode="M1 1AE")])
        self.assertEqual(DataSubject.objects.count(), 2)

    def test_it_joins_two_rows_linked_through_a_third(self) -> None:
        # Row 2 and row 3 share nothing; row 4 shares a birth date with 2 and an email with 3.
        result = import_rows(self.incident, self.handler, [
            person(dob="1980-01-01", postcode="", email="", role="Victim"),
            person(dob="", postcode="", email="a@example.org", role="Witness"),
            person(dob="1980-01-01", postcode="", email="a@example.org", role="Suspect"),
        ])
        subject = DataSubject.objects.get()
        self.assertEqual(subject.roles, roles_to_mask(["victim", "witness", "suspect"]))
        self.assertEqual(result.rows_merged, 2)

    def test_it_reports_a_conflicting_value_it_did_not_keep(self) -> None:
        result = import_rows(self.incident, self.handler, [person(postcode="LS1 4AP"), person(postcode="M1 1AE")])
        self.assertIn("postcode: kept “LS1 4AP”, ignored “M1 1AE”", result.issues.get(kind="merged").message)

    def test_a_do_not_write_flag_on_either_row_wins(self) -> None:
        headers = ["Full name", "Date of birth", "Role", "Do not write", "Preferred channel", "Phone"]
        import_rows(self.incident, self.handler, [["Alex Example", "1980-04-01", "Victim", "no", "letter", ""],
                                                  ["Alex Example", "1980-04-01", "Victim", "yes", "phone", "0113 496 0000"]],
                    headers=headers)
        subject = DataSubject.objects.get()
        self.assertEqual((subject.do_not_write, subject.preferred_channel), (True, "phone"))


class MergeWithExistingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        cls.existing = make_subject(cls.incident, actor=cls.dpo, full_name="Alex Example", postcode="SW1A 1AA",
                                    roles=roles_to_mask(["victim"]))

    def test_it_merges_a_row_into_a_person_already_recorded(self) -> None:
        result = import_rows(self.incident, self.handler, [person(role="Witness", categories="Location data")])
        subject = DataSubject.objects.get()
        self.assertEqual(subject.pk, self.existing.pk)
        self.assertEqual(subject.roles, roles_to_mask(["victim", "witness"]))
        self.assertEqual(subject.date_of_birth.isoformat(), "1980-04-01")
        self.assertEqual((result.subjects_created, result.subjects_updated), (0, 1))
        latest = subject.history.first()
        self.assertEqual((latest.history_type, latest.history_user), ("~", self.handler))
        self.assertIn(f"Merged into person {self.existing.pk}", result.issues.get(kind="merged").message)

    def test_a_merge_keeps_what_it_does_not_touch_in_the_row_and_its_history(self) -> None:
        # The merge decrypts only the fields it reads; the rest is copied as stored, so a
        # note, a representative and the recorded values must come through exactly.
        subject = DataSubject.objects.get(pk=self.existing.pk)
        subject.notes = "Prefers calls after 6pm."
        subject.representative_name = "Pat Example"
        subject.representative_address = "2 Example Street, London"
        subject.phone = "0113 496 0000"
        subject.save()
        import_rows(self.incident, self.handler, [person(role="Witness", email="alex@example.org")])
        merged = DataSubject.objects.get(pk=self.existing.pk)
        latest = merged.history.first()
        for row in (merged, latest):
            self.assertEqual((row.notes, row.representative_name, row.representative_address, row.phone),
                             ("Prefers calls after 6pm.", "Pat Example", "2 Example Street, London", "0113 496 0000"))
            self.assertEqual((row.full_name, row.postcode, row.email, row.date_of_birth.isoformat()),
                             ("Alex Example", "SW1A 1AA", "alex@example.org", "1980-04-01"))
            self.assertEqual(row.roles, roles_to_mask(["victim", "witness"]))
        self.assertEqual(latest.history_type, "~")
        self.assertEqual(merged.match_keys, " ".join(match_keys("Alex Example", date(1980, 4, 1), "SW1A 1AA",
                                                                "alex@example.org")), "found again by the birth date now known")

    def test_it_does_not_merge_with_people_of_another_incident(self) -> None:
        other = make_incident(actor=self.dpo)
        import_rows(other, self.handler, [person()])
        self.assertEqual(DataSubject.objects.filter(incident=other).count(), 1)
        self.assertEqual(DataSubject.objects.get(pk=self.existing.pk).date_of_birth, None)

    def test_a_second_file_with_the_same_people_changes_nothing(self) -> None:
        rows = [person("Alex Example"), person("Sam Example", dob="1990-02-02", postcode="LS1 4AP", role="Witness")]
        import_rows(self.incident, self.handler, rows)
        before = snapshot(self.incident)
        result = import_rows(self.incident, self.handler, list(reversed(rows)))  # another file: other order
        self.assertEqual(snapshot(self.incident), before, "no new subject, no change, no new history row")
        self.assertEqual((result.subjects_created, result.subjects_updated, result.subjects_unchanged), (0, 0, 2))

    def test_the_check_predicts_what_the_import_will_do(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(role="Witness"), person("New Person")]))
        self.assertEqual((result.subjects_created, result.subjects_updated), (1, 1))
        self.assertEqual(DataSubject.objects.count(), 1, "checking writes nothing")
        done = confirm(result, self.handler)
        self.assertEqual((done.subjects_created, done.subjects_updated), (1, 1))

    def test_imported_categories_become_exposed_categories_of_the_incident(self) -> None:
        import_rows(self.incident, self.handler, [person("New Person", categories="Health data; Location data")])
        exposed = set(IncidentCategory.objects.filter(incident=self.incident).values_list("category__code", flat=True))
        self.assertEqual(exposed, {"health", "location"})


class MergeConflictWithExistingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        cls.existing = make_subject(cls.incident, actor=cls.dpo, full_name="Alex Example", postcode="SW1A 1AA",
                                    email="alex@example.org")

    def test_it_keeps_the_recorded_value_and_reports_the_other(self) -> None:
        result = import_rows(self.incident, self.handler, [person(postcode="LS1 4AP", email="alex@example.org")])
        self.assertEqual(DataSubject.objects.get().postcode, "SW1A 1AA")
        self.assertIn("postcode: kept “SW1A 1AA”, ignored “LS1 4AP”", result.issues.get(kind="note").message)
