"""End to end on the demo: the FOI incident's leaked file gives back exactly its people."""

from __future__ import annotations

from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from incidents.disclosure.rows import exposed_people
from incidents.models import Incident
from tests.disclosure import files
from tests.disclosure.files import check

OFFENCES = ("Assault by partner at home address", "Harassment and threats by neighbour",
            "Sexual assault reported by victim")


@override_settings(DEBUG=True)
class DemoLeakTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_demo", "--people", "40", stdout=StringIO())
        cls.incident = Incident.objects.get(regime="dpa_part3")
        cls.subjects = list(cls.incident.subjects.order_by("pk"))
        table: list[tuple[str, ...]] = [("Crime ref", "Name", "DOB", "Postcode", "Offence", "Role")]
        for n, s in enumerate(cls.subjects):
            table.append((s.reference, s.full_name, s.date_of_birth.isoformat(), s.postcode,
                          OFFENCES[n % 3], s.role_list[0].label))
        cls.leak = files.pivot_xlsx(table=table)

    def test_the_leaked_file_gives_back_every_demo_person(self) -> None:
        people = exposed_people(check(self.leak))
        expected = [(s.reference, s.full_name, s.date_of_birth.isoformat(), s.postcode, s.role_list[0].code)
                    for s in self.subjects]
        found = [(p["reference"], p["full_name"], p["date_of_birth"], p["postcode"], p["role"]) for p in people]
        self.assertEqual(found, expected)
        self.assertTrue(all(p["categories"] == ["basic_identifiers", "criminal"] for p in people))

    def test_the_incident_page_counts_them(self) -> None:
        self.client.force_login(self.incident.created_by)
        url = reverse("incident_disclosure_check", args=[self.incident.reference])
        response = self.client.post(url, {"file": SimpleUploadedFile("foi-response.xlsx", self.leak)})
        self.assertContains(response, "exposes <strong>40</strong> people")
