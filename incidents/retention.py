"""Retention, the incidents' part: blank the people's personal data of one incident (rows and
history), delete its evidence files, blank raw cell values kept in import reports, and keep the
counts on the incident. `reporting.retention` orchestrates this with notifications' own part.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from breachtracker.records import attribute_to

from .models import Contact, DataCategory, DataSubject, Evidence, Incident, PersonRequest, SubjectImportIssue
from .people import tally
from .regulator import services as regulator_services

PURGED_NAME = "[removed under retention]"
PERSONAL = {"reference": "", "full_name": PURGED_NAME, "name_index": "", "match_keys": "", "date_of_birth": None,
            "address_line_1": "", "address_line_2": "", "town": "", "postcode": "", "email": "", "phone": "",
            "notes": "", "to_check": ""}


@transaction.atomic
def incident_purge_people(*, incident: Incident, actor: object, reason: str) -> tuple[int, list[str]]:
    """Purge one (locked) incident's people's personal data and evidence; record the purge on
    the incident, with the counts kept. Returns (people, files to delete after commit)."""
    subjects = DataSubject.objects.filter(incident=incident)
    counts = subjects.summary(list(DataCategory.objects.all()))
    # Erasure, not a change of the record: QuerySet.update on purpose, for rows and history
    # alike; the purge itself is recorded once, on the incident.
    people = subjects.update(**PERSONAL)
    DataSubject.history.filter(incident_id=incident.pk).update(**PERSONAL)  # type: ignore[attr-defined]
    tally.recount(incident)  # dates of birth are gone: no one is a child by age any more
    files: list[str] = []
    # Files kept as evidence are the leaked data itself: the file goes, its deletion is
    # recorded (name and SHA-256 stay in the history).
    for evidence in Evidence.objects.filter(incident=incident):
        files.append(evidence.stored_name)
        attribute_to(evidence, actor, reason)
        evidence.delete()
    SubjectImportIssue.objects.filter(subject_import__incident=incident).update(value="")
    # What people asked of us and were told: personal data too (the requests' dates, kinds and
    # amounts stay, for the totals).
    PersonRequest.objects.filter(incident=incident).update(summary="(removed at the end of retention)", outcome="")
    PersonRequest.history.filter(incident_id=incident.pk).update(  # type: ignore[attr-defined]
        summary="(removed at the end of retention)", outcome="")
    # The helpline log: who called and what was said go; when, how and by whom stay.
    said = {"caller": "", "question": "(removed at the end of retention)", "told": "", "follow_up": "", "outcome": ""}
    Contact.objects.filter(incident=incident).update(**said)
    Contact.history.filter(incident_id=incident.pk).update(**said)  # type: ignore[attr-defined]
    # What was written to and by the regulator (the dates, outcome and penalty stay).
    files += regulator_services.purge(incident=incident)
    incident.personal_data_purged_at = timezone.now()
    incident.purged_counts = counts
    attribute_to(incident, actor, reason)
    incident.save()
    return people, files
