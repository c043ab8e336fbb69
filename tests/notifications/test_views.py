"""The notifications pages: progress, overdue, downloads through permission checks."""

from __future__ import annotations

import json
from datetime import date

from django.urls import reverse

from incidents.vocab import roles_to_mask
from notifications import services
from notifications.models import Batch, Notification, NotificationPlan
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, make_ready, start_batch


@isolated_media
class NotificationPageTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.ref = self.incident.reference

    def add_people(self, count: int) -> None:
        for i in range(count):
            make_subject(self.incident, full_name=f"Person {i}", roles=roles_to_mask(["victim" if i % 2 else "witness"]))

    def list_page(self):  # type: ignore[no-untyped-def]
        return self.client.get(reverse("notification_list", args=[self.ref]))

    def test_the_page_keeps_a_constant_number_of_queries(self) -> None:
        self.login(self.handler)
        self.add_people(2)
        start_batch(self.incident, self.dpo)
        self.list_page()
        # session + user + two-factor device + groups; incident; plan; progress counters (nothing
        # counted: notifications.progress); latest batch; page (by key); its people
        with self.assertNumQueries(10):
            self.list_page()
        self.add_people(20)
        start_batch(self.incident, self.dpo)
        with self.assertNumQueries(10):
            self.list_page()

    def test_it_shows_progress_by_status_channel_and_role(self) -> None:
        self.add_people(4)
        generate_all(start_batch(self.incident, self.dpo))
        n = Notification.objects.first()
        services.notification_mark(notification=n, actor=self.handler, status="sent", expected_version=n.version)
        self.login(self.auditor)
        response = self.list_page()
        self.assertContains(response, "Told (sent or delivered): 1 of 4 (25%)")
        self.assertContains(response, "<th scope=\"row\">Witness</th>", html=False)
        self.assertContains(response, '<progress id="done-bar" class="w-100" max="4" value="1">', html=False)

    def test_it_shows_how_many_are_overdue(self) -> None:
        self.add_people(2)
        start_batch(self.incident, self.dpo)
        services.plan_update(incident=self.incident, actor=self.dpo, fields={"target_date": date(2020, 1, 1)})
        self.login(self.handler)
        self.assertContains(self.list_page(), "2 overdue")

    def test_the_dpo_sets_the_target_date(self) -> None:
        self.login(self.dpo)
        self.client.post(reverse("notification_plan", args=[self.ref]),
                         {"target_date": "2026-12-01", "consequences": "Possible distress."})
        plan = NotificationPlan.objects.get(incident=self.incident)
        self.assertEqual(plan.target_date, date(2026, 12, 1))
        self.assertEqual(plan.history.latest().history_user, self.dpo)

    def test_two_clicks_on_generate_make_one_batch(self) -> None:
        self.add_people(3)
        make_ready(self.incident, self.dpo)
        self.login(self.dpo)
        url = reverse("batch_start", args=[self.ref])
        self.client.post(url)
        self.client.post(url)
        self.assertEqual(Batch.objects.count(), 1)
        self.assertEqual(Notification.objects.count(), 3)

    def test_the_progress_endpoint_returns_json(self) -> None:
        self.add_people(2)
        batch = start_batch(self.incident, self.dpo)
        self.login(self.auditor)
        response = self.client.get(reverse("batch_progress", args=[self.ref, batch.pk]))
        self.assertEqual(json.loads(response.content)["total"], 2)

    def test_a_batch_of_another_incident_is_404(self) -> None:
        self.add_people(1)
        batch = start_batch(self.incident, self.dpo)
        other = make_incident(actor=self.dpo)
        self.login(self.dpo)
        self.assertEqual(self.client.get(reverse("batch_progress", args=[other.reference, batch.pk])).status_code, 404)

    def test_letters_download_through_the_view_and_not_from_media(self) -> None:
        self.add_people(1)
        generate_all(start_batch(self.incident, self.dpo))
        n = Notification.objects.get()
        self.login(self.auditor)
        response = self.client.get(reverse("notification_pdf", args=[self.ref, n.pk]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))
        self.assertEqual(self.client.get("/media/" + n.pdf.name).status_code, 404)

    def test_an_outsider_cannot_download_a_letter(self) -> None:
        self.add_people(1)
        generate_all(start_batch(self.incident, self.dpo))
        self.login(self.outsider)
        n = Notification.objects.get()
        self.assertEqual(self.client.get(reverse("notification_pdf", args=[self.ref, n.pk])).status_code, 403)

    def test_the_page_uses_no_inline_script_or_style(self) -> None:
        self.add_people(1)
        start_batch(self.incident, self.dpo)
        self.login(self.dpo)
        body = self.list_page().content.decode()
        self.assertNotIn("style=", body)
        self.assertNotIn("<script>", body)

    def test_the_dpo_can_generate_for_one_role_only(self) -> None:
        self.add_people(4)
        make_ready(self.incident, self.dpo)
        self.login(self.dpo)
        self.client.post(reverse("batch_start", args=[self.ref]), {"role": "victim"})
        self.assertEqual(Notification.objects.count(), 2)
        self.assertEqual(Batch.objects.get().total, 2)
