"""export_ico_report and export_register: files written whole, clear errors, logged."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from reporting.models import ExportRecord
from tests.base import BaseTestCase, make_incident
from tests.reporting.reports import add_distinctive_people, pdf_text, pii_strings, xlsx_all_text
from tests.notifications.helpers import isolated_media


@contextmanager
def unwritable_folder(path: Path) -> Iterator[Path]:
    """A folder this process cannot write in. Root can write through any permission bits (and
    CI runs as root), so for root it is a read-only filesystem mounted there instead."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o500)
        try:
            yield path
        finally:
            path.chmod(0o700)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


@isolated_media
class ExportCommandTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        add_distinctive_people(self.incident)
        self.folder = Path(tempfile.mkdtemp(prefix="bt-export-test-"))
        self.addCleanup(shutil.rmtree, self.folder, True)

    def _run(self, *args: str) -> str:
        out = io.StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    def test_it_writes_the_report_as_json_and_logs_it(self) -> None:
        path = self.folder / "report.json"
        output = self._run("export_ico_report", self.incident.reference, "--format", "json", "--output", str(path))
        self.assertIn("Wrote", output)
        report = json.loads(path.read_text())
        self.assertEqual(report["incident_reference"], self.incident.reference)
        record = ExportRecord.objects.get()
        self.assertEqual((record.kind, record.via, record.incident, record.exported_by),
                         ("report_json", "command", self.incident, None))

    def test_it_writes_the_report_as_pdf_without_anyones_details(self) -> None:
        path = self.folder / "report.pdf"
        self._run("export_ico_report", self.incident.reference, "--format", "pdf", "--output", str(path))
        text = pdf_text(path.read_bytes())
        self.assertIn(self.incident.reference, text)
        for secret in pii_strings():
            self.assertNotIn(secret, text)

    def test_it_writes_the_register_as_csv_and_xlsx(self) -> None:
        self._run("export_register", "--format", "csv", "--output", str(self.folder / "r.csv"))
        self._run("export_register", "--format", "xlsx", "--output", str(self.folder / "r.xlsx"))
        text = (self.folder / "r.csv").read_text("utf-8-sig") + xlsx_all_text((self.folder / "r.xlsx").read_bytes())
        self.assertIn(self.incident.reference, text)
        for secret in pii_strings():
            self.assertNotIn(secret, text)
        self.assertEqual(ExportRecord.objects.filter(via="command").count(), 2)

    def test_an_unknown_reference_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(CommandError, "No incident with the reference “BR-1999-0001”"):
            self._run("export_ico_report", "BR-1999-0001", "--format", "json", "--output",
                      str(self.folder / "x.json"))
        self.assertFalse(ExportRecord.objects.exists())

    def test_a_missing_folder_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(CommandError, "does not exist"):
            self._run("export_register", "--format", "csv", "--output", str(self.folder / "nope" / "r.csv"))

    def test_it_refuses_to_write_through_a_symlink(self) -> None:
        target = self.folder / "elsewhere.txt"
        target.write_text("keep me")
        (self.folder / "link.csv").symlink_to(target)
        with self.assertRaisesMessage(CommandError, "symbolic link"):
            self._run("export_register", "--format", "csv", "--output", str(self.folder / "link.csv"), "--force")
        self.assertEqual(target.read_text(), "keep me")

    def test_it_refuses_a_folder_as_the_output(self) -> None:
        with self.assertRaisesMessage(CommandError, "folder"):
            self._run("export_register", "--format", "csv", "--output", str(self.folder))

    def test_it_refuses_a_dot_dot_path(self) -> None:
        with self.assertRaisesMessage(CommandError, "names a folder"):
            self._run("export_register", "--format", "csv", "--output", str(self.folder / ".."))

    def test_it_refuses_a_device(self) -> None:
        with self.assertRaisesMessage(CommandError, "not a regular file"):
            self._run("export_register", "--format", "csv", "--output", "/dev/null", "--force")

    def test_it_refuses_a_nul_byte(self) -> None:
        with self.assertRaisesMessage(CommandError, "NUL"):
            self._run("export_register", "--format", "csv", "--output", "r\x00.csv")

    def test_it_will_not_replace_a_file_without_force(self) -> None:
        path = self.folder / "r.csv"
        path.write_text("old")
        with self.assertRaisesMessage(CommandError, "--force"):
            self._run("export_register", "--format", "csv", "--output", str(path))
        self.assertEqual(path.read_text(), "old")
        self._run("export_register", "--format", "csv", "--output", str(path), "--force")
        self.assertNotEqual(path.read_text(), "old")

    def test_an_unwritable_folder_is_a_clear_error(self) -> None:
        with unwritable_folder(self.folder / "locked") as locked:
            with self.assertRaisesMessage(CommandError, "not writable"):
                self._run("export_register", "--format", "csv", "--output", str(locked / "r.csv"))
            self.assertEqual(list(locked.iterdir()), [])

    def test_a_bad_format_is_refused(self) -> None:
        with self.assertRaises(CommandError):
            self._run("export_register", "--format", "exe", "--output", str(self.folder / "r.exe"))


def test_an_error_exits_non_zero_with_the_message_on_stderr() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "manage.py", "export_register", "--format", "csv", "--output",
                           "/nonexistent-folder/register.csv"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 1
    assert "does not exist" in done.stderr
