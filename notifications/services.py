"""Writes to the outbox: templates, plans, batches, generation, ticking off.

Every state change of a notification is a history row naming who made it. Workers claim a
row with a conditional update (pending → generating, with a fresh claim token) and only the
holder of the token may finish it, so retried tasks, duplicated messages, a second click or a
second worker can never make a second notification or a second PDF for the same person.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from breachtracker.pdf import render_pdf
from breachtracker.records import field_of
from incidents.assessment.services import subject_notification_block
from incidents.models import DataSubject, Decision, Incident
from incidents.roles import DECIDE, can
from incidents.register.services import incident_event_record
from incidents.vocab import Channel

from . import approvals
from .cache import LetterCache
from .letters import compile_letter, letter_context, render_letter_html
from .models import (
    Batch,
    ContactAttempt,
    DecisionOverride,
    LetterTemplate,
    Notification,
    NotificationPlan,
    audience_for,
    letter_reference,
)

Status = Notification.Status
Withheld = Notification.Withheld


class Changed(Exception):
    """Someone else changed the notification since the form was loaded."""


class NotAllowed(ValueError):
    """The transition is not possible from the current status."""


def claim_stale_after() -> timedelta:
    """A generating row untouched this long belongs to a dead worker and may be taken over."""
    return timedelta(seconds=int(getattr(settings, "NOTIFICATIONS_CLAIM_STALE_SECONDS", 600)))


# --- who is written to, and how -------------------------------------------------------------

# Checks that withhold the whole notification (nobody contacts the person), first: a Part 3
# restriction, then the DPO's decision not to tell (with its Art. 34(3) exemption, if any).
# Each returns (code, reason) or None.
WithholdCheck = Callable[[DataSubject], "tuple[str, str] | None"]


def _restriction_check(subject: DataSubject) -> tuple[str, str] | None:
    """A DPA 2018 Part 3 restriction on telling this person (incident-wide or their own)."""
    reason = subject_notification_block(subject)
    return (Withheld.RESTRICTED, reason) if reason else None


def _decision_check(subject: DataSubject) -> tuple[str, str] | None:
    """The DPO's latest decision on telling people, when it is “do not tell”."""
    decision = (Decision.objects.filter(incident_id=subject.incident_id, kind=Decision.Kind.TELL)
                .order_by("-decided_at", "-pk").first())
    if decision is None or decision.outcome:
        return None
    when = timezone.localtime(decision.decided_at).strftime("%d %b %Y")
    if decision.exemption:
        return Withheld.EXEMPT, f"Exempt: {decision.get_exemption_display()} (DPO's decision of {when})."
    return Withheld.NOT_REQUIRED, f"The DPO decided on {when} that people need not be told."


WITHHOLD_CHECKS: list[WithholdCheck] = [_restriction_check, _decision_check]


def _channel_check(subject: DataSubject, channel: str) -> tuple[str, str] | None:
    """Why `channel` cannot be used for this person, or None when it can."""
    if channel == Channel.LETTER:
        if subject.do_not_write:
            return Withheld.DO_NOT_WRITE, "Marked “do not write to this address”: contact by a safe channel."
        if subject.has_representative and not subject.is_child_today:
            if not subject.representative_lines:
                return Withheld.NO_ADDRESS, "No postal address for the person's representative."
        elif not (subject.address_line_1.strip() and subject.postcode.strip()):
            return Withheld.NO_ADDRESS, "No usable postal address (needs a first line and a postcode)."
    elif channel == Channel.EMAIL:
        if not subject.email.strip():
            return Withheld.NO_EMAIL, "Preferred channel is email but no email address is recorded."
    return None


def withhold_reason(subject: DataSubject, channel: str | None = None) -> tuple[str, str] | None:
    """Why this person gets no generated letter or email: (code, reason), or None.

    Whole-notification checks (restrictions, exemptions) come first; then whether the chosen
    channel is usable and safe. Phone and in-person are never generated: they are withheld
    from generation with the reason, and staff record the contact.
    """
    for check in WITHHOLD_CHECKS:
        found = check(subject)
        if found:
            return found
    channel = channel or subject.preferred_channel
    problem = _channel_check(subject, channel)
    if problem:
        return problem
    if channel in (Channel.PHONE, Channel.IN_PERSON):
        if channel == Channel.PHONE and not subject.phone.strip():
            return Withheld.NO_SAFE_CHANNEL, "Preferred channel is phone but no number is recorded: visit in person."
        return Withheld.PERSONAL_CONTACT, "Preferred channel is a phone call or visit: record the contact."
    return None


# Withheld from a letter for these reasons, a person with an email address is emailed instead.
EMAIL_FALLBACK = (Withheld.NO_ADDRESS, Withheld.DO_NOT_WRITE)


