"""Writes to the people affected by an incident (one by one; the import writes in bulk).

Each function takes the acting user, runs in one transaction and leaves a history row that
names that user.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from breachtracker.records import apply_fields, attribute_to

from ..register.models import DataCategory, Incident
from . import signals, tally
from .models import DataSubject


@transaction.atomic
def subject_create(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> DataSubject:
    subject = DataSubject(incident=incident)
    apply_fields(subject, fields)
    attribute_to(subject, actor)
    subject.save()
    tally.change(incident, tally.share(subject, timezone.localdate(), DataCategory.objects.all(),
                                       tally.known_day(incident)))
    return subject


@transaction.atomic
def subject_update(*, subject: DataSubject, actor: Any, fields: dict[str, Any]) -> DataSubject:
    today, categories = timezone.localdate(), list(DataCategory.objects.all())
    known = tally.known_day(subject.incident)
    # What they counted for before, as stored (not as the caller's copy may have been edited).
    stored = DataSubject.objects.get(pk=subject.pk)
    before = tally.share(stored, today, categories, known)
    apply_fields(subject, fields)
    attribute_to(subject, actor)
    subject.save()
    tally.change(subject.incident, tally.difference(before, tally.share(subject, today, categories, known)))
    if stored.roles != subject.roles:
        signals.roles_changed.send(sender=DataSubject, incident=subject.incident,
                                   changes=[(subject.pk, stored.roles, subject.roles)])
    return subject
