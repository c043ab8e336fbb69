"""The notification progress counters (notifications.progress): every service that changes a
notification's status, channel or withheld reason, or a person's roles, keeps them equal to a
full recount; the pages read them; a command finds and repairs any that drifted."""

from __future__ import annotations

import importlib
from collections import Counter
from io import StringIO

from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from incidents.people import services as people_services
from incidents.vocab import Channel, roles_to_mask
from notifications import channels, delivery, generation, postroom, progress, services, tasks
from notifications.models import ContactAttempt, Notification, NotificationProgress, PrintPack
from reporting.retention import incident_purge_personal_data
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.imports import import_rows, person
from tests.notifications.flaky_backend import FlakyBackend
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, start_batch

Status = Notification.Status


class InStep(BaseTestCase):
    incident: Incident

    def assertInStep(self, incident: Incident | None = None) -> None:
        incident = incident or self.incident
        kept = progress.stored([incident.pk]).get(incident.pk, Counter())
        self.assertEqual(kept, progress.counted([incident.pk]).get(incident.pk, Counter()))
        self.assertEqual(progress.check(repair=False), [])

    def statuses(self) -> dict[str, int]:
        summary = progress.summaries([self.incident.pk])[self.incident.pk]
        return {s.value: summary[f"status_{s.value}"] for s in Status if summary[f"status_{s.value}"]}


