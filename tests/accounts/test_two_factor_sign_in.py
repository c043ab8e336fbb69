"""The second sign-in step: a code from the app (or a recovery code) after the password."""

from __future__ import annotations

import time
from typing import Any

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import SecurityEvent
from tests.accounts.helpers import code_step, password_step, recovery_codes
from tests.base import BaseTestCase, app_device, totp_code

VERIFY = reverse("two_factor_verify")


def wrong_code(device: Any) -> str:
    """A code no step near now gives (django-otp accepts the codes one step either side)."""
    near = {totp_code(device, at=time.time() + shift) for shift in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)
ENROL = reverse("two_factor_enrol")


class CodeAfterPasswordTests(BaseTestCase):
    def setUp(self) -> None:
        self.device = app_device(self.dpo)

    def test_a_user_with_an_app_is_asked_for_a_code_after_the_password(self) -> None:
        self.assertRedirects(password_step(self.client, self.dpo), reverse("dashboard"), fetch_redirect_response=False)
        response = self.client.get(reverse("dashboard"))
        self.assertRedirects(response, f"{VERIFY}?next=%2F")
        self.assertContains(self.client.get(VERIFY), "Enter the code from your authenticator app")

    def test_the_right_code_signs_in(self) -> None:
        password_step(self.client, self.dpo)
        self.assertRedirects(code_step(self.client, totp_code(self.device)), reverse("dashboard"))
        self.assertEqual(self.client.get(reverse("incident_list")).status_code, 200)
        self.assertTrue(SecurityEvent.objects.filter(user=self.dpo, kind="verified").exists())

    def test_a_wrong_code_is_refused_with_a_message(self) -> None:
        password_step(self.client, self.dpo)
        response = code_step(self.client, wrong_code(self.device))
        self.assertContains(response, "That code is not right")
        self.assertRedirects(self.client.get(reverse("incident_list")), f"{VERIFY}?next=%2Fincidents%2F")
        self.assertTrue(SecurityEvent.objects.filter(user=self.dpo, kind="code_refused").exists())

    def test_an_empty_code_is_a_form_error(self) -> None:
        password_step(self.client, self.dpo)
        self.assertContains(code_step(self.client, ""), "Enter the code from your authenticator app")

    def test_a_used_code_cannot_be_used_again(self) -> None:
        with time_machine.travel(timezone.now(), tick=False):
            code = totp_code(self.device)
            password_step(self.client, self.dpo)
            self.assertRedirects(code_step(self.client, code), reverse("dashboard"), fetch_redirect_response=False)
            self.client.post(reverse("logout"))
            password_step(self.client, self.dpo)
            response = code_step(self.client, code)
        self.assertContains(response, "That code is not right")
        self.assertNotEqual(self.client.get(reverse("dashboard")).status_code, 200)

    def test_wrong_codes_slow_down_further_attempts(self) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            password_step(self.client, self.dpo)
            code_step(self.client, wrong_code(self.device))
            response = code_step(self.client, totp_code(self.device))
        self.assertContains(response, "Too many wrong codes. Wait 1 second, then try again.")
        self.assertTrue(SecurityEvent.objects.filter(user=self.dpo, kind="throttled").exists())
        with time_machine.travel(start + timezone.timedelta(seconds=2), tick=False):
            self.assertRedirects(code_step(self.client, totp_code(self.device)), reverse("dashboard"),
                                 fetch_redirect_response=False)

    def test_the_wait_doubles_with_each_wrong_code(self) -> None:
        start = timezone.now()
        password_step(self.client, self.dpo)
        for seconds in (0, 2, 5):  # each attempt after the previous wait (1, then 2 s) is over
            with time_machine.travel(start + timezone.timedelta(seconds=seconds), tick=False):
                code_step(self.client, wrong_code(self.device))
        with time_machine.travel(start + timezone.timedelta(seconds=6), tick=False):
            response = code_step(self.client, totp_code(self.device))
        self.assertContains(response, "Wait 3 seconds")

    def test_the_page_asked_for_is_opened_after_the_code(self) -> None:
        password_step(self.client, self.dpo)
        self.client.get(reverse("incident_list"))
        response = code_step(self.client, totp_code(self.device), next_url=reverse("incident_list"))
        self.assertRedirects(response, reverse("incident_list"))

    def test_a_next_page_on_another_site_is_ignored(self) -> None:
        password_step(self.client, self.dpo)
        response = code_step(self.client, totp_code(self.device), next_url="https://evil.example/")
        self.assertRedirects(response, reverse("dashboard"))


class RecoveryCodeTests(BaseTestCase):
    def setUp(self) -> None:
        app_device(self.handler)
        recovery_codes(self.handler, "abcdefgh", "ijklmnop")

    def test_a_recovery_code_signs_in_once(self) -> None:
        password_step(self.client, self.handler)
        response = code_step(self.client, "abcd efgh")
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        self.assertContains(self.client.get(reverse("dashboard")), "You used a recovery code. You have 1 left")
        self.client.post(reverse("logout"))
        password_step(self.client, self.handler)
        self.assertContains(code_step(self.client, "abcdefgh"), "That code is not right")
        self.assertTrue(SecurityEvent.objects.filter(user=self.handler, kind="recovery_used").exists())

    def test_another_users_recovery_code_does_not_work(self) -> None:
        app_device(self.dpo)
        password_step(self.client, self.dpo)
        self.assertContains(code_step(self.client, "ijklmnop"), "That code is not right")


class WhoMustUseItTests(BaseTestCase):
    def test_a_dpo_without_an_app_is_sent_to_set_one_up(self) -> None:
        password_step(self.client, self.dpo)
        self.assertRedirects(self.client.get(reverse("dashboard")), f"{ENROL}?next=%2F")

    def test_a_case_handler_without_an_app_is_sent_to_set_one_up(self) -> None:
        password_step(self.client, self.handler)
        self.assertRedirects(self.client.get(reverse("incident_list")), f"{ENROL}?next=%2Fincidents%2F")

    def test_an_auditor_without_an_app_signs_in_with_the_password(self) -> None:
        password_step(self.client, self.auditor)
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)

    def test_an_auditor_who_set_up_an_app_is_asked_for_a_code(self) -> None:
        app_device(self.auditor)
        password_step(self.client, self.auditor)
        self.assertRedirects(self.client.get(reverse("dashboard")), f"{VERIFY}?next=%2F")

    @override_settings(BREACHTRACKER_OTP_AUDITORS=True)
    def test_auditors_must_set_one_up_when_the_setting_is_on(self) -> None:
        password_step(self.client, self.auditor)
        self.assertRedirects(self.client.get(reverse("dashboard")), f"{ENROL}?next=%2F")

    def test_someone_without_a_role_is_refused_as_before(self) -> None:
        password_step(self.client, self.outsider)
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 403)

    def test_signing_out_is_allowed_before_the_second_step(self) -> None:
        password_step(self.client, self.dpo)
        self.assertRedirects(self.client.post(reverse("logout")), reverse("login"))
        self.assertNotIn("_auth_user_id", self.client.session)
