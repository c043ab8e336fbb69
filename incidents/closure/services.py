"""Writes of the closure review, and what must be settled before an incident closes.

`incident_close` (incidents.assessment.services) is the one way an incident closes: it calls
`closure_sign_off` here, in its transaction, so whatever page closes an incident, an incident
with open items closes only with the DPO's reason, recorded on the review and in the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from breachtracker.records import apply_fields, attribute_to
from breachtracker.words import plural

from ..casework.models import Contact, IncidentAction, PersonRequest
from ..models import Incident
from ..roles import DECIDE, ensure
from .models import ClosureReview


@dataclass(frozen=True)
class OpenItems:
    """What is still open on an incident: actions, requests and claims, contacts to follow up."""

    actions: int
    requests: int
    contacts: int

    @property
    def total(self) -> int:
        return self.actions + self.requests + self.contacts

    def __bool__(self) -> bool:
        return self.total > 0

    def parts(self) -> list[str]:
        found = []
        if self.actions:
            found.append(plural(self.actions, "open action", "open actions"))
        if self.requests:
            found.append(plural(self.requests, "open request or claim", "open requests or claims"))
        if self.contacts:
            found.append(plural(self.contacts, "contact needing follow-up", "contacts needing follow-up"))
        return found

    def text(self) -> str:
        """"2 open actions, 1 open request or claim" (or "none")."""
        return ", ".join(self.parts()) or "none"


def open_items(incident: Incident) -> OpenItems:
    """Count what is still open (three counts, through the casework indexes)."""
    return OpenItems(
        actions=IncidentAction.objects.filter(incident=incident, status=IncidentAction.Status.OPEN).count(),
        requests=PersonRequest.objects.filter(incident=incident, status__in=PersonRequest.OPEN_STATUSES).count(),
        contacts=Contact.objects.filter(incident=incident, status=Contact.Status.FOLLOW_UP).count(),
    )


_require_dpo = partial(ensure, action=DECIDE, refusal="Only the DPO writes the closure review and closes an incident.")


@transaction.atomic
def closure_review_save(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> ClosureReview:
    """Write what happened and the lessons learned. Refused once the incident is closed: the
    signed-off review is what the board saw (reopen the incident to change it)."""
    _require_dpo(actor)
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.status == Incident.Status.CLOSED:
        raise ValidationError("The incident is closed and its review signed off. Reopen the incident to change it.")
    review = ClosureReview.objects.filter(incident=locked).first() or ClosureReview(incident=locked)
    apply_fields(review, {k: (v or "").strip() for k, v in fields.items() if k in ("summary", "lessons")})
    if not review.summary:
        raise ValidationError({"summary": "Say what happened."})
    if not review.lessons:
        raise ValidationError({"lessons": "Say what lessons were learned."})
    review.full_clean()
    attribute_to(review, actor, "Closure review written" if review.pk is None else "Closure review changed")
    review.save()
    return review


def closure_sign_off(*, incident: Incident, actor: Any, open_items_reason: str = "") -> ClosureReview:
    """Called by `incident_close` with the incident locked: refuse while items are open and no
    reason is given; otherwise sign the review off (made if none was written) with the open
    items and the reason. Raises ValidationError listing the open items."""
    found = open_items(incident)
    reason = open_items_reason.strip()
    if found and not reason:
        raise ValidationError(
            f"You cannot close this incident yet. Not finished: {found.text()}. "
            "Finish them first, or give the reason for closing with them open.",
            code="open_items")
    review = ClosureReview.objects.select_for_update().filter(incident=incident).first() or ClosureReview(
        incident=incident)
    review.signed_off_by, review.signed_off_at = actor, timezone.now()
    review.open_items_at_close = found.text() if found else ""
    review.open_items_reason = reason if found else ""
    review.full_clean()
    attribute_to(review, actor, f"Signed off, closed with open items: {reason}" if found else "Signed off")
    review.save()
    return review


def closure_reopened(*, incident: Incident, actor: Any, reason: str) -> None:
    """Called by `incident_reopen`: the review is no longer signed off (the history keeps who
    signed it off, when, and any reason for closing with items open)."""
    review = ClosureReview.objects.select_for_update().filter(incident=incident).first()
    if review is None or review.signed_off_at is None:
        return
    review.signed_off_by, review.signed_off_at = None, None
    review.open_items_at_close = review.open_items_reason = ""
    attribute_to(review, actor, f"Sign-off withdrawn: incident reopened ({reason.strip()})")
    review.save()
