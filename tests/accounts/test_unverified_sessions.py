"""Before the second step, every page — downloads and admin included — leads only to it."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from incidents.models import Incident
from reporting import services as report_services
from tests.base import app_device
from tests.incidents import test_permissions as matrix
from tests.world import EveryKindOfRecordTestCase

VERIFY = reverse("two_factor_verify")
ENROL = reverse("two_factor_enrol")


class UnverifiedSessionTests(EveryKindOfRecordTestCase):
    _url = matrix.PermissionMatrixTests._url

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.submission = report_services.report_submit(
            incident=cls.incident, actor=cls.dpo,
            fields={"kind": "initial", "submitted_at": cls.incident.aware_at + timedelta(hours=1)})

    def _every_url(self) -> list[str]:
        token = "0" * 32
        urls = [self._url(name) for name in matrix.MATRIX]
        urls += [reverse("disclosure_copy_download", args=[token]), reverse("admin:index"),
                 reverse("two_factor_status"), reverse("two_factor_recovery_codes")]
        return urls

    def test_a_dpo_without_an_app_reaches_nothing_but_set_up(self) -> None:
        self.client.force_login(self.dpo)  # the password step only
        for url in self._every_url():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith(ENROL), f"{url} -> {response['Location']}")
        self.assertEqual(self.client.get(ENROL).status_code, 200)

    def test_a_dpo_with_an_app_reaches_nothing_but_the_code_page(self) -> None:
        app_device(self.dpo)
        self.client.force_login(self.dpo)
        for url in self._every_url():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith(VERIFY), f"{url} -> {response['Location']}")

    def test_a_post_before_the_second_step_changes_nothing(self) -> None:
        self.client.force_login(self.handler)
        response = self.client.post(self._url("incident_edit"), {"title": "Changed before the code"})
        self.assertRedirects(response, ENROL, fetch_redirect_response=False)
        self.assertNotEqual(Incident.objects.get(pk=self.incident.pk).title, "Changed before the code")
