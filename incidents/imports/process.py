"""The worker side of importing affected people (`tasks.subject_import_run`), and the hourly
sweep of waiting uploads. The user's side (upload, mapping, confirm, cancel) is `services.py`.

Two passes:

- the check (`commit=False`), streaming the file: every row validated, duplicates grouped,
  matches with the incident's existing people found; a report is written, and the people
  found are kept encrypted beside the upload (`staged.py`); nothing else changes;
- the import (`commit=True`, after the user confirms): the check's kept result (or, when it
  no longer fits the file and answers, the check again), then, in ONE transaction with the
  incident locked, matching against existing people again (the database may have changed
  meanwhile), the new people inserted and the matched ones merged, each with its history row.

On PostgreSQL new rows go in with COPY (ids taken from the table's sequence first, so the
history rows can name them); elsewhere with executemany. Either way history rows are
written in bulk too, so the audit trail has no holes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import OperationalError, connection, models, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from breachtracker.crypto import EncryptedMixin, blind_index
from breachtracker.records import attribute_to, attribute_to_system

from ..models import DataCategory, DataSubject, Incident, IncidentCategory, SubjectImport, SubjectImportIssue
from ..people import signals, tally
from ..people.models import match_keys
from ..register.services import incident_event_record
from . import staged, upload
from .models import AnswerSource
from .reader import (
    AMBIGUOUS,
    DAY_FIRST,
    KEY_REASONS,
    SAYS_DAY_FIRST,
    SAYS_MONTH_FIRST,
    SERIAL,
    DateStats,
    Deduplicator,
    Group,
    ImportFileError,
    Problem,
    RowValidator,
    header_scorer,
    merge_into,
    open_table,
)

log = logging.getLogger(__name__)

MAX_COLUMNS = 200
PROGRESS_EVERY = 2000
ISSUE_BATCH = 5000
WRITE_BATCH = 5000
SUBJECT_FIELDS = ("reference", "full_name", "date_of_birth", "roles", "categories_mask", "is_child",
                  "is_vulnerable", "address_line_1", "address_line_2", "town", "postcode", "email", "phone",
                  "preferred_channel", "do_not_write", "large_print", "language", "to_check")
Status = SubjectImport.Status
# Read from a merged person besides SUBJECT_FIELDS: what their tally share depends on.
TALLY_FIELDS = ("representative_relationship", "representative_name")


def delete_tmp(subject_import: SubjectImport) -> None:
    """The upload, and the check's result kept beside it."""
    staged.discard(subject_import)
    upload.delete([upload.upload_name(subject_import)])


def save_import(subject_import: SubjectImport, actor: Any) -> None:
    attribute_to(subject_import, actor)
    subject_import.save()


# ---------------------------------------------------------------------------------------
# Processing (called by the task)

class _Report:
    """Report lines, flushed to the database in batches so 100,000 problems never sit in memory."""

    # Written as rows (COPY on PostgreSQL), not model instances: a merge into 5,000 existing
    # people says so 10,000 times, and bulk_create cost more than the merge itself.
    COLUMNS = ["subject_import_id", "kind", "row", "column", "value", "message"]

    def __init__(self, subject_import: SubjectImport) -> None:
        self.subject_import = subject_import
        self.pending: list[tuple[Any, ...]] = []
        self.seal = _encrypted_columns(SubjectImportIssue)["value"]

    def add(self, kind: str, row: int | None, column: str, value: str, message: str) -> None:
        self.pending.append((self.subject_import.pk, kind, row, column[:200], self.seal(value), message))
        if len(self.pending) >= ISSUE_BATCH:
            self.flush()

    def problem(self, p: Problem) -> None:
        self.add(SubjectImportIssue.Kind.ERROR, p.row, p.column, p.value, p.message)

    def flush(self) -> None:
        if self.pending:
            _insert(SubjectImportIssue, self.COLUMNS, self.pending)
        self.pending = []


class Cancelled(Exception):
    """The import stopped being this pass's while it ran: the user cancelled it, or the sweep
    handed it to another worker."""


def stale_after() -> timedelta:
    """A running import whose worker has said nothing for this long has lost its worker
    (BREACHTRACKER_IMPORT_STALE_SECONDS): the sweep resumes it, or fails it cleanly."""
    return timedelta(seconds=settings.BREACHTRACKER_IMPORT_STALE_SECONDS)


