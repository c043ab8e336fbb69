"""Writes to a person's requests and claims: each one names who did it in the history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from breachtracker.records import apply_fields, attribute_to

from ..models import Incident
from .models import Contact, IncidentAction, PersonRequest


@transaction.atomic
def request_create(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> PersonRequest:
    """Record a complaint, rights request or claim from one of the incident's people."""
    record = PersonRequest(incident=incident)
    apply_fields(record, fields)
    record.full_clean()
    attribute_to(record, actor, f"{record.get_kind_display()} received")
    record.save()
    return record


def _locked(record: PersonRequest) -> PersonRequest:
    return PersonRequest.objects.select_for_update().get(pk=record.pk)


@transaction.atomic
def request_extend(*, record: PersonRequest, actor: Any, reason: str) -> PersonRequest:
    """Extend a rights request by up to two further months (Art. 12(3)), with the reason the
    person must be told within the first month."""
    locked = _locked(record)
    if locked.kind not in PersonRequest.STATUTORY:
        raise ValidationError("Only a rights request has a statutory time that can be extended: "
                              "change the date to respond by instead.")
    if not locked.is_open:
        raise ValidationError("This request is no longer open.")
    if locked.extended_to:
        raise ValidationError("This request's time has already been extended.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why more time is needed (the request is complex, or there are many)."})
    if timezone.localdate() > locked.statutory_due():
        raise ValidationError("The time can only be extended within the first month: it has passed.")
    locked.extended_to, locked.extension_reason = locked.latest_extension(), reason.strip()
    locked.status = PersonRequest.Status.EXTENDED
    attribute_to(locked, actor, "Time extended")
    locked.save()
    return locked


@transaction.atomic
def request_answer(*, record: PersonRequest, actor: Any, answered_on: date, outcome: str,
                   amounts: dict[str, Any] | None = None) -> PersonRequest:
    """Record the response (and, for a claim, what was offered or settled)."""
    locked = _locked(record)
    if not locked.is_open:
        raise ValidationError("This request is already answered or closed.")
    if not outcome.strip():
        raise ValidationError({"outcome": "Say what the response was."})
    if answered_on < locked.received_on or answered_on > timezone.localdate():
        raise ValidationError({"answered_on": "The response date must be between receipt and today."})
    locked.answered_on, locked.outcome = answered_on, outcome.strip()
    apply_fields(locked, amounts or {})
    settled = locked.kind == PersonRequest.Kind.CLAIM and locked.amount_settled is not None
    locked.status = PersonRequest.Status.SETTLED if settled else PersonRequest.Status.ANSWERED
    locked.full_clean()
    attribute_to(locked, actor, "Settled" if settled else "Answered")
    locked.save()
    return locked


@transaction.atomic
def request_close(*, record: PersonRequest, actor: Any, reason: str) -> PersonRequest:
    """Close a request without answering it (withdrawn by the person, or a duplicate)."""
    locked = _locked(record)
    if not locked.is_open:
        raise ValidationError("This request is already answered or closed.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is closed (withdrawn, a duplicate...)."})
    locked.status, locked.outcome = PersonRequest.Status.CLOSED, reason.strip()
    attribute_to(locked, actor, f"Closed: {reason.strip()}"[:100])
    locked.save()
    return locked


