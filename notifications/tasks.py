"""Celery tasks: thin wrappers that take ids, call one service and own their retry policy."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from . import delivery, generation
from .models import Batch, Notification

log = logging.getLogger(__name__)


def chunk_size() -> int:
    return int(getattr(settings, "NOTIFICATIONS_CHUNK_SIZE", 25))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def generate_batch(batch_id: int) -> int:
    """Fan a batch out into chunk tasks. Safe to run again: chunks skip rows already taken."""
    batch = Batch.objects.get(pk=batch_id)
    ids = generation.batch_work(batch)
    size = chunk_size()
    for start in range(0, len(ids), size):
        generate_chunk.delay(ids[start:start + size])
    return len(ids)


def outage_countdown(retries: int) -> int:
    """Seconds before a chunk cut short by a database outage runs again: long enough for the
    claims it held to go stale (so the retry takes its own rows back), growing with retries."""
    return int(generation.claim_stale_after().total_seconds()) + 1 + 2 ** retries


@shared_task(bind=True, acks_late=True, max_retries=8)
def generate_chunk(self: Any, notification_ids: list[int]) -> dict[str, int]:
    """One bad letter must not stop the others: its error is recorded and the chunk goes on.
    A database outage ends the chunk, which runs again once its claims have gone stale; the
    soft time limit ends it too (its rows are re-picked by the next fan-out)."""
    try:
        return _generate_chunk(notification_ids)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=outage_countdown(self.request.retries)) from exc


def _generate_chunk(notification_ids: list[int]) -> dict[str, int]:

    def record(pk: int, exc: Exception) -> None:
        if isinstance(exc, (SoftTimeLimitExceeded, OperationalError)):
            raise exc
        log.error("letter %s failed: %s", pk, exc, exc_info=exc)
        generation.notification_fail(notification_id=pk, error=f"{type(exc).__name__}: {exc}")

    def send_after_commit(pk: int) -> None:
        transaction.on_commit(lambda: send_email.delay(pk))

    return generation.notifications_generate(notification_ids=notification_ids, on_error=record,
                                             on_email=send_after_commit)


def email_backoff(retries: int) -> int:
    base = int(getattr(settings, "NOTIFICATIONS_EMAIL_RETRY_SECONDS", 60))
    return base * (2 ** retries)


@shared_task(bind=True, acks_late=True, max_retries=6)
def send_email(self: Any, notification_id: int) -> str:
    try:
        return delivery.notification_send_email(notification_id=notification_id)
    except delivery.TransientEmailError as exc:
        if self.request.retries >= self.max_retries:
            delivery.notification_email_give_up(notification_id=notification_id, error=str(exc))
            return "failed after retries"
        raise self.retry(exc=exc, countdown=email_backoff(self.request.retries)) from exc


@shared_task(acks_late=True)
def build_print_pack(pack_id: int) -> int:
    try:
        return delivery.print_pack_build(pack_id=pack_id).pages
    except Exception as exc:
        delivery.print_pack_fail(pack_id=pack_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task
def sweep() -> dict[str, int]:
    """Hourly: restart batches a dead worker left behind, and send the daily digests."""
    stale = timezone.now() - generation.claim_stale_after()
    stuck = (Batch.objects.filter(
        Q(notifications__status=Notification.Status.GENERATING, notifications__claimed_at__lt=stale)
        | Q(notifications__status=Notification.Status.PENDING, created_at__lt=stale))
        .distinct().values_list("pk", flat=True))
    resumed = 0
    for pk in stuck:
        generate_batch.delay(pk)
        resumed += 1
    return {"resumed": resumed, "digests": delivery.digests_send()}
