"""The people an incident already has are found by their stored matching keys (blind
indexes, `DataSubject.match_keys`), never by decrypting them: the keys must follow every change
of a name, date of birth, postcode or email — by hand, by an import's merge, by key rotation,
by retention — and be filled for people recorded before they existed."""

from __future__ import annotations

import datetime
import importlib
from io import StringIO

from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from breachtracker import crypto
from incidents.models import DataSubject
from incidents.people import services
from incidents.people.models import match_keys
from incidents.retention import incident_purge_people
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import import_rows, person
from tests.notifications.helpers import isolated_media


def stored(subject: DataSubject) -> str:
    return DataSubject.objects.filter(pk=subject.pk).values_list("match_keys", flat=True).get()


def recomputed(subject: DataSubject) -> str:
    fresh = DataSubject.objects.get(pk=subject.pk)
    return " ".join(match_keys(fresh.full_name, fresh.date_of_birth, fresh.postcode, fresh.email))


class MatchKeyTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def test_keys_hold_no_name_and_follow_an_edit(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, full_name="Zebedee Quartermain",
                               date_of_birth=datetime.date(1971, 2, 3), postcode="SW1A 1AA")
        keys = stored(subject)
        self.assertEqual([k[0] for k in keys.split()], ["d", "p"])
        self.assertNotIn("zebedee", keys.lower())
        services.subject_update(subject=subject, actor=self.dpo, fields={"postcode": "LS1 4AP",
                                                                          "email": "z@example.org"})
        self.assertEqual([k[0] for k in stored(subject).split()], ["d", "p", "e"])
        self.assertEqual(stored(subject), recomputed(subject))
        self.assertNotEqual(stored(subject).split()[1], keys.split()[1], "the postcode key changed with it")

    def test_an_import_matches_a_person_by_what_was_edited_by_hand(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, full_name="Zebedee Quartermain", postcode="SW1A 1AA")
        services.subject_update(subject=subject, actor=self.dpo, fields={"postcode": "LS1 4AP"})
        result = import_rows(self.incident, self.dpo, [person("zebedee  QUARTERMAIN", "", postcode="ls14ap")])
        self.assertEqual((result.subjects_created, result.rows_merged_existing), (0, 1))

    def test_a_merge_by_the_import_updates_the_keys(self) -> None:
        import_rows(self.incident, self.dpo, [person("Ann Example", "1980-04-01", postcode="")])
        subject = DataSubject.objects.get(incident=self.incident)
        self.assertEqual([k[0] for k in stored(subject).split()], ["d"])
        # The second file adds her postcode; a third finds her by name and postcode alone.
        import_rows(self.incident, self.dpo, [person("Ann Example", "1980-04-01", postcode="M1 1AE")])
        self.assertEqual(stored(subject), recomputed(subject))
        result = import_rows(self.incident, self.dpo, [person("Ann Example", "", postcode="M1 1AE")])
        self.assertEqual((result.subjects_created, result.rows_merged_existing), (0, 1))

    @isolated_media  # a media folder of its own: rotation rewrites every stored file
    def test_rotation_recomputes_the_keys_under_the_new_key(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, full_name="Zebedee Quartermain",
                               date_of_birth=datetime.date(1971, 2, 3))
        old, new = list(crypto.settings.FIELD_KEYS), Fernet.generate_key().decode()
        before = stored(subject)
        with override_settings(FIELD_KEYS=[new, *old]):
            call_command("rotate_field_keys", stdout=StringIO())
        with override_settings(FIELD_KEYS=[new]):
            self.assertNotEqual(stored(subject), before)
            self.assertEqual(stored(subject), recomputed(subject))
            result = import_rows(self.incident, self.dpo, [person("Zebedee Quartermain", "1971-02-03")])
            self.assertEqual((result.subjects_created, result.rows_merged_existing), (0, 1))

    def test_retention_blanks_the_keys(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, full_name="Zebedee Quartermain", postcode="SW1A 1AA")
        incident_purge_people(incident=self.incident, actor=self.dpo, reason="Retention period over")
        self.assertEqual(stored(subject), "")
        self.assertEqual(DataSubject.history.filter(id=subject.pk).exclude(match_keys="").count(), 0)

    def test_the_migration_fills_the_keys_of_people_recorded_before_it(self) -> None:
        migration = importlib.import_module("incidents.migrations.0019_subject_match_keys")
        first = make_subject(self.incident, actor=self.dpo, full_name="Zebedee Quartermain", postcode="SW1A 1AA")
        second = make_subject(self.incident, actor=self.dpo, full_name="Ann Example", email="ann@example.org")
        with connection.cursor() as cursor:  # as the rows were before the migration
            cursor.execute("UPDATE incidents_datasubject SET match_keys = ''")
        migration.fill_match_keys(apps, None)
        self.assertEqual((stored(first), stored(second)), (recomputed(first), recomputed(second)))
        self.assertNotEqual(stored(first), "")


class ImportIssueMigrationTests(BaseTestCase):
    def test_0017_encrypts_the_raw_values_kept_in_import_reports(self) -> None:
        from types import SimpleNamespace

        from incidents.models import SubjectImportIssue
        from tests.incidents.imports import csv_bytes, upload

        migration = importlib.import_module("incidents.migrations.0017_import_tables_and_dates")
        incident = make_incident(actor=self.dpo)
        result = upload(incident, self.dpo, csv_bytes([person("Ann Example", "31/02/1985")]))
        [issue] = [i for i in SubjectImportIssue.objects.filter(subject_import=result) if i.value == "31/02/1985"]
        with connection.cursor() as cursor:  # as the row was before the migration: plain text
            cursor.execute("UPDATE incidents_subjectimportissue SET value = %s WHERE id = %s", ["31/02/1985", issue.pk])
        migration.encrypt_existing(None, SimpleNamespace(connection=connection))
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM incidents_subjectimportissue WHERE id = %s", [issue.pk])
            stored = cursor.fetchone()[0]
        self.assertTrue(stored.startswith(crypto.TOKEN_PREFIX))
        self.assertEqual(SubjectImportIssue.objects.get(pk=issue.pk).value, "31/02/1985")
        migration.encrypt_existing(None, SimpleNamespace(connection=connection))  # twice: not encrypted again
        self.assertEqual(SubjectImportIssue.objects.get(pk=issue.pk).value, "31/02/1985")
