"""End to end on the demo: the FOI incident's leaked file gives back exactly its people."""

from __future__ import annotations

from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from incidents.disclosure.rows import exposed_people
from incidents.models import Incident
from tests.base import sign_in
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
        sign_in(self.client, self.incident.created_by)
        url = reverse("incident_disclosure_check", args=[self.incident.reference])
        response = self.client.post(url, {"file": SimpleUploadedFile("foi-response.xlsx", self.leak)})
        self.assertContains(response, "exposes <strong>40</strong> people")

    def test_the_people_it_exposes_become_affected_people_through_the_import(self) -> None:
        from incidents.models import DataSubject, SubjectImport
        from incidents.tasks import subject_import_run
        from incidents.vocab import roles_to_mask
        from tests.base import make_incident
        from tests.incidents.imports import confirm

        dpo = self.incident.created_by
        fresh = make_incident(actor=dpo, title="The same file, logged as a new incident")
        sign_in(self.client, dpo)
        url = reverse("incident_disclosure_check", args=[fresh.reference])
        response = self.client.post(url, {"file": SimpleUploadedFile("foi-response.xlsx", self.leak),
                                          "add_people": "on"})
        subject_import = SubjectImport.objects.get(incident=fresh)
        self.assertContains(response, subject_import.get_absolute_url())
        self.assertEqual(subject_import.file_name, "people-found-by-disclosure-check.csv")
        self.assertEqual(fresh.subjects.count(), 0, "nothing is added before the DPO confirms")
        subject_import_run(subject_import.pk, False)
        confirm(subject_import, dpo)
        self.assertEqual(subject_import.subjects_created, 40)
        created = {s.full_name: s for s in DataSubject.objects.filter(incident=fresh)}
        for original in self.subjects:
            person = created[original.full_name]
            self.assertEqual((person.date_of_birth, person.postcode, person.reference),
                             (original.date_of_birth, original.postcode, original.reference))
            self.assertEqual(person.roles, roles_to_mask([original.role_list[0].code]))
        self.assertEqual({c.code for c in fresh.categories.all()}, {"basic_identifiers", "criminal"})

    def test_checking_it_again_for_the_demo_incident_adds_nobody_twice(self) -> None:
        from incidents.models import SubjectImport
        from incidents.tasks import subject_import_run
        from tests.incidents.imports import confirm

        sign_in(self.client, self.incident.created_by)
        url = reverse("incident_disclosure_check", args=[self.incident.reference])
        self.client.post(url, {"file": SimpleUploadedFile("foi-response.xlsx", self.leak), "add_people": "on"})
        subject_import = SubjectImport.objects.get(incident=self.incident)
        subject_import_run(subject_import.pk, False)
        confirm(subject_import, self.incident.created_by)
        self.assertEqual((subject_import.subjects_created, self.incident.subjects.count()), (0, 40))
