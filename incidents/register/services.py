"""Writes to incidents, their exposed categories, their timeline and the organisation.

Each function takes the acting user, runs in one transaction and leaves a history row that
names that user, so the register is an audit record whoever or whatever made the change.
"""

from __future__ import annotations

from typing import Any

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from breachtracker.records import apply_fields, attribute_to

from ..roles import DECIDE, ensure
from .models import ClockCorrection, DataCategory, Incident, IncidentCategory, IncidentEvent, Organisation

# Follows from the records (assessment.services.status_from_records) or from closing and
# reopening; never written by editing the facts.
NOT_EDITABLE = frozenset({"status"})


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


def locked_fields(incident: Incident) -> frozenset[str]:
    """Fields editing the facts may not change: the status always, and once the initial report
    to the regulator is recorded, when the organisation became aware and the regime."""
    if incident.pk and incident.has_initial_report:
        return NOT_EDITABLE | frozenset(Incident.CLOCK_FIELDS)
    return NOT_EDITABLE


@transaction.atomic
def incident_update(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> Incident:
    """Change an incident's facts. Refuses (ValidationError, nothing saved) a change to its
    status, or to `aware_at` or the regime after the initial report (`locked_fields`)."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    refused = sorted(name for name in locked_fields(locked) & fields.keys()
                     if fields[name] != getattr(locked, name))
    if refused:
        raise ValidationError(f"These cannot be changed by editing the incident: {', '.join(refused)}.")
    apply_fields(incident, fields)
    attribute_to(incident, actor)
    incident.save()
    return incident


@transaction.atomic
def incident_correct_clock(*, incident: Incident, actor: Any, aware_at: datetime, regime: str,
                           reason: str) -> ClockCorrection:
    """A DPO's correction of `aware_at` or the regime after the initial report was recorded.

    The deadline follows the corrected values (aware_at + the regime's clock, as always), so a
    report made on time may become late, or the other way round; the deadline before and after
    are kept with the correction, which the incident page and the regulator report list.
    Raises PermissionDenied for anyone but a DPO, ValidationError (nothing saved) otherwise.
    """
    ensure(actor, DECIDE, "Only the DPO corrects the clock of a reported incident.")
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not locked.submissions.filter(kind="initial").exists():  # type: ignore[attr-defined]
        raise ValidationError("This incident has not been reported yet: change these by editing the incident.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the time or the regime was wrong."})
    if aware_at == locked.aware_at and regime == locked.regime:
        raise ValidationError("Nothing changed: give a different time or regime.")
    before = (locked.aware_at, locked.regime, locked.regulator_deadline)
    locked.aware_at, locked.regime = aware_at, regime
    locked.full_clean(exclude=[f.name for f in Incident._meta.fields if f.name not in Incident.CLOCK_FIELDS])
    attribute_to(locked, actor, f"Clock corrected after reporting: {reason.strip()}")
    locked.save(update_fields=[*Incident.CLOCK_FIELDS, "updated_at"])
    incident.aware_at, incident.regime = locked.aware_at, locked.regime
    return ClockCorrection.objects.create(
        incident=locked, aware_at_before=before[0], aware_at_after=aware_at, regime_before=before[1],
        regime_after=regime, deadline_before=before[2], deadline_after=locked.regulator_deadline,
        reason=reason.strip(), corrected_by=actor)


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