# How many times the sweep starts a pass again whose worker died, before it fails the import
# (a file that kills its worker every time must not be tried for ever).
MAX_RESUMES = 2
RESUMED = "Resumed: its worker stopped (system)"


def _progress(subject_import: SubjectImport, **counts: int) -> None:
    """Report progress, the pass's sign of life; stop if the import is no longer this pass's:
    cancelled by the user, or handed to another worker by the sweep (which thought this one
    dead). A progress bar, not an audited change: QuerySet.update on purpose."""
    now = timezone.now()
    mine = SubjectImport.objects.filter(pk=subject_import.pk, status=subject_import.status,
                                        progress_at=subject_import.progress_at)
    if not mine.update(progress_at=now, **counts):
        raise Cancelled()
    subject_import.progress_at = now


def end_import(subject_import: SubjectImport, *, status: str, actor: Any, message: str | None = None,
               reason: str = "") -> SubjectImport:
    """End an import for good (failed or cancelled): its upload is deleted and the row saved
    with who ended it, and why when the system did. `message` None keeps the one it has."""
    subject_import.status = status
    if message is not None:
        subject_import.message = message
    subject_import.finished_at = timezone.now()
    delete_tmp(subject_import)
    subject_import.tmp_name = ""
    attribute_to(subject_import, actor, reason)
    subject_import.save()
    return subject_import


def _fail(subject_import: SubjectImport, message: str) -> SubjectImport:
    return end_import(subject_import, status=Status.FAILED, message=message,
                      actor=subject_import.confirmed_by or subject_import.created_by)


def subject_import_process(*, subject_import_id: int, commit: bool) -> SubjectImport:
    """Check (and with commit=True, import) the file of one SubjectImport. Safe to run twice."""
    subject_import = SubjectImport.objects.select_related("incident").get(pk=subject_import_id)
    # Claim the pass (one conditional UPDATE) and say so (progress_at, the worker's sign of
    # life): a duplicated task, or one delivered again after its worker died, finds it taken,
    # done or cancelled and does nothing. A pass whose worker died is handed out again by the
    # sweep (_resume_or_fail_stale): a check back to queued, an import with no progress_at.
    now = timezone.now()
    if commit:
        claimed = SubjectImport.objects.filter(
            pk=subject_import.pk, status=Status.IMPORTING, progress_at__isnull=True).update(progress_at=now)
    else:
        claimed = SubjectImport.objects.filter(
            pk=subject_import.pk, status=Status.QUEUED).update(status=Status.VALIDATING, progress_at=now)
    if not claimed:
        return subject_import
    subject_import.status = Status.IMPORTING if commit else Status.VALIDATING
    subject_import.progress_at = now
    try:
        return _run_pass(subject_import, commit=commit)
    except OperationalError:
        _release(subject_import)  # so the task's retry can take the pass again
        raise


def _release(subject_import: SubjectImport) -> None:
    """Give up this pass's claim after a transient database error, if the database answers
    (if it does not, the sweep hands the pass out again once it is stale)."""
    back: dict[str, Any] = {"progress_at": None} if subject_import.status == Status.IMPORTING else {"status": Status.QUEUED}
    try:
        SubjectImport.objects.filter(pk=subject_import.pk, status=subject_import.status,
                                     progress_at=subject_import.progress_at).update(**back)
    except DatabaseError:
        log.warning("import %s: could not release its claim; the sweep will resume it", subject_import.pk)


