"""Welsh speakers get the Welsh (bilingual) letter the DPO wrote, never an English stand-in."""

from __future__ import annotations

from django.urls import reverse

from incidents.imports.reader import FIELDS
from notifications import approvals, services
from notifications.models import LetterTemplate, Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.test_subjects import _form
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, make_ready
from tests.notifications.test_generation import pdf_text

WELSH_BODY = ("<p>Annwyl {{ person.full_name }}</p><p>Mae'r llythyr hwn yn Gymraeg ac yn Saesneg.</p>"
              "<p>Dear {{ person.full_name }}</p><p>{{ plan.what_happened }}</p>")


@isolated_media
class WelshLetterTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.english = make_subject(self.incident, actor=self.dpo, full_name="Alex English")
        self.welsh = make_subject(self.incident, actor=self.dpo, full_name="Bethan Cymraeg", language="cy")

    def write_welsh(self) -> LetterTemplate:
        return services.template_save(audience="victim", language="cy", actor=self.dpo,
                                      email_subject="Eich gwybodaeth / Your information", body=WELSH_BODY)

    def test_without_a_welsh_letter_the_batch_is_refused_and_says_which(self) -> None:
        make_ready(self.incident, self.dpo, approve=False)
        texts = [p.text for p in approvals.batch_problems(self.incident)]
        self.assertIn("There is no victim letter in Welsh for the people who need it: write it first.", texts)
        with self.assertRaises(approvals.ApprovalRefused):
            approvals.approval_record(incident=self.incident, actor=self.dpo)

    def test_a_welsh_speaker_gets_the_welsh_letter_and_others_the_english_one(self) -> None:
        welsh = self.write_welsh()
        make_ready(self.incident, self.dpo)
        with self.captureOnCommitCallbacks(execute=False):
            generate_all(services.batch_start(incident=self.incident, actor=self.dpo))
        n = Notification.objects.get(subject=self.welsh)
        self.assertEqual(n.template, welsh)
        self.assertIn("Annwyl Bethan Cymraeg", pdf_text(n))
        english = Notification.objects.get(subject=self.english)
        self.assertEqual((english.template.language, english.template.audience), ("en", "victim"))

    def test_the_approval_covers_the_welsh_letter_and_a_change_to_it_needs_a_new_one(self) -> None:
        self.write_welsh()
        make_ready(self.incident, self.dpo)
        self.assertIsNotNone(approvals.valid_approval(self.incident))
        self.write_welsh()
        self.assertEqual(approvals.approval_changes(self.incident), ["the victim letter in Welsh"])

    def test_the_approval_page_offers_the_welsh_sample(self) -> None:
        self.write_welsh()
        make_ready(self.incident, self.dpo, approve=False)
        self.login(self.dpo)
        response = self.client.get(reverse("letter_approval", args=[self.incident.reference]))
        self.assertContains(response, reverse("letter_sample", args=[self.incident.reference, "victim-cy"]))
        sample = self.client.get(reverse("letter_sample", args=[self.incident.reference, "victim-cy"]))
        self.assertEqual(sample["Content-Type"], "application/pdf")

    def test_welsh_versions_are_numbered_apart_from_english(self) -> None:
        self.assertEqual(self.write_welsh().version, 1)
        self.assertEqual(LetterTemplate.objects.current()["victim"].version, 2)

    def test_the_dpo_writes_the_welsh_letter_on_the_edit_page(self) -> None:
        self.login(self.dpo)
        url = reverse("letter_template_edit", args=["victim"]) + "?language=cy"
        self.assertContains(self.client.get(url), "Victim letter in Welsh")
        self.client.post(url, {"email_subject": "Eich gwybodaeth", "body": WELSH_BODY})
        self.assertEqual(LetterTemplate.objects.current("cy")["victim"].body, WELSH_BODY)

    def test_an_unknown_language_is_404(self) -> None:
        self.login(self.dpo)
        url = reverse("letter_template_edit", args=["victim"]) + "?language=fr"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_persons_form_and_the_import_record_the_language(self) -> None:
        self.login(self.handler)
        self.client.post(reverse("subject_create", args=[self.incident.reference]),
                         _form(full_name="Carys Form", language="cy"))
        self.assertEqual(self.incident.subjects.order_by("-pk").first().language, "cy")
        self.assertIn("language", [f.key for f in FIELDS])
