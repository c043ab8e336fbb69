"""Writes to the regulator's case: each one names who did it in the history."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q

from breachtracker.records import apply_fields, attribute_to

from ..models import Incident
from ..roles import DECIDE, ensure
from .models import DUE_SOON_DAYS, IncidentLink, RegulatorCase, RegulatorCorrespondence, RegulatorRequest

RETAINED = "(removed at the end of retention)"


# The regulator's case is the DPO's, in the services as in the views.
_require_dpo = partial(ensure, action=DECIDE, refusal="Only the DPO records the regulator's case.")


def max_file_bytes() -> int:
    return int(settings.BREACHTRACKER_MAX_UPLOAD_MB) * 1024 * 1024


def too_large_message() -> str:
    return (f"The file is larger than {settings.BREACHTRACKER_MAX_UPLOAD_MB} MB, the largest this page accepts. "
            "Nothing was saved. Save the letter as a PDF, or split it into parts.")


def display_name(name: str) -> str:
    """The uploaded name without any folder part, for showing only (never used as a path)."""
    cleaned = "".join(ch for ch in (name or "") if ch.isprintable()).replace("\\", "/")
    return Path(cleaned).name[-255:] or "upload"


@transaction.atomic
def case_save(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> RegulatorCase:
    """Open the regulator's case, change its details, or record its outcome."""
    _require_dpo(actor)
    # The incident is locked first: two people opening the case at once make one case, not an error.
    Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk").get()
    case = RegulatorCase.objects.select_for_update().filter(incident=incident).first()
    created = case is None
    if case is None:
        case = RegulatorCase(incident=incident)
    before = case.outcome
    apply_fields(case, fields)
    reported = reported_reference(incident)
    if reported and case.own_reference.strip() and case.own_reference.strip() != reported:
        raise ValidationError({"own_reference": f"The report to the regulator already records the ICO case "
                                                f"reference {reported}: it is not kept twice."})
    if reported:
        case.own_reference = ""  # shown from the report
    case.full_clean()
    if created:
        reason = "Case opened"
    elif case.outcome and case.outcome != before:
        reason = f"Outcome recorded: {case.get_outcome_display()}"
    else:
        reason = "Case details changed"
    attribute_to(case, actor, reason)
    case.save()
    return case


@transaction.atomic
def correspondence_add(*, incident: Incident, actor: Any, fields: dict[str, Any],
                       upload: UploadedFile | None = None) -> RegulatorCorrespondence:
    """Record a letter or email to or from the regulator, keeping its file encrypted."""
    _require_dpo(actor)
    record = RegulatorCorrespondence(incident=incident, recorded_by=actor)
    apply_fields(record, fields)
    record.full_clean()
    if upload is not None:
        if upload.size is None or upload.size > max_file_bytes():
            raise ValidationError({"file": too_large_message()})
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        record.file_name, record.file_size, record.file_sha256 = (
            display_name(upload.name or ""), upload.size, digest.hexdigest())
        # Our own name in the storage (encrypted there); the uploaded one is shown only.
        record.file.save(RegulatorCorrespondence.new_stored_name(), upload, save=False)
    try:
        direction = "received from" if record.direction == RegulatorCorrespondence.Direction.IN else "sent to"
        attribute_to(record, actor, f"Correspondence {direction} the regulator")
        record.save()
    except Exception:
        # If the row cannot be written, the stored file must not stay behind.
        if record.file:
            record.file.storage.delete(record.file.name)
        raise
    return record


