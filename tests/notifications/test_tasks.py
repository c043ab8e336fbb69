"""The hourly sweep: resumes what dead workers left, sends digests."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from breachtracker.celery import app
from notifications import generation, tasks
from notifications.models import Batch, Notification
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


@isolated_media
@override_settings(NOTIFICATIONS_CLAIM_STALE_SECONDS=600)
class StalledBatchTests(BaseTestCase):
    """Issue 17: which batches the resume sweep fans out again, and when a chunk comes back."""

    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        for i in range(3):
            make_subject(self.incident, full_name=f"Person {i}")
        self.batch = start_batch(self.incident, self.dpo)  # not eager: nothing generated
        self.ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))

    def _age(self, **ago: float) -> timezone.datetime:
        return timezone.now() - timedelta(**ago)

    def test_a_batch_holding_a_stale_claim_is_resumed(self) -> None:
        Notification.objects.filter(pk=self.ids[0]).update(status=Status.GENERATING,
                                                          claimed_at=self._age(minutes=11))
        self.assertEqual(generation.batches_stalled(), [self.batch.pk])

    def test_a_batch_whose_workers_are_moving_is_left_alone(self) -> None:
        # Pending rows in a batch started long ago, but a row was claimed a minute ago.
        Batch.objects.filter(pk=self.batch.pk).update(created_at=self._age(hours=1))
        Notification.objects.filter(pk=self.ids[0]).update(status=Status.GENERATING, claimed_at=self._age(minutes=1))
        self.assertEqual(generation.batches_stalled(), [])

    def test_a_batch_with_pending_rows_and_nothing_moving_is_resumed(self) -> None:
        Batch.objects.filter(pk=self.batch.pk).update(created_at=self._age(hours=1))
        Notification.objects.update(updated_at=self._age(hours=1))
        self.assertEqual(generation.batches_stalled(), [self.batch.pk])

    def test_a_batch_just_started_is_left_alone(self) -> None:
        self.assertEqual(generation.batches_stalled(), [])

    def test_the_resume_task_fans_out_each_stalled_batch(self) -> None:
        Notification.objects.filter(pk=self.ids[0]).update(status=Status.GENERATING,
                                                          claimed_at=self._age(minutes=11))
        app.conf.task_always_eager = True
        self.addCleanup(setattr, app.conf, "task_always_eager", False)
        self.assertEqual(tasks.resume_batches(), 1)
        self.assertEqual(set(Notification.objects.values_list("status", flat=True)), {Status.GENERATED})

    def test_rows_held_by_a_fresh_claim_say_when_they_can_be_taken_over(self) -> None:
        Notification.objects.filter(pk=self.ids[0]).update(status=Status.GENERATING, claimed_at=self._age(minutes=4))
        Notification.objects.filter(pk=self.ids[1]).update(status=Status.GENERATING, claimed_at=self._age(minutes=9))
        wait = generation.claims_held(self.ids)
        self.assertIsNotNone(wait)
        self.assertAlmostEqual(wait, 6 * 60, delta=30)  # the younger claim: 10 min - 4 min
        self.assertEqual(tasks.held_countdown(wait), int(wait) + 2)

    def test_rows_done_or_held_by_a_stale_claim_are_not_held(self) -> None:
        Notification.objects.filter(pk=self.ids[0]).update(status=Status.GENERATING, claimed_at=self._age(minutes=11))
        Notification.objects.filter(pk=self.ids[1]).update(status=Status.GENERATED)
        self.assertIsNone(generation.claims_held(self.ids))

    def test_a_chunk_that_skipped_held_rows_runs_again_then_leaves_them_to_the_sweep(self) -> None:
        Notification.objects.filter(pk=self.ids[0]).update(status=Status.GENERATING, claimed_at=timezone.now(),
                                                          claim_token=Notification.new_token())
        app.conf.task_always_eager = True
        self.addCleanup(setattr, app.conf, "task_always_eager", False)
        with self.assertLogs("notifications.tasks", "WARNING") as logs:
            # Eager, a retry runs at once (no countdown): the held row is still held each time.
            result = tasks.generate_chunk.apply(args=[self.ids]).get()
        self.assertEqual(result, {"skipped": 3})  # the last run: two done by the first, one still held
        self.assertIn("after 3 retries", logs.output[0])
        self.assertEqual(Notification.objects.get(pk=self.ids[0]).status, Status.GENERATING)
        self.assertEqual(Notification.objects.filter(status=Status.GENERATED).count(), 2)