def _run_pass(subject_import: SubjectImport, *, commit: bool) -> SubjectImport:
    if not upload.upload_exists(subject_import):
        return _fail(subject_import, "The uploaded file is no longer here; upload it again.")
    kept = staged.staged(subject_import) if commit else None
    if kept is not None:
        # The check's own result (staged.py): its report on the file's rows stays; what it said
        # about the incident's existing people is said again below, under the incident's lock.
        dedup, counts, issues_upto = kept
        subject_import.issues.filter(pk__gt=issues_upto).delete()
        report = _Report(subject_import)
    else:
        staged.discard(subject_import)
        if subject_import.date_order_source == AnswerSource.FILE:
            subject_import.date_order = subject_import.date_order_source = ""  # the file says it again, or not
        try:
            # Read from a decrypted copy in a private folder, deleted once the pass is done.
            with upload.upload_copy(subject_import) as path:
                if path is None:
                    return _fail(subject_import, "The uploaded file is no longer here; upload it again.")
                dedup, counts, report = _check_settling_dates(subject_import, path)
        except ImportFileError as exc:
            return _fail(subject_import, str(exc))
        except Cancelled:
            subject_import.refresh_from_db()
            return subject_import
    if commit and subject_import.asks_about_dates:
        report.flush()
        return _fail(subject_import, "How this file writes its dates was not answered, so nothing was imported.")
    if commit and counts["rows_invalid"] and not subject_import.only_valid:
        report.flush()
        return _fail(subject_import, "Some rows have problems and the import of only the valid rows was not chosen.")
    subject_import.rows_read = counts["rows_read"]
    subject_import.rows_valid = counts["rows_valid"]
    subject_import.rows_invalid = counts["rows_invalid"]
    subject_import.rows_merged = dedup.merged_rows
    subject_import.rows_to_check = counts["rows_to_check"]
    try:
        if commit:
            _write(subject_import, dedup, report)
            return subject_import
        report.flush()
        dedup.by_key.clear()  # the file's rows are grouped: only each group's keys are needed now
        issues_upto = subject_import.issues.aggregate(last=models.Max("pk"))["last"] or 0
        staged.stage(subject_import, dedup, counts, issues_upto)
        result = _match_existing(subject_import.incident, dedup.groups.values(), report, lock=False)[1]
    except Cancelled:
        subject_import.refresh_from_db()
        return subject_import
    except OperationalError:
        raise  # transient: the task retries; the status stays as it is
    except DatabaseError as exc:
        log.exception("import %s rolled back", subject_import.pk)
        report.pending = []
        first_line = (str(exc).splitlines() or [""])[0][:200]
        return _fail(subject_import, f"The import was rolled back and nothing was saved "
                                     f"({type(exc).__name__}: {first_line}).")
    report.flush()
    subject_import.rows_merged += result["merged_existing"]
    subject_import.rows_merged_existing = result["merged_existing"]
    subject_import.subjects_created = result["created"]
    subject_import.subjects_updated = result["updated"]
    subject_import.subjects_unchanged = result["unchanged"]
    subject_import.status = Status.VALIDATED
    save_import(subject_import, subject_import.created_by)
    return subject_import


def _check_settling_dates(subject_import: SubjectImport, path: Path,
                          ) -> tuple[Deduplicator, dict[str, int], _Report]:
    """The check, with the file's day/month order settled by its own dates when they can: a
    file whose unambiguous dates are month first (03/25/1980) is read again month first."""
    subject_import.issues.all().delete()
    report = _Report(subject_import)
    try:
        dedup, counts, dates = _check(subject_import, path, report)
        settled = dates.settled_order()
        if not subject_import.date_order and settled:
            subject_import.date_order, subject_import.date_order_source = settled, AnswerSource.FILE
            if settled != DAY_FIRST:  # the first reading was day first
                report.pending = []
                subject_import.issues.all().delete()
                report = _Report(subject_import)
                dedup, counts, dates = _check(subject_import, path, report)
    except BaseException:
        report.pending = []
        raise
    subject_import.dates_ambiguous = dates.ambiguous
    subject_import.date_serials = dates.serials
    for message in _date_notes(subject_import, dates):
        report.add(SubjectImportIssue.Kind.NOTE, None, "Date of birth", "", message)
    return dedup, counts, report


