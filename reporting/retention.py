"""Retention: people's personal data is purged from incidents closed longer than
settings.RETENTION_MONTHS (env BREACHTRACKER_RETENTION_MONTHS).

Kept: the register entry (the incident, its assessment, decisions and submissions), each
person's row with only their roles, data categories and child/vulnerable flags (so every count
stays right), and the counts themselves, stored on the incident before purging. Removed: names,
dates of birth, addresses, contact details, notes and source references, in the people's rows
AND in their history rows (history that kept them would defeat the purge); generated letters
and print packs (files deleted); files kept as evidence (deleted); contact notes, in their rows
and history; raw cell values kept in import reports. The purge is one history row on the
incident, by the system, with the reason.

This module orchestrates; each app purges its own data (`incidents.retention`,
`notifications.retention`), in one transaction.
"""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from incidents.models import Incident
from incidents.retention import PURGED_NAME, incident_purge_people
from notifications.retention import notifications_purge_personal_data

__all__ = ["PURGED_NAME", "due_for_purge", "incident_purge_personal_data", "retention_purge"]


def months_before(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 - months, 12)
    target_year, target_month = moment.year + year, month + 1
    day = min(moment.day, 28)  # a safe day in every month; a few days' slack does not matter
    return moment.replace(year=target_year, month=target_month, day=day)


def closed_since(incident: Incident) -> datetime | None:
    """When the incident was (last) closed, from its history; None if it is not closed."""
    if incident.status != Incident.Status.CLOSED:
        return None
    history = incident.history.order_by("-history_date", "-history_id").values_list("status", "history_date")
    since = None
    for status, when in history:
        if status != Incident.Status.CLOSED:
            break
        since = when
    return since


def due_for_purge(now: datetime | None = None) -> list[Incident]:
    cutoff = months_before(now or timezone.now(), settings.RETENTION_MONTHS)
    candidates = Incident.objects.filter(status=Incident.Status.CLOSED, personal_data_purged_at__isnull=True)
    return [i for i in candidates if (since := closed_since(i)) is not None and since <= cutoff]


@transaction.atomic
def incident_purge_personal_data(*, incident: Incident, actor: object = None, reason: str) -> int:
    """Purge one incident's people's personal data in every app, in one transaction; the stored
    files go once it has committed. Returns the number of people."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.personal_data_purged_at is not None:
        return 0
    files = notifications_purge_personal_data(incident=locked)
    people, more = incident_purge_people(incident=locked, actor=actor, reason=reason)
    files += more
    transaction.on_commit(lambda: _delete_files(files))
    return people


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def retention_purge(now: datetime | None = None) -> dict[str, int]:
    """Daily (beat): purge every incident due. Each incident is its own transaction."""
    months = settings.RETENTION_MONTHS
    done = {"incidents": 0, "people": 0}
    for incident in due_for_purge(now):
        reason = f"Retention: personal data of the people purged, closed over {months} months (system)"
        done["people"] += incident_purge_personal_data(incident=incident, reason=reason)
        done["incidents"] += 1
    return done
