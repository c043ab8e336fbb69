"""The worker's side of letters: a batch's rows claimed, generated (or withheld, with the
reason) and finished, and the batch closed once nothing is left.

Workers claim a row with a conditional update (pending → generating, with a fresh claim
token) and only the holder of the token may finish it, so retried tasks, duplicated messages,
a second click or a second worker can never make a second notification or a second PDF for the
same person. Every outcome is a history row naming the system, with the reason. What happens
next (an email sent) is the task layer's to start: `on_email` is called for each row
generated for email.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from breachtracker import files
from breachtracker.pdf import render_pdf
from breachtracker.records import attribute_to_system
from incidents.register.services import incident_event_record
from incidents.vocab import Channel

from . import progress
from .cache import LetterCache
from .letters import letter_context, render_letter_html
from .models import Batch, LetterTemplate, Notification, audience_for, letter_reference
from .withholding import EMAIL_FALLBACK, safe_alternative, withhold_reason

Status = Notification.Status


def claim_stale_after() -> timedelta:
    """A generating row untouched this long belongs to a dead worker and may be taken over."""
    return timedelta(seconds=int(getattr(settings, "NOTIFICATIONS_CLAIM_STALE_SECONDS", 600)))


def batch_work(batch: Batch) -> list[int]:
    """Ids of the batch's rows still to generate: pending, or held by a worker gone quiet."""
    stale = timezone.now() - claim_stale_after()
    return list(batch.notifications.filter(
        Q(status=Status.PENDING) | Q(status=Status.GENERATING, claimed_at__lt=stale)
    ).order_by("pk").values_list("pk", flat=True))


def claims_held(notification_ids: list[int]) -> float | None:
    """Seconds until the last of these rows still held by another worker's live claim may be
    taken over (see claim_stale_after), or None when no row is held.

    A chunk re-sent at once after its worker died (a killed pool child: Celery rejects the
    message and it is delivered again) finds that worker's claims still fresh and skips those
    rows: the task layer uses this to come back once they can be taken over.
    """
    now = timezone.now()
    youngest = Notification.objects.filter(
        pk__in=notification_ids, status=Status.GENERATING, claimed_at__gte=now - claim_stale_after(),
    ).aggregate(youngest=Max("claimed_at"))["youngest"]
    if youngest is None:
        return None
    return max(0.0, (youngest + claim_stale_after() - now).total_seconds())


def batches_stalled() -> list[int]:
    """Batches left behind: a row held by a claim gone stale (its worker died), or rows still
    pending while nothing in the batch has moved for the stale period (their chunk was lost,
    or went to a worker that died). A batch whose workers are making progress is left alone,
    so its queued chunks are not sent twice."""
    cutoff = timezone.now() - claim_stale_after()
    held = Q(notifications__status=Status.GENERATING, notifications__claimed_at__lt=cutoff)
    idle = (Batch.objects.filter(created_at__lt=cutoff, notifications__status=Status.PENDING)
            .exclude(notifications__updated_at__gte=cutoff).exclude(notifications__claimed_at__gte=cutoff))
    ids = set(Batch.objects.filter(held).values_list("pk", flat=True)) | set(idle.values_list("pk", flat=True))
    return sorted(ids)


