"""Ticking off: one by one, in bulk, with undo, and nothing lost when two people tick at once."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import ContactAttempt, Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, start_batch

Status = Notification.Status


@isolated_media
class TickTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.subjects = [make_subject(self.incident, full_name=f"Person {i}") for i in range(3)]
        generate_all(start_batch(self.incident, self.dpo))
        self.n = Notification.objects.get(subject=self.subjects[0])

    def test_a_handler_marks_a_letter_sent(self) -> None:
        n = services.notification_mark(notification=self.n, actor=self.handler, status="sent", expected_version=self.n.version)
        self.assertEqual(n.status, Status.SENT)
        self.assertIsNotNone(n.sent_at)
        self.assertEqual(n.history.latest().history_user, self.handler)

    def test_the_second_of_two_people_ticking_is_told_it_changed(self) -> None:
        loaded = self.n.version
        services.notification_mark(notification=self.n, actor=self.handler, status="sent", expected_version=loaded)
        with self.assertRaises(services.Changed):
            services.notification_mark(notification=self.n, actor=self.dpo, status="failed", expected_version=loaded)
        self.n.refresh_from_db()
        self.assertEqual(self.n.status, Status.SENT)

    def test_undo_puts_back_the_previous_status_and_is_recorded(self) -> None:
        n = services.notification_mark(notification=self.n, actor=self.handler, status="sent", expected_version=self.n.version)
        n = services.notification_undo(notification=n, actor=self.dpo, expected_version=n.version)
        self.assertEqual((n.status, n.sent_at), (Status.GENERATED, None))
        latest = n.history.latest()
        self.assertEqual((latest.history_user, latest.history_change_reason), (self.dpo, "Undo: was sent"))

    def test_a_mark_that_does_not_apply_is_refused(self) -> None:
        with self.assertRaises(services.NotAllowed):
            services.notification_mark(notification=self.n, actor=self.handler, status="returned", expected_version=self.n.version)

    def test_bulk_marks_many_and_reports_the_ones_changed_meanwhile(self) -> None:
        rows = list(Notification.objects.order_by("pk"))
        versions = {n.pk: n.version for n in rows}
        services.notification_mark(notification=rows[1], actor=self.dpo, status="sent", expected_version=rows[1].version)
        result = services.notifications_bulk(incident=self.incident, actor=self.handler, versions=versions, action="sent")
        self.assertEqual(result["done"], [rows[0].pk, rows[2].pk])
        self.assertEqual(result["changed"], [rows[1].pk])

    def test_bulk_undo(self) -> None:
        rows = list(Notification.objects.order_by("pk"))
        services.notifications_bulk(incident=self.incident, actor=self.handler, versions={n.pk: n.version for n in rows}, action="sent")
        fresh = {n.pk: n.version for n in Notification.objects.all()}
        result = services.notifications_bulk(incident=self.incident, actor=self.handler, versions=fresh, action="undo")
        self.assertEqual(len(result["done"]), 3)
        self.assertEqual(Notification.objects.filter(status=Status.GENERATED).count(), 3)

    def test_bulk_ignores_rows_of_another_incident(self) -> None:
        other = make_incident(actor=self.dpo)
        result = services.notifications_bulk(incident=other, actor=self.handler, versions={self.n.pk: self.n.version}, action="sent")
        self.assertEqual(result["done"], [])

    def test_a_phone_call_that_told_them_marks_delivered_and_keeps_the_notifications_channel(self) -> None:
        channel = self.n.channel
        services.contact_record(notification=self.n, actor=self.handler, expected_version=self.n.version, channel="phone",
                                contacted_at=timezone.now(), outcome="told", note="Offered support line")
        self.n.refresh_from_db()
        self.assertEqual((self.n.status, self.n.channel), (Status.DELIVERED, channel))
        self.assertEqual((ContactAttempt.objects.get().recorded_by, ContactAttempt.objects.get().channel),
                         (self.handler, "phone"))

    def test_the_call_page_shows_the_number_to_call(self) -> None:
        subject = self.n.subject
        subject.phone = "07700 900123"
        subject.save()
        self.login(self.handler)
        response = self.client.get(reverse("notification_detail", args=[self.incident.reference, self.n.pk]))
        self.assertContains(response, '<a href="tel:07700900123" class="fw-bold">07700 900123</a>', html=True)

    def test_a_call_with_no_answer_keeps_them_outstanding(self) -> None:
        services.contact_record(notification=self.n, actor=self.handler, expected_version=self.n.version, channel="phone",
                                contacted_at=timezone.now(), outcome="no_answer")
        self.assertTrue(Notification.objects.outstanding().filter(pk=self.n.pk).exists())

    def test_a_restricted_person_cannot_be_recorded_as_contacted(self) -> None:
        Notification.objects.filter(pk=self.n.pk).update(status=Status.WITHHELD, withheld_code="restricted")
        self.n.refresh_from_db()
        with self.assertRaises(services.NotAllowed):
            services.contact_record(notification=self.n, actor=self.handler, expected_version=self.n.version,
                                    channel="phone", contacted_at=timezone.now(), outcome="told")

    def test_the_page_tells_the_second_person_it_changed(self) -> None:
        url = reverse("notification_mark", args=[self.incident.reference, self.n.pk])
        self.login(self.handler)
        self.client.post(url, {"action": "sent", "version": self.n.version})
        response = self.client.post(url, {"action": "failed", "version": self.n.version}, follow=True)
        self.assertContains(response, "Someone else changed this notification")
        self.n.refresh_from_db()
        self.assertEqual(self.n.status, Status.SENT)

    def test_the_bulk_form_marks_the_selected_rows(self) -> None:
        self.login(self.handler)
        data = {"action": "sent", "selected": [str(self.n.pk)], f"v_{self.n.pk}": str(self.n.version)}
        response = self.client.post(reverse("notification_bulk", args=[self.incident.reference]), data, follow=True)
        self.assertContains(response, "1 updated")
        self.n.refresh_from_db()
        self.assertEqual(self.n.status, Status.SENT)

    def test_an_auditor_cannot_tick(self) -> None:
        self.login(self.auditor)
        url = reverse("notification_mark", args=[self.incident.reference, self.n.pk])
        self.assertEqual(self.client.post(url, {"action": "sent", "version": self.n.version}).status_code, 403)
