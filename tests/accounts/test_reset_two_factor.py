from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from tests.accounts.helpers import recovery_codes
from tests.base import BaseTestCase, make_user, sign_in


class ResetTwoFactorCommandTests(BaseTestCase):
    def test_it_removes_the_app_and_recovery_codes(self) -> None:
        sign_in(self.client, self.handler)
        recovery_codes(self.handler, "abcdefgh")
        out = StringIO()
        call_command("reset_two_factor", "handler", "--by", "dpo", "--reason", "lost phone", stdout=out)
        self.assertIn("2 device(s) removed", out.getvalue())
        self.assertFalse(TOTPDevice.objects.filter(user=self.handler).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.handler).exists())

    def test_a_signed_in_session_must_set_up_again(self) -> None:
        sign_in(self.client, self.handler)
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)
        call_command("reset_two_factor", "handler", stdout=StringIO())
        self.assertRedirects(self.client.get(reverse("dashboard")), f"{reverse('two_factor_enrol')}?next=%2F")

    def test_it_is_in_the_audit_trail_with_who_and_why(self) -> None:
        admin = make_user("admin", is_staff=True)
        call_command("reset_two_factor", "handler", "--by", "admin", "--reason", "lost phone", stdout=StringIO())
        event = SecurityEvent.objects.get(kind="reset")
        self.assertEqual((event.user, event.actor, event.note), (self.handler, admin, "lost phone"))
        sign_in(self.client, self.auditor)
        page = self.client.get(reverse("security_log"))
        self.assertContains(page, "Two-factor sign-in reset")
        self.assertContains(page, "lost phone")

    def test_an_unknown_user_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(CommandError, "No user is called 'nobody'."):
            call_command("reset_two_factor", "nobody", stdout=StringIO())

    def test_an_unknown_administrator_is_a_clear_error_and_resets_nothing(self) -> None:
        sign_in(self.client, self.handler)
        with self.assertRaisesMessage(CommandError, "--by: no user is called 'ghost'."):
            call_command("reset_two_factor", "handler", "--by", "ghost", stdout=StringIO())
        self.assertTrue(TOTPDevice.objects.filter(user=self.handler).exists())


class AdminTests(BaseTestCase):
    def test_devices_are_not_in_the_admin_where_a_reset_would_not_be_audited(self) -> None:
        from django.contrib import admin

        self.assertFalse(admin.site.is_registered(TOTPDevice))
        self.assertFalse(admin.site.is_registered(StaticDevice))