def _date_notes(subject_import: SubjectImport, dates: DateStats) -> list[str]:
    """What the report says about the file's dates: how they were read, or what to answer."""
    def example(form: str) -> str:
        row, value = dates.examples[form]
        return f"“{value}” (row {row})"

    notes = []
    order = subject_import.date_order
    way = "day first" if order == DAY_FIRST else "month first"
    if dates.day_first and dates.month_first:
        notes.append(f"Some dates can only be day first, like {example(SAYS_DAY_FIRST)}, and others only month "
                     f"first, like {example(SAYS_MONTH_FIRST)}: check the file's dates.")
    if dates.ambiguous:
        either = (f"{dates.ambiguous:,} date{'s' if dates.ambiguous != 1 else ''} of birth could be read either "
                  f"way, like {example(AMBIGUOUS)}")
        if not order:
            notes.append(f"{either}. Say whether this file writes the day or the month first: nothing is "
                         "imported until you do.")
        elif subject_import.date_order_source == AnswerSource.USER:
            notes.append(f"{either}: read {way}, as you said the file writes them.")
        else:
            shown = example(SAYS_DAY_FIRST if order == DAY_FIRST else SAYS_MONTH_FIRST)
            notes.append(f"{either}: read {way}, because the file writes dates {way}: {shown} can only be "
                         "read that way.")
    elif order == "mdy" and subject_import.date_order_source == AnswerSource.FILE:
        notes.append(f"The file writes dates month first: {example(SAYS_MONTH_FIRST)} can only be read that way.")
    if dates.serials:
        numbers = (f"{dates.serials:,} date{'s' if dates.serials != 1 else ''} of birth {'are' if dates.serials != 1 else 'is'} "
                   f"written as spreadsheet day numbers, like {example(SERIAL)}")
        system = subject_import.date_system
        if not system:
            notes.append(f"{numbers}. A CSV file does not say which of Excel's two date systems made them "
                         "(1900 or 1904, four years apart): say which before importing.")
        elif subject_import.date_system_source == AnswerSource.FILE:
            notes.append(f"{numbers}: read in the workbook's own {system} date system.")
        else:
            notes.append(f"{numbers}: read in the {system} date system, as you said.")
    return notes


def _check(subject_import: SubjectImport, path: Path, report: _Report,
           ) -> tuple[Deduplicator, dict[str, int], DateStats]:
    categories = list(DataCategory.objects.all())  # once per file: no per-row query
    table = open_table(path, kind=subject_import.file_kind, encoding=subject_import.encoding,
                       sheet=subject_import.sheet, score=header_scorer(categories),
                       seconds=settings.BREACHTRACKER_IMPORT_SECONDS, header_row=subject_import.header_row,
                       parallel=settings.BREACHTRACKER_IMPORT_PARALLEL)
    try:
        if [h for h in table.headers] != list(subject_import.headers):
            raise ImportFileError("The file's header row is not the one that was uploaded.")
        validator = RowValidator(subject_import.mapping, table.headers, categories, today=timezone.localdate(),
                                 width=len(table.headers), delimiter=table.delimiter,
                                 file_roles=subject_import.file_roles, file_categories=subject_import.file_categories,
                                 date_order=subject_import.date_order, date_system=subject_import.date_system)
        for header, target in zip(table.headers, subject_import.mapping, strict=False):
            if not target:
                report.add(SubjectImportIssue.Kind.NOTE, None, header, "",
                           "This column was not imported: its header matches none of our fields.")
        dedup = Deduplicator()
        read = valid = invalid = to_check = 0
        for number, cells in table.rows:
            read += 1
            row, problems = validator.validate(number, cells)
            if row is None:
                invalid += 1
                for p in problems:
                    report.problem(p)
            else:
                valid += 1
                to_check += 1 if problems else 0
                dedup.add(row)
                # The person is kept; what could not be read is left empty and said here.
                for p in problems:
                    report.add(SubjectImportIssue.Kind.KEPT, p.row, p.column, p.value, p.message)
            if read % PROGRESS_EVERY == 0:
                _progress(subject_import, rows_read=read, rows_valid=valid, rows_invalid=invalid,
                          rows_merged=dedup.merged_rows)
    finally:
        table.close()
    if read == 0:
        raise ImportFileError("The file has a header row but no rows of people.")
    _progress(subject_import, rows_read=read, rows_valid=valid, rows_invalid=invalid, rows_merged=dedup.merged_rows)
    for group in dedup.groups.values():
        for merged_row, reason, conflicts in group.merged:
            message = f"Merged into row {group.record.row} ({group.record.full_name}): {reason}."
            if conflicts:
                message += " " + "; ".join(conflicts) + "."
            report.add(SubjectImportIssue.Kind.MERGED, merged_row, "", "", message)
    return dedup, {"rows_read": read, "rows_valid": valid, "rows_invalid": invalid,
                   "rows_to_check": to_check}, validator.dates


def _existing_index(incident: Incident) -> dict[str, int]:
    index: dict[str, int] = {}
    # The keys are stored as blind indexes (DataSubject.match_keys): no one is decrypted here.
    rows = incident.subjects.order_by("pk").values_list("pk", "match_keys")
    for pk, keys in rows.iterator(chunk_size=5000):
        for key in keys.split():
            index.setdefault(key, pk)
    return index