def safe_alternative(subject: DataSubject) -> str:
    if subject.phone.strip():
        return Channel.PHONE
    return Channel.IN_PERSON


# --- templates and plans --------------------------------------------------------------------

@transaction.atomic
def template_save(*, audience: str, actor: Any, email_subject: str, body: str, language: str = "en") -> LetterTemplate:
    """Save a new version of an audience's letter in a language. Refuses (TemplateRefused) a bad template."""
    compile_letter(body, new_version=True)
    compile_letter(email_subject, new_version=True)
    last = (LetterTemplate.objects.select_for_update().filter(audience=audience, language=language)
            .order_by("-version").first())
    letter = LetterTemplate(audience=audience, language=language, version=(last.version + 1) if last else 1,
                            email_subject=email_subject, body=body, created_by=actor)
    letter._history_user = actor  # type: ignore[attr-defined]
    letter.save()
    return letter


@transaction.atomic
def plan_update(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> NotificationPlan:
    """Save the plan; a change of its wording is a new version (an approval no longer holds) and
    an event on the incident naming what changed."""
    plan, _ = NotificationPlan.objects.select_for_update().get_or_create(incident=incident)
    changed = [name for name, value in fields.items() if getattr(plan, name) != value]
    if not changed:
        return plan
    for name, value in fields.items():
        setattr(plan, name, value)
    if set(changed) - {"target_date"}:
        plan.version += 1
    plan._history_user = actor  # type: ignore[attr-defined]
    plan.save()
    labels = ", ".join(str(field_of(NotificationPlan, name).verbose_name) for name in changed)
    incident_event_record(incident=incident, actor=actor, kind="plan_changed",
                          detail=f"Changed: {labels} (plan version {plan.version}).")
    return plan


OVERRIDE_MIN_CHARS = 20


@transaction.atomic
def override_record(*, incident: Incident, actor: Any, reason: str) -> DecisionOverride:
    """The DPO lets letters start before a decision to tell is recorded, for a written reason."""
    if not can(actor, DECIDE):
        raise PermissionError("Only the DPO can override the decision to tell people.")
    reason = " ".join((reason or "").split())
    if len(reason) < OVERRIDE_MIN_CHARS:
        raise ValueError(f"Write the reason for the emergency override (at least {OVERRIDE_MIN_CHARS} characters).")
    override = DecisionOverride(incident=incident, reason=reason, created_by=actor)
    override._history_user = actor  # type: ignore[attr-defined]
    override.save()
    incident_event_record(incident=incident, actor=actor, kind="override", detail=reason)
    return override


# --- batches --------------------------------------------------------------------------------

@transaction.atomic
def batch_start(*, incident: Incident, actor: Any, subject_ids: Iterable[int] | None = None) -> Batch:
    """Create the missing outbox rows and put every pending one in a new batch.

    The incident row is locked, so two clicks at once run one after the other: the second
    finds nothing pending outside a batch and returns the running batch instead (enqueueing
    it again, which resumes work lost with a crashed worker or a restarted Redis).
    """
    Incident.objects.select_for_update().filter(pk=incident.pk).first()
    approval = approvals.check_ready(incident)
    subjects = incident.subjects.all()
    if subject_ids is not None:
        subjects = subjects.filter(pk__in=list(subject_ids))
    missing = subjects.filter(notification__isnull=True).values_list("pk", "preferred_channel")
    bulk_create_with_history(
        [Notification(incident=incident, subject_id=pk, channel=channel) for pk, channel in missing],
        Notification, batch_size=500, default_user=actor,
        default_change_reason="Added to the outbox",
    )
    waiting = Notification.objects.filter(incident=incident, subject__in=subjects, status=Status.PENDING)
    unbatched = waiting.filter(Q(batch__isnull=True))
    running = (Batch.objects.filter(incident=incident, notifications__status__in=[Status.PENDING, Status.GENERATING])
               .distinct().order_by("-created_at").first())
    if running and not unbatched.exists():
        # A second click: nothing new to batch, but re-fan the running batch so rows a dead
        # worker or a lost queue left behind are picked up (claims make duplicates no-ops).
        from .tasks import generate_batch

        generate_batch.delay_on_commit(running.pk)
        return running
    batch = Batch(incident=incident, created_by=actor, approval=approval)
    batch._history_user = actor  # type: ignore[attr-defined]
    batch.save()
    rows = list(unbatched)
    for row in rows:
        row.batch = batch
    bulk_update_with_history(rows, Notification, ["batch"], batch_size=500, default_user=actor,
                             default_change_reason=f"Put in batch {batch.pk}")
    batch.total = len(rows)
    batch.save(update_fields=["total"])
    incident_event_record(incident=incident, actor=actor, kind="batch_started",
                          detail=f"Batch {batch.pk}: {batch.total} {'person' if batch.total == 1 else 'people'}.")
    from .tasks import generate_batch

    generate_batch.delay_on_commit(batch.pk)
    return batch


def batch_work(batch: Batch) -> list[int]:
    """Ids of the batch's rows still to generate: pending, or held by a worker gone quiet."""
    stale = timezone.now() - claim_stale_after()
    return list(batch.notifications.filter(
        Q(status=Status.PENDING) | Q(status=Status.GENERATING, claimed_at__lt=stale)
    ).order_by("pk").values_list("pk", flat=True))


# --- generation -----------------------------------------------------------------------------

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
    claimed = Notification.objects.filter(available, pk=notification_id, **match).update(
        status=to_status, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    return token if claimed == 1 else None


def _finish(notification_id: int, token: Any, reason: str, *, row: Notification | None = None,
            **fields: Any) -> bool:
    """Apply the result if this worker still holds the claim; a history row records it.

    One conditional UPDATE (pk and claim token) and one history INSERT in one transaction:
    a worker whose claim was taken over changes nothing.
    """
    now = timezone.now()
    with transaction.atomic():
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
        Notification.history.bulk_history_create([row], update=True, default_change_reason=reason)
        return True


def _pdf_name(notification: Notification, letter: LetterTemplate) -> str:
    # One fixed name per person and template version: a re-run overwrites, never adds a file.
    return f"letters/{notification.incident.reference}/{notification.pk}-{letter.key}-v{letter.version}.pdf"


def _write_atomically(name: str, data: bytes) -> None:
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _claim_many(ids: list[int]) -> tuple[Any, list[Notification]]:
    """Claim every available row of a chunk in one UPDATE; returns the token and the rows."""
    token = Notification.new_token()
    now = timezone.now()
    available = Q(status=Status.PENDING) | Q(status=Status.GENERATING, claimed_at__lt=now - claim_stale_after())
    Notification.objects.filter(available, pk__in=ids).update(
        status=Status.GENERATING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    rows = list(Notification.objects.filter(claim_token=token).select_related("subject", "incident").order_by("pk"))
    return token, rows


def notifications_generate(*, notification_ids: list[int], cache: LetterCache | None = None,
                           on_error: Callable[[int, Exception], None] | None = None) -> dict[str, int]:
    """Generate a chunk of letters. Rows someone else holds are skipped. Returns outcome counts.

    `on_error(pk, exc)` is called for a letter whose render raised (the others go on);
    without it the exception propagates.
    """
    token, rows = _claim_many(notification_ids)
    outcomes = {"skipped": len(notification_ids) - len(rows)} if len(rows) < len(notification_ids) else {}
    cache = cache or (LetterCache() if rows else None)
    for row in rows:
        try:
            outcome = _generate_claimed(row, token, cache)  # type: ignore[arg-type]
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


def notification_generate(*, notification_id: int, cache: LetterCache | None = None) -> str:
    """Generate one person's letter (or record why not). Returns the outcome, for logs."""
    token, rows = _claim_many([notification_id])
    if not rows:
        return "skipped: not pending or claimed by another worker"
    outcome = _generate_claimed(rows[0], token, cache or LetterCache())
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


def _generate_claimed(notification: Notification, token: Any, cache: LetterCache) -> str:
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
    if finished and notification.channel == Channel.EMAIL:
        from .tasks import send_email

        transaction.on_commit(lambda: send_email.delay(notification_id))
    return "generated" if finished else "lost the claim: another worker finished it"


def notification_fail(*, notification_id: int, error: str) -> None:
    """A generating row whose render raised: back to pending with the error (it is retried)."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id, status=Status.GENERATING).first()
        if row is None:
            return
        row.status = Status.FAILED if row.attempts >= 3 else Status.PENDING
        row.last_error = error[:500]
        row.claim_token = None
        row.claimed_at = None
        row._change_reason = "Generation failed"  # type: ignore[attr-defined]
        row.save()


# --- ticking off ----------------------------------------------------------------------------

# What staff may record, from which statuses.
MARKS: dict[str, tuple[str, ...]] = {
    Status.SENT: (Status.GENERATED, Status.RETURNED, Status.FAILED),
    Status.DELIVERED: (Status.SENT, Status.GENERATED, Status.WITHHELD, Status.RETURNED, Status.FAILED,
                       Status.PENDING),
    Status.RETURNED: (Status.SENT, Status.DELIVERED),
    Status.FAILED: (Status.GENERATED, Status.SENT, Status.PENDING),
}


def _apply_mark(row: Notification, *, actor: Any, status: str, when: datetime, reason: str) -> None:
    if status not in MARKS or row.status not in MARKS[status]:
        raise NotAllowed(f"Cannot mark as {Status(status).label.lower()} a notification that is "
                         f"{row.get_status_display().lower()}.")
    if status == Status.DELIVERED and row.status == Status.WITHHELD and row.withheld_code not in Notification.NEEDS_ANOTHER_CHANNEL:
        raise NotAllowed("This person is withheld under a restriction or exemption: they must not be contacted.")
    row.previous_status = row.status
    row.status = status
    if status == Status.SENT:
        row.sent_at = when
    elif status == Status.DELIVERED:
        row.delivered_at = when
    row.version += 1
    row._history_user = actor  # type: ignore[attr-defined]
    row._change_reason = reason  # type: ignore[attr-defined]
    row.save()


def _locked(notification_id: int, expected_version: int) -> Notification:
    row = Notification.objects.select_for_update().get(pk=notification_id)
    if row.version != expected_version:
        raise Changed("Someone else changed this notification after you loaded the page: "
                      f"it is now {row.get_status_display().lower()}. Check it and try again.")
    return row


@transaction.atomic
def notification_mark(*, notification: Notification, actor: Any, status: str, expected_version: int,
                      when: datetime | None = None) -> Notification:
    row = _locked(notification.pk, expected_version)
    _apply_mark(row, actor=actor, status=status, when=when or timezone.now(), reason=f"Marked {status}")
    return row


@transaction.atomic
def notification_undo(*, notification: Notification, actor: Any, expected_version: int) -> Notification:
    """Put back the status before the last tick; the undo is its own history row."""
    row = _locked(notification.pk, expected_version)
    if not row.previous_status:
        raise NotAllowed("There is nothing to undo.")
    undone = row.status
    row.status, row.previous_status = row.previous_status, ""
    if undone == Status.SENT:
        row.sent_at = None
    if undone == Status.DELIVERED:
        row.delivered_at = None
    row.version += 1
    row._history_user = actor  # type: ignore[attr-defined]
    row._change_reason = f"Undo: was {undone}"  # type: ignore[attr-defined]
    row.save()
    return row


def notifications_bulk(*, incident: Incident, actor: Any, versions: dict[int, int], action: str) -> dict[str, list[int]]:
    """Apply one action ("sent", "delivered", "returned", "failed" or "undo") to many rows.

    Each row is its own transaction: a row someone else changed, or one where the action does
    not apply, is reported back and left alone; the others are done.
    """
    result: dict[str, list[int]] = {"done": [], "changed": [], "not_allowed": []}
    ids = set(Notification.objects.filter(incident=incident, pk__in=list(versions)).values_list("pk", flat=True))
    for pk in sorted(ids):
        try:
            with transaction.atomic():
                row = _locked(pk, versions[pk])
                if action == "undo":
                    notification_undo(notification=row, actor=actor, expected_version=versions[pk])
                else:
                    _apply_mark(row, actor=actor, status=action, when=timezone.now(), reason=f"Bulk: marked {action}")
            result["done"].append(pk)
        except Changed:
            result["changed"].append(pk)
        except NotAllowed:
            result["not_allowed"].append(pk)
    if result["done"]:
        what = "last change undone" if action == "undo" else f"marked {action}"
        detail = f"{len(result['done'])} {what}"
        if result["changed"] or result["not_allowed"]:
            detail += (f" ({len(result['changed'])} left: changed by someone else; "
                       f"{len(result['not_allowed'])} left: not possible from their status)")
        incident_event_record(incident=incident, actor=actor, kind="bulk_tick", detail=detail + ".")
    return result


@transaction.atomic
def contact_record(*, notification: Notification, actor: Any, expected_version: int, channel: str,
                   contacted_at: datetime, outcome: str, note: str = "") -> ContactAttempt:
    """Record a phone call or visit; telling the person marks the notification delivered."""
    row = _locked(notification.pk, expected_version)
    if row.status == Status.WITHHELD and row.withheld_code not in Notification.NEEDS_ANOTHER_CHANNEL:
        raise NotAllowed("This person is withheld under a restriction or exemption: they must not be contacted.")
    attempt = ContactAttempt(notification=row, channel=channel, contacted_at=contacted_at, outcome=outcome,
                             note=note, recorded_by=actor)
    attempt._history_user = actor  # type: ignore[attr-defined]
    attempt.save()
    if outcome == ContactAttempt.Outcome.TOLD:
        # The contact records how they were told; the notification keeps its chosen channel.
        row.outcome = ContactAttempt.Outcome(outcome).label
        _apply_mark(row, actor=actor, status=Status.DELIVERED, when=contacted_at,
                    reason=f"Told by {ContactAttempt(channel=channel).get_channel_display().lower()}")
    else:
        row.outcome = ContactAttempt.Outcome(outcome).label
        row.attempts += 1
        row.version += 1
        row._history_user = actor  # type: ignore[attr-defined]
        row._change_reason = f"Contact attempt: {row.outcome}"  # type: ignore[attr-defined]
        row.save()
    return attempt
