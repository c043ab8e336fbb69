"""Email delivery with retries, the outstanding CSV, the daily digest."""

from __future__ import annotations

from datetime import date, timedelta

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.people import services as incident_services
from notifications import delivery, services, tasks
from notifications.models import DigestSent, Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.flaky_backend import FlakyBackend
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, start_batch

Status = Notification.Status


@isolated_media
@override_settings(EMAIL_BACKEND="tests.notifications.flaky_backend.FlakyBackend", NOTIFICATIONS_EMAIL_RETRY_SECONDS=0)
class EmailTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        subject = make_subject(self.incident, preferred_channel="email", email="person@example.org",
                               full_name="Erin <i>Email</i>")
        generate_all(start_batch(self.incident, self.dpo))
        self.n = Notification.objects.get(subject=subject)
        FlakyBackend.failures = 0

    def test_it_sends_text_and_html_with_the_pdf_attached(self) -> None:
        self.assertEqual(tasks.send_email.apply(args=[self.n.pk]).get(), "sent")
        message = mail.outbox[0]
        self.assertIn(self.incident.reference, message.subject)
        self.assertIn("Erin <i>Email</i>", message.body)
        html, mime = message.alternatives[0]
        self.assertEqual(mime, "text/html")
        self.assertIn("Erin &lt;i&gt;Email&lt;/i&gt;", html)
        self.assertEqual(message.attachments[0][2], "application/pdf")
        self.n.refresh_from_db()
        self.assertEqual(self.n.status, Status.SENT)

    def test_a_transient_failure_is_retried_until_it_succeeds(self) -> None:
        FlakyBackend.failures = 2
        self.assertEqual(tasks.send_email.apply(args=[self.n.pk]).get(), "sent")
        self.assertEqual(len(mail.outbox), 1)
        self.n.refresh_from_db()
        self.assertEqual((self.n.status, self.n.attempts), (Status.SENT, 4))  # 1 generate + 3 sends

    @override_settings(EMAIL_BACKEND="tests.notifications.flaky_backend.RefusingBackend")
    def test_a_permanent_failure_is_recorded_and_not_retried(self) -> None:
        self.assertEqual(tasks.send_email.apply(args=[self.n.pk]).get(), "failed")
        self.n.refresh_from_db()
        self.assertEqual(self.n.status, Status.FAILED)
        self.assertIn("No such user", self.n.last_error)

    def test_a_second_send_of_the_same_notification_does_nothing(self) -> None:
        tasks.send_email.apply(args=[self.n.pk])
        self.assertEqual(tasks.send_email.apply(args=[self.n.pk]).get(), "skipped")
        self.assertEqual(len(mail.outbox), 1)

    def test_a_server_that_never_recovers_ends_as_failed_with_history(self) -> None:
        FlakyBackend.failures = 100
        self.assertEqual(tasks.send_email.apply(args=[self.n.pk]).get(), "failed after retries")
        self.n.refresh_from_db()
        self.assertEqual(self.n.status, Status.FAILED)
        self.assertEqual(self.n.history.latest().history_change_reason, "Email: gave up after retries")
        self.assertEqual(len(mail.outbox), 0)

    def test_backoff_doubles(self) -> None:
        with self.settings(NOTIFICATIONS_EMAIL_RETRY_SECONDS=60):
            self.assertEqual([tasks.email_backoff(n) for n in range(3)], [60, 120, 240])


