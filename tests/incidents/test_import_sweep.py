"""Uploads nobody confirmed do not stay on disk."""

from __future__ import annotations

import csv
import io
import os
import time
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from incidents.imports import services as import_services
from incidents.imports.process import MAX_RESUMES, RESUMED
from incidents.imports.reader import ImportFileError
from incidents.models import SubjectImport
from incidents.tasks import subject_import_run, subject_import_sweep
from tests.base import BaseTestCase, make_incident
from tests.incidents.imports import csv_bytes, person, upload
from tests.stored import stored_path, upload_path


class SweepTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def test_it_deletes_an_upload_left_unconfirmed_for_a_day(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        path = upload_path(subject_import)
        SubjectImport.objects.filter(pk=subject_import.pk).update(created_at=timezone.now() - timedelta(hours=25))
        self.assertEqual(subject_import_sweep(), 1)
        subject_import.refresh_from_db()
        self.assertFalse(path.exists())
        self.assertEqual(subject_import.status, SubjectImport.Status.CANCELLED)
        self.assertIn("Not imported within 24 hours", subject_import.message)

    def test_it_keeps_a_recent_upload(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        subject_import_sweep()
        self.assertTrue(upload_path(subject_import).exists())

    def test_it_deletes_an_old_file_no_import_knows(self) -> None:
        orphan = stored_path("imports-tmp/0123456789abcdef0123456789abcdef.upload")
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"left by a crash")
        old = time.time() - 2 * 86400
        os.utime(orphan, (old, old))
        subject_import_sweep()
        self.assertFalse(orphan.exists())


class DeadWorkerTests(BaseTestCase):
    """Issue 15: a worker killed during an import left it "validating" for good."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def _stuck(self, minutes_silent: int) -> SubjectImport:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        SubjectImport.objects.filter(pk=subject_import.pk).update(
            status=SubjectImport.Status.VALIDATING, progress_at=timezone.now() - timedelta(minutes=minutes_silent))
        subject_import.refresh_from_db()
        return subject_import

    def test_the_sweep_hands_a_check_whose_worker_went_silent_to_a_worker_again(self) -> None:
        subject_import = self._stuck(minutes_silent=20)
        with self.captureOnCommitCallbacks() as queued:
            subject_import_sweep()
        self.assertEqual(len(queued), 1)  # subject_import_run sent again
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.QUEUED)
        self.assertTrue(upload_path(subject_import).exists())
        self.assertEqual(subject_import.history.first().history_change_reason, RESUMED)
        self.assertIsNone(subject_import.history.first().history_user)
        subject_import_run(subject_import.pk, False)  # what the worker then does
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATED)

    def test_a_resumption_is_on_the_incident_history_tab_as_done_by_the_system(self) -> None:
        subject_import = self._stuck(minutes_silent=20)
        with self.captureOnCommitCallbacks():
            subject_import_sweep()
        self.login(self.auditor)
        detail = (f"Import {subject_import.pk} of people.csv: the worker checking it stopped, so it was given to "
                  f"another worker (1 of at most 2 times).")
        page = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(page, "Import: resumed after its worker stopped")
        self.assertContains(page, detail)
        rows = list(csv.reader(io.StringIO(b"".join(self.client.get(
            reverse("incident_audit_csv", args=[self.incident.reference])).streaming_content).decode())))
        self.assertIn(["System", "Import: resumed after its worker stopped", self.incident.reference, "Detail", "",
                       detail], [row[1:] for row in rows])

    def test_the_sweep_takes_a_confirmed_import_whose_worker_died_back_for_another_worker(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        import_services.subject_import_confirm(subject_import=subject_import, actor=self.handler, only_valid=False)
        # A worker took the import pass, then died: its transaction was never committed.
        SubjectImport.objects.filter(pk=subject_import.pk).update(progress_at=timezone.now() - timedelta(minutes=20))
        with self.captureOnCommitCallbacks() as queued:
            subject_import_sweep()
        self.assertEqual(len(queued), 1)
        subject_import_run(subject_import.pk, True)
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.DONE)
        self.assertEqual(self.incident.subjects.count(), 1)

    def test_the_sweep_fails_an_import_whose_worker_died_a_third_time_and_deletes_its_file(self) -> None:
        subject_import = self._stuck(minutes_silent=20)
        path = upload_path(subject_import)
        for _ in range(MAX_RESUMES):
            with self.captureOnCommitCallbacks():
                subject_import_sweep()
            SubjectImport.objects.filter(pk=subject_import.pk).update(
                status=SubjectImport.Status.VALIDATING, progress_at=timezone.now() - timedelta(minutes=20))
        with self.captureOnCommitCallbacks() as queued:
            subject_import_sweep()
        self.assertEqual(queued, [])
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.FAILED)
        self.assertIn("worker handling this import stopped", subject_import.message)
        self.assertFalse(path.exists())
        self.assertEqual(subject_import.history.first().history_change_reason,
                         "Import stopped: its worker died (system)")

    def test_the_sweep_leaves_an_import_that_reported_progress_recently(self) -> None:
        subject_import = self._stuck(minutes_silent=2)
        subject_import_sweep()
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATING)
        self.assertTrue(upload_path(subject_import).exists())

    def test_the_sweep_leaves_an_import_confirmed_recently_still_waiting_for_a_worker(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        # Checked long ago; confirmed just now.
        SubjectImport.objects.filter(pk=subject_import.pk).update(
            created_at=timezone.now() - timedelta(hours=2), progress_at=timezone.now() - timedelta(hours=2))
        subject_import.refresh_from_db()
        import_services.subject_import_confirm(subject_import=subject_import, actor=self.handler, only_valid=False)
        with self.captureOnCommitCallbacks() as queued:
            subject_import_sweep()
        self.assertEqual(queued, [])
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.IMPORTING)
        self.assertNotEqual(subject_import.history.first().history_change_reason, RESUMED)

    def test_a_second_delivery_of_a_check_still_running_does_nothing(self) -> None:
        subject_import = self._stuck(minutes_silent=1)
        subject_import_run(subject_import.pk, False)
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.VALIDATING)
        self.assertFalse(subject_import.issues.exists())

    def test_a_running_import_can_be_cancelled_and_its_worker_then_does_nothing(self) -> None:
        subject_import = self._stuck(minutes_silent=1)
        path = upload_path(subject_import)
        import_services.subject_import_cancel(subject_import=subject_import, actor=self.handler)
        self.assertFalse(path.exists())
        subject_import_run(subject_import.pk, False)  # the task, delivered again after the cancel
        subject_import.refresh_from_db()
        self.assertEqual(subject_import.status, SubjectImport.Status.CANCELLED)
        self.assertFalse(subject_import.issues.exists())

    def test_a_finished_import_cannot_be_cancelled(self) -> None:
        subject_import = upload(self.incident, self.handler, csv_bytes([person()]))
        SubjectImport.objects.filter(pk=subject_import.pk).update(status=SubjectImport.Status.DONE)
        subject_import.refresh_from_db()
        with self.assertRaisesMessage(ImportFileError, "finished"):
            import_services.subject_import_cancel(subject_import=subject_import, actor=self.handler)