def _match_existing(incident: Incident, groups: Iterable[Group], report: _Report, *, lock: bool,
                    ) -> tuple[tuple[list[Group], dict[int, list[Group]]], dict[str, int]]:
    """Split groups into new people and people the incident already has (by subject id)."""
    index = _existing_index(incident)
    new: list[Group] = []
    matched: dict[int, list[Group]] = {}
    merged_existing = 0
    for group in groups:
        hit = next(((index[k], k) for k in group.keys if k in index), None)
        if hit is None:
            new.append(group)
            continue
        pk, key = hit
        matched.setdefault(pk, []).append(group)
        merged_existing += 1
        report.add(SubjectImportIssue.Kind.MERGED, group.record.row, "", "",
                   f"Merged into person {pk} already recorded for this incident: {KEY_REASONS[key[0]]}.")
    updated = unchanged = 0
    if not lock:
        # The check counts what would change without writing anything.
        for subject in _subjects(matched, only=("id", *SUBJECT_FIELDS)):  # nothing else is decrypted
            if _merge_subject(subject, matched[subject.pk], report):
                updated += 1
            else:
                unchanged += 1
    return (new, matched), {"created": len(new), "updated": updated, "unchanged": unchanged,
                            "merged_existing": merged_existing}


def _subjects(matched: dict[int, list[Group]], only: tuple[str, ...] = ()) -> Iterator[DataSubject]:
    ids = sorted(matched)
    for start in range(0, len(ids), WRITE_BATCH):
        subjects = DataSubject.objects.filter(pk__in=ids[start:start + WRITE_BATCH]).order_by("pk")
        yield from subjects.only(*only) if only else subjects


def _merge_subject(subject: DataSubject, groups: list[Group], report: _Report) -> list[str]:
    """Merge the file's rows into an existing person; return the fields that changed."""
    before = [getattr(subject, f) for f in SUBJECT_FIELDS]
    for group in groups:
        conflicts = merge_into(subject, group.record)
        if conflicts:
            report.add(SubjectImportIssue.Kind.NOTE, group.record.row, "", "",
                       f"Differs from person {subject.pk} already recorded: " + "; ".join(conflicts) + ".")
    return [f for f, old in zip(SUBJECT_FIELDS, before, strict=True) if getattr(subject, f) != old]


def _stored_rows(model: type[models.Model], ids: list[int]) -> dict[int, dict[str, Any]]:
    """Rows exactly as stored (encrypted values as their tokens, nothing decrypted), by id."""
    columns = [f.column for f in model._meta.concrete_fields]
    q = connection.ops.quote_name
    rows: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            cursor.execute(f"SELECT {', '.join(q(c) for c in columns)} FROM {q(model._meta.db_table)} "  # noqa: S608
                           f"WHERE {q('id')} IN ({', '.join(['%s'] * len(part))})", part)
            for values in cursor.fetchall():
                row = dict(zip(columns, values, strict=True))
                rows[row["id"]] = row
    return rows


# People written per COPY (their rows, then their history rows).
WRITE_CHUNK = 5000


