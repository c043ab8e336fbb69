"""The post room: a whole pack posted in one action; returned mail from pasted references."""

from __future__ import annotations

from django.urls import reverse

from incidents.models import IncidentEvent
from notifications import delivery, postroom, services
from notifications.models import Notification, PrintPack
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, start_batch

Status = Notification.Status


@isolated_media
class PostRoomTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.ref = self.incident.reference
        for i in range(3):
            make_subject(self.incident, actor=self.dpo, full_name=f"Person {i}")
        self.batch = start_batch(self.incident, self.dpo)
        generate_all(self.batch)
        self.pack = PrintPack.objects.create(batch=self.batch, created_by=self.dpo)
        delivery.print_pack_build(pack_id=self.pack.pk)
        self.pack.refresh_from_db()

    def post(self, **data: str):  # type: ignore[no-untyped-def]
        self.login(self.handler)
        return self.client.post(reverse("print_packs", args=[self.ref]), data, follow=True)

    def refs(self, *rows: Notification) -> str:
        return "\n".join(n.letter_reference for n in rows)

    def test_marking_a_pack_posted_ticks_every_letter_in_it(self) -> None:
        response = self.post(action="posted", pack=str(self.pack.pk))
        self.assertContains(response, "3 letters marked sent")
        self.assertEqual(set(Notification.objects.values_list("status", flat=True)), {Status.SENT})

    def test_each_person_gets_one_history_row_and_the_incident_one_event(self) -> None:
        self.post(action="posted", pack=str(self.pack.pk))
        for n in Notification.objects.all():
            latest = n.history.latest()
            self.assertEqual((latest.history_user, latest.history_change_reason),
                             (self.handler, f"Posted in print pack {self.pack.pk}"))
            self.assertEqual(n.history.filter(status=Status.SENT).count(), 1)
        event = IncidentEvent.objects.get(kind="pack_posted")
        self.assertEqual(event.detail, f"Print pack {self.pack.pk}: 3 letters marked sent.")

    def test_a_pack_cannot_be_posted_twice(self) -> None:
        self.post(action="posted", pack=str(self.pack.pk))
        response = self.post(action="posted", pack=str(self.pack.pk))
        self.assertContains(response, "already marked as posted")
        self.assertEqual(IncidentEvent.objects.filter(kind="pack_posted").count(), 1)

    def test_letters_ticked_since_the_pack_was_built_are_left_alone(self) -> None:
        first = Notification.objects.order_by("pk").first()
        services.notification_mark(notification=first, actor=self.dpo, status="delivered", expected_version=first.version)
        done = postroom.print_pack_mark_posted(pack=self.pack, actor=self.dpo)
        self.assertEqual(done, {"sent": 2, "left": 1})
        first.refresh_from_db()
        self.assertEqual(first.status, Status.DELIVERED)

    def test_a_pack_of_another_incident_is_404(self) -> None:
        other = make_incident(actor=self.dpo)
        self.login(self.handler)
        response = self.client.post(reverse("print_packs", args=[other.reference]),
                                    {"action": "posted", "pack": str(self.pack.pk)})
        self.assertEqual(response.status_code, 404)

    def test_an_auditor_cannot_post_a_pack(self) -> None:
        self.login(self.auditor)
        response = self.client.post(reverse("print_packs", args=[self.ref]), {"action": "posted", "pack": str(self.pack.pk)})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Notification.objects.filter(status=Status.SENT).exists())

    def test_the_manifest_and_the_letter_carry_the_letter_reference(self) -> None:
        n = Notification.objects.order_by("pk").first()
        self.assertIn(n.letter_reference, self.pack.manifest.open("rb").read().decode())
        from tests.notifications.test_generation import pdf_text

        self.assertIn(n.letter_reference, pdf_text(n))

    def test_returned_mail_is_recorded_from_pasted_references(self) -> None:
        postroom.print_pack_mark_posted(pack=self.pack, actor=self.dpo)
        a, b, c = Notification.objects.order_by("pk")
        response = self.post(action="returned", references=f" {a.letter_reference},{b.letter_reference}\n\n")
        self.assertContains(response, "2 returned letters recorded")
        self.assertEqual([n.status for n in Notification.objects.order_by("pk")],
                         [Status.RETURNED, Status.RETURNED, Status.SENT])
        self.assertEqual(IncidentEvent.objects.get(kind="returned").detail, "2 letters returned by post.")

    def test_one_wrong_reference_records_nothing_and_names_it(self) -> None:
        postroom.print_pack_mark_posted(pack=self.pack, actor=self.dpo)
        a = Notification.objects.order_by("pk").first()
        response = self.post(action="returned", references=f"{a.letter_reference}\nBR-1999-0001-L5\n=cmd|x")
        self.assertContains(response, "BR-1999-0001-L5")
        self.assertContains(response, "Nothing was recorded")
        self.assertFalse(Notification.objects.filter(status=Status.RETURNED).exists())

    def test_an_unknown_letter_number_records_nothing(self) -> None:
        response = self.post(action="returned", references=f"{self.ref}-L999999")
        self.assertContains(response, "No letter with the reference")

    def test_a_letter_not_yet_posted_cannot_come_back(self) -> None:
        a = Notification.objects.order_by("pk").first()
        response = self.post(action="returned", references=a.letter_reference)
        self.assertContains(response, "Not posted, so it cannot come back")
        self.assertFalse(Notification.objects.filter(status=Status.RETURNED).exists())

    def test_an_empty_list_is_refused(self) -> None:
        self.assertContains(self.post(action="returned", references="  \n "), "Paste at least one letter reference")
