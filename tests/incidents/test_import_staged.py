"""Confirming an import uses the check's kept result (`imports/staged.py`) instead of reading
and validating the file again — but only a result made from this file with these answers,
matched again against the incident's people as they are now, encrypted, and never left behind."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

from django.utils import timezone

from incidents.imports import staged
from incidents.imports.process import subject_import_sweep
from incidents.models import DataSubject, SubjectImport
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import confirm, csv_bytes, person, upload
from tests.stored import stored_path, upload_path

ROWS = [
    person("Zebedee Quartermain", "1971-02-03", postcode="SW1A 2AA", email="zq@example.org"),
    person("Ann Example", "31/02/1985"),  # kept, with the date to check
    person("Ann Example", "", postcode="SW1A 1AA"),  # the same Ann (name and postcode)
    person("", ""),  # no one: left out
]


class StagedTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def check(self, rows: list[list[str]] = ROWS) -> SubjectImport:
        result = upload(self.incident, self.handler, csv_bytes(rows))
        self.assertEqual(result.status, SubjectImport.Status.VALIDATED)
        return result

    def report(self, subject_import: SubjectImport) -> list[tuple[str, int | None, str]]:
        return sorted((i.kind, i.row, i.message) for i in subject_import.issues.all())

    def test_the_check_keeps_its_result_encrypted_and_private(self) -> None:
        subject_import = self.check()
        path = stored_path(staged.stage_name(subject_import))
        assert path is not None
        content = path.read_bytes()
        for plain in (b"Zebedee", b"Quartermain", b"zq@example.org", b"SW1A"):
            self.assertNotIn(plain, content)
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)

    def test_confirming_does_not_read_the_file_again(self) -> None:
        subject_import = self.check()
        before = self.report(subject_import)
        waiting = upload_path(subject_import)
        assert waiting is not None
        waiting.write_bytes(b"\x00 not the file that was checked")  # a re-read would fail
        with self.captureOnCommitCallbacks(execute=True):
            done = confirm(subject_import, self.dpo, only_valid=True)
        self.assertEqual(done.status, SubjectImport.Status.DONE, done.message)
        self.assertEqual((done.rows_read, done.rows_valid, done.rows_invalid, done.subjects_created), (4, 3, 1, 2))
        self.assertEqual(self.report(done), before, "the check's report on the file's rows is kept as it was")
        ann = DataSubject.objects.filter(incident=self.incident).search("Ann Example").get()
        self.assertIn("31/02/1985", ann.to_check)
        # Both files go once the import is committed.
        self.assertFalse(waiting.exists())
        self.assertFalse(waiting.with_name(waiting.name + staged.SUFFIX).exists())

    def test_people_recorded_after_the_check_are_matched_at_the_import(self) -> None:
        subject_import = self.check()
        self.assertEqual(subject_import.rows_merged_existing, 0)
        make_subject(self.incident, actor=self.dpo, full_name="Zebedee Quartermain", postcode="SW1A 2AA")
        done = confirm(subject_import, self.dpo, only_valid=True)
        self.assertEqual((done.subjects_created, done.rows_merged_existing), (1, 1))
        self.assertEqual(DataSubject.objects.filter(incident=self.incident).count(), 2)
        merged = [m for k, _r, m in self.report(done) if k == "merged" and "already recorded" in m]
        self.assertEqual(len(merged), 1)

    def test_a_changed_answer_makes_the_import_check_the_file_again(self) -> None:
        subject_import = self.check()
        # As if the answer changed after the check without a new check: the kept result no
        # longer fits, so the file itself is read with the answer now given.
        SubjectImport.objects.filter(pk=subject_import.pk).update(file_categories=1)
        subject_import.refresh_from_db()
        self.assertIsNone(staged.staged(subject_import))
        done = confirm(subject_import, self.dpo, only_valid=True)
        self.assertEqual(done.status, SubjectImport.Status.DONE, done.message)
        self.assertTrue(all(s.categories_mask & 1 for s in DataSubject.objects.filter(incident=self.incident)))

    def test_a_damaged_kept_result_is_ignored_not_trusted(self) -> None:
        subject_import = self.check()
        path = stored_path(staged.stage_name(subject_import))
        assert path is not None
        data = bytearray(path.read_bytes())
        data[-10] ^= 0xFF
        path.write_bytes(bytes(data))
        self.assertIsNone(staged.staged(subject_import))
        done = confirm(subject_import, self.dpo, only_valid=True)
        self.assertEqual((done.status, done.subjects_created), (SubjectImport.Status.DONE, 2))

    def test_cancelling_and_the_sweep_delete_the_kept_result(self) -> None:
        from incidents.imports import services as import_services

        subject_import = self.check()
        path = stored_path(staged.stage_name(subject_import))
        assert path is not None and path.exists()
        import_services.subject_import_cancel(subject_import=subject_import, actor=self.handler)
        self.assertFalse(path.exists())
        # An orphan (its import row gone after a crash) goes with the hourly sweep.
        orphan = path.with_name("orphan.upload" + staged.SUFFIX)
        orphan.write_bytes(b"x")
        old = (timezone.now() - timedelta(days=2)).timestamp()
        os.utime(orphan, (old, old))
        subject_import_sweep()
        self.assertFalse(orphan.exists())
