"""“Make a release-safe copy” on the check's findings page (issue 16): tick, copy, check again, download."""

from __future__ import annotations

import io
import os
import stat
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from breachtracker.files import MAGIC
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from incidents.disclosure.held import HELD_DIR, held_sweep
from incidents.models import IncidentEvent
from tests.base import BaseTestCase, make_incident, make_user, sign_in
from tests.disclosure import files

INSERTED = "Added words."
DELETED = "Removed words."


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def incidents_workbook() -> bytes:
    """A visible sheet with a victim's name column, and a hidden sheet of staff."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Incidents"
    sheet.append(["Month", "Offence type", "Victim name", "Count"])
    for month, offence, name in (("January", "Assault", "Mary Brown"), ("February", "Theft", "David Wilson"),
                                 ("March", "Burglary", "Sarah Taylor"), ("April", "Fraud", "Peter Jones")):
        sheet.append([month, offence, name, 1])
    staff = book.create_sheet("Staff")
    for row in files.STAFF:
        staff.append(list(row))
    staff.sheet_state = "hidden"
    book.properties.creator = ""
    book.properties.lastModifiedBy = ""
    return files.save(book)


def tracked_docx() -> bytes:
    return files.docx(
        "<w:p><w:r><w:t>Response to your request.</w:t></w:r></w:p>"
        f'<w:p><w:ins w:author="A"><w:r><w:t>{INSERTED}</w:t></w:r></w:ins>'
        f'<w:del w:author="A"><w:r><w:delText>{DELETED}</w:delText></w:r></w:del></w:p>'
    )


def people_csv() -> bytes:
    return ("Month,Victim name,Count\r\nJanuary,Mary Brown,1\r\nFebruary,David Wilson,2\r\n"
            "March,Sarah Taylor,3\r\nApril,Peter Jones,4\r\n").encode()


def crashing_xlsx() -> bytes:
    """A workbook whose row number is not a number: the checker has no rule for it and crashes
    (a real input, not a mock; should the checker learn to refuse it, find another)."""
    return files.patch(files.clean_xlsx(), edit={"xl/worksheets/sheet1.xml": ('<row r="1"', '<row r="one"')})


def docx_text(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()


def held_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / HELD_DIR
    return sorted(folder.iterdir()) if folder.is_dir() else []


class CopyTestCase(BaseTestCase):
    check_url = reverse("disclosure_check")

    def setUp(self) -> None:
        self.login(self.handler)
        for path in held_files():
            path.unlink()

    def check(self, data: bytes, name: str, url: str | None = None, **fields: Any) -> Any:
        response = self.client.post(url or self.check_url, {"file": upload(data, name), **fields})
        self.assertEqual(response.status_code, 200)
        return response

    def copy(self, checked: Any, **ticks: Any) -> Any:
        return self.client.post(checked.context["copy_url"], ticks)

    def download(self, copied: Any) -> Any:
        return self.client.get(copied.context["download_url"])


class WorkbookCopyTests(CopyTestCase):
    def test_the_findings_page_offers_the_copy_with_the_sheets_and_columns_to_tick(self) -> None:
        response = self.check(incidents_workbook(), "response.xlsx")
        self.assertContains(response, "Fail:")
        self.assertContains(response, "Make a release-safe copy")
        self.assertContains(response, 'value="Incidents"')
        self.assertNotContains(response, 'value="Staff"')  # hidden: always left out, nothing to tick
        self.assertContains(response, "Incidents: column C “Victim name” — personal data found")
        self.assertContains(response, "Incidents: column B “Offence type”")
        self.assertNotContains(response, "“Offence type” — personal data found")  # a low-confidence guess

    def test_a_copy_without_the_hidden_sheet_and_the_ticked_column_passes_and_downloads(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        copied = self.copy(checked, drop_columns=["Incidents!3"])
        self.assertContains(copied, "Pass:")
        self.assertContains(copied, "Download response-release-safe.xlsx")
        download = self.download(copied)
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download["Content-Disposition"], 'attachment; filename="response-release-safe.xlsx"')
        self.assertEqual(download["Cache-Control"], "no-store")
        report = files.check(download.content, "response-release-safe.xlsx")
        self.assertTrue(report.passed, [f.title for f in report.findings])
        book = load_workbook(io.BytesIO(download.content))
        self.assertEqual(book.sheetnames, ["Incidents"])
        self.assertEqual([c.value for c in book["Incidents"][1]], ["Month", "Offence type", "Count"])
        self.assertNotIn(b"Mary Brown", download.content)

    def test_a_copy_that_still_fails_is_not_offered_and_says_what_the_check_found(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        copied = self.copy(checked)
        self.assertContains(copied, "Fail:")
        self.assertContains(copied, "it is not offered for download")
        self.assertContains(copied, "Victim name")
        self.assertNotIn("download_url", copied.context)
        self.assertNotContains(copied, "/download/")
        # The file is still kept: the user ticks the column and tries again.
        self.assertContains(self.copy(checked, drop_columns=["Incidents!3"]), "Pass:")

    def test_a_dropped_sheet_is_left_out_of_the_copy(self) -> None:
        book = files.summary_workbook()
        book.create_sheet("Notes").append(["Draft", "Not for release"])
        checked = self.check(files.save(book), "two.xlsx")
        download = self.download(self.copy(checked, drop_sheets=["Notes"]))
        self.assertEqual(load_workbook(io.BytesIO(download.content)).sheetnames, ["Summary"])

    def test_a_forged_sheet_name_is_a_form_error_and_loses_nothing(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        response = self.copy(checked, drop_sheets=["Staff"], drop_columns=["Incidents!3"])
        self.assertContains(response, "Select a valid choice. Staff is not one of the available choices.")
        self.assertNotContains(response, "Pass:")
        self.assertContains(self.copy(checked, drop_columns=["Incidents!3"]), "Pass:")

    def test_a_forged_column_is_a_form_error(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        response = self.copy(checked, drop_columns=["../../etc!9"])
        self.assertContains(response, "Select a valid choice.")
        self.assertContains(response, "../../etc!9 is not one of the available choices.")

    def test_leaving_out_every_sheet_is_a_form_error(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        response = self.copy(checked, drop_sheets=["Incidents"])
        self.assertContains(response, "Keep at least one sheet")

    def test_a_hostile_file_name_gives_a_copy_with_our_own_name(self) -> None:
        checked = self.check(incidents_workbook(), '..\\..\\evil <img src=x onerror=alert(1)>".xlsx')
        copied = self.copy(checked, drop_columns=["Incidents!3"])
        self.assertNotContains(copied, "<img src=x")
        download = self.download(copied)
        self.assertEqual(download["Content-Disposition"],
                         'attachment; filename="evil-img-src-x-onerror-alert-1-release-safe.xlsx"')

    def test_the_kept_file_is_encrypted(self) -> None:
        self.check(people_csv(), "people.csv")
        [path] = held_files()
        self.assertNotIn(b"Mary Brown", path.read_bytes())
        self.assertTrue(path.read_bytes().startswith(MAGIC))  # encrypted by the storage
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)

    def test_the_copy_and_the_upload_are_deleted_once_downloaded(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        copied = self.copy(checked, drop_columns=["Incidents!3"])
        self.assertEqual(len(held_files()), 2)
        self.assertEqual(self.download(copied).status_code, 200)
        self.assertEqual(held_files(), [])
        again = self.download(copied)
        self.assertContains(again, "no longer kept", status_code=404)

    def test_delete_now_deletes_the_kept_file(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        response = self.copy(checked, discard="1")
        self.assertContains(response, "The file has been deleted.")
        self.assertEqual(held_files(), [])
        self.assertContains(self.copy(checked), "no longer kept", status_code=404)

    def test_a_findings_pdf_keeps_nothing(self) -> None:
        self.client.post(self.check_url, {"file": upload(incidents_workbook(), "response.xlsx"), "as_pdf": "on"})
        self.assertEqual(held_files(), [])


class WordCopyTests(CopyTestCase):
    def test_the_tracked_changes_choice_is_offered_for_a_word_document(self) -> None:
        response = self.check(tracked_docx(), "letter.docx")
        self.assertContains(response, "Tracked changes")
        self.assertContains(response, 'value="reject"')
        self.assertNotContains(response, "Leave out these sheets")

    def test_accepted_changes_keep_the_inserted_words(self) -> None:
        checked = self.check(tracked_docx(), "letter.docx")
        copied = self.copy(checked, tracked="accept")
        self.assertContains(copied, "Pass:")
        download = self.download(copied)
        self.assertEqual(download["Content-Disposition"], 'attachment; filename="letter-release-safe.docx"')
        text = docx_text(download.content)
        self.assertIn(INSERTED, text)
        self.assertNotIn(DELETED, text)
        self.assertTrue(files.check(download.content, "letter-release-safe.docx").passed)

    def test_rejected_changes_keep_the_deleted_words(self) -> None:
        checked = self.check(tracked_docx(), "letter.docx")
        text = docx_text(self.download(self.copy(checked, tracked="reject")).content)
        self.assertIn(DELETED, text)
        self.assertNotIn(INSERTED, text)

    def test_a_forged_tracked_changes_choice_is_a_form_error(self) -> None:
        checked = self.check(tracked_docx(), "letter.docx")
        self.assertContains(self.copy(checked, tracked="keep"), "Select a valid choice.")


class CsvCopyTests(CopyTestCase):
    def test_a_dropped_column_is_left_out_and_the_copy_passes(self) -> None:
        checked = self.check(people_csv(), "people.csv")
        self.assertContains(checked, "Column 2 “Victim name” — personal data found")
        copied = self.copy(checked, drop_columns=["!2"])
        self.assertContains(copied, "Pass:")
        download = self.download(copied)
        self.assertEqual(download["Content-Type"], "text/csv")
        self.assertEqual(download.content.decode().splitlines()[:2], ["Month,Count", "January,1"])
        self.assertTrue(files.check(download.content, "people-release-safe.csv").passed)

    def test_without_dropping_the_names_the_copy_is_not_offered(self) -> None:
        copied = self.copy(self.check(people_csv(), "people.csv"))
        self.assertContains(copied, "Fail:")
        self.assertNotIn("download_url", copied.context)


class CouldNotCheckTests(CopyTestCase):
    def test_a_crash_in_the_checker_is_not_a_verdict(self) -> None:
        with self.assertLogs("incidents.disclosure.views", "ERROR") as logs:
            response = self.client.post(self.check_url, {"file": upload(crashing_xlsx(), "response.xlsx")})
        self.assertContains(response, "We could not check this file", status_code=500)
        self.assertNotContains(response, "Pass:", status_code=500)
        self.assertNotContains(response, "Fail:", status_code=500)
        self.assertNotContains(response, 'class="alert alert-success verdict"', status_code=500)
        self.assertNotContains(response, 'class="alert alert-danger verdict"', status_code=500)
        self.assertNotContains(response, "Traceback", status_code=500)
        self.assertNotContains(response, "invalid literal", status_code=500)
        self.assertIn("Traceback", logs.output[0])
        self.assertIn("invalid literal", logs.output[0])
        self.assertTemplateUsed(response, "base.html")

    def test_a_crash_keeps_nothing(self) -> None:
        with self.assertLogs("incidents.disclosure.views", "ERROR"):
            self.client.post(self.check_url, {"file": upload(crashing_xlsx(), "response.xlsx")})
        self.assertEqual(held_files(), [])


class AccessTests(CopyTestCase):
    def test_the_copy_needs_login(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        self.client.logout()
        response = self.copy(checked, drop_columns=["Incidents!3"])
        self.assertEqual(response.status_code, 302)
        self.assertIn(settings.LOGIN_URL, response["Location"])

    def test_an_auditor_cannot_make_or_download_a_copy(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        copied = self.copy(checked, drop_columns=["Incidents!3"])
        self.login(self.auditor)
        self.assertEqual(self.copy(checked).status_code, 403)
        self.assertEqual(self.download(copied).status_code, 403)

    def test_a_get_does_not_make_a_copy(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        self.assertEqual(self.client.get(checked.context["copy_url"]).status_code, 405)

    def test_another_user_can_neither_use_my_file_nor_download_my_copy(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        copied = self.copy(checked, drop_columns=["Incidents!3"])
        self.login(make_user("handler2", "Case handler"))
        self.assertContains(self.copy(checked, drop_columns=["Incidents!3"]), "no longer kept", status_code=404)
        self.assertContains(self.download(copied), "no longer kept", status_code=404)
        self.assertEqual(len(held_files()), 2)  # still there for its owner
        self.login(self.handler)
        self.assertEqual(self.download(copied).status_code, 200)

    def test_a_token_that_is_not_ours_is_refused(self) -> None:
        for token in ("0" * 32, "..%2F..%2Fsettings", "A" * 32):
            response = self.client.post(f"/disclosure/copy/{token}/", {})
            self.assertEqual(response.status_code, 404, token)

    def test_a_csrf_token_is_needed(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        client = Client(enforce_csrf_checks=True)
        sign_in(client, self.handler)
        self.assertEqual(client.post(checked.context["copy_url"], {}).status_code, 403)


class ExpiryTests(CopyTestCase):
    def test_the_file_is_no_longer_usable_after_an_hour(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        with time_machine.travel(timezone.now() + timedelta(minutes=61)):
            self.client.logout()  # a fresh session: the old one has timed out too
            self.login(self.handler)
            response = self.copy(checked, drop_columns=["Incidents!3"])
        self.assertContains(response, "no longer kept", status_code=404)

    def test_the_sweep_deletes_files_kept_past_the_hour(self) -> None:
        self.check(incidents_workbook(), "old.xlsx")
        [old] = held_files()
        an_hour_ago = time.time() - 3700
        os.utime(old, (an_hour_ago, an_hour_ago))
        self.check(incidents_workbook(), "new.xlsx")
        self.assertEqual(held_sweep(), 1)
        self.assertEqual(len(held_files()), 1)
        self.assertNotIn(old, held_files())

    def test_the_sweep_runs_every_five_minutes(self) -> None:
        entry = settings.CELERY_BEAT_SCHEDULE["incidents.disclosure_held_sweep"]
        self.assertEqual(entry, {"task": "incidents.disclosure_held_sweep", "schedule": 300.0})


class IncidentCopyTests(CopyTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo, cause="hidden_data")

    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("incident_disclosure_check", args=[self.incident.reference])

    def test_the_incident_tab_offers_the_copy_and_records_it_on_the_timeline(self) -> None:
        checked = self.check(incidents_workbook(), "Mary Brown victims.xlsx", url=self.url)
        self.assertIn(f"/incidents/{self.incident.reference}/disclosure/copy/", checked.context["copy_url"])
        copied = self.copy(checked, drop_columns=["Incidents!3"])
        self.assertContains(copied, "Pass:")
        self.assertContains(copied, self.incident.reference)
        event = IncidentEvent.objects.get(incident=self.incident, kind="release_copy")
        self.assertEqual(event.actor, self.handler)
        self.assertEqual(event.detail, "A release-safe copy of a checked file was made: XLSX file; it passed the "
                                       "check again, 1 sheet(s) kept, 1 column(s) left out by choice.")
        self.assertNotIn("Mary", event.detail)
        self.assertEqual(self.download(copied).status_code, 200)

    def test_a_copy_that_fails_records_nothing(self) -> None:
        self.copy(self.check(incidents_workbook(), "response.xlsx", url=self.url))
        self.assertFalse(IncidentEvent.objects.filter(kind="release_copy").exists())

    def test_a_stand_alone_check_cannot_be_copied_through_an_incident(self) -> None:
        checked = self.check(incidents_workbook(), "response.xlsx")
        token = checked.context["copy_url"].rstrip("/").rsplit("/", 1)[-1]
        url = reverse("incident_disclosure_copy", args=[self.incident.reference, token])
        self.assertContains(self.client.post(url, {}), "no longer kept", status_code=404)

    def test_a_crash_on_the_incident_tab_shows_the_tab_without_a_verdict(self) -> None:
        with self.assertLogs("incidents.disclosure.views", "ERROR"):
            response = self.client.post(self.url, {"file": upload(crashing_xlsx(), "response.xlsx")})
        self.assertContains(response, "We could not check this file", status_code=500)
        self.assertContains(response, self.incident.reference, status_code=500)
        self.assertNotContains(response, "Fail:", status_code=500)


class AcceptMetadataTests(CopyTestCase):
    def test_author_metadata_fails_unless_accepted(self) -> None:
        self.assertContains(self.check(files.author_xlsx(), "a.xlsx"), "Fail:")
        self.assertContains(self.check(files.author_xlsx(), "a.xlsx", accept_metadata="on"), "Pass:")


class RefusedCopyTests(CopyTestCase):
    def test_a_word_document_named_xlsx_is_refused_not_copied(self) -> None:
        checked = self.check(tracked_docx(), "letter.xlsx")
        response = self.copy(checked, tracked="accept")
        self.assertContains(response, "The copy was not made.")
        self.assertContains(response, "not a readable Excel workbook")
        self.assertNotIn("download_url", response.context)
