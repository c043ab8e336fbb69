"""The user's side of importing affected people: upload a file (kept under a generated name,
its shape learned), match its columns, confirm the import after reading the report, or
cancel. Each write queues the worker's pass (`incidents.tasks.subject_import_run`) after the
transaction commits; `process.py` is what the worker runs.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from ..models import DataCategory, Incident, SubjectImport
from ..tasks import subject_import_run
from .process import MAX_COLUMNS, Status, end_import, save_import, tmp_dir
from .reader import ImportFileError, auto_mapping, header_scorer, inspect_upload, mapping_problems, open_table


UPLOAD_SECONDS = 10.0


def _enqueue(subject_import: SubjectImport, *, commit: bool) -> None:
    pk = subject_import.pk
    transaction.on_commit(lambda: subject_import_run.delay(pk, commit))


@transaction.atomic
def subject_import_create(*, incident: Incident, actor: Any, upload: UploadedFile, sheet: str = "",
                          file_roles: int = 0, file_categories: int = 0) -> SubjectImport:
    """Keep the upload under a generated name, learn its shape, and queue the check.

    Raises ImportFileError (and keeps nothing) for a file that cannot be read at all.
    """
    tmp_name = f"{uuid.uuid4().hex}.upload"
    path = tmp_dir() / tmp_name
    try:
        with open(path, "wb") as out:
            info = inspect_upload(upload.chunks(), out)
        already = incident.imports.filter(file_sha256=info.sha256, status=Status.DONE).first()
        if already is not None:
            raise ImportFileError(
                f"This exact file was already imported into {incident.reference} on "
                f"{timezone.localtime(already.finished_at or already.created_at):%d %b %Y at %H:%M} "
                f"(import {already.pk}). Importing it again would change nothing."
            )
        categories = list(DataCategory.objects.all())
        # Only the header is read here: a hostile file is refused within seconds, in the request.
        table = open_table(path, kind=info.kind, encoding=info.encoding, sheet=sheet,
                           score=header_scorer(categories), seconds=UPLOAD_SECONDS)
        table.close()
        if len(table.headers) > MAX_COLUMNS:
            raise ImportFileError(f"The file has {len(table.headers):,} columns; at most {MAX_COLUMNS} are read. "
                                  "Is the first row really the column names?")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    mapping = auto_mapping(table.headers, categories)
    subject_import = SubjectImport(
        incident=incident, created_by=actor, file_name=Path((upload.name or "upload").replace("\\", "/")).name[:255] or "upload",
        file_sha256=info.sha256, file_size=info.size, file_kind=info.kind, encoding=info.encoding,
        sheet=table.sheet, other_sheets=table.other_sheets, tmp_name=tmp_name, headers=table.headers,
        mapping=mapping, rows_estimate=table.rows_estimate or info.rows_estimate,
    )
    subject_import.file_roles, subject_import.file_categories = file_roles, file_categories
    problems = mapping_problems(mapping, file_role=bool(file_roles))
    if not any(mapping):
        subject_import.status = Status.MAPPING
        subject_import.message = (
            "None of the column headers were recognised. The first row must hold the column names "
            "(download the template to see them), or match the columns to our fields below."
        )
    elif problems:
        subject_import.status = Status.MAPPING
        subject_import.message = " ".join(problems)
    save_import(subject_import, actor)
    if subject_import.status == Status.QUEUED:
        _enqueue(subject_import, commit=False)
    return subject_import


@transaction.atomic
def subject_import_set_mapping(*, subject_import: SubjectImport, actor: Any, mapping: list[str],
                               file_roles: int | None = None, file_categories: int | None = None) -> SubjectImport:
    if subject_import.status in (*SubjectImport.RUNNING, *SubjectImport.FINISHED):
        raise ImportFileError("This import is being processed or is finished: its columns can no longer be changed.")
    subject_import.mapping = mapping
    if file_roles is not None:
        subject_import.file_roles = file_roles
    if file_categories is not None:
        subject_import.file_categories = file_categories
    subject_import.status = Status.QUEUED
    subject_import.message = ""
    save_import(subject_import, actor)
    _enqueue(subject_import, commit=False)
    return subject_import


@transaction.atomic
def subject_import_confirm(*, subject_import: SubjectImport, actor: Any, only_valid: bool) -> SubjectImport:
    """The user has read the report and asks for the import (of the valid rows only, if any failed)."""
    locked = SubjectImport.objects.select_for_update().get(pk=subject_import.pk)
    if locked.status != Status.VALIDATED:
        raise ImportFileError("This import is not waiting to be confirmed.")
    if locked.rows_invalid and not only_valid:
        raise ImportFileError("Some rows have problems: fix the file, or choose to import only the valid rows.")
    if not locked.rows_valid:
        raise ImportFileError("No row is valid: there is nothing to import.")
    locked.only_valid = only_valid
    locked.confirmed_by = actor
    locked.status = Status.IMPORTING
    save_import(locked, actor)
    _enqueue(locked, commit=True)
    return locked


@transaction.atomic
def subject_import_cancel(*, subject_import: SubjectImport, actor: Any) -> SubjectImport:
    # Any time before it finishes: a worker reading the file stops at its next progress report.
    # (An import writing its people holds this row's lock: this waits, then finds it done.)
    locked = SubjectImport.objects.select_for_update().get(pk=subject_import.pk)
    if locked.is_finished:
        raise ImportFileError("This import is finished: it can no longer be cancelled.")
    return end_import(locked, status=Status.CANCELLED, actor=actor)
