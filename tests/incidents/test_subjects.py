from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import DataSubject
from incidents.people import tally
from incidents.vocab import roles_to_mask
from tests.base import BaseTestCase, category, make_incident, make_subject


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "full_name": "Jordan Tester",
        "role_codes": ["victim"],
        "address_line_1": "2 Test Road",
        "town": "Leeds",
        "postcode": "ls1 4ap",
        "preferred_channel": "letter",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class SubjectFormTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo, regime="dpa_part3")

    def _post(self, **overrides: object):  # type: ignore[no-untyped-def]
        self.login(self.handler)
        return self.client.post(reverse("subject_create", args=[self.incident.reference]), _form(**overrides))

    def test_it_adds_a_person_with_roles_and_their_own_categories(self) -> None:
        health, criminal = category("health"), category("criminal")
        self._post(role_codes=["victim", "witness"], category_ids=[health.pk, criminal.pk])
        subject = DataSubject.objects.get()
        self.assertEqual(subject.roles, roles_to_mask(["victim", "witness"]))
        self.assertEqual(subject.categories_mask, health.mask | criminal.mask)
        self.assertEqual(subject.postcode, "LS1 4AP")
        self.assertEqual(subject.regime, "dpa_part3")
        self.assertEqual(subject.history.get().history_user, self.handler)

    def test_it_flags_a_postcode_that_is_not_a_uk_postcode(self) -> None:
        response = self._post(postcode="90210")
        self.assertContains(response, "is not a UK postcode")
        self.assertFalse(DataSubject.objects.exists())

    def test_it_refuses_an_email_that_is_not_an_email(self) -> None:
        response = self._post(email="jordan at example")
        self.assertContains(response, "Enter a valid email address")
        self.assertFalse(DataSubject.objects.exists())

    def test_it_refuses_a_date_of_birth_in_the_future(self) -> None:
        response = self._post(date_of_birth=(timezone.localdate() + timedelta(days=1)).isoformat())
        self.assertContains(response, "cannot be in the future")
        self.assertFalse(DataSubject.objects.exists())

    def test_it_needs_a_role(self) -> None:
        response = self._post(role_codes=None)
        self.assertContains(response, "This field is required")
        self.assertFalse(DataSubject.objects.exists())

    def test_it_refuses_a_letter_to_a_do_not_write_address(self) -> None:
        response = self._post(do_not_write="on", preferred_channel="letter")
        self.assertContains(response, "must not be written to at their address")
        self.assertFalse(DataSubject.objects.exists())

    def test_it_needs_an_email_address_to_prefer_email(self) -> None:
        response = self._post(preferred_channel="email")
        self.assertContains(response, "give an email address")

    def test_it_refuses_a_name_over_300_characters(self) -> None:
        response = self._post(full_name="n" * 301)
        self.assertContains(response, "at most 300 characters")
        self.assertFalse(DataSubject.objects.exists())

    def test_it_shows_markup_in_names_escaped(self) -> None:
        self._post(full_name='<img src=x onerror="alert(1)"> O\'Brien \u202eevil')
        subject = DataSubject.objects.get()
        self.login(self.auditor)
        for url in (subject.get_absolute_url(), reverse("subject_list", args=[self.incident.reference])):
            page = self.client.get(url)
            self.assertNotContains(page, "<img src=x")
            self.assertContains(page, "&lt;img src=x")

    def test_an_edit_is_in_the_subjects_history_with_old_and_new(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo, full_name="Before Name")
        self.login(self.handler)
        self.client.post(reverse("subject_edit", args=[self.incident.reference, subject.pk]),
                         _form(full_name="After Name", role_codes=["witness"]))
        page = self.client.get(reverse("subject_history", args=[self.incident.reference, subject.pk]))
        self.assertContains(page, "Before Name")
        self.assertContains(page, "After Name")
        self.assertContains(page, "Witness")
        self.assertContains(page, "Harri Lewis")


class SubjectListTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        make_subject(cls.incident, full_name="Vic Tim", roles=roles_to_mask(["victim"]),
                     categories_mask=category("health").mask)
        make_subject(cls.incident, full_name="Wit Ness", roles=roles_to_mask(["witness"]),
                     reference="CR/1")

    def _names(self, **params: str) -> str:
        self.login(self.auditor)
        return self.client.get(reverse("subject_list", args=[self.incident.reference]), params).content.decode()

    def test_it_filters_by_role(self) -> None:
        page = self._names(role="witness")
        self.assertIn("Wit Ness", page)
        self.assertNotIn("Vic Tim", page)

    def test_it_filters_by_category(self) -> None:
        page = self._names(category="health")
        self.assertIn("Vic Tim", page)
        self.assertNotIn("Wit Ness", page)

    def _search(self, q: str) -> str:
        self.login(self.auditor)
        url = reverse("subject_list", args=[self.incident.reference])
        return self.client.post(url, {"q": q}, follow=True).content.decode()

    def test_it_searches_by_name_or_reference(self) -> None:
        self.assertNotIn("Wit Ness", self._search("vic"))
        self.assertIn("Wit Ness", self._search("cr/1"))

    def test_the_incident_shows_counts_by_role_and_category(self) -> None:
        self.login(self.auditor)
        page = self.client.get(self.incident.get_absolute_url())
        self.assertContains(page, "<strong>2</strong> known individually")
        self.assertContains(page, "<td>Victim</td><td>1</td>", html=False)
        self.assertContains(page, "<td>Health data</td><td>1</td>", html=False)


class ConstantQueriesTests(BaseTestCase):
    """Pages cost the same number of queries for 10 people or 10,000."""

    def _grow(self, incident, count: int) -> None:  # type: ignore[no-untyped-def]
        mask = category("basic_identifiers").mask | category("criminal").mask
        DataSubject.objects.bulk_create(
            DataSubject(incident=incident, full_name=f"Person {n}", roles=1 << (n % 3), categories_mask=mask,
                        postcode="SW1A 1AA")
            for n in range(count)
        )
        tally.recount(incident)  # written in bulk: counted once, as the import does

    def _count(self, url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(ctx.captured_queries)

    def test_incident_page_and_subject_list_do_not_grow_with_subjects(self) -> None:
        small, large = make_incident(actor=self.dpo), make_incident(actor=self.dpo)
        self._grow(small, 10)
        self._grow(large, 10_000)
        self.login(self.auditor)
        self.client.get(reverse("dashboard"))  # the session's first request records last-seen
        for name, params in (("incident_detail", ""), ("subject_list", ""), ("subject_list", "?role=witness&category=criminal&page=3")):
            counts = [self._count(reverse(name, args=[i.reference]) + params) for i in (small, large)]
            self.assertEqual(counts[0], counts[1], f"{name}{params}: {counts}")

    def test_incident_page_query_count_is_pinned(self) -> None:
        incident = make_incident(actor=self.dpo)
        self._grow(incident, 10_000)
        self.login(self.auditor)
        url = incident.get_absolute_url()
        self.client.get(url)  # warm the session
        # session, user, the session's two-factor device, user's groups (roles), incident+handler,
        # categories, exposed categories, the people's tally (nobody counted:
        # incidents.people.tally); the timeline's latest report decision, the notification
        # progress counters (notifications.progress) and the first and latest person told;
        # emergency overrides of the decision to tell; the processor whose notice set when we
        # became aware, if any (issue 19).
        with self.assertNumQueries(13):
            self.client.get(url)

    def test_subject_list_query_count_is_pinned(self) -> None:
        incident = make_incident(actor=self.dpo)
        self._grow(incident, 10_000)
        self.login(self.auditor)
        url = reverse("subject_list", args=[incident.reference])
        self.client.get(url)
        # session, user, two-factor device, groups, incident+handler, categories, the people's
        # tally (no count), page of 50 (by key).
        with self.assertNumQueries(8):
            self.client.get(url)
