from __future__ import annotations

from django.urls import reverse

from incidents.models import Organisation
from tests.base import BaseTestCase


class OrganisationTests(BaseTestCase):
    def test_the_dpo_fills_in_the_details(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("organisation_edit"), {
            "controller_name": "Northshire Police", "dpo_email": "dpo@example.org", "dpo_name": "Dana",
        })
        self.assertRedirects(response, reverse("organisation_detail"))
        organisation = Organisation.objects.get()
        self.assertEqual(organisation.controller_name, "Northshire Police")
        self.assertEqual(organisation.history.get().history_user, self.dpo)

    def test_it_refuses_an_email_that_is_not_an_email(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("organisation_edit"), {"controller_name": "X", "dpo_email": "not-an-email"})
        self.assertContains(response, "Enter a valid email address")
        self.assertFalse(Organisation.objects.exists())

    def test_it_edits_the_one_row_rather_than_adding_another(self) -> None:
        self.login(self.dpo)
        for name in ("First", "Second"):
            self.client.post(reverse("organisation_edit"), {"controller_name": name})
        self.assertEqual(list(Organisation.objects.values_list("controller_name", flat=True)), ["Second"])
