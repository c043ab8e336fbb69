"""The hourly sweep: resumes what dead workers left, sends digests."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from breachtracker.celery import app
from notifications import tasks
from notifications.models import Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import isolated_media, make_organisation, start_batch

Status = Notification.Status


@isolated_media
class SweepTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        make_subject(self.incident)
        self.batch = start_batch(self.incident, self.dpo)
        app.conf.task_always_eager = True
        self.addCleanup(setattr, app.conf, "task_always_eager", False)

    def test_it_resumes_a_batch_a_dead_worker_left_generating(self) -> None:
        Notification.objects.update(status=Status.GENERATING, claimed_at=timezone.now() - timedelta(hours=1))
        self.assertEqual(tasks.sweep()["resumed"], 1)
        self.assertEqual(Notification.objects.get().status, Status.GENERATED)

    def test_it_leaves_a_batch_that_is_still_being_worked(self) -> None:
        Notification.objects.update(status=Status.GENERATING, claimed_at=timezone.now())
        self.assertEqual(tasks.sweep()["resumed"], 0)
        self.assertEqual(Notification.objects.get().status, Status.GENERATING)


class OutageRetryTests(TestCase):
    @override_settings(NOTIFICATIONS_CLAIM_STALE_SECONDS=600)
    def test_a_chunk_cut_short_by_an_outage_waits_for_its_claims_to_go_stale(self) -> None:
        from notifications.tasks import outage_countdown

        self.assertEqual([outage_countdown(n) for n in (0, 1, 3)], [602, 603, 609])
