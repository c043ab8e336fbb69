from __future__ import annotations

from django.urls import reverse

from tests.accounts.helpers import code_step, password_step
from tests.base import BaseTestCase, app_device, sign_in, totp_code


class SecurityLogTests(BaseTestCase):
    def test_it_shows_who_signed_in_with_a_code_and_when(self) -> None:
        device = app_device(self.handler)
        password_step(self.client, self.handler)
        code_step(self.client, totp_code(device))
        sign_in(self.client, self.dpo)
        response = self.client.get(reverse("security_log"))
        self.assertContains(response, "<td>handler</td>", html=False)
        self.assertContains(response, "Signed in with an authenticator code")

    def test_case_handlers_cannot_see_it(self) -> None:
        sign_in(self.client, self.handler)
        self.assertEqual(self.client.get(reverse("security_log")).status_code, 403)
