"""People's contact details are encrypted at rest, in the table and in its history."""
from __future__ import annotations

import datetime
from io import StringIO

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from breachtracker import crypto
from incidents.people import services
from incidents.models import DataSubject
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import import_rows, person
from tests.notifications.helpers import isolated_media

SECRET_VALUES = ("Zebedee Quartermain", "zebedee@example.org", "SW1A 2AA", "77 Hidden Lane", "Secretville",
                 "07700 900999", "Lives with the suspect", "1971-02-03")
TABLES = ("incidents_datasubject", "incidents_historicaldatasubject")


def dump() -> str:
    """Every text value of both subject tables, as a database dump would show them."""
    out = []
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            out.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(out)


class EncryptedAtRestTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def _make(self) -> DataSubject:
        return make_subject(self.incident, actor=self.handler, full_name="Zebedee Quartermain",
                            email="zebedee@example.org", postcode="SW1A 2AA", address_line_1="77 Hidden Lane",
                            town="Secretville", phone="07700 900999", notes="Lives with the suspect",
                            date_of_birth=datetime.date(1971, 2, 3))

    def test_a_dump_of_the_subject_tables_shows_no_personal_data(self) -> None:
        subject = self._make()
        services.subject_update(subject=subject, actor=self.handler, fields={"notes": "Lives with the suspect"})
        text = dump()
        for value in SECRET_VALUES:
            self.assertNotIn(value, text)
        self.assertNotIn("zebedee", text.lower())

    def test_the_app_reads_the_values_back(self) -> None:
        subject = DataSubject.objects.get(pk=self._make().pk)
        self.assertEqual((subject.full_name, subject.email, subject.postcode, subject.date_of_birth),
                         ("Zebedee Quartermain", "zebedee@example.org", "SW1A 2AA", datetime.date(1971, 2, 3)))
        self.assertEqual(subject.history.first().full_name, "Zebedee Quartermain")

    def test_an_empty_value_stays_empty(self) -> None:
        subject = DataSubject.objects.get(pk=make_subject(self.incident, email="", phone="").pk)
        self.assertEqual((subject.email, subject.phone, subject.date_of_birth), ("", "", None))

    def test_an_import_writes_encrypted_rows_and_history(self) -> None:
        import_rows(self.incident, self.dpo, [person("Zebedee Quartermain", "1971-02-03", postcode="SW1A 2AA",
                                                     email="zebedee@example.org")])
        text = dump()
        for value in ("Zebedee Quartermain", "zebedee@example.org", "SW1A 2AA", "1971-02-03"):
            self.assertNotIn(value, text)
        subject = self.incident.subjects.get()
        self.assertEqual((subject.full_name, subject.postcode), ("Zebedee Quartermain", "SW1A 2AA"))
        self.assertEqual(subject.history.get().email, "zebedee@example.org")

    def test_an_import_update_of_a_known_person_stays_encrypted(self) -> None:
        import_rows(self.incident, self.dpo, [person("Zebedee Quartermain", "1971-02-03")])
        import_rows(self.incident, self.dpo, [person("Zebedee Quartermain", "1971-02-03", email="zebedee@example.org")])
        self.assertEqual(self.incident.subjects.get().email, "zebedee@example.org")
        self.assertEqual(DataSubject.history.filter(incident_id=self.incident.pk).count(), 2)
        self.assertNotIn("zebedee@example.org", dump())

    def test_a_second_import_still_finds_the_same_person(self) -> None:
        import_rows(self.incident, self.dpo, [person("Zebedee Quartermain", "1971-02-03")])
        import_rows(self.incident, self.dpo, [person("ZEBEDEE QUARTERMAIN", "1971-02-03")])
        self.assertEqual(self.incident.subjects.count(), 1)


class BlindIndexSearchTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        make_subject(self.incident, full_name="Zebedee  Quartermain")
        import_rows(self.incident, self.dpo, [person("Ada Imported", reference="CR/77")])

    def _search(self, q: str) -> str:
        self.login(self.auditor)
        return self.client.post(reverse("subject_list", args=[self.incident.reference]), {"q": q},
                                follow=True).content.decode()

    def test_a_full_name_finds_the_person_whatever_the_case_and_spacing(self) -> None:
        self.assertIn("Zebedee  Quartermain", self._search(" zebedee quartermain "))

    def test_an_imported_person_is_found_by_name_and_by_reference(self) -> None:
        self.assertIn("Ada Imported", self._search("ada imported"))
        self.assertIn("Ada Imported", self._search("cr/77"))

    def test_part_of_a_name_does_not_match(self) -> None:
        self.assertNotIn("Quartermain", self._search("zebedee"))

    def test_the_index_is_keyed(self) -> None:
        plain = crypto.blind_index("zebedee quartermain")
        with override_settings(FIELD_KEYS=[Fernet.generate_key().decode()]):
            self.assertNotEqual(crypto.blind_index("zebedee quartermain"), plain)


class KeyRotationTests(BaseTestCase):
    @isolated_media  # a media folder of its own: rotation rewrites every stored file
    def test_rotation_re_encrypts_under_the_new_key_and_keeps_search_working(self) -> None:
        incident = make_incident(actor=self.dpo)
        subject = make_subject(incident, full_name="Zebedee Quartermain", email="zebedee@example.org")
        old = list(crypto.settings.FIELD_KEYS)
        new = Fernet.generate_key().decode()
        with override_settings(FIELD_KEYS=[new, *old]):
            call_command("rotate_field_keys", stdout=StringIO())
        with override_settings(FIELD_KEYS=[new]):
            fresh = DataSubject.objects.get(pk=subject.pk)
            self.assertEqual((fresh.full_name, fresh.email), ("Zebedee Quartermain", "zebedee@example.org"))
            self.assertEqual(fresh.history.get().email, "zebedee@example.org")
            self.assertEqual(list(DataSubject.objects.search("zebedee quartermain")), [fresh])

    def test_a_value_no_key_can_read_is_an_error_not_a_silent_ciphertext(self) -> None:
        subject = make_subject(make_incident(actor=self.dpo))
        with override_settings(FIELD_KEYS=[Fernet.generate_key().decode()]), self.assertRaises(ImproperlyConfigured):
            DataSubject.objects.get(pk=subject.pk)


class MigrationTests(BaseTestCase):
    def test_the_migration_encrypts_people_recorded_before_it(self) -> None:
        import importlib
        from types import SimpleNamespace

        migration = importlib.import_module("incidents.migrations.0006_security_encrypt_subjects")
        incident = make_incident(actor=self.dpo)
        subject = make_subject(incident)
        with connection.cursor() as cursor:  # as the row was before the migration: plaintext
            cursor.execute("UPDATE incidents_datasubject SET full_name = %s, email = %s, date_of_birth = %s, "
                           "name_index = '' WHERE id = %s",
                           ["Zebedee Quartermain", "zebedee@example.org", "1971-02-03", subject.pk])
        migration.encrypt_existing(None, SimpleNamespace(connection=connection))
        self.assertNotIn("Zebedee", dump())
        fresh = DataSubject.objects.get(pk=subject.pk)
        self.assertEqual((fresh.full_name, fresh.email, fresh.date_of_birth),
                         ("Zebedee Quartermain", "zebedee@example.org", datetime.date(1971, 2, 3)))
        self.assertEqual(list(DataSubject.objects.search("zebedee quartermain")), [fresh])
