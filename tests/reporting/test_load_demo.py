from __future__ import annotations

import re
from base64 import b32decode
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django_otp.oath import totp

from incidents.models import DataSubject, Incident


@override_settings(DEBUG=True)
class LoadDemoTests(TestCase):
    def _run(self) -> str:
        out = StringIO()
        call_command("load_demo", "--people", "40", stdout=out)
        return out.getvalue()

    def test_it_creates_a_part3_foi_incident_and_smaller_gdpr_ones(self) -> None:
        output = self._run()
        foi = Incident.objects.get(regime="dpa_part3")
        self.assertEqual(foi.subjects.count(), 40)
        self.assertEqual(Incident.objects.filter(regime="uk_gdpr").count(), 2)
        self.assertIn("username: dpo", output)
        self.assertIn("password:", output)

    def test_the_demo_shows_the_casework_after_the_letters(self) -> None:
        self._run()
        foi = Incident.objects.get(regime="dpa_part3")
        self.assertEqual((foi.contacts.count(), foi.contacts.filter(status="follow_up").count()), (2, 1))
        self.assertEqual(sorted(foi.person_requests.values_list("kind", flat=True)), ["access", "complaint"])
        self.assertEqual(sorted(foi.actions.values_list("status", flat=True)), ["done", "open"])
        email = Incident.objects.get(title__startswith="HR spreadsheet")
        self.assertEqual(email.regulator_case.own_reference, "IC-000000-DEMO")
        self.assertEqual(email.regulator_requests.count(), 1)

    def test_it_is_idempotent(self) -> None:
        first = self._run()
        second = self._run()
        self.assertEqual(Incident.objects.count(), 3)
        self.assertEqual(DataSubject.objects.count(), 40)
        self.assertIn("nothing changed", second)
        # The same logins are printed again, and still work.
        logins = [line for line in first.splitlines() if "password:" in line]
        self.assertEqual(logins, [line for line in second.splitlines() if "password:" in line])
        username, password = logins[0].split("username:")[1].split("password:")
        response = self.client.post(reverse("login"), {"username": username.strip(), "password": password.strip()})
        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        # The printed app keys are the same too.
        keys = [line for line in first.splitlines() if "app key:" in line]
        self.assertEqual([k.split("recovery")[0] for k in keys],
                         [k.split("recovery")[0] for k in second.splitlines() if "app key:" in k])

    def _two_factor_lines(self, output: str) -> dict[str, tuple[str, str]]:
        found = re.findall(r"^\s+(\w+)\s+app key: ([A-Z2-7 ]+?)\s+recovery code: ([a-z2-7]{8})$", output, re.M)
        return {name: (key.replace(" ", ""), code) for name, key, code in found}

    def _password(self, output: str, username: str) -> str:
        match = re.search(rf"username: {username}\s+password: (\S+)", output)
        assert match is not None
        return match.group(1)

    def test_it_prints_a_working_app_key_for_the_dpo_and_the_case_handler(self) -> None:
        output = self._run()
        two_factor = self._two_factor_lines(output)
        self.assertEqual(set(two_factor), {"dpo", "handler"})  # optional for auditors: none made
        key = two_factor["dpo"][0]
        code = f"{totp(b32decode(key + '=' * (-len(key) % 8))):06d}"
        self.client.post(reverse("login"), {"username": "dpo", "password": self._password(output, "dpo")})
        response = self.client.post(reverse("two_factor_verify"), {"code": code})
        self.assertRedirects(response, reverse("dashboard"))

    def test_its_recovery_code_works_once_and_the_next_run_prints_a_new_one(self) -> None:
        output = self._run()
        code = self._two_factor_lines(output)["handler"][1]
        for attempt in ("first", "second"):
            self.client.post(reverse("login"), {"username": "handler", "password": self._password(output, "handler")})
            response = self.client.post(reverse("two_factor_verify"), {"code": code})
            if attempt == "first":
                self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
                self.client.post(reverse("logout"))
            else:
                self.assertContains(response, "That code is not right")
        self.assertNotEqual(self._two_factor_lines(self._run())["handler"][1], code)

    def test_its_people_are_recorded_in_the_history(self) -> None:
        self._run()
        self.assertEqual(DataSubject.history.filter(history_user__username="dpo").count(), 40)

    @override_settings(DEBUG=False)
    def test_it_refuses_to_run_in_production(self) -> None:
        from django.core.management.base import CommandError

        with self.assertRaises(CommandError):
            call_command("load_demo", stdout=StringIO())