def _claim(notification_id: int, *, from_status: str, to_status: str, allow_stale: bool = True,
           **match: Any) -> Any:
    """Take a row for this worker: returns the claim token, or None if someone else has it.

    With `allow_stale`, a row left in `to_status` by a worker silent for longer than
    claim_stale_after() is taken over (the worker died; its token no longer counts).
    """
    token = Notification.new_token()
    now = timezone.now()
    available = Q(status=from_status)
    if allow_stale:
        available |= Q(status=to_status, claimed_at__lt=now - claim_stale_after())
    with transaction.atomic():
        before = progress.lock(Notification.objects.filter(available, pk=notification_id, **match))
        claimed = Notification.objects.filter(available, pk=notification_id, **match).update(
            status=to_status, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
        if claimed == 1:
            progress.moved((old, progress.after(old, status=to_status)) for old in before.values())
    return token if claimed == 1 else None


def _finish(notification_id: int, token: Any, reason: str, *, row: Notification | None = None,
            **fields: Any) -> bool:
    """Apply the result if this worker still holds the claim; a history row records it.

    One conditional UPDATE (pk and claim token) and one history INSERT in one transaction:
    a worker whose claim was taken over changes nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        before = progress.lock(Notification.objects.filter(pk=notification_id, claim_token=token))
        updated = Notification.objects.filter(pk=notification_id, claim_token=token).update(
            claim_token=None, claimed_at=None, version=F("version") + 1, updated_at=now, **fields)
        if updated != 1:
            return False
        progress.moved((old, progress.after(old, **{k: v for k, v in fields.items()
                                                    if k in ("status", "withheld_code", "channel")}))
                       for old in before.values())
        if row is None:
            row = Notification.objects.get(pk=notification_id)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.claim_token, row.claimed_at, row.version, row.updated_at = None, None, row.version + 1, now
        Notification.history.bulk_history_create([row], update=True, default_change_reason=reason)
        return True


def _pdf_name(notification: Notification, letter: LetterTemplate) -> str:
    # One fixed name per person and template version: a re-run overwrites, never adds a file.
    return f"letters/{notification.incident.reference}/{notification.pk}-{letter.key}-v{letter.version}.pdf"


def _write_atomically(name: str, data: bytes) -> None:
    # Encrypted by the storage, and replaced in one step: a reader never sees half a letter.
    files.write(name, data)


def _claim_many(ids: list[int]) -> tuple[Any, list[Notification]]:
    """Claim every available row of a chunk in one UPDATE; returns the token and the rows."""
    token = Notification.new_token()
    now = timezone.now()
    available = Q(status=Status.PENDING) | Q(status=Status.GENERATING, claimed_at__lt=now - claim_stale_after())
    with transaction.atomic():
        before = progress.lock(Notification.objects.filter(available, pk__in=ids))
        Notification.objects.filter(available, pk__in=list(before)).update(
            status=Status.GENERATING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
        rows = list(Notification.objects.filter(claim_token=token).select_related("subject", "incident")
                    .order_by("pk"))
        progress.moved((before[row.pk], progress.after(before[row.pk], status=Status.GENERATING)) for row in rows)
    return token, rows


def notifications_generate(*, notification_ids: list[int], cache: LetterCache | None = None,
                           on_error: Callable[[int, Exception], None] | None = None,
                           on_email: Callable[[int], None] | None = None) -> dict[str, int]:
    """Generate a chunk of letters. Rows someone else holds are skipped. Returns outcome counts.

    `on_error(pk, exc)` is called for a letter whose render raised (the others go on);
    without it the exception propagates. `on_email(pk)` is called for each letter generated
    to go by email (the task layer sends it once the row is committed).
    """
    token, rows = _claim_many(notification_ids)
    outcomes = {"skipped": len(notification_ids) - len(rows)} if len(rows) < len(notification_ids) else {}
    cache = cache or (LetterCache() if rows else None)
    for row in rows:
        try:
            outcome = _generate_claimed(row, token, cache, on_email)  # type: ignore[arg-type]
        except Exception as exc:
            if on_error is None:
                raise
            on_error(row.pk, exc)
            outcome = "error"
        key = outcome.split(":")[0]
        outcomes[key] = outcomes.get(key, 0) + 1
    for batch_id in sorted({row.batch_id for row in rows if row.batch_id}):
        batch_finish_if_done(batch_id=batch_id)
    return outcomes


def notification_generate(*, notification_id: int, cache: LetterCache | None = None,
                          on_email: Callable[[int], None] | None = None) -> str:
    """Generate one person's letter (or record why not). Returns the outcome, for logs."""
    token, rows = _claim_many([notification_id])
    if not rows:
        return "skipped: not pending or claimed by another worker"
    outcome = _generate_claimed(rows[0], token, cache or LetterCache(), on_email)
    if rows[0].batch_id:
        batch_finish_if_done(batch_id=rows[0].batch_id)
    return outcome


def batch_finish_if_done(*, batch_id: int) -> bool:
    """Once a batch has no row left to generate, record (once) when it finished, with counts,
    as an event on the incident. Returns True for the call that recorded it."""
    waiting = (Status.PENDING, Status.GENERATING)
    with transaction.atomic():
        if Notification.objects.filter(batch_id=batch_id, status__in=waiting).exists():
            return False
        if Batch.objects.filter(pk=batch_id, finished_at__isnull=True).update(finished_at=timezone.now()) != 1:
            return False
        batch = Batch.objects.select_related("incident").get(pk=batch_id)
        counts = dict(Notification.objects.filter(batch_id=batch_id).values_list("status").annotate(n=Count("id")))
        made = sum(counts.get(s, 0) for s in (Status.GENERATED, Status.SENDING, Status.SENT, Status.DELIVERED,
                                               Status.RETURNED))
        incident_event_record(
            incident=batch.incident, actor=None, kind="batch_finished",
            detail=f"Batch {batch.pk}: {made} letters or emails made, {counts.get(Status.WITHHELD, 0)} withheld, "
                   f"{counts.get(Status.FAILED, 0)} failed, of {sum(counts.values())}.")
        return True


def _generate_claimed(notification: Notification, token: Any, cache: LetterCache,
                      on_email: Callable[[int], None] | None = None) -> str:
    notification_id = notification.pk
    subject = notification.subject
    withheld = withhold_reason(subject, notification.channel)
    fallback = ""
    if (withheld and notification.channel == Channel.LETTER and withheld[0] in EMAIL_FALLBACK
            and withhold_reason(subject, Channel.EMAIL) is None):
        # No safe postal address, but an email address: the letter goes by email instead.
        fallback = f" No safe postal address ({withheld[1].rstrip('.')}): sent by email instead."
        notification.channel = Channel.EMAIL
        withheld = None
    if withheld:
        code, reason = withheld
        channel = notification.channel
        unusable = channel in (Channel.LETTER, Channel.EMAIL) or (channel == Channel.PHONE and not subject.phone.strip())
        if code in Notification.NEEDS_ANOTHER_CHANNEL and unusable:
            channel = safe_alternative(subject)
        _finish(notification_id, token, f"Withheld: {reason}", row=notification, status=Status.WITHHELD,
                withheld_code=code, withheld_reason=reason, channel=channel)
        return f"withheld: {code}"
    audience = audience_for(subject)
    letter, compiled = cache.letter(notification, audience)
    if letter is None:
        _finish(notification_id, token, "No letter template", row=notification, status=Status.PENDING,
                last_error="No letter template for this audience and language: the DPO must write one.")
        return "failed: no template"
    context = letter_context(subject=subject, incident=notification.incident,
                             plan=cache.plan_for(notification),
                             organisation=cache.organisation, categories=cache.categories,
                             incident_categories=cache.incident_categories(notification.incident_id))
    context["letter"] = {"reference": letter_reference(notification.incident.reference, notification_id)}
    html = render_letter_html(letter=letter, context=context, compiled=compiled)
    data = render_pdf(html)
    name = _pdf_name(notification, letter)
    _write_atomically(name, data)
    finished = _finish(notification_id, token, f"Letter generated ({letter}).{fallback}", row=notification,
                       status=Status.GENERATED, template=letter, pdf=name, channel=notification.channel,
                       pdf_sha256=hashlib.sha256(data).hexdigest(), last_error="")
    if finished and notification.channel == Channel.EMAIL and on_email is not None:
        on_email(notification_id)
    return "generated" if finished else "lost the claim: another worker finished it"


def notification_fail(*, notification_id: int, error: str) -> None:
    """A generating row whose render raised: back to pending with the error (it is retried)."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id, status=Status.GENERATING).first()
        if row is None:
            return
        before = progress.of_row(row, progress.roles_of([row.pk])[row.pk])
        row.status = Status.FAILED if row.attempts >= 3 else Status.PENDING
        progress.moved([(before, progress.after(before, status=row.status))])
        row.last_error = error[:500]
        row.claim_token = None
        row.claimed_at = None
        attribute_to_system(row, "Generation failed")
        row.save()
