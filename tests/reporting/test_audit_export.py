from __future__ import annotations

import csv
import io

from django.urls import reverse

from incidents.assessment import services as assessment_services
from incidents.models import DataSubject
from tests.base import BaseTestCase, make_incident, make_subject


class AuditTrailExportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo, title="Original title")
        cls.subject = make_subject(cls.incident, actor=cls.handler, full_name="Zebedee Quixotic-Unique",
                                   email="zebedee@example.org", postcode="SW1A 1AA")

    def _rows(self) -> list[list[str]]:
        self.login(self.auditor)
        response = self.client.get(reverse("incident_audit_csv", args=[self.incident.reference]))
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(body)))

    def test_it_lists_each_change_with_who_and_when(self) -> None:
        rows = self._rows()
        self.assertEqual(rows[0][:3], ["When (Europe/London)", "Who", "Action"])
        self.assertIn(["Dana Okafor", "Created", self.incident.reference, "Title", "—", "Original title"],
                      [r[1:] for r in rows])

    def test_it_never_carries_a_persons_details(self) -> None:
        DataSubject.objects.filter(pk=self.subject.pk).update(full_name="x")  # history keeps the original
        text = str(self._rows())
        for secret in ("Zebedee", "Quixotic", "zebedee@example.org", "SW1A 1AA"):
            self.assertNotIn(secret, text)
        self.assertIn(f"Affected person #{self.subject.pk}", text)
        self.assertIn("Full name", text)

    def test_it_neutralises_formula_like_values(self) -> None:
        make_incident(actor=self.dpo)  # another incident, not in this export
        self.incident.title = '=HYPERLINK("http://evil","x")'
        self.incident._history_user = self.dpo
        self.incident.save()
        titles = [r[6] for r in self._rows() if r[4] == "Title"]
        self.assertIn("'=HYPERLINK(\"http://evil\",\"x\")", titles)


class AuditTrailDecisionsTests(BaseTestCase):
    def test_it_includes_restrictions_without_naming_the_person(self) -> None:
        from datetime import timedelta

        from django.utils import timezone


        incident = make_incident(actor=self.dpo, regime="dpa_part3")
        subject = make_subject(incident, actor=self.dpo, full_name="Ulrika Restricted-Person")
        assessment_services.restriction_create(incident=incident, actor=self.dpo, fields={
            "subject": subject, "grounds": "b", "rationale": "Live investigation of this suspect.",
            "review_date": timezone.localdate() + timedelta(days=30),
        })
        self.login(self.auditor)
        body = b"".join(self.client.get(reverse("incident_audit_csv", args=[incident.reference])).streaming_content)
        text = body.decode("utf-8-sig")
        self.assertIn("Restriction", text)
        self.assertIn(f"Affected person #{subject.pk}", text)
        self.assertNotIn("Ulrika", text)
