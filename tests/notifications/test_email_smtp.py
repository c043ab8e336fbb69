"""Email as a real channel, through Django's SMTP backend to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse

from notifications import channels, delivery, services, tasks
from notifications.models import ContactAttempt, Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, make_ready, start_batch
from tests.notifications.smtp_server import Handler, no_smtp_server, smtp_server

Status = Notification.Status


@isolated_media
@override_settings(NOTIFICATIONS_EMAIL_RETRY_SECONDS=0)
class EmailThroughSmtpTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)

    def generated(self, **fields: object) -> Notification:
        values = {"full_name": "Erin Email", "email": "erin@example.org", "preferred_channel": "email", **fields}
        subject = make_subject(self.incident, actor=self.dpo, **values)
        with self.captureOnCommitCallbacks(execute=False):  # the send is run by each test itself
            generate_all(start_batch(self.incident, self.dpo))
        return Notification.objects.get(subject=subject)

    def send(self, n: Notification) -> str:
        return tasks.send_email.apply(args=[n.pk]).get()

    def test_the_persons_preference_is_delivered_with_text_html_and_the_pdf(self) -> None:
        n = self.generated()
        with smtp_server(Handler()) as server:
            self.assertEqual(self.send(n), "sent")
        self.assertEqual(server.recipients, [["erin@example.org"]])
        message = server.received[0]
        self.assertIn(self.incident.reference, message["Subject"])
        types = [part.get_content_type() for part in message.walk()]
        self.assertIn("text/plain", types)
        self.assertIn("text/html", types)
        self.assertIn("application/pdf", types)
        n.refresh_from_db()
        self.assertEqual((n.status, n.channel), (Status.SENT, "email"))

    def test_a_transient_failure_is_retried_with_backoff_and_delivered_once(self) -> None:
        n = self.generated()
        with smtp_server(Handler(busy=2)) as server:
            self.assertEqual(self.send(n), "sent")
        self.assertEqual((server.data_attempts, len(server.received)), (3, 1))
        n.refresh_from_db()
        self.assertEqual(n.status, Status.SENT)
        reasons = list(n.history.order_by("history_id").values_list("history_change_reason", flat=True))
        self.assertEqual(reasons.count("Email: temporary failure"), 2)

    def test_a_permanent_rejection_is_recorded_and_not_retried(self) -> None:
        n = self.generated(email="gone@example.org")
        with smtp_server(Handler(refuse={"gone@example.org"})) as server:
            self.assertEqual(self.send(n), "failed")
        self.assertEqual((server.rcpt_attempts, server.received), (1, []))
        n.refresh_from_db()
        self.assertEqual(n.status, Status.FAILED)
        self.assertIn("No such user", n.last_error)

    def test_a_second_send_never_makes_a_duplicate(self) -> None:
        n = self.generated()
        with smtp_server(Handler()) as server:
            self.send(n)
            self.assertEqual(self.send(n), "skipped")
            self.assertEqual(delivery.notification_send_email(notification_id=n.pk), "skipped")
        self.assertEqual(len(server.received), 1)

    def test_a_server_that_is_down_is_retried_then_recorded_as_failed(self) -> None:
        n = self.generated()
        with no_smtp_server():
            self.assertEqual(self.send(n), "failed after retries")
        n.refresh_from_db()
        self.assertEqual(n.status, Status.FAILED)
        self.assertIn("Gave up after retries", n.last_error)

    def test_without_a_safe_postal_address_the_letter_goes_by_email(self) -> None:
        n = self.generated(preferred_channel="letter", address_line_1="", postcode="")
        self.assertEqual((n.status, n.channel), (Status.GENERATED, "email"))
        self.assertIn("sent by email instead", n.history.latest().history_change_reason)
        with smtp_server(Handler()) as server:
            self.assertEqual(self.send(n), "sent")
        self.assertEqual(server.recipients, [["erin@example.org"]])

    def test_do_not_write_with_an_email_address_goes_by_email(self) -> None:
        n = self.generated(full_name="Dee", email="dee@example.org", preferred_channel="letter", do_not_write=True)
        self.assertEqual((n.status, n.channel), (Status.GENERATED, "email"))

    def test_the_dpo_can_choose_email_for_a_withheld_person_and_it_is_sent_once(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, full_name="Phil Phone", email="phil@example.org",
                               preferred_channel="in_person")
        generate_all(start_batch(self.incident, self.dpo))
        n = Notification.objects.get(subject=subject)
        self.assertEqual(n.status, Status.WITHHELD)
        self.login(self.dpo)
        self.client.post(reverse("notification_mark", args=[self.incident.reference, n.pk]),
                         {"set_channel": "1", "channel": "email", "version": n.version})
        n.refresh_from_db()
        self.assertEqual((n.status, n.channel, n.batch), (Status.PENDING, "email", None))
        self.assertEqual(n.history.latest().history_user, self.dpo)
        make_ready(self.incident, self.dpo)
        with self.captureOnCommitCallbacks(execute=False):
            generate_all(services.batch_start(incident=self.incident, actor=self.dpo))
        with smtp_server(Handler()) as server:
            self.assertEqual(self.send(Notification.objects.get(pk=n.pk)), "sent")
        self.assertEqual(server.recipients, [["phil@example.org"]])

    def test_a_handler_cannot_choose_the_channel(self) -> None:
        n = self.generated(email="")
        with self.assertRaises(PermissionError):
            channels.notification_set_channel(notification=n, actor=self.handler, channel="email",
                                              expected_version=n.version)

    def test_email_cannot_be_chosen_without_an_address(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, preferred_channel="in_person")
        generate_all(start_batch(self.incident, self.dpo))
        n = Notification.objects.get(subject=subject)
        with self.assertRaises(services.NotAllowed):
            channels.notification_set_channel(notification=n, actor=self.dpo, channel="email",
                                              expected_version=n.version)
        n.refresh_from_db()
        self.assertEqual(n.status, Status.WITHHELD)

    def test_the_contact_form_records_an_email_contact(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, preferred_channel="in_person", email="x@example.org")
        generate_all(start_batch(self.incident, self.dpo))
        n = Notification.objects.get(subject=subject)
        self.login(self.handler)
        self.client.post(reverse("notification_mark", args=[self.incident.reference, n.pk]),
                         {"channel": "email", "contacted_at": "2026-01-02T10:00", "outcome": "told", "note": "",
                          "version": n.version})
        self.assertEqual(ContactAttempt.objects.get().channel, "email")
