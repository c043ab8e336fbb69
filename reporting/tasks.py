"""Celery tasks of the reporting layer: thin, taking ids, each calling one function. Their
names keep the `incidents.` prefix they were first scheduled under (beat schedules and queued
messages name them)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .pdf import report_pdf_failed
from .pdf import report_pdf_generate as generate
from .retention import retention_purge as purge


@shared_task(
    bind=True,
    name="incidents.report_pdf_generate",
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
    acks_late=True,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def report_pdf_generate(self, report_pdf_id: int) -> str:  # type: ignore[no-untyped-def]
    """Make the PDF of one incident's regulator report (large incidents). Safe to run twice."""
    try:
        pdf = generate(report_pdf_id=report_pdf_id)
    except OperationalError:
        raise
    except Exception as error:  # a rendering bug is permanent: record it, do not retry
        report_pdf_failed(report_pdf_id=report_pdf_id, error=f"{type(error).__name__}: {error}")
        raise
    return pdf.status if pdf else "missing"


@shared_task(name="incidents.retention_purge", autoretry_for=(OperationalError,), retry_backoff=60, max_retries=5)
def retention_purge() -> dict[str, int]:
    """Daily (beat): purge people's personal data from incidents closed past the retention period."""
    return purge()
