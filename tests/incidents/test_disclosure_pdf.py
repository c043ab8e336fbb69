"""The findings as a PDF: what a release file holds, masked, for the record."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.urls import reverse
from pypdf import PdfReader

from tests.base import BaseTestCase, make_incident
from tests.disclosure import files
from tests.incidents.test_disclosure_views import upload

ROOT = Path(__file__).resolve().parents[2]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class FindingsPdfTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.handler)

    def test_a_failing_file_gives_a_pdf_with_the_verdict_and_where_the_data_is(self) -> None:
        response = self.client.post(reverse("disclosure_check"), {"file": upload(files.pivot_xlsx()), "as_pdf": "on"})
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertRegex(response["Content-Disposition"], r'^attachment; filename="disclosure-check-\d{8}-\d{4}\.pdf"$')
        text = pdf_text(response.content)
        self.assertIn("Fail: this file carries hidden content or personal data", text)
        self.assertIn("Pivot", text)
        self.assertIn("Page 1 of", text)

    def test_it_holds_masked_evidence_only(self) -> None:
        response = self.client.post(reverse("disclosure_check"), {"file": upload(files.pivot_xlsx()), "as_pdf": "on"})
        text = pdf_text(response.content)
        for row in files.VICTIMS[1:]:
            name = row[1] if len(row) > 1 else ""
            self.assertNotIn(name, text, "a full name from the file is in the PDF")

    def test_a_clean_file_passes_in_the_pdf(self) -> None:
        response = self.client.post(reverse("disclosure_check"), {"file": upload(files.clean_xlsx()), "as_pdf": "on"})
        self.assertIn("Pass: no hidden content or personal data", pdf_text(response.content))

    def test_the_incident_check_names_the_incident_and_not_the_uploaded_file_name(self) -> None:
        incident = make_incident(actor=self.dpo)
        response = self.client.post(reverse("incident_disclosure_check", args=[incident.reference]),
                                    {"file": upload(files.hidden_sheet_xlsx(), "../../etc/passwd\".xlsx"), "as_pdf": "on"})
        self.assertIn(f'filename="{incident.reference}-disclosure-check-', response["Content-Disposition"])
        self.assertNotIn("passwd", response["Content-Disposition"])
        self.assertIn(incident.reference, pdf_text(response.content))

    def test_the_command_writes_the_pdf_too(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            source = files.write(Path(folder), "response.xlsx", files.hidden_sheet_xlsx())
            out = Path(folder) / "findings.pdf"
            # No database: a release workflow may run the check where there is none.
            env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
            result = subprocess.run([sys.executable, "manage.py", "check_disclosure", str(source), "--pdf", str(out)],
                                    cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertIn("PDF report written", result.stderr)
            self.assertIn("Hidden", pdf_text(out.read_bytes()))

    def test_the_command_refuses_a_pdf_path_in_a_missing_folder(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            source = files.write(Path(folder), "response.xlsx", files.clean_xlsx())
            result = subprocess.run([sys.executable, "manage.py", "check_disclosure", str(source), "--pdf",
                                     str(Path(folder) / "nope" / "x.pdf")], cwd=ROOT, capture_output=True, text=True,
                                    timeout=120)
            self.assertEqual(result.returncode, 3)
            self.assertIn("no folder", result.stderr)
