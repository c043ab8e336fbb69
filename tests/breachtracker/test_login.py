from __future__ import annotations

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.base import PASSWORD, BaseTestCase, app_device


class LoginThrottlingTests(BaseTestCase):
    def _attempt(self, password: str, username: str = "handler"):  # type: ignore[no-untyped-def]
        return self.client.post(reverse("login"), {"username": username, "password": password},
                                REMOTE_ADDR="203.0.113.7")

    def test_a_correct_password_signs_in(self) -> None:
        self.assertRedirects(self._attempt(PASSWORD), reverse("dashboard"), fetch_redirect_response=False)

    def test_five_failures_lock_the_account_from_that_address(self) -> None:
        for _ in range(5):
            self._attempt("wrong password")
        response = self._attempt(PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many failed sign-in attempts", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_failures_below_the_limit_do_not_lock(self) -> None:
        for _ in range(4):
            self._attempt("wrong password")
        self.assertRedirects(self._attempt(PASSWORD), reverse("dashboard"), fetch_redirect_response=False)

    def test_the_lock_lifts_after_the_cool_off(self) -> None:
        for _ in range(5):
            self._attempt("wrong password")
        with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
            self.assertRedirects(self._attempt(PASSWORD), reverse("dashboard"), fetch_redirect_response=False)

    def test_another_username_is_not_locked(self) -> None:
        for _ in range(5):
            self._attempt("wrong password")
        self.assertRedirects(self._attempt(PASSWORD, username="auditor"), reverse("dashboard"),
                             fetch_redirect_response=False)


class LockoutWithTwoFactorTests(BaseTestCase):
    """django-axes still guards the password step when the user also has an authenticator app."""

    def test_a_locked_out_dpo_is_not_asked_for_a_code(self) -> None:
        app_device(self.dpo)
        for _ in range(5):
            self.client.post(reverse("login"), {"username": "dpo", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
        response = self.client.post(reverse("login"), {"username": "dpo", "password": PASSWORD},
                                    REMOTE_ADDR="203.0.113.7")
        self.assertContains(response, "Too many failed sign-in attempts", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)


@override_settings(SESSION_IDLE_SECONDS=600)
class IdleTimeoutTests(BaseTestCase):
    def test_an_idle_session_is_signed_out(self) -> None:
        self.login(self.dpo)
        start = timezone.now()
        with time_machine.travel(start):
            self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)
        with time_machine.travel(start + timezone.timedelta(seconds=601)):
            response = self.client.get(reverse("incident_list"))
        self.assertRedirects(response, f"{reverse('login')}?next={reverse('incident_list')}", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_active_session_stays_signed_in(self) -> None:
        self.login(self.dpo)
        start = timezone.now()
        for minutes in (0, 9, 18, 27):
            with time_machine.travel(start + timezone.timedelta(minutes=minutes)):
                self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)

    def test_sessions_end_when_the_browser_closes(self) -> None:
        from django.conf import settings

        self.assertTrue(settings.SESSION_EXPIRE_AT_BROWSER_CLOSE)
        self.assertTrue(settings.SESSION_COOKIE_HTTPONLY)
