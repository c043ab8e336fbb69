"""The right addressee: a child's parent or guardian, an adult's representative, or the person."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from reporting.ico_report import build_report
from incidents.models import DataSubject
from notifications import services
from notifications.models import Notification, PrintPack
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.test_subjects import _form
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, make_ready
from tests.notifications.test_generation import pdf_text

REPRESENTATIVE = {"representative_relationship": "attorney", "representative_name": "Pat Carer",
                  "representative_address": "9 Care Lane\nYork\nYO1 7HH"}


def years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) + timedelta(days=days)


class AgeTests(BaseTestCase):
    def test_a_person_is_seventeen_the_day_before_their_eighteenth_birthday(self) -> None:
        person = DataSubject(date_of_birth=date(2008, 12, 10))
        self.assertEqual(person.age_on(date(2026, 12, 9)), 17)
        self.assertTrue(person.is_child_on(date(2026, 12, 9)))
        self.assertFalse(person.is_child_on(date(2026, 12, 10)))

    def test_a_child_flag_set_by_hand_makes_a_child_without_a_date_of_birth(self) -> None:
        self.assertTrue(DataSubject(is_child=True).is_child_on(date(2026, 1, 1)))
        self.assertFalse(DataSubject().is_child_on(date(2026, 1, 1)))


@isolated_media
class AddresseeLetterTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)

    def letter(self, **fields: object) -> tuple[Notification, str]:
        subject = make_subject(self.incident, actor=self.dpo, full_name="Jamie Young", **fields)
        make_ready(self.incident, self.dpo)
        with self.captureOnCommitCallbacks(execute=False):
            batch = services.batch_start(incident=self.incident, actor=self.dpo)
        generate_all(batch)
        n = Notification.objects.get(subject=subject)
        return n, pdf_text(n)

    def test_a_sixteen_year_old_is_written_to_through_their_parent_or_guardian(self) -> None:
        n, text = self.letter(date_of_birth=years_ago(16))
        self.assertEqual(n.status, Notification.Status.GENERATED)
        self.assertIn("To the parent or guardian of Jamie Young", text)
        self.assertIn("The parent or guardian of\nJamie Young", text)
        self.assertIn("your child's", text)
        self.assertNotIn("Dear Jamie Young", text)

    def test_a_child_marked_by_hand_is_written_to_through_their_parent(self) -> None:
        _n, text = self.letter(is_child=True)
        self.assertIn("To the parent or guardian of Jamie Young", text)

    def test_an_adult_is_written_to_directly(self) -> None:
        _n, text = self.letter(date_of_birth=years_ago(18))
        self.assertIn("Dear Jamie Young", text)
        self.assertNotIn("parent or guardian", text)

    def test_an_adult_with_a_representative_gets_a_letter_addressed_to_the_representative(self) -> None:
        _n, text = self.letter(**REPRESENTATIVE)
        self.assertIn("Dear Pat Carer", text)
        self.assertIn("you act for Jamie Young", text)
        self.assertIn("9 Care Lane", text)
        self.assertNotIn("1 Example Street", text)

    def test_the_print_pack_manifest_names_the_addressee(self) -> None:
        n, _text = self.letter(**REPRESENTATIVE)
        pack = PrintPack.objects.create(batch=n.batch, created_by=self.dpo)
        from notifications import delivery

        delivery.print_pack_build(pack_id=pack.pk)
        pack.refresh_from_db()
        with pack.manifest.open("rb") as f:
            row = list(csv.reader(io.StringIO(f.read().decode("utf-8"))))[1]
        self.assertEqual(row[5:10], ["Pat Carer", "9 Care Lane", "York", "", "YO1 7HH"])


class AddresseeCountsAndFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def post(self, **overrides: object):  # type: ignore[no-untyped-def]
        self.login(self.handler)
        return self.client.post(reverse("subject_create", args=[self.incident.reference]), _form(**overrides))

    def test_the_ico_report_counts_children_by_date_of_birth_and_represented_adults_as_vulnerable(self) -> None:
        make_subject(self.incident, actor=self.dpo, full_name="A", date_of_birth=years_ago(16))
        make_subject(self.incident, actor=self.dpo, full_name="B", date_of_birth=years_ago(40))
        make_subject(self.incident, actor=self.dpo, full_name="C", **REPRESENTATIVE)
        counts = {r["name"]: r["count"] for r in build_report(self.incident)["data_subjects"]["categories"]}
        self.assertEqual((counts["Children"], counts["Vulnerable adults"]), (1, 1))

    def test_the_incident_overview_and_the_list_count_a_sixteen_year_old_as_a_child(self) -> None:
        make_subject(self.incident, actor=self.dpo, date_of_birth=years_ago(16))
        make_subject(self.incident, actor=self.dpo, full_name="Pat Adult", **REPRESENTATIVE)
        self.login(self.auditor)
        overview = self.client.get(reverse("incident_detail", args=[self.incident.reference]))
        self.assertContains(overview, "1 child")
        self.assertContains(overview, "1 vulnerable adult,")
        listing = self.client.get(reverse("subject_list", args=[self.incident.reference]))
        self.assertContains(listing, '<span class="badge text-bg-info">child</span>', count=1, html=True)

    def test_the_persons_page_says_a_sixteen_year_old_is_a_child(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, date_of_birth=years_ago(16))
        self.login(self.auditor)
        response = self.client.get(reverse("subject_detail", args=[self.incident.reference, subject.pk]))
        self.assertContains(response, "Child (under 18 by date of birth)")

    def test_a_date_of_birth_before_1900_is_refused_and_nothing_is_saved(self) -> None:
        response = self.post(date_of_birth="1899-12-31")
        self.assertContains(response, "cannot be before 1900")
        self.assertFalse(DataSubject.objects.exists())

    def test_a_date_of_birth_in_the_future_is_refused(self) -> None:
        response = self.post(date_of_birth=(timezone.localdate() + timedelta(days=1)).isoformat())
        self.assertContains(response, "cannot be in the future")
        self.assertFalse(DataSubject.objects.exists())

    def test_a_representative_needs_a_role_a_name_and_an_address(self) -> None:
        response = self.post(representative_name="Pat Carer")
        self.assertContains(response, "A representative needs a role, a name and a postal address")
        self.assertFalse(DataSubject.objects.exists())

    def test_a_representative_is_saved_with_the_person(self) -> None:
        self.post(**REPRESENTATIVE)
        subject = DataSubject.objects.get()
        self.assertEqual((subject.representative_name, subject.representative_lines),
                         ("Pat Carer", ["9 Care Lane", "York", "YO1 7HH"]))
