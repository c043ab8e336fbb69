"""The confirm screen's counts add up on a messy file: rows read = added + merged + left out,
with the reasons; and the raw values kept in the report are encrypted (issue 15)."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from breachtracker.crypto import TOKEN_PREFIX
from incidents.models import DataSubject, SubjectImportIssue
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import confirm, csv_bytes, person, upload


class CountsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        make_subject(cls.incident, actor=cls.dpo, full_name="Already Here", postcode="LS1 4AP")

    def _messy(self) -> bytes:
        return csv_bytes([
            person("Ann One"),                                   # added
            person("Ann One", role="Witness"),                   # merged with the row above
            person("Bob Two", dob="31/02/1985"),                 # added, date to check
            person("Already Here", dob="", postcode="LS1 4AP"),  # merged with someone recorded
            person("", dob="1990-01-01"),                        # left out: no name
            person("Cat Three") + ["extra"],                     # left out: too many cells
            person("Dan Four", postcode="90210"),                # added, postcode to check
            person("Dan Four", postcode="90210", role="Suspect"),  # merged (same name and birth date), to check
            person("", dob=""),                                  # left out: no name
        ])

    def test_rows_read_equal_added_plus_merged_plus_left_out(self) -> None:
        result = upload(self.incident, self.handler, self._messy())
        self.assertEqual((result.rows_read, result.rows_added, result.rows_merged, result.rows_invalid), (9, 3, 3, 3))
        self.assertEqual(result.rows_read, result.rows_added + result.rows_merged + result.rows_invalid)
        self.assertEqual((result.rows_merged_existing, result.rows_to_check), (1, 3))
        self.assertEqual(result.subjects_created, result.rows_added)

    def test_the_confirm_screen_shows_the_counts_and_the_reasons(self) -> None:
        result = upload(self.incident, self.handler, self._messy())
        self.login(self.handler)
        page = self.client.get(reverse("subject_import_detail", args=[self.incident.reference, result.pk]))
        self.assertContains(page, '<td class="text-end" data-count="read">9</td>', html=True)
        self.assertContains(page, '<td class="text-end" data-count="added">3</td>', html=True)
        self.assertContains(page, '<td class="text-end" data-count="merged">3</td>', html=True)
        self.assertContains(page, '<td class="text-end" data-count="left-out">3</td>', html=True)
        self.assertContains(page, "2 with another row of this file; 1 with someone already recorded")
        self.assertContains(page, "A name is required. (2 rows); This row has 8 cells but the header row has 7. (1 row)")
        self.assertContains(page, '<strong data-count="to-check">3</strong>', html=True)

    def test_the_import_does_what_the_counts_said(self) -> None:
        result = confirm(upload(self.incident, self.handler, self._messy()), self.handler, only_valid=True)
        self.assertEqual(result.subjects_created, 3)
        self.assertEqual(DataSubject.objects.filter(incident=self.incident).count(), 1 + 3)
        self.assertEqual(result.rows_read, result.rows_added + result.rows_merged + result.rows_invalid)


class EncryptedReportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def test_the_raw_value_in_the_report_is_stored_encrypted(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(dob="31/02/1985")]))
        issue = result.issues.get(kind="kept")
        self.assertEqual(issue.value, "31/02/1985")
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM incidents_subjectimportissue WHERE id = %s", [issue.pk])
            stored = cursor.fetchone()[0]
        self.assertTrue(stored.startswith(TOKEN_PREFIX), stored)
        self.assertNotIn("1985", stored)

    def test_an_empty_value_stays_empty(self) -> None:
        result = upload(self.incident, self.handler, csv_bytes([person(role="")]))
        self.assertEqual(SubjectImportIssue.objects.get(subject_import=result).value, "")
