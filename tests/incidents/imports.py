"""Builders for the import tests: files in memory, and running an import's passes directly."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.imports import services as import_services
from incidents.models import DataSubject, Incident, IncidentCategory, SubjectImport
from incidents.tasks import subject_import_run

HEADERS = ["Reference", "Full name", "Date of birth", "Role", "Postcode", "Email", "Data categories"]


def person(name: str = "Alex Example", dob: str = "1980-04-01", role: str = "Victim", postcode: str = "SW1A 1AA",
           email: str = "", categories: str = "", reference: str = "") -> list[str]:
    return [reference, name, dob, role, postcode, email, categories]


def csv_bytes(rows: list[list[str]], headers: list[str] | None = None, *, delimiter: str = ",",
              encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS if headers is None else headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(incident: Incident, actor: Any, content: bytes, name: str = "people.csv", sheet: str = "") -> SubjectImport:
    """Upload through the service and run the check the way the worker would."""
    subject_import = import_services.subject_import_create(
        incident=incident, actor=actor, upload=SimpleUploadedFile(name, content), sheet=sheet)
    if subject_import.status == SubjectImport.Status.QUEUED:
        subject_import_run(subject_import.pk, False)
    subject_import.refresh_from_db()
    return subject_import


def confirm(subject_import: SubjectImport, actor: Any, *, only_valid: bool = False) -> SubjectImport:
    import_services.subject_import_confirm(subject_import=subject_import, actor=actor, only_valid=only_valid)
    subject_import_run(subject_import.pk, True)
    subject_import.refresh_from_db()
    return subject_import


def import_rows(incident: Incident, actor: Any, rows: list[list[str]], **kwargs: Any) -> SubjectImport:
    return confirm(upload(incident, actor, csv_bytes(rows, **kwargs)), actor)


def snapshot(incident: Incident) -> tuple[Any, ...]:
    """Everything an import may change about an incident, to show a refused file changed none of it."""
    subjects = list(DataSubject.objects.filter(incident=incident).order_by("pk").values())
    history = DataSubject.history.filter(incident_id=incident.pk).count()
    categories = list(IncidentCategory.objects.filter(incident=incident).values_list("category_id", flat=True))
    incident.refresh_from_db()
    return (subjects, history, categories, incident.updated_at, incident.history.count())
