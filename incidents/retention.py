"""Retention: people's personal data is purged from incidents closed longer than
settings.RETENTION_MONTHS (env BREACHTRACKER_RETENTION_MONTHS).

Kept: the register entry (the incident, its assessment, decisions and submissions), each
person's row with only their roles, data categories and child/vulnerable flags (so every count
stays right), and the counts themselves, stored on the incident before purging. Removed: names,
dates of birth, addresses, contact details, notes and source references, in the people's rows
AND in their history rows (history that kept them would defeat the purge); generated letters
and print packs (files deleted); files kept as evidence (deleted); contact notes; raw cell values kept in import reports. The
purge is one history row on the incident, by the system, with the reason.
"""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .models import DataCategory, DataSubject, Evidence, Incident, SubjectImportIssue

PURGED_NAME = "[removed under retention]"
PERSONAL = {"reference": "", "full_name": PURGED_NAME, "name_index": "", "date_of_birth": None,
            "address_line_1": "", "address_line_2": "", "town": "", "postcode": "", "email": "", "phone": "",
            "notes": ""}


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
    """Purge one incident's people's personal data; returns the number of people."""
    from notifications.models import ContactAttempt, Notification, PrintPack

    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.personal_data_purged_at is not None:
        return 0
    subjects = DataSubject.objects.filter(incident=locked)
    counts = subjects.summary(list(DataCategory.objects.all()))
    files: list[str] = []
    notifications = Notification.objects.filter(incident=locked).exclude(pdf="")
    files += list(notifications.values_list("pdf", flat=True))
    packs = PrintPack.objects.filter(batch__incident=locked)
    files += [name for pair in packs.values_list("pdf", "manifest") for name in pair if name]
    # Erasure, not a change of the record: QuerySet.update on purpose, for rows and history
    # alike; the purge itself is recorded once, on the incident.
    people = subjects.update(**PERSONAL)
    DataSubject.history.filter(incident_id=locked.pk).update(**PERSONAL)  # type: ignore[attr-defined]
    notifications.update(pdf="", pdf_sha256="")
    Notification.history.filter(incident_id=locked.pk).update(pdf="", pdf_sha256="")  # type: ignore[attr-defined]
    pack_ids = list(packs.values_list("pk", flat=True))
    packs.update(pdf="", manifest="")
    PrintPack.history.filter(id__in=pack_ids).update(pdf="", manifest="")  # type: ignore[attr-defined]
    ContactAttempt.objects.filter(notification__incident=locked).update(note="")
    # Files kept as evidence are the leaked data itself: the file goes, its deletion is
    # recorded (name and SHA-256 stay in the history).
    for evidence in Evidence.objects.filter(incident=locked):
        files.append(evidence.stored_name)
        evidence._history_user = actor  # type: ignore[attr-defined]
        evidence._change_reason = reason  # type: ignore[attr-defined]
        evidence.delete()
    SubjectImportIssue.objects.filter(subject_import__incident=locked).update(value="")
    locked.personal_data_purged_at = timezone.now()
    locked.purged_counts = counts
    locked._history_user = actor  # type: ignore[attr-defined]
    locked._change_reason = reason  # type: ignore[attr-defined]
    locked.save()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    return people


def retention_purge(now: datetime | None = None) -> dict[str, int]:
    """Daily (beat): purge every incident due. Each incident is its own transaction."""
    months = settings.RETENTION_MONTHS
    done = {"incidents": 0, "people": 0}
    for incident in due_for_purge(now):
        reason = f"Retention: personal data of the people purged, closed over {months} months (system)"
        done["people"] += incident_purge_personal_data(incident=incident, reason=reason)
        done["incidents"] += 1
    return done