@isolated_media
class OutstandingTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo, handler=self.handler)
        make_subject(self.incident, full_name="=cmd|' /C calc'!A0", phone="+44 7700 900123", do_not_write=True)
        told_subject = make_subject(self.incident, full_name="Told Already")
        generate_all(start_batch(self.incident, self.dpo))
        told = Notification.objects.get(subject=told_subject)
        services.notification_mark(notification=told, actor=self.handler, status="sent", expected_version=told.version)

    def test_the_csv_lists_outstanding_people_with_formulas_neutralised(self) -> None:
        self.login(self.handler)
        response = self.client.get(reverse("outstanding_csv", args=[self.incident.reference]))
        body = b"".join(response.streaming_content).decode()
        self.assertIn("\n'=cmd|' /C calc'!A0,", body)
        self.assertIn("'+44 7700 900123", body)
        self.assertNotIn("Told Already", body)

    def test_the_digest_goes_to_the_handler_once_a_day(self) -> None:
        self.handler.email = "handler@example.org"
        self.handler.save()
        services.plan_update(incident=self.incident, actor=self.dpo, fields={"target_date": date(2026, 1, 1)})
        self.assertEqual(delivery.digests_send(today=date(2026, 1, 5)), 1)
        self.assertEqual(delivery.digests_send(today=date(2026, 1, 5)), 0)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(self.incident.reference, mail.outbox[0].body)
        self.assertEqual(DigestSent.objects.get().overdue, 1)
        self.assertEqual(delivery.digests_send(today=date(2026, 1, 5) + timedelta(days=1)), 1)

    def test_the_digest_lists_actions_overdue_and_requests_due_to_their_owner(self) -> None:
        from incidents.casework import services as casework_services

        self.dpo.email = "dpo@example.org"
        self.dpo.save()
        today = timezone.localdate()
        casework_services.action_create(incident=self.incident, actor=self.dpo, fields={
            "kind": "preventive", "description": "Train the FOI team", "owner": self.dpo,
            "due_on": today - timedelta(days=2)})
        person = make_subject(self.incident, full_name="Asking Person")
        casework_services.request_create(incident=self.incident, actor=self.dpo, fields={
            "subject": person, "kind": "access", "received_on": today - timedelta(days=29), "summary": "A copy",
            "owner": self.dpo})
        self.assertEqual(delivery.digests_send(today=today), 1)  # no overdue letters: the owner still hears
        body = mail.outbox[0].body
        self.assertEqual(mail.outbox[0].to, ["dpo@example.org"])
        self.assertIn("Actions overdue:", body)
        self.assertIn("Train the FOI team", body)
        self.assertIn("Requests and claims due:", body)
        self.assertIn(f"subject access request from record {person.pk}", body)
        self.assertNotIn("Asking Person", body)
        self.assertNotIn("People not yet told", body)

    def test_no_digest_before_the_target_date(self) -> None:
        self.handler.email = "handler@example.org"
        self.handler.save()
        services.plan_update(incident=self.incident, actor=self.dpo, fields={"target_date": date(2026, 1, 10)})
        self.assertEqual(delivery.digests_send(today=date(2026, 1, 5)), 0)


@isolated_media
class RecheckTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)

    def test_a_person_marked_do_not_write_after_generation_is_left_out_of_the_pack(self) -> None:
        from notifications.models import PrintPack

        keep = make_subject(self.incident, full_name="Keep Me")
        unsafe = make_subject(self.incident, full_name="Now Unsafe")
        batch = start_batch(self.incident, self.dpo)
        generate_all(batch)
        incident_services.subject_update(subject=unsafe, actor=self.handler, fields={"do_not_write": True})
        pack = delivery.print_pack_build(pack_id=PrintPack.objects.create(batch=batch).pk)
        manifest = pack.manifest.open("rb").read().decode()
        self.assertIn(keep.full_name, manifest)
        self.assertNotIn("Now Unsafe", manifest)
        self.assertIn("1 letter(s) left out", pack.last_error)

    def test_a_person_restricted_after_generation_gets_no_email(self) -> None:
        from django.utils import timezone

        subject = make_subject(self.incident, preferred_channel="email", email="p@example.org")
        generate_all(start_batch(self.incident, self.dpo))
        self.incident.regime = "dpa_part3"
        self.incident.save()
        assessment_services.restriction_create(incident=self.incident, actor=self.dpo, fields={
            "subject": subject, "grounds": "a", "rationale": "An inquiry is under way.",
            "review_date": timezone.localdate() + timedelta(days=14)})
        self.assertEqual(tasks.send_email.apply(args=[Notification.objects.get(subject=subject).pk]).get(), "withheld")
        self.assertEqual(len(mail.outbox), 0)
