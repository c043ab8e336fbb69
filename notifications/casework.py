"""What the people told can come back to: the phone team's script, from the plan's public
wording, and one person's contacts with us in both directions (issue 20)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from breachtracker.records import field_of
from incidents.models import Contact, DataSubject, Incident, Organisation, PersonRequest

from .approvals import latest_approval
from .models import Notification, NotificationPlan

# The script's parts, in the order a caller needs them, each from the plan's public wording.
SCRIPT_PARTS = (
    ("public_description", "What happened"),
    ("consequences", "What it could mean for them"),
    ("measures", "What we have done"),
    ("advice", "What they can do"),
    ("support", "Who can help them"),
)


def phone_script(incident: Incident) -> dict[str, object]:
    """The words the phone team may use: the approved wording the letters carry, or, before
    letters are approved, the plan as it stands, said to be a draft. A part not written yet is
    shown as missing, never filled in."""
    plan = NotificationPlan.objects.filter(incident=incident).first()
    approval = latest_approval(incident)
    source = approval.plan() if approval else plan or NotificationPlan(incident=incident)
    parts = [{"heading": heading, "label": str(field_of(NotificationPlan, name).verbose_name),
              "text": getattr(source, name).strip()} for name, heading in SCRIPT_PARTS]
    return {
        "parts": parts, "missing": [p["heading"] for p in parts if not p["text"]], "approval": approval,
        "changed_since": bool(approval and plan and plan.version != approval.plan_version),
        "organisation": Organisation.current(),
    }


@dataclass
class Event:
    when: datetime
    direction: str  # "in" (they contacted us) or "out" (we contacted them)
    how: str
    what: str
    url: str = ""


def person_contacts(incident: Incident, subject: DataSubject) -> list[Event]:
    """Every contact with one person, newest first: letters and emails sent, calls and visits
    to tell them, calls and messages logged on the helpline, and their requests and claims.
    Five queries, however many contacts."""
    ref = incident.reference
    found: list[Event] = []
    notification = Notification.objects.filter(subject=subject).first()
    if notification is not None:
        how = notification.get_channel_display()
        link = reverse("notification_detail", args=[ref, notification.pk])
        seen: set[str] = set()
        for row in notification.history.order_by("history_date", "history_id").values("history_date", "status"):
            status = row["status"]
            if status in seen or status not in ("sent", "delivered", "returned", "failed", "withheld"):
                continue
            seen.add(status)
            label = Notification.Status(status).label
            found.append(Event(row["history_date"], "out", how,
                               f"{label} ({notification.letter_reference})", link))
        for attempt in notification.contacts.all():
            found.append(Event(attempt.contacted_at, "out", attempt.get_channel_display(),
                               attempt.get_outcome_display(), link))
    for contact in Contact.objects.filter(incident=incident, subject=subject):
        found.append(Event(contact.happened_at, contact.direction, contact.get_channel_display(),
                           contact.question, reverse("contact_detail", args=[ref, contact.pk])))
    for request in PersonRequest.objects.filter(incident=incident, subject=subject):
        link = reverse("request_detail", args=[ref, request.pk])
        found.append(Event(_start_of(request.received_on), "in", "Request",
                           f"{request.get_kind_display()} received", link))
        if request.answered_on:
            found.append(Event(_start_of(request.answered_on), "out", "Response",
                               f"{request.get_kind_display()} answered", link))
    found.sort(key=lambda e: e.when, reverse=True)
    return found


def _start_of(day: date) -> datetime:
    """A day (a request's date) as the start of that day in London, to sort among times."""
    return timezone.make_aware(datetime(day.year, day.month, day.day))
