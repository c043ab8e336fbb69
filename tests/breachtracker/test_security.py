"""App-wide protections: CSP, clickjacking, production settings, the database-down page."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from breachtracker.middleware import DatabaseUnavailableMiddleware
from tests.base import BaseTestCase

ROOT = Path(__file__).resolve().parents[2]


class BrowserProtectionTests(BaseTestCase):
    def test_pages_carry_a_strict_content_security_policy(self) -> None:
        self.login(self.dpo)
        policy = self.client.get(reverse("dashboard"))["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertIn("frame-ancestors 'none'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertNotIn("http", policy)

    def test_pages_cannot_be_framed(self) -> None:
        response = self.client.get(reverse("login"))
        self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_the_login_form_is_csrf_protected(self) -> None:
        client = self.client_class(enforce_csrf_checks=True)
        response = client.post(reverse("login"), {"username": "dpo", "password": "x"})
        self.assertEqual(response.status_code, 403)


class TemplateHygieneTests(BaseTestCase):
    """The CSP forbids inline code; these catch it at the source, in every template."""

    templates = sorted((ROOT / "templates").rglob("*.html"))

    def test_no_template_has_inline_scripts(self) -> None:
        offenders = [str(p) for p in self.templates if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", p.read_text())]
        self.assertEqual(offenders, [])

    def test_no_template_has_inline_styles_or_event_handlers(self) -> None:
        pattern = re.compile(r"\sstyle=|\son[a-z]+=\"", re.I)
        # PDF layouts are rendered by WeasyPrint, not a browser; they may style inline.
        offenders = [str(p) for p in self.templates if "/pdf/" not in str(p) and pattern.search(p.read_text())]
        self.assertEqual(offenders, [])

    def test_no_template_loads_anything_from_another_origin(self) -> None:
        pattern = re.compile(r"""(src|href)=["'](https?:)?//""", re.I)
        offenders = [str(p) for p in self.templates if pattern.search(p.read_text())]
        self.assertEqual(offenders, [])


class ProductionSettingsTests(BaseTestCase):
    def test_check_deploy_reports_nothing(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "DJANGO_ALLOWED_HOSTS": "breaches.example.org",
            "BREACHTRACKER_FIELD_KEYS": Fernet.generate_key().decode(),
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_production_refuses_to_start_without_a_secret(self) -> None:
        env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""}
        result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY must be set", result.stderr)

    def test_production_refuses_to_start_without_a_field_key(self) -> None:
        env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
               "BREACHTRACKER_FIELD_KEYS": ""}
        result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("BREACHTRACKER_FIELD_KEYS must be set", result.stderr)


class DatabaseUnavailableTests(BaseTestCase):
    def _respond(self, error: Exception) -> HttpResponse | None:
        middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
        return middleware.process_exception(RequestFactory().get("/"), error)

    def test_a_lost_connection_gets_a_clean_503_page(self) -> None:
        response = self._respond(OperationalError('connection to server at "127.0.0.1" failed: Connection refused'))
        assert response is not None
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertIn(b"Nothing you submitted just now was saved", response.content)

    def test_other_database_errors_are_not_disguised(self) -> None:
        self.assertIsNone(self._respond(OperationalError("no such column: foo")))