def _write(subject_import: SubjectImport, dedup: Deduplicator, report: _Report) -> dict[str, int]:
    actor = subject_import.confirmed_by or subject_import.created_by
    actor_id = actor.pk if actor is not None else None
    reason = f"Imported from {subject_import.file_name} (import {subject_import.pk})"[:100]
    with transaction.atomic():
        # Lock the incident (one import at a time per incident: matching against existing
        # people must see every earlier import) and the import row (a duplicated task waits,
        # then finds it DONE). On SQLite the UPDATE takes the database write lock instead.
        incident = Incident.objects.select_for_update().get(pk=subject_import.incident_id)
        locked = SubjectImport.objects.select_for_update().get(pk=subject_import.pk)
        if locked.status != Status.IMPORTING:
            return {"created": 0, "updated": 0, "unchanged": 0, "merged_existing": 0}
        _progress(subject_import, rows_read=subject_import.rows_read)
        (new, matched), result = _match_existing(incident, dedup.groups.values(), report, lock=True)
        now = timezone.now()
        # The incident's tally, right for today before the people change (tally.py): then
        # the import adds what its people change, without counting everyone again.
        tally.current(incident)
        today, categories = timezone.localdate(), list(DataCategory.objects.all())
        known = tally.known_day(incident)
        counted = tally.shares((g.record for g in new), today, categories, known)
        mask = 0
        ids = _allocate_ids(DataSubject, len(new))
        subject_columns = [f.column for f in DataSubject._meta.concrete_fields]
        history_model = DataSubject.history.model  # type: ignore[attr-defined]
        history_columns = [f.column for f in history_model._meta.concrete_fields if f.column != "history_id"]
        extra = {"history_date": now, "history_change_reason": reason, "history_user_id": actor_id}
        fixed = {"incident_id": incident.pk, "notes": "", "representative_relationship": "",
                 "representative_name": "", "representative_address": "", "created_at": now, "updated_at": now}

        def columns_and_rows(columns: list[str], history_type: str | None, chunk_ids: list[int],
                             chunk: list[Any]) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
            # Rows built one at a time from the groups (100,000 people never exist twice in
            # memory), with the fields read by one attrgetter and the constants appended.
            constants = {**fixed, **extra, "history_type": history_type} if history_type else fixed
            # Personal data is encrypted here (COPY bypasses the fields), and the name's blind
            # index computed, as DataSubject.save() would.
            from_record = [c for c in columns if c not in ("id", "name_index", "match_keys") and c not in constants]
            from_constants = [c for c in columns if c in constants]
            get = attrgetter(*from_record)
            prep = [encrypted.get(c) for c in from_record]
            tail = tuple(prep_constant(c, constants[c]) for c in from_constants)

            # The history row stores the very tokens of the person's row: encrypting once
            # halves the cost (a Fernet encryption is ~9 µs, eight fields, 100,000 people).
            if sealed_columns and sealed_columns != from_record:
                raise RuntimeError("history columns differ from the subject's")
            sealed_columns[:] = from_record

            def row(pk: int, group: Group) -> tuple[Any, ...]:
                tokens = sealed.pop(pk, None)
                if tokens is None:
                    record = group.record
                    # A group of one row has that row's keys already; a merged row may have
                    # filled the first one's blanks, so its keys are worked out again.
                    keys = group.keys[0] if group.keys else " ".join(
                        match_keys(record.full_name, record.date_of_birth, record.postcode, record.email))
                    tokens = sealed[pk] = (*(p(v) if p else v for p, v in zip(prep, get(record), strict=True)),
                                           blind_index(record.full_name), keys)
                return (pk, *tokens, *tail)

            rows = (row(pk, group) for pk, group in zip(chunk_ids, chunk, strict=True))
            return ["id", *from_record, "name_index", "match_keys", *from_constants], rows

        encrypted = _encrypted_columns(DataSubject)
        sealed: dict[int, tuple[Any, ...]] = {}
        sealed_columns: list[str] = []

        def prep_constant(column: str, value: Any) -> Any:
            return encrypted[column](value) if column in encrypted else value

        # The match is made: the key index is no longer needed, free it before writing.
        dedup.by_key.clear()
        dedup.groups.clear()
        for g in new:
            mask |= g.record.categories_mask
            g.keys = [" ".join(g.keys)] if not g.merged and g.keys else []  # one string, or worked out again
        # In chunks, each person's row then their history row: the encrypted tokens shared by
        # the two are held for one chunk at a time, not for every person in the file.
        for start in range(0, len(new), WRITE_CHUNK):
            chunk_ids, chunk = ids[start:start + WRITE_CHUNK], new[start:start + WRITE_CHUNK]
            _insert(DataSubject, *columns_and_rows(subject_columns, None, chunk_ids, chunk))
            _insert(history_model, *columns_and_rows(history_columns, "+", chunk_ids, chunk))
        updated = unchanged = 0
        changed: list[tuple[DataSubject, list[str]]] = []
        # Only the fields a merge reads are decrypted; the rest of each row is copied into
        # its history row as stored.
        roles_changed: list[tuple[int, int, int]] = []
        for subject in _subjects(matched, only=("id", *SUBJECT_FIELDS, *TALLY_FIELDS)):
            before = tally.share(subject, today, categories, known)
            roles_before = subject.roles
            fields_changed = _merge_subject(subject, matched[subject.pk], report)
            if subject.roles != roles_before:
                roles_changed.append((subject.pk, roles_before, subject.roles))
            if fields_changed:
                changed.append((subject, fields_changed))
                mask |= subject.categories_mask
                counted.update(tally.difference(before, tally.share(subject, today, categories, known)))
            else:
                unchanged += 1
        if changed:
            # A changed value is encrypted once, for the row's UPDATE and its history row
            # alike; an unchanged one keeps the token it has (bulk_update's CASE expressions
            # and encrypting every field again cost 5× as much).
            by_name = {f.attname: f for f in DataSubject._meta.concrete_fields}
            written = [*SUBJECT_FIELDS, "name_index", "match_keys", "updated_at"]
            stored = _stored_rows(DataSubject, [subject.pk for subject, _ in changed])
            prepared = []
            for subject, fields_changed in changed:
                subject.refresh_indexes()
                subject.updated_at = now
                values = stored[subject.pk]
                for name in (*fields_changed, "name_index", "match_keys", "updated_at"):
                    field = by_name[name]
                    values[field.column] = field.get_db_prep_save(getattr(subject, name), connection)
                prepared.append(values)
            _update(DataSubject, written, ([values[c] for c in written] + [values["id"]] for values in prepared))
            _insert(history_model, history_columns,
                    ([{**values, **extra, "history_type": "~"}[c] for c in history_columns] for values in prepared))
            updated = len(changed)
        _add_exposed_categories(incident, mask, actor)
        tally.change(incident, counted)
        if roles_changed:  # their notifications' progress counters (people/signals.py)
            signals.roles_changed.send(sender=DataSubject, incident=incident, changes=roles_changed)
        result.update(created=len(ids), updated=updated, unchanged=unchanged)
        # Saved inside the transaction: DONE and the people appear together, or neither.
        _finish(subject_import, report, result)
    return result


