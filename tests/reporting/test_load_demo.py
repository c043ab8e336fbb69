from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

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
        self.assertRedirects(response, reverse("dashboard"))

    def test_its_people_are_recorded_in_the_history(self) -> None:
        self._run()
        self.assertEqual(DataSubject.history.filter(history_user__username="dpo").count(), 40)

    @override_settings(DEBUG=False)
    def test_it_refuses_to_run_in_production(self) -> None:
        from django.core.management.base import CommandError

        with self.assertRaises(CommandError):
            call_command("load_demo", stdout=StringIO())
