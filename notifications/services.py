"""The user's writes to the outbox: templates, plans, overrides, batches and print packs
started, ticking off. The worker's side is `generation.py` (letters) and `delivery.py` (email,
print packs, digests); this module starts that work through `tasks`, which call them.

Every state change of a notification is a history row naming who made it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from breachtracker.records import attribute_to, field_of
from incidents.models import Incident
from incidents.roles import DECIDE, can
from incidents.register.services import incident_event_record

from . import approvals, progress, tasks
from .letters import compile_letter
from .models import (
    Batch,
    ContactAttempt,
    DecisionOverride,
    LetterTemplate,
    Notification,
    NotificationPlan,
    PrintPack,
)

Status = Notification.Status
Withheld = Notification.Withheld


class Changed(Exception):
    """Someone else changed the notification since the form was loaded."""


class NotAllowed(ValueError):
    """The transition is not possible from the current status."""


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
    attribute_to(letter, actor)
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
    attribute_to(plan, actor)
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
    attribute_to(override, actor)
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
    missing = list(subjects.filter(notification__isnull=True).values_list("pk", "preferred_channel", "roles"))
    bulk_create_with_history(
        [Notification(incident=incident, subject_id=pk, channel=channel) for pk, channel, _roles in missing],
        Notification, batch_size=500, default_user=actor,
        default_change_reason="Added to the outbox",
    )
    progress.moved((None, progress.bucket(incident.pk, Status.PENDING, "", channel, roles))
                   for _pk, channel, roles in missing)
    waiting = Notification.objects.filter(incident=incident, subject__in=subjects, status=Status.PENDING)
    unbatched = waiting.filter(Q(batch__isnull=True))
    running = (Batch.objects.filter(incident=incident, notifications__status__in=[Status.PENDING, Status.GENERATING])
               .distinct().order_by("-created_at").first())
    if running and not unbatched.exists():
        # A second click: nothing new to batch, but re-fan the running batch so rows a dead
        # worker or a lost queue left behind are picked up (claims make duplicates no-ops).
        tasks.generate_batch.delay_on_commit(running.pk)
        return running
    batch = Batch(incident=incident, created_by=actor, approval=approval)
    attribute_to(batch, actor)
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
    tasks.generate_batch.delay_on_commit(batch.pk)
    return batch


@transaction.atomic
def print_pack_request(*, batch: Any, actor: Any) -> PrintPack:
    pack = PrintPack(batch=batch, created_by=actor)
    attribute_to(pack, actor)
    pack.save()
    tasks.build_print_pack.delay_on_commit(pack.pk)
    return pack


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
    before = progress.of_row(row, progress.roles_of([row.pk])[row.pk])
    row.previous_status = row.status
    row.status = status
    if status == Status.SENT:
        row.sent_at = when
    elif status == Status.DELIVERED:
        row.delivered_at = when
    progress.moved([(before, progress.of_row(row, before.roles))])  # with the day told, from the row
    row.version += 1
    attribute_to(row, actor, reason)
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
    before = progress.of_row(row, progress.roles_of([row.pk])[row.pk])
    row.status, row.previous_status = row.previous_status, ""
    if undone == Status.SENT:
        row.sent_at = None
    if undone == Status.DELIVERED:
        row.delivered_at = None
    progress.moved([(before, progress.of_row(row, before.roles))])
    row.version += 1
    attribute_to(row, actor, f"Undo: was {undone}")
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
    attribute_to(attempt, actor)
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
        attribute_to(row, actor, f"Contact attempt: {row.outcome}")
        row.save()
    return attempt
