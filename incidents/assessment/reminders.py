"""Clock and review reminders: who to remind, when, and sending each reminder exactly once.

`reminders_sweep()` is run hourly by Celery beat (`incidents.tasks.send_reminders`). For every
incident still waiting on the regulator (no initial report recorded, no decision not to
report, not closed) it sends the latest due reminder of: 24 h, 48 h and 66 h after awareness,
then once when the deadline has passed. Where we act as processor there is no regulator clock
of ours: the same milestones remind us to tell the controller (Art. 33(2), "without undue
delay"), until every controller named is told. It also reminds of Part 3 restrictions due for
review (once per review date).

Exactly once: a `ReminderSent` row is inserted (and committed) *before* the email is sent.
Its unique constraint makes the second of two concurrent sweeps, or a retried task, fail to
insert and skip. If sending raises, the claim is deleted so a retry can send it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .. import roles
from ..models import Incident
from .models import ReminderSent, Restriction

log = logging.getLogger(__name__)

# (kind, hours after awareness), latest first.
CLOCK_MILESTONES: tuple[tuple[str, int], ...] = (("h66", 66), ("h48", 48), ("h24", 24))
DEADLINE = "deadline"


def due_clock_reminder(incident: Incident, now: datetime) -> str | None:
    """The latest reminder due for this incident's clock, or None (earlier ones are not repeated)."""
    if now >= incident.regulator_deadline:
        return DEADLINE
    elapsed = now - incident.aware_at
    for kind, hours in CLOCK_MILESTONES:
        if elapsed >= timedelta(hours=hours):
            return kind
    return None


def _dpo_emails() -> set[str]:
    users = get_user_model().objects.filter(is_active=True, groups__name=roles.DPO).exclude(email="")
    return set(users.values_list("email", flat=True))


def _recipients(incident: Incident, dpos: set[str]) -> list[str]:
    """The incident's handler and every active DPO with an email address."""
    emails = set(dpos)
    if incident.handler and incident.handler.is_active and incident.handler.email:
        emails.add(incident.handler.email)
    return sorted(emails)


def _claim(*, incident: Incident, kind: str, restriction: Restriction | None, recipients: list[str]) -> ReminderSent | None:
    try:
        with transaction.atomic():
            claim = ReminderSent(incident=incident, restriction=restriction, kind=kind, recipients=", ".join(recipients))
            claim.save()
    except IntegrityError:
        return None
    return claim


def _send(claim: ReminderSent, template: str, context: dict[str, Any]) -> bool:
    recipients = [e for e in claim.recipients.split(", ") if e]
    if recipients:
        subject = " ".join(render_to_string(f"emails/{template}-subject.txt", context).split())
        body = render_to_string(f"emails/{template}-body.txt", context)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:
            # Release the claim so the task's retry can send it; the error goes to Celery.
            claim.delete()
            raise
    else:
        log.warning("reminder %s for incident %s: nobody to send it to", claim.kind, claim.incident_id)
    claim.sent_at = timezone.now()
    claim.save(update_fields=["sent_at"])
    return bool(recipients)


def _url(path: str) -> str:
    return settings.BREACHTRACKER_BASE_URL.rstrip("/") + path


def reminders_sweep(now: datetime | None = None) -> int:
    """Send every reminder that is due and not yet claimed; return how many emails went out."""
    now = now or timezone.now()
    sent = 0
    dpos = _dpo_emails()
    waiting = list(
        Incident.objects.exclude(status=Incident.Status.CLOSED)
        .with_regulator_state()
        .filter(initial_submitted_at__isnull=True, aware_at__lte=now - timedelta(hours=24))  # type: ignore[misc]
        .select_related("handler")
        .prefetch_related("parties")
        .order_by("aware_at")
    )
    # Reminders already claimed: skipped without trying (the constraint still guards races).
    claimed = set(
        ReminderSent.objects.filter(restriction__isnull=True, incident__in=[i.pk for i in waiting])
        .values_list("incident_id", "kind")
    )
    for incident in waiting:
        if getattr(incident, "last_report_decision", None) is False:
            continue
        if incident.is_processor and not incident.controller_untold():
            continue  # as processor our duty is to tell the controller: done
        kind = due_clock_reminder(incident, now)
        if kind is None or (incident.pk, kind) in claimed:
            continue
        claim = _claim(incident=incident, kind=kind, restriction=None, recipients=_recipients(incident, dpos))
        if claim is None:
            continue
        if incident.is_processor:
            sent += _send(claim, "processor-reminder", {
                "incident": incident, "hours": int((now - incident.aware_at).total_seconds() // 3600),
                "untold": [p.name for p in incident.parties.all() if p.kind == "controller" and not p.told_at],
                "url": _url(reverse("party_list", args=[incident.reference]))})
            continue
        context = {
            "incident": incident,
            "kind": kind,
            "hours": int((now - incident.aware_at).total_seconds() // 3600),
            "overdue": kind == DEADLINE,
            "deadline": incident.regulator_deadline,
            "state": incident.regulator_state_label,
            "url": _url(reverse("assessment", args=[incident.reference])),
        }
        sent += _send(claim, "clock-reminder", context)

    today = timezone.localdate(now)
    for restriction in Restriction.objects.due_for_review(today).select_related("incident", "incident__handler"):
        kind = f"review-{restriction.review_date.isoformat()}"
        claim = _claim(
            incident=restriction.incident, kind=kind, restriction=restriction,
            recipients=_recipients(restriction.incident, dpos),
        )
        if claim is None:
            continue
        context = {
            "incident": restriction.incident,
            "restriction": restriction,
            "url": _url(reverse("assessment", args=[restriction.incident.reference])),
        }
        sent += _send(claim, "restriction-review", context)
    return sent
