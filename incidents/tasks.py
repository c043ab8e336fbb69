"""Celery tasks: thin wrappers that call one service and own their retry policy."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from .reminders import reminders_sweep


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