@isolated_media
@override_settings(EMAIL_BACKEND="tests.notifications.flaky_backend.FlakyBackend", NOTIFICATIONS_EMAIL_RETRY_SECONDS=0)
class CountersKeptByEveryServiceTests(InStep):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.letters = [make_subject(self.incident, actor=self.dpo, full_name=f"Letter {n}",
                                     roles=roles_to_mask(["victim", "witness"] if n else ["suspect"]))
                        for n in range(4)]
        self.emailed = make_subject(self.incident, actor=self.dpo, full_name="Email Person", preferred_channel="email",
                                    email="person@example.org", roles=roles_to_mask(["witness"]))
        self.unwritable = make_subject(self.incident, actor=self.dpo, full_name="Do Not Write", do_not_write=True)
        FlakyBackend.failures = 0

    def row(self, subject: object) -> Notification:
        return Notification.objects.get(subject=subject)

    def test_a_batch_generation_email_and_ticking(self) -> None:
        batch = start_batch(self.incident, self.dpo)  # rows created, pending
        self.assertEqual(self.statuses(), {"pending": 6})
        self.assertInStep()
        generate_all(batch)  # claimed, then generated or withheld
        self.assertEqual(self.statuses(), {"generated": 5, "withheld": 1})
        self.assertInStep()
        email = self.row(self.emailed)
        self.assertEqual(tasks.send_email.apply(args=[email.pk]).get(), "sent")  # generated → sending → sent
        self.assertInStep()
        first, second, third, fourth = (self.row(s) for s in self.letters)
        services.notification_mark(notification=first, actor=self.handler, status="delivered",
                                   expected_version=first.version)
        self.assertInStep()
        first.refresh_from_db()
        services.notification_undo(notification=first, actor=self.handler, expected_version=first.version)
        self.assertInStep()
        services.contact_record(notification=second, actor=self.handler, expected_version=second.version,
                                channel="phone", contacted_at=timezone.now(), outcome=ContactAttempt.Outcome.TOLD)
        self.assertInStep()
        services.contact_record(notification=third, actor=self.handler, expected_version=third.version,
                                channel="phone", contacted_at=timezone.now(), outcome=ContactAttempt.Outcome.NO_ANSWER)
        self.assertInStep()
        third.refresh_from_db()
        result = services.notifications_bulk(incident=self.incident, actor=self.handler, action="failed",
                                             versions={third.pk: third.version, fourth.pk: fourth.version})
        self.assertEqual(len(result["done"]), 2)
        self.assertInStep()
        withheld = self.row(self.unwritable)
        services.notification_mark(notification=withheld, actor=self.handler, status="delivered",
                                   expected_version=withheld.version)  # told in person: withheld → delivered
        self.assertInStep()
        self.assertEqual(self.statuses(), {"generated": 1, "sent": 1, "delivered": 2, "failed": 2})

    def test_the_people_told_are_counted_by_the_london_day_they_were_told(self) -> None:
        from datetime import date

        from tests.base import local

        generate_all(start_batch(self.incident, self.dpo))
        first, second, third = (self.row(s) for s in self.letters[:3])
        # 00:30 on 25 October 2026 in London is 23:30 on the 24th in UTC (summer time).
        services.notification_mark(notification=first, actor=self.handler, status="delivered",
                                   expected_version=first.version, when=local(2026, 10, 25, 0, 30))
        services.notification_mark(notification=second, actor=self.handler, status="sent",
                                   expected_version=second.version, when=local(2026, 10, 26, 9, 0))
        services.contact_record(notification=third, actor=self.handler, expected_version=third.version,
                                channel="phone", contacted_at=local(2026, 10, 26, 23, 30),
                                outcome=ContactAttempt.Outcome.TOLD)
        kept = progress.stored([self.incident.pk])[self.incident.pk]
        self.assertEqual(progress.told_by_day(kept), [(date(2026, 10, 25), 1), (date(2026, 10, 26), 2)])
        self.assertInStep()
        second.refresh_from_db()
        services.notification_undo(notification=second, actor=self.handler, expected_version=second.version)
        kept = progress.stored([self.incident.pk])[self.incident.pk]
        self.assertEqual(progress.told_by_day(kept), [(date(2026, 10, 25), 1), (date(2026, 10, 26), 1)])
        self.assertInStep()

    def test_the_post_room_the_channel_and_failures(self) -> None:
        batch = start_batch(self.incident, self.dpo)
        generate_all(batch)
        pack = PrintPack.objects.create(batch=batch, created_by=self.dpo)
        delivery.print_pack_build(pack_id=pack.pk)
        postroom.print_pack_mark_posted(pack=PrintPack.objects.get(pk=pack.pk), actor=self.handler)
        self.assertInStep()
        returned = self.row(self.letters[0])
        postroom.letters_mark_returned(incident=self.incident, actor=self.handler, text=returned.letter_reference)
        self.assertInStep()
        self.assertEqual(self.statuses()["returned"], 1)
        withheld = self.row(self.unwritable)  # withheld, do not write: the DPO chooses email
        people_services.subject_update(subject=self.unwritable, actor=self.dpo, fields={"email": "dnw@example.org"})
        channels.notification_set_channel(notification=withheld, actor=self.dpo, channel=Channel.EMAIL,
                                          expected_version=withheld.version)
        self.assertInStep()
        self.assertEqual(self.statuses()["pending"], 1)
        # A render that raises: back to pending, then failed after the third attempt.
        token, rows = generation._claim_many([withheld.pk])
        self.assertEqual(len(rows), 1)
        self.assertInStep()
        generation.notification_fail(notification_id=withheld.pk, error="WeasyPrint fell over")
        self.assertInStep()
        Notification.objects.filter(pk=withheld.pk).update(attempts=3)
        generation._claim_many([withheld.pk])
        generation.notification_fail(notification_id=withheld.pk, error="WeasyPrint fell over again")
        self.assertEqual(self.row(self.unwritable).status, Status.FAILED)
        self.assertInStep()

    def test_an_email_that_fails_for_good_or_gives_up(self) -> None:
        generate_all(start_batch(self.incident, self.dpo))
        email = self.row(self.emailed)
        FlakyBackend.failures = 100
        self.assertEqual(tasks.send_email.apply(args=[email.pk]).get(), "failed after retries")
        self.assertInStep()
        self.assertEqual(self.statuses()["failed"], 1)

    def test_a_claim_taken_over_from_a_dead_worker_counts_once(self) -> None:
        batch = start_batch(self.incident, self.dpo)
        ids = generation.batch_work(batch)
        token, rows = generation._claim_many(ids)  # this worker dies holding them
        self.assertEqual(self.statuses(), {"generating": 6})
        Notification.objects.filter(pk__in=ids).update(claimed_at=timezone.now() - generation.claim_stale_after() * 2)
        generate_all(batch)  # taken over: generating → generating, then finished
        self.assertEqual(generation._finish(ids[0], token, "late", status=Status.GENERATED), False)
        self.assertInStep()
        self.assertEqual(self.statuses(), {"generated": 5, "withheld": 1})

    def test_a_change_of_roles_by_hand_or_by_import_moves_the_notifications(self) -> None:
        generate_all(start_batch(self.incident, self.dpo))
        people_services.subject_update(subject=self.letters[0], actor=self.handler,
                                       fields={"roles": roles_to_mask(["victim"])})
        self.assertInStep()
        summary = progress.summaries([self.incident.pk])[self.incident.pk]
        self.assertEqual((summary["role_suspect"], summary["role_victim"]), (0, 5))
        import_rows(self.incident, self.handler, [person("Email Person", role="Suspect", email="person@example.org",
                                                         postcode="SW1A 1AA")])
        self.assertInStep()

    def test_retention_keeps_the_counts(self) -> None:
        generate_all(start_batch(self.incident, self.dpo))
        before = progress.summaries([self.incident.pk])
        self.incident.status = Incident.Status.CLOSED
        self.incident.save()
        incident_purge_personal_data(incident=self.incident, reason="Retention period over")
        self.assertEqual(progress.summaries([self.incident.pk]), before)
        self.assertInStep()


