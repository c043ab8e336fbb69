"""The incident's History tab and audit CSV show the notification work (issue 13)."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from incidents.models import IncidentEvent
from notifications import delivery, generation, services
from notifications.models import Batch, Notification, PrintPack
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, start_batch


@isolated_media
class IncidentHistoryTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.ref = self.incident.reference
        for i in range(2):
            make_subject(self.incident, actor=self.dpo, full_name=f"Person {i}")
        self.batch = start_batch(self.incident, self.dpo)
        generate_all(self.batch)

    def test_a_finished_batch_is_recorded_once_with_its_counts(self) -> None:
        event = IncidentEvent.objects.get(kind="batch_finished")
        self.assertEqual(event.detail, f"Batch {self.batch.pk}: 2 letters or emails made, 0 withheld, 0 failed, of 2.")
        self.assertIsNotNone(Batch.objects.get().finished_at)
        self.assertFalse(generation.batch_finish_if_done(batch_id=self.batch.pk))

    def test_a_built_pack_is_recorded(self) -> None:
        pack = PrintPack.objects.create(batch=self.batch, created_by=self.handler)
        delivery.print_pack_build(pack_id=pack.pk)
        event = IncidentEvent.objects.get(kind="pack_built")
        pages = PrintPack.objects.get().pages
        self.assertEqual((event.actor, event.detail),
                         (self.handler, f"Print pack {pack.pk} of batch {self.batch.pk}: 2 letters, {pages} pages."))

    def test_a_bulk_tick_is_one_summarised_event(self) -> None:
        versions = dict(Notification.objects.values_list("pk", "version"))
        services.notifications_bulk(incident=self.incident, actor=self.handler, versions=versions, action="sent")
        event = IncidentEvent.objects.get(kind="bulk_tick")
        self.assertEqual((event.actor, event.detail), (self.handler, "2 marked sent."))

    def test_the_history_tab_and_audit_csv_show_the_letters_work(self) -> None:
        versions = dict(Notification.objects.values_list("pk", "version"))
        services.notifications_bulk(incident=self.incident, actor=self.handler, versions=versions, action="sent")
        self.login(self.dpo)
        page = self.client.get(reverse("incident_history", args=[self.ref])).content.decode()
        response = self.client.get(reverse("incident_audit_csv", args=[self.ref]))
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        actions = {row[2] for row in rows}
        for label in ("Letters: batch started", "Letters: batch finished", "Letters: sample letters approved",
                      "Letters: notification plan changed", "Letters: many people ticked at once"):
            self.assertIn(label, page)
            self.assertIn(label, actions)