def _finish(subject_import: SubjectImport, report: _Report, result: dict[str, int]) -> None:
    report.flush()
    subject_import.status = Status.DONE
    subject_import.finished_at = timezone.now()
    subject_import.subjects_created = result["created"]
    subject_import.subjects_updated = result["updated"]
    subject_import.subjects_unchanged = result["unchanged"]
    subject_import.rows_merged += result["merged_existing"]
    subject_import.rows_merged_existing = result["merged_existing"]
    subject_import.message = ""
    names = [upload.upload_name(subject_import), staged.stage_name(subject_import)]
    subject_import.tmp_name = ""
    save_import(subject_import, subject_import.confirmed_by or subject_import.created_by)
    transaction.on_commit(lambda: upload.delete(names))


def _add_exposed_categories(incident: Incident, mask: int, actor: Any) -> None:
    """Categories people's rows say were exposed become exposed categories of the incident."""
    if not mask:
        return
    present = set(incident.exposed_categories.values_list("category__bit", flat=True))
    for category in DataCategory.objects.all():
        if mask & category.mask and category.bit not in present:
            row = IncidentCategory(incident=incident, category=category)
            attribute_to(row, actor)
            row.save()


def _encrypted_columns(model: type[models.Model]) -> dict[str, Any]:
    """Column → function turning a value into what the encrypted field stores."""
    return {f.column: partial(f.get_db_prep_value, connection=connection)
            for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)}


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows, reserved before the rows are written."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: this transaction already holds the write lock (it updated the import row), so
        # nobody else can take these ids; AUTOINCREMENT's own counter is respected too.
        cursor.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608 - our own table name
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
        return list(range(start, start + count))


