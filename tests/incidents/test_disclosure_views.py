"""“Check a file”: upload, findings page with a verdict, nothing kept, bad files refused."""

from __future__ import annotations

import os
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tests.base import BaseTestCase, make_incident, sign_in
from tests.disclosure import files


def upload(data: bytes, name: str = "response.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


class CheckFilePageTests(BaseTestCase):
    url = reverse("disclosure_check")

    def setUp(self) -> None:
        self.login(self.handler)

    def test_it_shows_the_upload_form(self) -> None:
        response = self.client.get(self.url)
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, "kept encrypted for at most an hour, for you only")

    def test_a_clean_file_passes(self) -> None:
        response = self.client.post(self.url, {"file": upload(files.clean_xlsx())})
        self.assertContains(response, "Pass:")
        self.assertNotContains(response, "Fail:")

    def test_a_hidden_sheet_fails_with_its_location_and_severity(self) -> None:
        response = self.client.post(self.url, {"file": upload(files.hidden_sheet_xlsx())})
        self.assertContains(response, "Fail:")
        self.assertContains(response, "A hidden sheet")
        self.assertContains(response, "Sheet: Staff")
        self.assertContains(response, "High")
        self.assertContains(response, "J*** S****")
        self.assertNotContains(response, "John Smith")

    def test_the_pivot_cache_trap_is_shown_with_ico_categories(self) -> None:
        response = self.client.post(self.url, {"file": upload(files.pivot_xlsx())})
        self.assertContains(response, "A pivot cache holds 3 raw records with personal data")
        self.assertContains(response, "Criminal convictions, offences")
        self.assertContains(response, "xl/pivotCache/pivotCacheRecords1.xml")

    def test_an_encrypted_file_gets_a_clear_refusal(self) -> None:
        response = self.client.post(self.url, {"file": upload(files.encrypted_office())})
        self.assertContains(response, "The file was not checked.")
        self.assertContains(response, "encrypted")

    def test_a_zip_bomb_is_refused(self) -> None:
        response = self.client.post(self.url, {"file": upload(files.zip_bomb())})
        self.assertContains(response, "zip bomb")

    def test_a_corrupt_file_is_refused(self) -> None:
        response = self.client.post(self.url, {"file": upload(files.truncated(files.clean_xlsx()))})
        self.assertContains(response, "damaged")

    @override_settings(BREACHTRACKER_MAX_UPLOAD_MB=1)
    def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(self) -> None:
        response = self.client.post(self.url, {"file": upload(b"x" * (1024 * 1024 + 100_000))})
        self.assertContains(response, "larger than 1 MB", status_code=413)

    def test_no_file_is_a_form_error(self) -> None:
        response = self.client.post(self.url, {})
        self.assertContains(response, "This field is required")

    def test_a_hostile_file_name_is_shown_as_text(self) -> None:
        response = self.client.post(self.url, {"file": upload(files.clean_xlsx(), "=cmd <img src=x onerror=alert(1)>.xlsx")})
        self.assertContains(response, "=cmd &lt;img src=x onerror=alert(1)&gt;.xlsx")
        self.assertNotContains(response, "<img src=x")

    def test_html_inside_the_file_is_escaped(self) -> None:
        wb = files.hidden_sheet_xlsx_workbook()
        wb["Staff"]["D1"] = "<img src=x onerror=alert(1)>"
        wb.properties.creator = "<b>Jane</b>"
        response = self.client.post(self.url, {"file": upload(files.save(wb))})
        self.assertNotContains(response, "<img src=x")
        self.assertNotContains(response, "<b>Jane</b>")

    def test_the_upload_is_not_left_on_disk(self) -> None:
        with tempfile.TemporaryDirectory() as folder, override_settings(FILE_UPLOAD_TEMP_DIR=folder, FILE_UPLOAD_MAX_MEMORY_SIZE=0):
            before = set(os.listdir(tempfile.gettempdir()))
            self.client.post(self.url, {"file": upload(files.pivot_xlsx())})
            self.assertEqual(os.listdir(folder), [])
            left = {n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith("bt-check-")}
            self.assertEqual(left, set())

    def test_a_refused_post_without_csrf_token_is_rejected(self) -> None:
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        sign_in(client, self.handler)
        response = client.post(self.url, {"file": upload(files.clean_xlsx())})
        self.assertEqual(response.status_code, 403)

    def test_an_auditor_cannot_upload(self) -> None:
        self.login(self.auditor)
        response = self.client.post(self.url, {"file": upload(files.clean_xlsx())})
        self.assertEqual(response.status_code, 403)

    def test_anonymous_posts_go_to_login(self) -> None:
        self.client.logout()
        response = self.client.post(self.url, {"file": upload(files.clean_xlsx())})
        self.assertEqual(response.status_code, 302)


class IncidentCheckFileTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo, cause="hidden_data", regime="dpa_part3")

    def setUp(self) -> None:
        self.login(self.dpo)
        self.url = reverse("incident_disclosure_check", args=[self.incident.reference])

    def test_it_is_a_tab_of_the_incident(self) -> None:
        response = self.client.get(self.url)
        self.assertContains(response, self.incident.reference)
        self.assertContains(response, 'aria-current="page" href="%s"' % self.url)

    def test_the_overview_links_to_it_for_those_who_may_use_it(self) -> None:
        response = self.client.get(self.incident.get_absolute_url())
        self.assertContains(response, self.url)
        self.login(self.auditor)
        self.assertNotContains(self.client.get(self.incident.get_absolute_url()), self.url)

    def test_it_counts_the_people_the_leaked_file_exposes(self) -> None:
        response = self.client.post(self.url, {"file": upload(files.pivot_xlsx())})
        self.assertContains(response, "exposes <strong>3</strong> people")
        self.assertContains(response, "Basic personal identifiers, eg name, contact details; Criminal convictions, offences")

    def test_the_report_page_runs_a_constant_number_of_queries(self) -> None:
        self.client.get(self.url)  # the session's first request records last-seen
        # session, user, the session's two-factor device, groups (roles), incident + handler:
        # the file adds none.
        with self.assertNumQueries(5):
            self.client.post(self.url, {"file": upload(files.pivot_xlsx())})
        with self.assertNumQueries(5):
            self.client.post(self.url, {"file": upload(files.hidden_sheet_xlsx())})

    def test_an_unknown_incident_is_404(self) -> None:
        url = reverse("incident_disclosure_check", args=["BR-1999-0001"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_nothing_is_stored(self) -> None:
        from incidents.models import DataSubject

        self.client.post(self.url, {"file": upload(files.pivot_xlsx())})
        self.assertEqual(DataSubject.objects.count(), 0)



class SheetListTests(BaseTestCase):
    def test_the_report_lists_every_sheet_with_its_visibility_in_words(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("disclosure_check"), {"file": upload(files.hidden_sheet_xlsx("veryHidden"))})
        self.assertContains(response, '<th scope="row" class="break-anywhere">Staff</th><td><strong>Very hidden</strong></td>')
        self.assertContains(response, '<th scope="row" class="break-anywhere">Summary</th><td>Visible</td>')
