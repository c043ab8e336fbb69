"""“Check a whole FOI response (.zip)”: upload, a verdict per file and overall, PDF and JSON
downloads, nothing kept, bad zips refused."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from incidents.models import Evidence
from tests.base import BaseTestCase, make_incident, sign_in
from tests.disclosure import files
from tests.disclosure.batches import CLEAN_CSV, PEOPLE_CSV, foi_response, make_zip
from tests.incidents.test_disclosure_pdf import pdf_text


def upload(data: bytes, name: str = "response.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


class BatchPageAccessTests(BaseTestCase):
    url = reverse("disclosure_check_batch")

    def test_it_requires_login(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_anonymous_posts_go_to_login(self) -> None:
        response = self.client.post(self.url, {"file": upload(foi_response())})
        self.assertEqual(response.status_code, 302)

    def test_an_auditor_cannot_use_it(self) -> None:
        self.login(self.auditor)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.post(self.url, {"file": upload(foi_response())}).status_code, 403)

    def test_a_user_with_no_role_cannot_use_it(self) -> None:
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_a_post_without_a_csrf_token_is_rejected(self) -> None:
        client = Client(enforce_csrf_checks=True)
        sign_in(client, self.handler)
        self.assertEqual(client.post(self.url, {"file": upload(foi_response())}).status_code, 403)


class BatchPageTests(BaseTestCase):
    url = reverse("disclosure_check_batch")

    def setUp(self) -> None:
        self.login(self.handler)

    def post(self, data: bytes, name: str = "response.zip", output: str = "page") -> object:
        return self.client.post(self.url, {"file": upload(data, name), "output": output})

    def test_it_shows_the_upload_form(self) -> None:
        response = self.client.get(self.url)
        self.assertContains(response, "Check a whole FOI response (.zip)")
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, "Download them as a PDF report")

    def test_the_single_file_page_links_to_it(self) -> None:
        self.assertContains(self.client.get(reverse("disclosure_check")), f'href="{self.url}"')

    def test_a_zip_with_a_leaky_file_fails_and_lists_every_file(self) -> None:
        response = self.post(foi_response())
        self.assertContains(response, "<strong>Fail:</strong> 1 file carries hidden content or personal data")
        self.assertContains(response, "response/counts.xlsx")
        self.assertContains(response, "response/letter.pdf")
        self.assertContains(response, "type not supported")
        self.assertContains(response, "A hidden sheet")
        self.assertContains(response, "J*** S****")
        self.assertNotContains(response, "John Smith")

    def test_a_zip_of_clean_files_passes(self) -> None:
        response = self.post(make_zip({"counts.xlsx": files.clean_xlsx(), "2021/counts.csv": CLEAN_CSV}))
        self.assertContains(response, "<strong>Pass:</strong> every file was checked")
        self.assertContains(response, "2 files: 2 passed, 0 failed, 0 not checked")

    def test_a_file_not_checked_keeps_the_zip_from_passing(self) -> None:
        response = self.post(make_zip({"counts.csv": CLEAN_CSV, "map.png": b"\x89PNG"}))
        self.assertContains(response, "<strong>Not checked:</strong> no file failed, but 1 file could not be checked")

    def test_a_zip_of_only_unsupported_files_says_none_could_be_checked(self) -> None:
        response = self.post(make_zip({"letter.pdf": b"%PDF-1.4", "map.png": b"\x89PNG"}))
        self.assertContains(response, "none of the files could be checked")

    def test_a_zip_inside_the_zip_is_checked(self) -> None:
        response = self.post(make_zip({"annex.zip": make_zip({"staff.csv": PEOPLE_CSV})}))
        self.assertContains(response, "annex.zip/staff.csv")
        self.assertContains(response, "<strong>Fail:</strong>")

    def test_path_tricks_are_listed_as_not_checked(self) -> None:
        response = self.post(make_zip({"../../escaped.csv": PEOPLE_CSV, "counts.csv": CLEAN_CSV}))
        self.assertContains(response, "an unsafe name: unzipping it would write outside the folder")

    def test_a_malformed_zip_is_refused_clearly(self) -> None:
        response = self.post(b"this is not a zip")
        self.assertContains(response, "The zip was not checked.")
        self.assertContains(response, "damaged or is not a zip")

    def test_an_empty_zip_is_refused_clearly(self) -> None:
        self.assertContains(self.post(make_zip({})), "The zip holds no files.")

    def test_a_zip_bomb_is_refused(self) -> None:
        bomb = make_zip({"zeros.csv": b"\x00" * (20 * 1024 * 1024)})
        response = self.post(bomb)
        self.assertContains(response, "zip bomb")
        self.assertContains(response, "Nothing was extracted")

    def test_a_file_that_is_not_a_zip_is_a_form_error(self) -> None:
        response = self.post(files.clean_xlsx(), "counts.xlsx")
        self.assertContains(response, "Upload a .zip file.")

    def test_no_file_is_a_form_error(self) -> None:
        self.assertContains(self.client.post(self.url, {"output": "page"}), "This field is required")

    @override_settings(BREACHTRACKER_MAX_UPLOAD_MB=1)
    def test_a_zip_over_the_upload_limit_is_refused_before_it_is_read(self) -> None:
        response = self.post(b"x" * (1024 * 1024 + 100_000))
        self.assertContains(response, "The zip is larger than 1 MB", status_code=413)

    def test_hostile_names_are_shown_as_text(self) -> None:
        zipped = make_zip({"=cmd|' /C calc'!A0 <img src=x onerror=alert(1)>.csv": PEOPLE_CSV})
        response = self.post(zipped, "=HYPERLINK(1) <b onmouseover=alert(1)>.zip")
        self.assertContains(response, "=cmd|&#x27; /C calc&#x27;!A0 &lt;img src=x onerror=alert(1)&gt;.csv")
        self.assertContains(response, "=HYPERLINK(1) &lt;b onmouseover=alert(1)&gt;.zip")
        self.assertNotContains(response, "<img src=x")
        self.assertNotContains(response, "<b onmouseover")

    def test_nothing_is_kept(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            private = Path(folder)
            with override_settings(FILE_UPLOAD_TEMP_DIR=folder, FILE_UPLOAD_MAX_MEMORY_SIZE=0), \
                    mock.patch.object(tempfile, "tempdir", folder):
                response = self.post(foi_response())
            self.assertContains(response, "The zip has been deleted")
            self.assertEqual(list(private.iterdir()), [])
        self.assertEqual(Evidence.objects.count(), 0)


class BatchDownloadTests(BaseTestCase):
    url = reverse("disclosure_check_batch")

    def setUp(self) -> None:
        self.login(self.dpo)

    def test_the_pdf_has_an_overall_page_and_a_section_per_checked_file(self) -> None:
        response = self.client.post(self.url, {"file": upload(foi_response()), "output": "pdf"})
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertRegex(response["Content-Disposition"], r'^attachment; filename="disclosure-batch-\d{8}-\d{4}\.pdf"$')
        text = pdf_text(response.content)
        self.assertIn("Fail: 1 file carries hidden content or personal data", text)
        self.assertIn("response/staff.xlsx: Fail", text)
        self.assertIn("response/counts.xlsx: Pass", text)
        self.assertIn("type not supported", text)
        self.assertIn("Checked by Dana Okafor", text)
        self.assertNotIn("John Smith", text)

    def test_the_json_lists_every_file_with_its_verdict(self) -> None:
        response = self.client.post(self.url, {"file": upload(foi_response(), "../x\".zip"), "output": "json"})
        self.assertTrue(response["Content-Type"].startswith("application/json"))
        self.assertRegex(response["Content-Disposition"], r'^attachment; filename="disclosure-batch-\d{8}-\d{4}\.json"$')
        data = json.loads(response.content)
        self.assertEqual(data["overall"], "fail")
        self.assertEqual({f["name"]: f["verdict"] for f in data["files"]}, {
            "response/counts.xlsx": "pass", "response/staff.xlsx": "fail", "response/letter.pdf": "not checked",
        })
        self.assertEqual(data["name"], 'x".zip')

    def test_a_refused_zip_gives_the_page_with_the_reason_not_a_download(self) -> None:
        response = self.client.post(self.url, {"file": upload(b"not a zip"), "output": "pdf"})
        self.assertContains(response, "The zip was not checked.")


class IncidentBatchPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo, cause="hidden_data")

    def setUp(self) -> None:
        self.login(self.handler)
        self.url = reverse("incident_disclosure_check_batch", args=[self.incident.reference])

    def test_it_is_shown_within_the_incident(self) -> None:
        response = self.client.get(self.url)
        self.assertContains(response, self.incident.reference)
        self.assertContains(response, "Check a whole FOI response (.zip)")

    def test_the_incident_check_page_links_to_it(self) -> None:
        page = self.client.get(reverse("incident_disclosure_check", args=[self.incident.reference]))
        self.assertContains(page, f'href="{self.url}"')

    def test_the_pdf_names_the_incident_not_the_uploaded_file(self) -> None:
        response = self.client.post(self.url, {"file": upload(foi_response(), "../../etc/passwd.zip"), "output": "pdf"})
        self.assertIn(f'filename="{self.incident.reference}-disclosure-batch-', response["Content-Disposition"])
        self.assertNotIn("passwd", response["Content-Disposition"])
        self.assertIn(self.incident.reference, pdf_text(response.content))

    def test_an_unknown_incident_is_404(self) -> None:
        url = reverse("incident_disclosure_check_batch", args=["BR-1999-9999"])
        self.assertEqual(self.client.get(url).status_code, 404)
