"""Writes to the people affected by an incident (one by one; the import writes in bulk).

Each function takes the acting user, runs in one transaction and leaves a history row that
names that user.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from breachtracker.records import apply_fields, attribute_to

from ..register.models import Incident
from .models import DataSubject


@transaction.atomic
def subject_create(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> DataSubject:
    subject = DataSubject(incident=incident)
    apply_fields(subject, fields)
    attribute_to(subject, actor)
    subject.save()
    return subject


@transaction.atomic
def subject_update(*, subject: DataSubject, actor: Any, fields: dict[str, Any]) -> DataSubject:
    apply_fields(subject, fields)
    attribute_to(subject, actor)
    subject.save()
    return subject