def _insert(model: type[models.Model], columns: list[str], rows: Iterable[Any]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        _executemany(cursor, f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608
                     rows)


def _update(model: type[models.Model], columns: list[str], rows: Iterable[list[Any]]) -> None:
    """UPDATE rows by primary key, many per round trip: each row is its `columns`' values, then its id."""
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = %s" for c in columns)
    sql = f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {q('id')} = %s"  # noqa: S608 - our own names
    with connection.cursor() as cursor:
        _executemany(cursor, sql, rows)


def _executemany(cursor: Any, sql: str, rows: Iterable[Any]) -> None:
    """`sql` for every row, WRITE_BATCH rows per round trip, never all rows in memory at once."""
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= WRITE_BATCH:
            cursor.executemany(sql, batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)


def _last_sign_of_life(subject_import: SubjectImport) -> datetime:
    """When a running import last showed it was alive: its worker's last progress report, or,
    while it waits for a worker (queued, or confirmed and not yet taken), when it was queued:
    its latest history row (the upload, an answer, the confirmation, a resumption)."""
    taken = subject_import.status == Status.VALIDATING or (
        subject_import.status == Status.IMPORTING and subject_import.progress_at is not None)
    if taken and subject_import.progress_at is not None:
        return subject_import.progress_at
    latest = subject_import.history.order_by("-history_date").values_list("history_date", flat=True).first()
    return latest or subject_import.created_at


def _resume_or_fail_stale(resume: Callable[[int, bool], None] | None, now: datetime | None = None) -> int:
    """The running imports silent for longer than stale_after(): their worker died (or their
    message was lost). Each is handed out again through `resume(pk, commit)` (a check back to
    queued; an import, whose transaction the dead worker never committed, to be taken again),
    at most MAX_RESUMES times; after that, or without `resume`, it is failed cleanly, its
    upload deleted and the user told to upload again. An import whose row is locked is writing
    right now, so it is left alone. Returns the number of files deleted."""
    cutoff = (now or timezone.now()) - stale_after()
    candidates = SubjectImport.objects.filter(status__in=SubjectImport.RUNNING).filter(
        models.Q(progress_at__lt=cutoff) | models.Q(progress_at__isnull=True, created_at__lt=cutoff))
    deleted = 0
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            locked = SubjectImport.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if locked is None or not locked.is_running or _last_sign_of_life(locked) >= cutoff:
                continue
            resumed = locked.history.filter(history_change_reason=RESUMED).count()
            if resume is not None and resumed < MAX_RESUMES and locked.tmp_name:
                commit = locked.status == Status.IMPORTING
                if commit:
                    locked.progress_at = None  # to be taken again
                else:
                    locked.status = Status.QUEUED
                attribute_to_system(locked, RESUMED)
                locked.save()
                incident_event_record(
                    incident=locked.incident, actor=None, kind="import_resumed",
                    detail=f"Import {locked.pk} of {locked.file_name}: the worker {'importing' if commit else 'checking'} "
                           f"it stopped, so it was given to another worker ({resumed + 1} of at most {MAX_RESUMES} times).")
                resume(locked.pk, commit)
                continue
            deleted += 1 if locked.tmp_name else 0
            end_import(locked, status=Status.FAILED, actor=None, reason="Import stopped: its worker died (system)",
                       message="The worker handling this import stopped (for example it was restarted) and "
                               "nothing was saved. The uploaded file was deleted: upload it again.")
    return deleted


def subject_import_sweep(*, older_than_hours: int = 24, resume: Callable[[int, bool], None] | None = None) -> int:
    """Resume (or fail) the running imports whose worker died, and delete uploads left waiting
    (never confirmed, or orphaned by a crash) after `older_than_hours`. `resume(pk, commit)`
    sends a pass to a worker again (the task layer's to give).

    Returns the number of files deleted. An expired import is marked cancelled, with a reason.
    """
    deleted = _resume_or_fail_stale(resume)
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    stale = SubjectImport.objects.filter(created_at__lt=cutoff).exclude(tmp_name="").exclude(
        status__in=SubjectImport.RUNNING)
    for subject_import in stale:
        with transaction.atomic():
            locked = SubjectImport.objects.select_for_update().get(pk=subject_import.pk)
            if not locked.tmp_name or locked.is_running:
                continue
            deleted += 1
            if locked.is_finished:
                delete_tmp(locked)
                locked.tmp_name = ""
                attribute_to_system(locked, "Upload file deleted by the hourly sweep")
                locked.save()
            else:
                end_import(locked, status=Status.CANCELLED, actor=None,
                           reason="Cancelled by the hourly sweep: never confirmed (system)",
                           message=f"Not imported within {older_than_hours} hours: the uploaded file was deleted.")
    known = set(SubjectImport.objects.exclude(tmp_name="").values_list("tmp_name", flat=True))
    for name in upload.stored_names():
        stored = f"{upload.UPLOAD_DIR}/{name}"
        try:
            if name.split(staged.SUFFIX)[0] not in known and default_storage.get_modified_time(stored) < cutoff:
                default_storage.delete(stored)
                deleted += 1
        except FileNotFoundError:  # deleted meanwhile
            continue
    return deleted
