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
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from breachtracker import files
from breachtracker.records import attribute_to_system
from incidents.register.services import incident_event_record
from incidents.vocab import Channel

from . import progress
from .cache import LetterCache
from .letters import LetterPart, letter_context, letter_part, letters_pdf
from .models import Batch, LetterTemplate, Notification, audience_for, letter_reference
from .withholding import EMAIL_FALLBACK, safe_alternative, withhold_reason

Status = Notification.Status
log = logging.getLogger(__name__)


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
        if row is None:
            row = Notification.objects.get(pk=notification_id)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.claim_token, row.claimed_at, row.version, row.updated_at = None, None, row.version + 1, now
        # The new bucket from the row as it now is: an email sent is told, on the day it was sent.
        progress.moved((old, progress.of_row(row, old.roles)) for old in before.values())
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
    outcomes: dict[str, int] = {}
    claimed = _generate(notification_ids, cache=cache, on_error=on_error, on_email=on_email)
    if len(claimed) < len(notification_ids):
        outcomes["skipped"] = len(notification_ids) - len(claimed)
    for outcome in claimed.values():
        key = outcome.split(":")[0]
        outcomes[key] = outcomes.get(key, 0) + 1
    return outcomes


def notification_generate(*, notification_id: int, cache: LetterCache | None = None,
                          on_email: Callable[[int], None] | None = None) -> str:
    """Generate one person's letter (or record why not). Returns the outcome, for logs."""
    claimed = _generate([notification_id], cache=cache, on_error=None, on_email=on_email)
    return claimed.get(notification_id, "skipped: not pending or claimed by another worker")


LOST = "lost the claim: another worker finished it"


@dataclass
class _Outcome:
    """What generating one claimed row came to: the fields to write, the history reason."""

    row: Notification
    reason: str
    fields: dict[str, Any]
    outcome: str


@dataclass
class _Letter:
    row: Notification
    letter: LetterTemplate
    part: LetterPart
    fallback: str


def _generate(ids: list[int], *, cache: LetterCache | None, on_error: Callable[[int, Exception], None] | None,
              on_email: Callable[[int], None] | None) -> dict[int, str]:
    """Claim, decide, render (one document for the chunk's letters), store and finish the rows;
    returns each claimed row's outcome. Rows not claimed are absent."""
    token, rows = _claim_many(ids)
    if not rows:
        return {}
    cache = cache or LetterCache()
    cache.preload(rows)
    found: dict[int, str] = {}

    def failed(row: Notification, exc: Exception) -> None:
        if on_error is None:
            raise exc
        on_error(row.pk, exc)
        found[row.pk] = "error"

    done: list[_Outcome] = []
    letters: list[_Letter] = []
    for row in rows:
        try:
            decided = _decide(row, cache)
        except Exception as exc:
            failed(row, exc)
            continue
        (letters if isinstance(decided, _Letter) else done).append(decided)  # type: ignore[arg-type]
    pdfs = letters_pdf([item.part for item in letters]) if letters else []
    for item, data in zip(letters, pdfs, strict=True):
        try:
            if isinstance(data, Exception):
                raise data
            name = _pdf_name(item.row, item.letter)
            _write_atomically(name, data)
        except Exception as exc:
            failed(item.row, exc)
            continue
        done.append(_Outcome(item.row, f"Letter generated ({item.letter}).{item.fallback}", {
            "status": Status.GENERATED, "template": item.letter, "pdf": name, "channel": item.row.channel,
            "pdf_sha256": hashlib.sha256(data).hexdigest(), "last_error": ""}, "generated"))
    finished = _finish_chunk(token, done)
    for result in sorted(done, key=lambda r: r.row.pk):
        ours = result.row.pk in finished
        found[result.row.pk] = result.outcome if ours else LOST
        if ours and result.outcome == "generated" and result.row.channel == Channel.EMAIL and on_email is not None:
            on_email(result.row.pk)
    for batch_id in sorted({row.batch_id for row in rows if row.batch_id}):
        batch_finish_if_done(batch_id=batch_id)
    return found