class CounterStorageTests(InStep):
    def test_a_bucket_used_for_the_first_time_is_created_and_adding_is_relative(self) -> None:
        incident = make_incident(actor=self.dpo)
        key = progress.bucket(incident.pk, Status.SENT, "restricted", Channel.LETTER, 3)
        self.assertEqual(key.withheld_code, "", "a reason counts only while withheld")
        progress.add(Counter({key: 2}))
        progress.add(Counter({key: 5}))
        progress.moved([(key, None)])
        self.assertEqual(NotificationProgress.objects.get(incident=incident).n, 6)

    def test_incidents_counters_go_with_it(self) -> None:
        incident = make_incident(actor=self.dpo)
        progress.add(Counter({progress.bucket(incident.pk, Status.PENDING, "", Channel.LETTER, 1): 1}))
        incident.delete()
        self.assertFalse(NotificationProgress.objects.exists())


@isolated_media
class CommandAndPagesTests(InStep):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo, title="Counted incident")
        for n in range(3):
            make_subject(self.incident, actor=self.dpo, full_name=f"Person {n}")
        generate_all(start_batch(self.incident, self.dpo))

    def test_the_command_finds_and_repairs_a_broken_counter(self) -> None:
        call_command("recount_progress", "--check", stdout=StringIO())  # in step: no error
        NotificationProgress.objects.filter(incident=self.incident, status=Status.GENERATED).update(n=40)
        with self.assertRaisesMessage(CommandError, "1 incident(s) have notification counts that differ"):
            call_command("recount_progress", "--check", stdout=(out := StringIO()))
        self.assertIn(f"{self.incident.reference}: generated/letter/victim 40 (recount: 3)", out.getvalue())
        self.assertEqual(NotificationProgress.objects.get(incident=self.incident, status=Status.GENERATED).n, 40,
                         "--check changes nothing")
        call_command("recount_progress", stdout=StringIO())
        self.assertInStep()
        call_command("recount_progress", "--check", stdout=StringIO())

    def test_a_missing_counter_is_found_too(self) -> None:
        NotificationProgress.objects.filter(incident=self.incident).delete()
        self.assertEqual(progress.check(repair=True),
                         [f"{self.incident.reference}: generated/letter/victim 0 (recount: 3)"])
        self.assertInStep()

    def test_the_notifications_list_and_the_report_read_the_counters(self) -> None:
        NotificationProgress.objects.filter(incident=self.incident, status=Status.GENERATED).update(n=4321)
        self.login(self.auditor)
        self.assertContains(self.client.get(reverse("notification_list", args=[self.incident.reference])),
                            "of 4,321")
        report = self.client.get(reverse("report_preview", args=[self.incident.reference]))
        self.assertEqual(report.context["report"]["telling_data_subjects"]["counts"]["in_progress"], 4321)

    def test_the_migration_counts_notifications_made_before_it(self) -> None:
        migration = importlib.import_module("notifications.migrations.0015_notification_progress")
        NotificationProgress.objects.all().delete()
        migration.count_existing_notifications(apps, None)
        self.assertInStep()

    def test_the_migration_splits_the_people_told_by_the_day_they_were_told(self) -> None:
        told = Notification.objects.filter(incident=self.incident).order_by("pk").first()
        services.notification_mark(notification=told, actor=self.handler, status="sent",
                                   expected_version=told.version)
        migration = importlib.import_module("notifications.migrations.0017_progress_by_day_told")
        NotificationProgress.objects.all().update(told_on=migration.NOT_TOLD)  # as before the migration
        migration.count_by_day_told(apps, None)
        self.assertInStep()
        kept = progress.stored([self.incident.pk])[self.incident.pk]
        self.assertEqual(progress.told_by_day(kept), [(timezone.localdate(), 1)])
