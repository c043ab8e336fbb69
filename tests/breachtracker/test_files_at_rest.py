"""Issue 17: nothing a person is known by can be read from the files or the database at rest,
and the pages that serve the files still give the right content."""

from __future__ import annotations

import csv
import io
import stat
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from breachtracker import files
from incidents.disclosure.evidence import evidence_attach
from incidents.models import SubjectImport
from notifications.models import Notification
from reporting import services as report_services
from reporting.models import ReportPdf
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import csv_bytes, person, upload
from tests.notifications.helpers import make_generated_letter, make_organisation

NAME, EMAIL, POSTCODE = "Zebedee Quartermain", "zebedee.quartermain@example.org", "YO24 1AB"
# What must never be readable at rest: as written, and in the forms a file or column may hold.
SECRETS = [NAME, "Quartermain", EMAIL, "zebedee.quartermain", POSTCODE, POSTCODE.replace(" ", ""),
           "jane.quartermain@@example.org", "31/02/1980"]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def media_files() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def database_dump() -> str:
    """Every value of every table, as text: what a stolen dump or disk image would show."""
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values.extend(str(v) for row in cursor.fetchall() for v in row if v is not None)
    return "\n".join(values)


def found_in(data: bytes) -> list[str]:
    lowered = data.lower()
    return [s for s in SECRETS if s.lower().encode() in lowered or s.lower().encode("utf-16-le") in lowered]