def _decide(notification: Notification, cache: LetterCache) -> _Outcome | _Letter:
    """Whether this person is written to (and the letter's markup), or why not. No query of its
    own: everything it reads was preloaded for the chunk (LetterCache.preload)."""
    subject = notification.subject
    withheld = withhold_reason(subject, notification.channel, facts=cache.facts)
    fallback = ""
    if (withheld and notification.channel == Channel.LETTER and withheld[0] in EMAIL_FALLBACK
            and withhold_reason(subject, Channel.EMAIL, facts=cache.facts) is None):
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
        return _Outcome(notification, f"Withheld: {reason}", {
            "status": Status.WITHHELD, "withheld_code": code, "withheld_reason": reason, "channel": channel},
            f"withheld: {code}")
    audience = audience_for(subject)
    letter, compiled = cache.letter(notification, audience)
    if letter is None:
        return _Outcome(notification, "No letter template", {
            "status": Status.PENDING,
            "last_error": "No letter template for this audience and language: the DPO must write one."},
            "failed: no template")
    context = letter_context(subject=subject, incident=notification.incident,
                             plan=cache.plan_for(notification),
                             organisation=cache.organisation, categories=cache.categories,
                             incident_categories=cache.incident_categories(notification.incident_id))
    context["letter"] = {"reference": letter_reference(notification.incident.reference, notification.pk)}
    return _Letter(notification, letter, letter_part(letter=letter, context=context, compiled=compiled), fallback)


class _ClaimLost(Exception):
    """A row of the chunk was taken over by another worker before it was finished."""


def _finish_chunk(token: Any, results: list[_Outcome]) -> set[int]:
    """Write every result of a chunk, and its history row, in one transaction; returns the
    pks finished. Only rows this worker's claim token still holds are written: if another
    worker took one over, the chunk is finished row by row (`_finish`) so only that row is
    left to its new holder.
    """
    if not results:
        return set()
    # Every status change a chunk makes, in one place (status before → after, with the
    # channel): whatever must follow a row's status (progress counts) hooks in here.
    transitions = [(r.row, Status.GENERATING, r.fields["status"], r.fields.get("channel", r.row.channel))
                   for r in results]
    versions = {r.row.pk: r.row.version for r in results}
    now = timezone.now()
    try:
        with transaction.atomic():
            _write_chunk(token, results, versions, now)
    except _ClaimLost:
        for result in results:
            result.row.version = versions[result.row.pk]
        return {r.row.pk for r in results if _finish(r.row.pk, token, r.reason, **r.fields)}
    log.info("chunk finished: %s", ", ".join(f"{n} {before} → {after} ({channel})" for (before, after, channel), n
                                             in sorted(Counter((b, a, c) for _r, b, a, c in transitions).items())))
    return {r.row.pk for r in results}


# The fields each row of a chunk has of its own (a letter's file and checksum, why a person's
# letter is withheld), written by the bulk UPDATE even when a chunk of one has them alike.
PER_LETTER_FIELDS = frozenset({"pdf", "pdf_sha256", "withheld_reason"})


def _write_chunk(token: Any, results: list[_Outcome], versions: dict[int, int], now: Any) -> None:
    """Bulk UPDATE (one per kind of result: each writes only its own fields, as `_finish`
    does) guarded by the claim token, then the history rows in one INSERT."""
    by_fields: dict[tuple[str, ...], list[_Outcome]] = {}
    for result in results:
        by_fields.setdefault(tuple(sorted(result.fields)), []).append(result)
    # The progress counters move with the rows, in this transaction (two queries per chunk).
    before = progress.lock(Notification.objects.filter(claim_token=token, pk__in=[r.row.pk for r in results]))
    updated = 0
    for names, group in by_fields.items():
        # A chunk's letters differ in a few fields (their file, its checksum, maybe template
        # and channel): those go in one bulk UPDATE, and the fields every row of the group
        # shares (status, last error...) in one plain UPDATE, which also gives up the claim.
        # Two queries per kind of outcome, however many rows. (One bulk UPDATE of every field
        # built a CASE per field and row: the most costly part of finishing a chunk.)
        first = group[0].fields
        own = [n for n in names if n in PER_LETTER_FIELDS
               or any(r.fields[n] != first[n] for r in group)]
        rows = []
        for result in group:
            row = result.row
            for name, value in result.fields.items():
                setattr(row, name, value)
            row.claim_token, row.claimed_at, row.updated_at = None, None, now
            rows.append(row)
        claimed = Notification.objects.filter(claim_token=token, pk__in=[row.pk for row in rows])
        if own and claimed.bulk_update(rows, own) != len(rows):
            raise _ClaimLost
        updated += claimed.update(**{n: first[n] for n in names if n not in own}, claim_token=None,
                                  claimed_at=None, updated_at=now, version=F("version") + 1)
    if updated != len(results):
        raise _ClaimLost
    progress.moved((before[r.row.pk], progress.after(before[r.row.pk], **{
        k: v for k, v in r.fields.items() if k in ("status", "withheld_code", "channel")})) for r in results)
    for result in results:
        row = result.row
        row.version = versions[row.pk] + 1
        row._change_reason = result.reason  # type: ignore[attr-defined]
    Notification.history.bulk_history_create([r.row for r in results], update=True, default_date=now)


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
