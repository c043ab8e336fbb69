"""Personas and small builders shared by the tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase
from django.utils import timezone

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


def make_incident(actor: Any = None, **fields: Any) -> Incident:
    now = timezone.now().replace(microsecond=0)
    values: dict[str, Any] = {
        "title": "Spreadsheet sent to the wrong recipient",
        "description": "A spreadsheet of names and addresses went to the wrong person.",
        "cause": "wrong_recipient",
        "regime": "uk_gdpr",
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
        self.client.force_login(user)
