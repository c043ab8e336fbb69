"""Each person's letter lists their own data: their categories, else the incident's."""

from __future__ import annotations

from django.urls import reverse

from incidents.register import services as incident_services
from notifications import services
from notifications.models import Notification
from tests.base import BaseTestCase, category, make_incident, make_subject
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, make_ready
from tests.notifications.test_generation import pdf_text


@isolated_media
class OwnDataTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        incident_services.incident_set_categories(incident=self.incident, actor=self.dpo, exposed={
            category("basic_identifiers"): {"approx_records": None, "detail": ""},
            category("criminal"): {"approx_records": None, "detail": ""}})

    def generate(self) -> None:
        make_ready(self.incident, self.dpo)
        with self.captureOnCommitCallbacks(execute=False):
            batch = services.batch_start(incident=self.incident, actor=self.dpo)
        generate_all(batch)

    def test_a_person_without_their_own_categories_gets_the_incidents_in_plain_words(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo)
        self.generate()
        text = pdf_text(Notification.objects.get(subject=subject))
        self.assertIn("your name and contact details", text)
        self.assertIn("details about crimes or offences", text)
        self.assertNotIn("still checking which information", text)

    def test_a_person_with_their_own_categories_gets_only_theirs(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, categories_mask=category("health").mask)
        self.generate()
        text = pdf_text(Notification.objects.get(subject=subject))
        self.assertIn("details about your health", text)
        self.assertNotIn("crimes or offences", text)

    def test_the_persons_page_shows_the_incidents_categories_as_theirs(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo)
        self.login(self.handler)
        response = self.client.get(reverse("subject_detail", args=[self.incident.reference, subject.pk]))
        self.assertContains(response, "Criminal convictions, offences")
        self.assertContains(response, "From the incident")