class FilesAtRestTests(BaseTestCase):
    def setUp(self) -> None:
        # A media folder of its own per test: a rotation must not leave files for the next.
        media = self.enterContext(tempfile.TemporaryDirectory(prefix="bt-at-rest-"))
        self.enterContext(override_settings(MEDIA_ROOT=media))
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.subject = make_subject(self.incident, actor=self.dpo, full_name=NAME, email=EMAIL, postcode=POSTCODE,
                                    address_line_1="7 Quiet Lane", town="York")
        self.notification, _batch, self.pack = make_generated_letter(self.incident, self.subject, self.dpo)
        self.report_pdf = report_services.report_pdf_request(incident=self.incident, actor=self.dpo)
        self.assertEqual(self.report_pdf.status, ReportPdf.Status.READY)
        self.submission = report_services.report_submit(incident=self.incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now() - timedelta(minutes=5), "ico_reference": "IC-17-AB"})
        self.leak = f"name,email,postcode\r\n{NAME},{EMAIL},{POSTCODE}\r\n".encode()
        self.evidence = evidence_attach(incident=self.incident, actor=self.dpo, data=self.leak,
                                        file_name="leak.csv", verdict="fail")
        # An upload waiting to be imported, whose report keeps rejected cells.
        self.waiting = upload(self.incident, self.handler, csv_bytes([
            person(name=NAME, postcode=POSTCODE, email=EMAIL),
            person(name="Jane Quartermain", dob="31/02/1980", postcode=POSTCODE, email="jane.quartermain@@example.org"),
        ]))

    def test_no_file_and_no_column_holds_a_persons_details_in_plain(self) -> None:
        self.assertTrue(self.waiting.issues.filter(value__isnull=False).exists())
        stored = media_files()
        # Letter, pack, manifest, report PDF, snapshot PDF, evidence, the upload and its check's result.
        self.assertGreaterEqual(len(stored), 8, [p.name for p in stored])
        for path in stored:
            data = path.read_bytes()
            self.assertTrue(files.is_encrypted(data), f"{path} is not encrypted")
            self.assertEqual(found_in(data), [], f"{path} shows a person's details")
            self.assertNotIn(b"%PDF", data, f"{path} is a readable PDF")
            self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600, path)
        for folder in {p.parent for p in stored}:
            self.assertEqual(stat.S_IMODE(folder.stat().st_mode), 0o700, folder)
        self.assertEqual(found_in(database_dump().encode()), [])

    def test_the_pages_still_serve_the_right_content(self) -> None:
        self.login(self.dpo)
        ref = self.incident.reference
        served = {}
        for key, url in (("letter", reverse("notification_pdf", args=[ref, self.notification.pk])),
                         ("pack", reverse("print_pack_download", args=[ref, self.pack.pk, "pdf"])),
                         ("manifest", reverse("print_pack_download", args=[ref, self.pack.pk, "manifest"]))):
            response = self.client.get(url)
            served[key] = b"".join(response.streaming_content)
            self.assertEqual(response["Content-Length"], str(len(served[key])), key)  # the plain length
        letter, pack, manifest = served["letter"], served["pack"], served["manifest"].decode()
        self.assertIn(NAME, pdf_text(letter))
        self.assertIn(NAME, pdf_text(pack))
        self.assertIn([NAME, "7 Quiet Lane", "", "York", POSTCODE], [row[5:10] for row in csv.reader(io.StringIO(manifest))])
        report = self.client.get(reverse("report_pdf", args=[ref]))
        self.assertIn(ref, pdf_text(report.content))
        snapshot = self.client.get(reverse("report_snapshot_download", args=[ref, self.submission.snapshot.pk, "pdf"]))
        self.assertIn(ref, pdf_text(snapshot.content))
        evidence = self.client.get(reverse("evidence_download", args=[ref, self.evidence.pk]))
        self.assertEqual(b"".join(evidence.streaming_content) if evidence.streaming else evidence.content, self.leak)
        self.assertEqual(self.waiting.status, SubjectImport.Status.VALIDATED)
        rejected = {issue.value for issue in self.waiting.issues.all()}
        self.assertIn("jane.quartermain@@example.org", rejected)

    def test_rotating_the_keys_re_encrypts_every_file(self) -> None:
        from cryptography.fernet import Fernet

        before = {p: p.read_bytes() for p in media_files()}
        new = Fernet.generate_key().decode()
        with override_settings(FIELD_KEYS=[new, *settings.FIELD_KEYS]):
            call_command("rotate_field_keys", stdout=io.StringIO())
        after = {p: p.read_bytes() for p in media_files()}
        self.assertEqual(set(after), set(before))
        self.assertTrue(all(after[p] != before[p] for p in before))
        with override_settings(FIELD_KEYS=[new]):  # the old key gone: everything still reads
            self.login(self.dpo)
            ref = self.incident.reference
            evidence = self.client.get(reverse("evidence_download", args=[ref, self.evidence.pk]))
            self.assertEqual(b"".join(evidence.streaming_content) if evidence.streaming else evidence.content,
                             self.leak)
            self.assertIn(NAME, pdf_text(files.read(Notification.objects.get(pk=self.notification.pk).pdf.name)))
            self.assertIn("jane.quartermain@@example.org", {i.value for i in self.waiting.issues.all()})
            self.assertEqual(files.read(self.pack.manifest.name).count(NAME.encode()), 1)

    def test_rotation_encrypts_a_file_stored_before_encryption_at_rest(self) -> None:
        plain = Path(settings.MEDIA_ROOT) / "letters" / "old-letter.pdf"
        plain.write_bytes(b"%PDF-1.7 " + NAME.encode())
        with self.assertRaises(files.DamagedFile):
            files.read("letters/old-letter.pdf")
        call_command("rotate_field_keys", stdout=io.StringIO())
        self.assertTrue(files.is_encrypted(plain.read_bytes()))
        self.assertEqual(files.read("letters/old-letter.pdf"), b"%PDF-1.7 " + NAME.encode())

    def test_rotation_names_a_file_no_key_can_read_and_still_rotates_the_rest(self) -> None:
        from cryptography.fernet import Fernet
        from django.core.management.base import CommandError

        with override_settings(FIELD_KEYS=[Fernet.generate_key().decode()]):  # a key since removed
            files.write("letters/lost.pdf", b"%PDF-1.7")
        letter = Path(settings.MEDIA_ROOT) / Notification.objects.get(pk=self.notification.pk).pdf.name
        before = letter.read_bytes()
        with self.assertRaisesMessage(CommandError, "letters/lost.pdf"):
            call_command("rotate_field_keys", stdout=io.StringIO())
        self.assertNotEqual(letter.read_bytes(), before)
