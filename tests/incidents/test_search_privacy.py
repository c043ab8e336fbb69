"""Issue 17: a name searched for never travels in a web address (and so never reaches access
logs or browser history). Searches are POSTed; the list's address carries an opaque token,
pagination included, good only in the session that made it."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from django.urls import reverse

from incidents.models import DataSubject
from incidents.vocab import roles_to_mask
from tests.base import BaseTestCase, make_incident, make_subject, make_user
from incidents import roles

NAME = "Zebedee Quartermain"


class SubjectSearchTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)
        # 55 people of that name (two pages of 50) and one other.
        DataSubject.objects.bulk_create(DataSubject(incident=cls.incident, full_name=NAME, postcode=f"SW1A {n}AA",
                                                    roles=roles_to_mask(["victim"])) for n in range(55))
        make_subject(cls.incident, full_name="Ann Other")
        cls.url = reverse("subject_list", args=[cls.incident.reference])

    def setUp(self) -> None:
        self.login(self.auditor)

    def assertNoNameIn(self, text: str) -> None:  # noqa: N802 (unittest's style)
        decoded = unquote_plus(text).lower()
        for part in ("zebedee", "quartermain"):
            self.assertNotIn(part, decoded)

    def _links(self, response: Any) -> list[str]:
        import re
        return re.findall(r'(?:href|action)="([^"]*)"', response.content.decode())

    def test_a_name_is_posted_and_the_address_carries_only_a_token(self) -> None:
        response = self.client.post(self.url, {"q": NAME})
        self.assertEqual(response.status_code, 302)
        self.assertNoNameIn(response["Location"])
        self.assertIn("search=", response["Location"])

    def test_the_search_finds_them_and_no_link_names_them(self) -> None:
        response = self.client.post(self.url, {"q": f"  {NAME.lower()} "}, follow=True)
        for url, _status in response.redirect_chain:
            self.assertNoNameIn(url)
        self.assertContains(response, "55 people")
        self.assertNotContains(response, "Ann Other")
        self.assertContains(response, "Rows 1–50 of 55")
        for link in self._links(response):
            self.assertNoNameIn(link)

    def test_the_results_paginate_under_the_same_token(self) -> None:
        first = self.client.post(self.url, {"q": NAME}, follow=True)
        [next_link] = [link for link in self._links(first) if "cursor=" in link and "last" not in link]
        self.assertNoNameIn(next_link)
        self.assertIn("search=", next_link)
        second = self.client.get(self.url + next_link.replace("&amp;", "&"))
        self.assertContains(second, "Rows 51–55 of 55")
        self.assertContains(second, f"{NAME}</a>", count=5)
        self.assertNotContains(second, "Ann Other")

    def test_other_filters_stay_in_the_address(self) -> None:
        response = self.client.post(self.url, {"q": NAME, "role": "witness"})
        self.assertIn("role=witness", response["Location"])
        self.assertContains(self.client.get(response["Location"]), "0 people")

    def test_a_name_in_the_address_is_not_searched(self) -> None:
        response = self.client.get(self.url, {"q": NAME})
        self.assertContains(response, "56 people")

    def test_a_token_of_another_session_finds_nothing_and_says_so(self) -> None:
        location = self.client.post(self.url, {"q": NAME})["Location"]
        other = make_user("auditor2", roles.AUDITOR)
        self.client.logout()
        self.login(other)
        response = self.client.get(location, follow=True)
        self.assertContains(response, "That search has expired")
        self.assertContains(response, "56 people")

    def test_a_search_too_long_is_a_form_error(self) -> None:
        response = self.client.post(self.url, {"q": "x" * 201})
        self.assertEqual(response.status_code, 400)
        self.assertIn("q", response.context["form"].errors)

    def test_the_search_text_is_not_kept_in_clear_in_the_session(self) -> None:
        self.client.post(self.url, {"q": NAME})
        from django.contrib.sessions.models import Session
        self.assertNotIn("zebedee", Session.objects.get().session_data.lower())
        stored = str(self.client.session.get("breachtracker_searches"))
        self.assertNotIn("Zebedee", stored)


class RegisterSearchTests(BaseTestCase):
    def test_a_title_searched_for_is_not_in_the_address(self) -> None:
        make_incident(actor=self.dpo, title="Letter about Zebedee Quartermain sent to a neighbour")
        make_incident(actor=self.dpo, title="Laptop stolen")
        self.login(self.auditor)
        response = self.client.post(reverse("incident_list"), {"q": "Quartermain"})
        self.assertNotIn("quartermain", unquote_plus(response["Location"]).lower())
        page = self.client.get(response["Location"])
        self.assertContains(page, "Letter about Zebedee")
        self.assertNotContains(page, "Laptop stolen")