def totals(incident: Incident) -> dict[str, Any]:
    """Per incident, for the board and the insurer: requests by kind and state, and the money
    (a constant number of queries however many there are)."""
    rows = PersonRequest.objects.filter(incident=incident)
    today = timezone.localdate()
    open_rows = rows.filter(status__in=PersonRequest.OPEN_STATUSES)
    overdue = open_rows.filter(Q(extended_to__lt=today) | Q(extended_to__isnull=True, due_on__lt=today))
    money = rows.aggregate(claimed=Sum("amount_claimed"), offered=Sum("amount_offered"),
                           settled=Sum("amount_settled"), total=Count("id"), open=Count("id", filter=Q(
                               status__in=PersonRequest.OPEN_STATUSES)))
    kinds = dict(rows.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {
        "total": money["total"], "open": money["open"], "overdue": overdue.count(),
        "by_kind": {kind.label: kinds.get(kind.value, 0) for kind in PersonRequest.Kind},
        "claimed": money["claimed"] or Decimal("0"), "offered": money["offered"] or Decimal("0"),
        "settled": money["settled"] or Decimal("0"),
    }


@transaction.atomic
def action_create(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> IncidentAction:
    action = IncidentAction(incident=incident)
    apply_fields(action, fields)
    action.full_clean()
    attribute_to(action, actor, f"{action.get_kind_display().split(' (')[0]} action added")
    action.save()
    return action


@transaction.atomic
def action_done(*, action: IncidentAction, actor: Any, done_on: date, evidence: str) -> IncidentAction:
    """Mark an action done: when, and what shows it (a procedure updated, training records...)."""
    locked = IncidentAction.objects.select_for_update().get(pk=action.pk)
    if locked.status != IncidentAction.Status.OPEN:
        raise ValidationError("This action is no longer open.")
    if not evidence.strip():
        raise ValidationError({"evidence": "Say what shows it was done."})
    if done_on > timezone.localdate() or done_on < timezone.localtime(locked.created_at).date():
        raise ValidationError({"done_on": "The date it was done must be between when it was added and today."})
    locked.status, locked.done_on, locked.evidence = IncidentAction.Status.DONE, done_on, evidence.strip()
    attribute_to(locked, actor, "Done")
    locked.save()
    return locked


@transaction.atomic
def action_drop(*, action: IncidentAction, actor: Any, reason: str) -> IncidentAction:
    locked = IncidentAction.objects.select_for_update().get(pk=action.pk)
    if locked.status != IncidentAction.Status.OPEN:
        raise ValidationError("This action is no longer open.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is dropped."})
    locked.status, locked.evidence = IncidentAction.Status.DROPPED, f"Dropped: {reason.strip()}"
    attribute_to(locked, actor, f"Dropped: {reason.strip()}"[:100])
    locked.save()
    return locked


def requests_due(today: date, within_days: int = 3) -> Any:
    """Open requests and claims overdue or due within `within_days` (the DPO's digest)."""
    soon = today + timedelta(days=within_days)
    return PersonRequest.objects.filter(status__in=PersonRequest.OPEN_STATUSES).filter(
        Q(extended_to__lte=soon) | Q(extended_to__isnull=True, due_on__lte=soon))


def actions_overdue(today: date | None = None) -> Any:
    """Open actions past their due date, across incidents (for the DPO's digest and dashboard)."""
    return IncidentAction.objects.filter(status=IncidentAction.Status.OPEN,
                                         due_on__lt=today or timezone.localdate()).select_related("incident", "owner")


@transaction.atomic
def contact_create(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> Contact:
    """Log a call, email, letter or visit about the breach (the helpline log)."""
    contact = Contact(incident=incident, handled_by=actor)
    apply_fields(contact, fields)
    contact.status = Contact.Status.FOLLOW_UP if (contact.follow_up or "").strip() else Contact.Status.DONE
    contact.full_clean()
    attribute_to(contact, actor, f"{contact.get_channel_display()} contact logged")
    contact.save()
    return contact


@transaction.atomic
def contact_follow_up_done(*, contact: Contact, actor: Any, outcome: str) -> Contact:
    """The follow-up a contact needed is done: what was done."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.status != Contact.Status.FOLLOW_UP:
        raise ValidationError("This contact has no follow-up waiting.")
    if not outcome.strip():
        raise ValidationError({"outcome": "Say what was done."})
    locked.status, locked.outcome = Contact.Status.DONE, outcome.strip()
    attribute_to(locked, actor, "Follow-up done")
    locked.save()
    return locked


def follow_ups_due(today: date, within_days: int = 3) -> Any:
    """Contacts waiting for a follow-up that is overdue, due within `within_days`, or has no
    date (the DPO's digest goes to whoever logged them)."""
    soon = today + timedelta(days=within_days)
    return Contact.objects.filter(status=Contact.Status.FOLLOW_UP).filter(
        Q(follow_up_due__lte=soon) | Q(follow_up_due__isnull=True))


def contact_totals(incident: Incident) -> dict[str, int]:
    """How many contacts, by direction, and how many wait for a follow-up (one query)."""
    return Contact.objects.filter(incident=incident).aggregate(
        total=Count("id"), incoming=Count("id", filter=Q(direction=Contact.Direction.IN)),
        follow_up=Count("id", filter=Q(status=Contact.Status.FOLLOW_UP)))
