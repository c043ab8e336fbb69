"""Writes to incidents, their exposed categories, their timeline and the organisation.

Each function takes the acting user, runs in one transaction and leaves a history row that
names that user, so the register is an audit record whoever or whatever made the change.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from breachtracker.records import apply_fields, attribute_to

from .models import DataCategory, Incident, IncidentCategory, IncidentEvent, Organisation


def _next_reference(year: int) -> str:
    prefix = f"BR-{year}-"
    last = (
        Incident.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


@transaction.atomic
def incident_create(*, actor: Any, fields: dict[str, Any]) -> Incident:
    """Create an incident with the next free reference for this year (BR-2026-0001, ...)."""
    year = timezone.localtime().year
    for _attempt in range(5):
        incident = Incident(created_by=actor)
        apply_fields(incident, fields)
        incident.reference = _next_reference(year)
        attribute_to(incident, actor)
        try:
            # A savepoint, so a reference taken by a concurrent request can be retried.
            with transaction.atomic():
                incident.save()
        except IntegrityError:
            continue
        return incident
    raise IntegrityError("Could not allocate an incident reference; try again.")


@transaction.atomic
def incident_update(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> Incident:
    apply_fields(incident, fields)
    attribute_to(incident, actor)
    incident.save()
    return incident


@transaction.atomic
def incident_set_categories(
    *, incident: Incident, actor: Any, exposed: dict[DataCategory, dict[str, Any]]
) -> None:
    """Make the incident's exposed categories exactly `exposed` (category → approx_records, detail).

    Rows are added, changed or removed one by one so each change has its own history row.
    """
    current = {row.category_id: row for row in incident.exposed_categories.all()}
    for category, values in exposed.items():
        row = current.pop(category.pk, None)
        if row is None:
            row = IncidentCategory(incident=incident, category=category)
        elif all(getattr(row, k) == v for k, v in values.items()):
            continue
        apply_fields(row, values)
        attribute_to(row, actor)
        row.save()
    for row in current.values():
        attribute_to(row, actor)
        row.delete()


@transaction.atomic
def organisation_update(*, actor: Any, fields: dict[str, Any]) -> Organisation:
    organisation = Organisation.current()
    apply_fields(organisation, fields)
    attribute_to(organisation, actor)
    organisation.save()
    return organisation


@transaction.atomic
def incident_event_record(*, incident: Incident, actor: Any, kind: str, detail: str = "") -> IncidentEvent:
    """Put an event on the incident's timeline (History tab, audit CSV): append-only."""
    if kind not in IncidentEvent.Kind.values:
        raise ValueError(f"Unknown incident event: {kind}")
    return IncidentEvent.objects.create(incident=incident, kind=kind, detail=detail[:5000],
                                        actor=actor if getattr(actor, "pk", None) else None)