@transaction.atomic
def regulator_request_add(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> RegulatorRequest:
    """Record an information request from the regulator, with the date it set."""
    _require_dpo(actor)
    record = RegulatorRequest(incident=incident)
    apply_fields(record, fields)
    record.status = RegulatorRequest.Status.OPEN
    record.full_clean()
    attribute_to(record, actor, "Information request received from the regulator")
    record.save()
    return record


@transaction.atomic
def regulator_request_answer(*, record: RegulatorRequest, actor: Any, answered_on: date,
                             reply: str) -> RegulatorRequest:
    """Record that the request was answered: when, and what was sent."""
    _require_dpo(actor)
    locked = RegulatorRequest.objects.select_for_update().get(pk=record.pk)
    if not locked.is_open:
        raise ValidationError("This information request is already answered.")
    locked.status, locked.answered_on, locked.reply = RegulatorRequest.Status.ANSWERED, answered_on, reply.strip()
    locked.full_clean()
    attribute_to(locked, actor, "Information request answered")
    locked.save()
    return locked


@transaction.atomic
def link_add(*, incident: Incident, actor: Any, other: Incident, reason: str) -> IncidentLink:
    """Link two incidents of the register (from either side: the link is the same)."""
    _require_dpo(actor)
    if other.pk == incident.pk:
        raise ValidationError({"other": "An incident cannot be linked to itself."})
    first, second = sorted((incident.pk, other.pk))
    # Lock both incidents in id order so two people linking the same pair cannot both succeed.
    list(Incident.objects.select_for_update().filter(pk__in=(first, second)).order_by("pk").values_list("pk"))
    if IncidentLink.objects.filter(first_id=first, second_id=second).exists():
        raise ValidationError({"other": "These incidents are already linked."})
    link = IncidentLink(first_id=first, second_id=second, reason=reason.strip(), created_by=actor)
    link.full_clean()
    attribute_to(link, actor, "Incidents linked")
    link.save()
    return link


@transaction.atomic
def link_remove(*, link: IncidentLink, actor: Any, reason: str) -> None:
    """Remove a link recorded by mistake: the history keeps it, and why it went."""
    _require_dpo(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the link is removed."})
    attribute_to(link, actor, f"Link removed: {reason.strip()}"[:100])
    link.delete()


def links_of(incident: Incident) -> Any:
    """The incident's links, each with both incidents (one query)."""
    return (IncidentLink.objects.filter(Q(first=incident) | Q(second=incident))
            .select_related("first", "second", "created_by").order_by("created_at", "pk"))


def reported_reference(incident: Incident) -> str:
    """The ICO case reference recorded with the latest report that gave one ("" if none did)."""
    return (incident.submissions.exclude(ico_reference="")  # type: ignore[attr-defined]
            .order_by("-submitted_at", "-pk").values_list("ico_reference", flat=True).first()) or ""


def case_reference(incident: Incident, case: RegulatorCase | None = None, *, reported: str | None = None) -> str:
    """The ICO case reference: from the reports to the regulator, else the one recorded on the
    case (opened without a report that gave one). A caller that has the case, or the reports'
    reference (`reported`, "" if none gave one), passes it; the case is read only if needed."""
    if reported is None:
        reported = reported_reference(incident)
    if reported:
        return reported
    if case is None:
        case = RegulatorCase.objects.filter(incident=incident).first()
    return case.own_reference if case else ""


def requests_due(today: date, within_days: int = DUE_SOON_DAYS) -> Any:
    """Open information requests overdue or due within `within_days` (the DPO's digest)."""
    return RegulatorRequest.objects.due_by(today + timedelta(days=within_days))


def purge(*, incident: Incident) -> list[str]:
    """End of retention: blank what was written to and by the regulator that may name people
    (summaries, requests and replies, the case officer, uploaded names), in rows and history;
    the dates, directions, outcome and penalty stay. Returns the files to delete after commit."""
    correspondence = RegulatorCorrespondence.objects.filter(incident=incident)
    files = [name for name in correspondence.exclude(file="").values_list("file", flat=True) if name]
    # Erasure, not a change of the record (as for people's requests): QuerySet.update on purpose.
    blank_letters = {"summary": RETAINED, "file": "", "file_name": ""}
    correspondence.update(**blank_letters)
    letters_history = RegulatorCorrespondence.history  # type: ignore[attr-defined]
    letters_history.filter(incident_id=incident.pk).update(**blank_letters)
    blank_requests = {"asked": RETAINED, "reply": ""}
    RegulatorRequest.objects.filter(incident=incident).update(**blank_requests)
    RegulatorRequest.history.filter(incident_id=incident.pk).update(**blank_requests)  # type: ignore[attr-defined]
    RegulatorCase.objects.filter(incident=incident).update(case_officer="")
    RegulatorCase.history.filter(incident_id=incident.pk).update(case_officer="")  # type: ignore[attr-defined]
    return files
