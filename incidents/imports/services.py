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
from .files import Table
from .models import AnswerSource, DateOrder, DateSystem
from . import upload as uploads
from .process import MAX_COLUMNS, Status, end_import, save_import
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
    # Read here from a private temporary file; kept for the worker in storage, encrypted.
    with uploads.private_file() as path:
        with open(path, "wb") as out:
            info = inspect_upload(upload.chunks(), out)
        already = incident.imports.filter(file_sha256=info.sha256, status=Status.DONE).first()
        if already is not None:
            raise ImportFileError(
                f"This exact file was already imported into {incident.reference} on "
                f"{timezone.localtime(already.finished_at or already.created_at):%d %b %Y at %H:%M} "
                f"(import {already.pk}). Importing it again would change nothing."
            )
        # Only the first rows are read here: a hostile file is refused within seconds, in the request.
        table = _read_header(path, kind=info.kind, encoding=info.encoding, sheet=sheet, header_row=0)
        uploads.store(tmp_name, path)
    try:
        subject_import = _created(incident=incident, actor=actor, upload=upload, info=info, table=table,
                                  tmp_name=tmp_name, file_roles=file_roles, file_categories=file_categories)
    except BaseException:
        uploads.delete([f"{uploads.UPLOAD_DIR}/{tmp_name}"])
        raise
    if subject_import.status == Status.QUEUED:
        _enqueue(subject_import, commit=False)
    return subject_import


def _created(*, incident: Incident, actor: Any, upload: UploadedFile, info: Any, table: Table, tmp_name: str,
             file_roles: int, file_categories: int) -> SubjectImport:
    categories = list(DataCategory.objects.all())
    subject_import = SubjectImport(
        incident=incident, created_by=actor, file_name=Path((upload.name or "upload").replace("\\", "/")).name[:255] or "upload",
        file_sha256=info.sha256, file_size=info.size, file_kind=info.kind, encoding=info.encoding,
        tmp_name=tmp_name, rows_estimate=table.rows_estimate or info.rows_estimate,
    )
    subject_import.file_roles, subject_import.file_categories = file_roles, file_categories
    _take_table(subject_import, table, categories)
    save_import(subject_import, actor)
    return subject_import


def _read_header(path: Path, *, kind: str, encoding: str, sheet: str, header_row: int) -> Table:
    categories = list(DataCategory.objects.all())
    table = open_table(path, kind=kind, encoding=encoding, sheet=sheet, score=header_scorer(categories),
                       seconds=UPLOAD_SECONDS, header_row=header_row)
    table.close()
    if len(table.headers) > MAX_COLUMNS:
        raise ImportFileError(f"The file has {len(table.headers):,} columns; at most {MAX_COLUMNS} are read. "
                              f"Is row {table.header_row} really the column names?")
    return table


def _take_table(subject_import: SubjectImport, table: Table, categories: list[DataCategory], *,
                chosen: bool = False) -> None:
    """Take the sheet and header row read from the file, match its columns, and say whether
    the user must look at the columns first (status MAPPING, with why) or the check can start."""
    subject_import.sheet, subject_import.other_sheets = table.sheet, table.other_sheets
    subject_import.header_row, subject_import.headers = table.header_row, table.headers
    subject_import.mapping = auto_mapping(table.headers, categories)
    if subject_import.file_kind == "xlsx":
        # The workbook says which date system its day numbers count in.
        subject_import.date_system = DateSystem.S1904 if table.date1904 else DateSystem.S1900
        subject_import.date_system_source = AnswerSource.FILE
    problems = mapping_problems(subject_import.mapping, file_role=bool(subject_import.file_roles))
    subject_import.status, subject_import.message = Status.QUEUED, ""
    if not any(subject_import.mapping):
        subject_import.status = Status.MAPPING
        subject_import.message = (
            "None of the column headers were recognised. Say which row holds the column names "
            "(download the template to see ours), or match the columns to our fields below."
        )
    elif problems:
        subject_import.status = Status.MAPPING
        subject_import.message = " ".join(problems)
    elif table.header_unsure and not chosen:
        subject_import.status = Status.MAPPING
        subject_import.message = (
            f"We are not sure which row holds the column names: we took row {table.header_row}. "
            "Check it below (or choose another), then check the column matching."
        )
    if chosen and subject_import.status == Status.QUEUED:
        # The user changed what is read: they see the new columns before the check.
        subject_import.status = Status.MAPPING


@transaction.atomic
def subject_import_choose_table(*, subject_import: SubjectImport, actor: Any, sheet: str,
                                header_row: int) -> SubjectImport:
    """Read the file again from another sheet, or with another row as the column names (0: the
    likeliest); the columns are matched afresh and shown to the user before any check."""
    locked = SubjectImport.objects.select_for_update().get(pk=subject_import.pk)
    if locked.is_running or locked.is_finished:
        raise ImportFileError("This import is being processed or is finished: what it reads can no longer be changed.")
    if sheet != locked.sheet:
        header_row = 0  # another sheet: its own header row is found first
    with uploads.upload_copy(locked) as path:
        if path is None:
            raise ImportFileError("The uploaded file is no longer here; upload it again.")
        table = _read_header(path, kind=locked.file_kind, encoding=locked.encoding, sheet=sheet,
                             header_row=header_row)
    _take_table(locked, table, list(DataCategory.objects.all()), chosen=True)
    locked.issues.all().delete()  # the report was of what was read before
    for counter in ("rows_read", "rows_valid", "rows_invalid", "rows_merged", "rows_merged_existing",
                    "rows_to_check", "subjects_created", "subjects_updated", "subjects_unchanged",
                    "dates_ambiguous", "date_serials"):
        setattr(locked, counter, 0)
    if locked.date_order_source == AnswerSource.FILE:
        locked.date_order = locked.date_order_source = ""
    save_import(locked, actor)
    return locked


@transaction.atomic
def subject_import_answer_dates(*, subject_import: SubjectImport, actor: Any, date_order: str = "",
                                date_system: str = "") -> SubjectImport:
    """The user says how the file writes its dates (the day/month order, the serial-number
    system); the check runs again with the answer. Blank leaves a question as it was."""
    locked = SubjectImport.objects.select_for_update().get(pk=subject_import.pk)
    if locked.is_running or locked.is_finished:
        raise ImportFileError("This import is being processed or is finished: its dates can no longer be changed.")
    if date_order:
        locked.date_order = DateOrder(date_order)
        locked.date_order_source = AnswerSource.USER
    if date_system:
        if locked.date_system_source == AnswerSource.FILE:
            raise ImportFileError("The workbook itself says which date system it uses.")
        locked.date_system = DateSystem(date_system)
        locked.date_system_source = AnswerSource.USER
    if locked.status != Status.MAPPING:
        locked.status = Status.QUEUED
        locked.message = ""
    save_import(locked, actor)
    if locked.status == Status.QUEUED:
        _enqueue(locked, commit=False)
    return locked


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
    if locked.asks_about_dates:
        raise ImportFileError("Say how this file writes its dates first (the question above the report).")
    locked.only_valid = only_valid
    locked.confirmed_by = actor
    locked.status = Status.IMPORTING
    locked.progress_at = None  # waiting for a worker to take the import pass (process.py)
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
