"""Generating letters: one per person, withheld with a reason where a letter is not safe."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from incidents.assessment import services as assessment_services
from incidents.vocab import roles_to_mask
from notifications import generation, services, tasks
from notifications.models import Batch, Notification, PrintPack
from tests.base import BaseTestCase, category, make_incident, make_subject
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, start_batch

Status = Notification.Status


def pdf_text(notification: Notification) -> str:
    with notification.pdf.open("rb") as f:
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(f.read())).pages)


def letter_files() -> list[Path]:
    return sorted(Path(settings.MEDIA_ROOT).glob("letters/**/*.pdf"))


@isolated_media
class GenerateTests(BaseTestCase):
    def setUp(self) -> None:
        for path in letter_files():
            path.unlink()
        make_organisation()
        self.incident = make_incident(actor=self.dpo, title="FOI spreadsheet")

    def generate_one(self, **fields: object) -> Notification:
        subject = make_subject(self.incident, **fields)
        generate_all(start_batch(self.incident, self.dpo))
        return Notification.objects.get(subject=subject)

    def test_it_writes_a_pdf_letter_with_the_persons_own_data(self) -> None:
        n = self.generate_one(full_name="Priya Shah", categories_mask=category("criminal").mask)
        self.assertEqual(n.status, Status.GENERATED)
        text = pdf_text(n)
        self.assertIn("Priya Shah", text)
        self.assertIn("details about crimes or offences", text)
        self.assertNotIn("Health data", text)
        self.assertIn(self.incident.reference, text)
        self.assertIn("Page 1 of", text)
        self.assertEqual(len(n.pdf_sha256), 64)

    def test_it_records_the_template_version_used(self) -> None:
        n = self.generate_one(roles=roles_to_mask(["witness"]))
        self.assertEqual((n.template.audience, n.template.version), ("witness", 2))

    def test_a_victim_and_suspect_gets_the_victim_letter(self) -> None:
        n = self.generate_one(roles=roles_to_mask(["suspect", "victim"]))
        self.assertEqual(n.template.audience, "victim")

    def test_a_name_with_markup_and_500_characters_is_printed_as_text(self) -> None:
        name = "<b>Bold</b><img src='file:///etc/passwd'>" + "y" * 460
        n = self.generate_one(full_name=name[:300])
        text = pdf_text(n).replace("\n", "")
        self.assertIn("<b>Bold</b>", text)
        self.assertEqual(n.status, Status.GENERATED)

    def test_a_missing_organisation_address_still_makes_a_letter(self) -> None:
        from incidents.models import Organisation

        Organisation.objects.update(registered_address="", dpo_address="", dpo_phone="")
        n = self.generate_one()
        self.assertEqual(n.status, Status.GENERATED)
        self.assertNotIn("None", pdf_text(n))

    def test_do_not_write_is_withheld_and_routed_to_phone(self) -> None:
        n = self.generate_one(do_not_write=True, phone="07700 900123")
        self.assertEqual((n.status, n.withheld_code, n.channel), (Status.WITHHELD, "do_not_write", "phone"))
        self.assertFalse(n.pdf)

    def test_no_usable_address_is_withheld_with_the_reason(self) -> None:
        n = self.generate_one(address_line_1="", postcode="")
        self.assertEqual(n.withheld_code, "no_address")
        self.assertEqual(n.channel, "in_person")
        self.assertIn("No usable postal address", n.withheld_reason)

    def test_email_without_an_address_is_withheld(self) -> None:
        n = self.generate_one(preferred_channel="email", email="")
        self.assertEqual(n.withheld_code, "no_email")

    def _restrict(self, subject: object = None) -> None:

        self.incident.regime = "dpa_part3"
        self.incident.save()
        assessment_services.restriction_create(incident=self.incident, actor=self.dpo, fields={
            "subject": subject, "grounds": "b", "rationale": "A live investigation of a suspect.",
            "review_date": timezone.localdate() + timedelta(days=30)})

    def test_a_part3_restriction_on_the_person_withholds_their_letter(self) -> None:
        suspect = make_subject(self.incident, full_name="Restricted Suspect", roles=roles_to_mask(["suspect"]))
        other = make_subject(self.incident, full_name="Free Witness")
        self._restrict(suspect)
        generate_all(start_batch(self.incident, self.dpo))
        n = Notification.objects.get(subject=suspect)
        self.assertEqual((n.status, n.withheld_code), (Status.WITHHELD, "restricted"))
        self.assertIn("s.68(7) (b)", n.withheld_reason)
        self.assertFalse(n.pdf)
        self.assertFalse(Notification.objects.outstanding().filter(pk=n.pk).exists())
        self.assertEqual(Notification.objects.get(subject=other).status, Status.GENERATED)

    def test_an_incident_wide_restriction_withholds_every_letter(self) -> None:
        make_subject(self.incident)
        make_subject(self.incident, full_name="Second Person")
        self._restrict()
        generate_all(start_batch(self.incident, self.dpo))
        self.assertEqual(set(Notification.objects.values_list("withheld_code", flat=True)), {"restricted"})
        self.assertEqual(letter_files(), [])

    def test_a_lifted_restriction_no_longer_withholds(self) -> None:
        from incidents.models import Restriction

        subject = make_subject(self.incident)
        self._restrict(subject)
        assessment_services.restriction_lift(restriction=Restriction.objects.get(), actor=self.dpo,
                                           reason="Charging decision made; no longer necessary.")
        self.assertEqual(self.generate_one().status, Status.GENERATED)
        generate_all(start_batch(self.incident, self.dpo))
        self.assertEqual(Notification.objects.get(subject=subject).status, Status.GENERATED)

    def _decide_not_to_tell(self, **fields: object) -> None:

        assessment_services.decision_record(incident=self.incident, actor=self.dpo, kind="tell", fields={
            "outcome": False, "justification": "Recorded for the test.", **fields})

    def test_an_art34_exemption_recorded_after_the_batch_started_withholds_every_letter_with_its_ground(self) -> None:
        subject = make_subject(self.incident)
        batch = start_batch(self.incident, self.dpo)
        self._decide_not_to_tell(exemption="a")
        generate_all(batch)
        n = Notification.objects.get(subject=subject)
        self.assertEqual((n.status, n.withheld_code), (Status.WITHHELD, "exempt"))
        self.assertIn("Exempt", n.withheld_reason)

    def test_a_decision_not_to_tell_recorded_after_the_batch_started_withholds_letters(self) -> None:
        subject = make_subject(self.incident)
        batch = start_batch(self.incident, self.dpo)
        self._decide_not_to_tell()
        generate_all(batch)
        self.assertEqual(Notification.objects.get(subject=subject).withheld_code, "not_required")

    def test_generating_twice_makes_one_pdf(self) -> None:
        n = self.generate_one()
        self.assertEqual(generation.notification_generate(notification_id=n.pk), "skipped: not pending or claimed by another worker")
        self.assertEqual(len(letter_files()), 1)
        self.assertEqual(Notification.objects.filter(subject=n.subject).count(), 1)

    def test_starting_twice_makes_one_notification_per_person(self) -> None:
        make_subject(self.incident)
        make_subject(self.incident)
        first = start_batch(self.incident, self.dpo)
        second = start_batch(self.incident, self.dpo)
        self.assertEqual(first, second)
        self.assertEqual(Batch.objects.count(), 1)
        self.assertEqual(Notification.objects.count(), 2)

    def test_a_new_person_after_a_batch_goes_in_a_new_batch(self) -> None:
        make_subject(self.incident)
        generate_all(start_batch(self.incident, self.dpo))
        make_subject(self.incident, full_name="Late Addition")
        batch = start_batch(self.incident, self.dpo)
        self.assertEqual(batch.total, 1)

    def test_a_stale_claim_from_a_dead_worker_is_taken_over(self) -> None:
        subject = make_subject(self.incident)
        start_batch(self.incident, self.dpo)
        n = Notification.objects.get(subject=subject)
        Notification.objects.filter(pk=n.pk).update(status=Status.GENERATING, claim_token=services.Notification.new_token(),
                                                     claimed_at=timezone.now() - timedelta(hours=1))
        self.assertEqual(generation.notification_generate(notification_id=n.pk), "generated")
        self.assertEqual(len(letter_files()), 1)

    def test_a_fresh_claim_is_left_to_its_worker(self) -> None:
        subject = make_subject(self.incident)
        start_batch(self.incident, self.dpo)
        n = Notification.objects.get(subject=subject)
        Notification.objects.filter(pk=n.pk).update(status=Status.GENERATING, claimed_at=timezone.now())
        self.assertTrue(generation.notification_generate(notification_id=n.pk).startswith("skipped"))

    def test_a_worker_that_lost_its_claim_cannot_finish(self) -> None:
        subject = make_subject(self.incident)
        start_batch(self.incident, self.dpo)
        n = Notification.objects.get(subject=subject)
        token = generation._claim(n.pk, from_status=Status.PENDING, to_status=Status.GENERATING)
        Notification.objects.filter(pk=n.pk).update(claim_token=services.Notification.new_token())
        self.assertFalse(generation._finish(n.pk, token, "late", status=Status.GENERATED))

    def test_the_chunk_task_generates_its_rows(self) -> None:
        subjects = [make_subject(self.incident, full_name=f"P{i}") for i in range(3)]
        batch = start_batch(self.incident, self.dpo)
        result = tasks.generate_chunk(generation.batch_work(batch))
        self.assertEqual(result, {"generated": 3})
        self.assertEqual(Notification.objects.filter(subject__in=subjects, status=Status.GENERATED).count(), 3)

    @override_settings(NOTIFICATIONS_CHUNK_SIZE=2)
    def test_the_batch_task_fans_out_in_chunks_that_generate_everyone(self) -> None:
        from breachtracker.celery import app

        for i in range(5):
            make_subject(self.incident, full_name=f"P{i}")
        batch = start_batch(self.incident, self.dpo)
        app.conf.task_always_eager = True
        self.addCleanup(setattr, app.conf, "task_always_eager", False)
        self.assertEqual(tasks.generate_batch(batch.pk), 5)
        self.assertEqual(batch.notifications.filter(status=Status.GENERATED).count(), 5)
        self.assertEqual(len(letter_files()), 5)

    def test_starting_a_batch_enqueues_it_after_commit(self) -> None:
        make_subject(self.incident)
        with self.captureOnCommitCallbacks() as callbacks:
            start_batch(self.incident, self.dpo)
        self.assertEqual(len(callbacks), 1)

    def test_every_transition_leaves_history(self) -> None:
        n = self.generate_one()
        reasons = list(n.history.order_by("history_id").values_list("history_change_reason", flat=True))
        self.assertEqual(reasons[0], "Added to the outbox")
        self.assertTrue(reasons[-1].startswith("Letter generated"))

    def test_batch_progress_counts_what_is_done(self) -> None:
        make_subject(self.incident)
        make_subject(self.incident, do_not_write=True)
        batch = start_batch(self.incident, self.dpo)
        self.assertEqual(batch.progress()["percent"], 0)
        generate_all(batch)
        progress = batch.progress()
        self.assertEqual((progress["percent"], progress["withheld"], progress["finished"]), (100, 1, True))


@isolated_media
class PrintPackTests(BaseTestCase):
    def test_the_pack_is_in_postcode_order_with_a_neutralised_manifest(self) -> None:
        from notifications import delivery

        make_organisation()
        incident = make_incident(actor=self.dpo)
        make_subject(incident, full_name="=HYPERLINK(\"http://x\")", postcode="SW1A 1AA")
        make_subject(incident, full_name="Aaron First", postcode="M1 1AE")
        batch = start_batch(incident, self.dpo)
        generate_all(batch)
        pack = delivery.print_pack_build(pack_id=PrintPack.objects.create(batch=batch).pk)
        self.assertEqual(pack.letters, 2)
        with pack.pdf.open("rb") as f:
            reader = PdfReader(io.BytesIO(f.read()))
        self.assertEqual(len(reader.pages), pack.pages)
        self.assertIn("Aaron First", reader.pages[0].extract_text())
        manifest = pack.manifest.open("rb").read().decode()
        self.assertIn("'=HYPERLINK", manifest)
        self.assertLess(manifest.index("M1 1AE"), manifest.index("SW1A 1AA"))


@isolated_media
class ChannelTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)

    def test_a_person_who_prefers_a_phone_call_gets_no_letter_and_stays_outstanding(self) -> None:
        subject = make_subject(self.incident, preferred_channel="phone", phone="0161 496 0000")
        generate_all(start_batch(self.incident, self.dpo))
        n = Notification.objects.get(subject=subject)
        self.assertEqual((n.status, n.withheld_code, n.channel), (Status.WITHHELD, "personal_contact", "phone"))
        self.assertTrue(Notification.objects.outstanding().filter(pk=n.pk).exists())

    def test_phone_preferred_without_a_number_means_a_visit(self) -> None:
        subject = make_subject(self.incident, preferred_channel="phone", phone="")
        generate_all(start_batch(self.incident, self.dpo))
        n = Notification.objects.get(subject=subject)
        self.assertEqual((n.withheld_code, n.channel), ("no_safe_channel", "in_person"))


@isolated_media
class HostileTemplateTests(BaseTestCase):
    def test_a_template_that_loads_local_files_or_urls_renders_without_them(self) -> None:
        make_organisation()
        incident = make_incident(actor=self.dpo)
        services.template_save(audience="victim", actor=self.dpo, email_subject="x", body=(
            '<link rel="stylesheet" href="http://127.0.0.1:6379/">'
            '<style>@import url("file:///etc/passwd");</style>'
            '<img src="file:///etc/passwd"><img src="../../breachtracker/settings.py">'
            "<p>Dear {{ person.full_name }}</p>"))
        subject = make_subject(incident, full_name="Hostile Test")
        with self.assertLogs("weasyprint", "ERROR") as logs:
            generate_all(start_batch(incident, self.dpo))
        n = Notification.objects.get(subject=subject)
        text = pdf_text(n)
        self.assertIn("Dear Hostile Test", text)
        self.assertNotIn("root:", text)
        self.assertGreaterEqual(sum("refused" in line for line in logs.output), 3)
