"""Retention, notifications' part: when the orchestrator (`reporting.retention`) purges an
incident, this blanks what notifications hold about its people — the letters' and print
packs' files, and the notes of contact attempts ("Lives with the suspect at 4 Elm Rd") — in
the rows AND in their history rows. It returns the stored files to delete once the purge has
committed. Counts and statuses stay: the register and the report still add up.
"""
from __future__ import annotations

from incidents.models import Incident

from .models import ContactAttempt, Notification, PrintPack


def notifications_purge_personal_data(*, incident: Incident) -> list[str]:
    """Blank one incident's letters, packs and contact notes, rows and history alike.

    Erasure, not a change of the record: `QuerySet.update` on purpose, for rows and history
    alike; the caller records the purge once, on the incident. Run inside its transaction.
    """
    files: list[str] = []
    notifications = Notification.objects.filter(incident=incident).exclude(pdf="")
    files += list(notifications.values_list("pdf", flat=True))
    packs = PrintPack.objects.filter(batch__incident=incident)
    files += [name for pair in packs.values_list("pdf", "manifest") for name in pair if name]
    notifications.update(pdf="", pdf_sha256="")
    Notification.history.filter(incident_id=incident.pk).update(pdf="", pdf_sha256="")  # type: ignore[attr-defined]
    pack_ids = list(packs.values_list("pk", flat=True))
    packs.update(pdf="", manifest="")
    PrintPack.history.filter(id__in=pack_ids).update(pdf="", manifest="")  # type: ignore[attr-defined]
    attempts = ContactAttempt.objects.filter(notification__incident=incident)
    attempt_ids = list(attempts.values_list("pk", flat=True))
    attempts.update(note="")
    ContactAttempt.history.filter(id__in=attempt_ids).update(note="")  # type: ignore[attr-defined]
    return files
