"""Celery tasks: thin wrappers that call one service and own their retry policy."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError, transaction

from .assessment.reminders import reminders_sweep
from .disclosure.held import held_sweep
from .imports.process import subject_import_process
from .imports.process import subject_import_sweep as sweep


@shared_task(
    name="incidents.send_reminders",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=60,
    max_retries=5,
    soft_time_limit=10 * 60,
    time_limit=15 * 60,
)
def send_reminders() -> int:
    """Hourly (beat): clock reminders at 24/48/66 h, the deadline, restrictions due for review.

    Safe to run twice at once or to retry: each reminder is claimed in the database first.
    """
    return reminders_sweep()


@shared_task(
    bind=True,
    name="incidents.subject_import_run",
    autoretry_for=(OperationalError,),  # a dropped connection or a deadlock: try again
    retry_backoff=5,
    max_retries=3,
    acks_late=True,
)
def subject_import_run(self, subject_import_id: int, commit: bool) -> str:  # type: ignore[no-untyped-def]
    """Check (commit=False) or import (commit=True) one uploaded file. Safe to run twice:
    a duplicate finds the import already claimed or done and does nothing."""
    return subject_import_process(subject_import_id=subject_import_id, commit=commit).status


@shared_task(name="incidents.subject_import_sweep")
def subject_import_sweep() -> int:
    """Every BREACHTRACKER_IMPORT_SWEEP_SECONDS (beat): hand the passes of imports whose worker
    died to a worker again (or fail them cleanly), and delete uploads nobody confirmed within
    a day (the file is never kept for long)."""

    def resume(pk: int, commit: bool) -> None:
        transaction.on_commit(lambda: subject_import_run.delay(pk, commit))

    return sweep(resume=resume)


@shared_task(name="incidents.disclosure_held_sweep")
def disclosure_held_sweep() -> int:
    """Every five minutes: delete checked files kept for a release-safe copy past their hour."""
    return held_sweep()
