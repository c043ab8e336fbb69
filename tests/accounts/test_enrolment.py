"""Setting up an authenticator app: QR code and key, a first code, recovery codes shown once."""

from __future__ import annotations

import re
from base64 import b32decode

from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from tests.accounts.helpers import code_step, password_step
from tests.base import BaseTestCase, totp_code

ENROL = reverse("two_factor_enrol")
CODES = reverse("two_factor_recovery_codes")


class EnrolmentTests(BaseTestCase):
    def setUp(self) -> None:
        password_step(self.client, self.dpo)

    def _device(self) -> TOTPDevice:
        return TOTPDevice.objects.get(user=self.dpo)

    def _key_shown(self, content: str) -> bytes:
        secret = re.search(r'<code class="fs-5" id="secret">([A-Z2-7 ]+)</code>', content)
        assert secret is not None
        text = secret.group(1).replace(" ", "")
        return b32decode(text + "=" * (-len(text) % 8))

    def test_the_page_shows_a_qr_code_drawn_here_and_the_key(self) -> None:
        response = self.client.get(ENROL)
        content = response.content.decode()
        self.assertIn('<svg width="', content)
        self.assertIn("<title>QR code for your authenticator app</title>", content)
        self.assertEqual(self._key_shown(content), self._device().bin_key)
        self.assertFalse(self._device().confirmed)

    def test_the_page_has_no_inline_script_or_style(self) -> None:
        content = self.client.get(ENROL).content.decode()
        self.assertNotRegex(content, r"<script(?![^>]*\bsrc=)")
        self.assertNotIn("<style", content)
        self.assertNotRegex(content, r"\sstyle=")

    def test_reloading_the_page_keeps_the_same_key(self) -> None:
        first = self._key_shown(self.client.get(ENROL).content.decode())
        second = self._key_shown(self.client.get(ENROL).content.decode())
        self.assertEqual(first, second)
        self.assertEqual(TOTPDevice.objects.filter(user=self.dpo).count(), 1)

    def test_a_wrong_first_code_leaves_it_off(self) -> None:
        self.client.get(ENROL)
        device = self._device()
        wrong = "000000" if totp_code(device) != "000000" else "111111"
        response = self.client.post(ENROL, {"code": wrong})
        self.assertContains(response, "That code is not right")
        self.assertFalse(self._device().confirmed)
        self.assertRedirects(self.client.get(reverse("dashboard")), f"{ENROL}?next=%2F")

    def test_the_first_code_turns_it_on_and_the_recovery_codes_are_shown_once(self) -> None:
        self.client.get(ENROL)
        response = self.client.post(ENROL, {"code": totp_code(self._device())})
        self.assertRedirects(response, CODES, fetch_redirect_response=False)
        self.assertTrue(self._device().confirmed)
        page = self.client.get(CODES)
        self.assertEqual(page["Cache-Control"], "no-store")
        shown = re.findall(r"<li>([a-z2-7]{8})</li>", page.content.decode())
        self.assertEqual(len(shown), 10)
        self.assertEqual(set(shown), set(StaticToken.objects.filter(device__user=self.dpo).values_list("token", flat=True)))
        self.assertRedirects(self.client.get(CODES), reverse("two_factor_status"))
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)
        self.assertEqual(
            list(SecurityEvent.objects.filter(user=self.dpo).order_by("at", "id").values_list("kind", flat=True)),
            ["enrol_started", "enrolled"])

    def test_a_shown_recovery_code_signs_in(self) -> None:
        self.client.get(ENROL)
        self.client.post(ENROL, {"code": totp_code(self._device())})
        code = re.findall(r"<li>([a-z2-7]{8})</li>", self.client.get(CODES).content.decode())[0]
        self.client.post(reverse("logout"))
        password_step(self.client, self.dpo)
        self.assertRedirects(code_step(self.client, code), reverse("dashboard"), fetch_redirect_response=False)

    def test_new_recovery_codes_replace_the_old_ones(self) -> None:
        self.client.get(ENROL)
        self.client.post(ENROL, {"code": totp_code(self._device())})
        old = set(re.findall(r"<li>([a-z2-7]{8})</li>", self.client.get(CODES).content.decode()))
        self.assertRedirects(self.client.post(reverse("two_factor_status")), CODES, fetch_redirect_response=False)
        new = set(re.findall(r"<li>([a-z2-7]{8})</li>", self.client.get(CODES).content.decode()))
        self.assertEqual(len(new), 10)
        self.assertFalse(old & new)
        self.assertFalse(StaticToken.objects.filter(token__in=old).exists())
        self.assertTrue(SecurityEvent.objects.filter(user=self.dpo, kind="recovery_regenerated").exists())

    def test_someone_who_has_an_app_cannot_set_up_another_before_the_code(self) -> None:
        self.client.get(ENROL)
        self.client.post(ENROL, {"code": totp_code(self._device())})
        self.client.post(reverse("logout"))
        password_step(self.client, self.dpo)
        self.assertRedirects(self.client.get(ENROL), reverse("two_factor_verify"))


class OptionalForAuditorsTests(BaseTestCase):
    def test_an_auditor_can_choose_to_set_it_up(self) -> None:
        password_step(self.client, self.auditor)
        self.assertContains(self.client.get(reverse("two_factor_status")), "Two-factor sign-in is off")
        response = self.client.get(ENROL)
        self.assertContains(response, "You can protect your account")
        device = TOTPDevice.objects.get(user=self.auditor)
        self.client.post(ENROL, {"code": totp_code(device)})
        self.assertTrue(TOTPDevice.objects.get(user=self.auditor).confirmed)
