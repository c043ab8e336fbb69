"""Celery tasks: thin wrappers that take ids, call one service and own their retry policy."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError, transaction

from . import delivery, generation
from .models import Batch, PrintPack

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


# A chunk that finds rows still held by another worker's claim comes back for them once the
# claim can be taken over, at most this many times; after that the sweep owns them.
HELD_RETRIES = 3


def held_countdown(seconds_to_stale: float) -> int:
    """Seconds before a chunk comes back for rows another worker holds: just after the
    youngest of those claims goes stale (claims_held), so the retry can take them over."""
    return int(seconds_to_stale) + 2


@shared_task(bind=True, acks_late=True, max_retries=8)
def generate_chunk(self: Any, notification_ids: list[int]) -> dict[str, int]:
    """One bad letter must not stop the others: its error is recorded and the chunk goes on.
    A database outage ends the chunk, which runs again once its claims have gone stale; the
    soft time limit ends it too (its rows are re-picked by the next fan-out).

    Rows held by another worker's claim are skipped; when any were, the chunk runs again once
    those claims have gone stale: a chunk re-sent at once after its worker was killed would
    otherwise skip its own rows and leave the batch stalled (issue 17)."""
    try:
        outcomes = _generate_chunk(notification_ids)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=outage_countdown(self.request.retries)) from exc
    if outcomes.get("skipped"):
        wait = generation.claims_held(notification_ids)
        if wait is not None:
            if self.request.retries >= HELD_RETRIES:
                log.warning("chunk %s..%s: rows still held by another worker after %s retries; the sweep "
                            "takes them over", notification_ids[0], notification_ids[-1], self.request.retries)
                return outcomes
            raise self.retry(countdown=held_countdown(wait), max_retries=HELD_RETRIES)
    return outcomes


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


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


@shared_task(acks_late=True)
def build_print_pack(pack_id: int) -> int:
    """Start a new attempt at a pack and fan its parts out; the last part to finish joins
    them (a part of an earlier attempt, re-sent after a crash, is ignored). Returns how many
    parts."""
    try:
        plan = delivery.print_pack_start(pack_id=pack_id)
    except Exception as exc:
        delivery.print_pack_fail(pack_id=pack_id, error=_error(exc))
        raise
    if plan is None:
        return 0
    attempt, parts = plan
    for index, ids in enumerate(parts):
        build_print_pack_part.delay(pack_id, attempt, index, ids)
    return len(parts)


@shared_task(acks_late=True)
def build_print_pack_part(pack_id: int, attempt: int, index: int, notification_ids: list[int]) -> bool:
    """One part of a pack (NOTIFICATIONS_PACK_PART_SIZE letters). A failed part fails the
    pack, saying which part and why; the pack's other parts then change nothing."""
    try:
        last = delivery.print_pack_part_build(pack_id=pack_id, attempt=attempt, index=index,
                                              notification_ids=notification_ids)
    except Exception as exc:
        parts = PrintPack.objects.filter(pk=pack_id).values_list("parts", flat=True).first() or "?"
        delivery.print_pack_fail(pack_id=pack_id, attempt=attempt,
                                 error=f"Part {index + 1} of {parts} failed: {_error(exc)}")
        raise
    if last:
        join_print_pack.delay(pack_id, attempt)
    return last


@shared_task(acks_late=True)
def join_print_pack(pack_id: int, attempt: int) -> int:
    """Join an attempt's parts into the pack's one PDF and manifest. Returns its pages."""
    try:
        pack = delivery.print_pack_join(pack_id=pack_id, attempt=attempt)
    except Exception as exc:
        delivery.print_pack_fail(pack_id=pack_id, attempt=attempt, error=f"Joining the parts failed: {_error(exc)}")
        raise
    return pack.pages if pack is not None else 0


@shared_task
def resume_batches() -> int:
    """Every NOTIFICATIONS_SWEEP_SECONDS (beat): fan out again the batches a dead worker or a
    lost message left behind (generation.batches_stalled). Returns how many."""
    stalled = generation.batches_stalled()
    for pk in stalled:
        generate_batch.delay(pk)
    return len(stalled)


@shared_task
def sweep() -> dict[str, int]:
    """Hourly: resume stalled batches (as resume_batches does more often), and send the daily
    digests."""
    return {"resumed": resume_batches(), "digests": delivery.digests_send()}
