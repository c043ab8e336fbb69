"""Background work for incidents: thin wrappers over services, owning only their retry policy."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


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
    from .import_services import subject_import_process

    return subject_import_process(subject_import_id=subject_import_id, commit=commit).status


@shared_task(name="incidents.subject_import_sweep")
def subject_import_sweep() -> int:
    """Hourly: delete uploads nobody confirmed within a day (the file is never kept for long)."""
    from .import_services import subject_import_sweep as sweep

    return sweep()
