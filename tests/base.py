"""Personas and small builders shared by the tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents import roles
from incidents.assessment import services as assessment_services
from incidents.people import services as people_services
from incidents.register import services
from incidents.models import DataCategory, DataSubject, Incident
from incidents.vocab import roles_to_mask

PASSWORD = "correct horse battery staple"


def make_user(username: str, role: str | None = None, **extra: Any) -> Any:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def app_device(user: Any) -> TOTPDevice:
    """The user's authenticator app (a confirmed TOTP device), made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code the user's app shows (now, or at a Unix time), computed by django-otp's TOTP."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def unused_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet: now's, or the next step's if now's was used
    (django-otp accepts one step either side of now, and never a step at or before the last
    one used), so a user signing in twice within 30 seconds is not refused as a replay."""
    import time

    device.refresh_from_db()
    step = int(time.time() - device.t0) // device.step + device.drift
    step = max(step, device.last_t + 1)
    return totp_code(device, at=(step - device.drift) * device.step + device.t0)


def sign_in(client: Any, user: Any) -> None:
    """Sign in as after both steps: the password (force_login), then the second step, marked
    in the session under django-otp's own key for the user's app device, as django_otp.login
    does. Production code is untouched: without that key the user is sent to enter a code."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = app_device(user).persistent_id
    session.save()


def make_incident(actor: Any = None, **fields: Any) -> Incident:
    now = timezone.now().replace(microsecond=0)
    values: dict[str, Any] = {
        "title": "Spreadsheet sent to the wrong recipient",
        "description": "A spreadsheet of names and addresses went to the wrong person.",
        "cause": "wrong_recipient",
        "regime": "uk_gdpr",
        "data_role": "controller",
        "breach_confidentiality": True,
        "discovered_at": now - timedelta(hours=3),
        "aware_at": now - timedelta(hours=2),
    }
    values.update(fields)
    return services.incident_create(actor=actor, fields=values)


def close_incident(incident: Incident, actor: Any, reason: str = "Nothing left to do.") -> Incident:
    """Close as a DPO does: a decision not to report first when the reporting question is open."""
    if assessment_services.status_from_records(incident) not in (Incident.Status.REPORTED,
                                                                 Incident.Status.NOT_REPORTED):
        assessment_services.decision_record(incident=incident, actor=actor, kind="report", fields={
            "outcome": False, "justification": "Unlikely to result in a risk to people."})
    return assessment_services.incident_close(incident=incident, actor=actor, reason=reason)


def make_subject(incident: Incident, actor: Any = None, **fields: Any) -> DataSubject:
    values: dict[str, Any] = {
        "full_name": "Alex Example",
        "roles": roles_to_mask(["victim"]),
        "postcode": "SW1A 1AA",
        "address_line_1": "1 Example Street",
        "town": "London",
    }
    values.update(fields)
    return people_services.subject_create(incident=incident, actor=actor, fields=values)


def category(code: str) -> DataCategory:
    return DataCategory.objects.get(code=code)


def local(*args: int) -> datetime:
    """A Europe/London wall-clock time as an aware datetime."""
    return timezone.make_aware(datetime(*args))


class BaseTestCase(TestCase):
    """A DPO, a case handler, an auditor and an outsider with no role."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
        cls.handler = make_user("handler", roles.HANDLER, first_name="Harri", last_name="Lewis")
        cls.auditor = make_user("auditor", roles.AUDITOR)
        cls.outsider = make_user("outsider")

    def login(self, user: Any) -> None:
        sign_in(self.client, user)
