"""Uploads nobody confirmed do not stay on disk."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from django.utils import timezone

from incidents.imports.process import tmp_dir
from incidents.models import SubjectImport
from incidents.tasks import subject_import_sweep
from tests.base import BaseTestCase, make_incident
from tests.incidents.imports import csv_bytes, person, upload


class SweepTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def test_it_deletes_an_upload_left_unconfirmed_for_a_day(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        path = subject_import.tmp_path()
        SubjectImport.objects.filter(pk=subject_import.pk).update(created_at=timezone.now() - timedelta(hours=25))
        self.assertEqual(subject_import_sweep(), 1)
        subject_import.refresh_from_db()
        self.assertFalse(path.exists())
        self.assertEqual(subject_import.status, SubjectImport.Status.CANCELLED)
        self.assertIn("Not imported within 24 hours", subject_import.message)

    def test_it_keeps_a_recent_upload(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        subject_import_sweep()
        self.assertTrue(subject_import.tmp_path().exists())

    def test_it_deletes_an_old_file_no_import_knows(self) -> None:
        orphan = tmp_dir() / "0123456789abcdef0123456789abcdef.upload"
        orphan.write_bytes(b"left by a crash")
        old = time.time() - 2 * 86400
        os.utime(orphan, (old, old))
        subject_import_sweep()
        self.assertFalse(orphan.exists())
