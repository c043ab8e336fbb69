"""A request or claim from a person told of the breach (issue 20)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from simple_history.models import HistoricalRecords

from breachtracker.crypto import EncryptedTextField

from ..assessment.models import LIMITED, TEXT_LIMIT
from .deadlines import EXTENDED_MONTHS, ONE_MONTH, add_months

def _money(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=2, null=True, blank=True,
                               validators=[MinValueValidator(Decimal("0"), "An amount cannot be negative.")])


class PersonRequest(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", "Complaint"
        ACCESS = "access", "Subject access request"
        ERASURE = "erasure", "Erasure request"
        OTHER_RIGHT = "other_right", "Other rights request (rectification, objection, restriction)"
        CLAIM = "claim", "Compensation claim"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        EXTENDED = "extended", "Open, time extended"
        ANSWERED = "answered", "Answered"
        SETTLED = "settled", "Settled"
        CLOSED = "closed", "Closed"

    # Rights requests run on the statutory month (Art. 12(3)); complaints and claims on the
    # date agreed or set by the organisation's own procedure, which the DPO enters.
    STATUTORY = frozenset({Kind.ACCESS, Kind.ERASURE, Kind.OTHER_RIGHT})
    OPEN_STATUSES = frozenset({Status.OPEN, Status.EXTENDED})

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="person_requests")
    subject = models.ForeignKey("incidents.DataSubject", on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    received_on = models.DateField("received on")
    due_on = models.DateField("respond by", null=True, blank=True,
                              help_text="For a complaint or a claim: the date agreed or set by your procedure. "
                                        "For a rights request it is worked out: one calendar month from receipt.")
    extended_to = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True, max_length=TEXT_LIMIT, validators=LIMITED)
    # What the person asked or claimed, in their words: personal data, encrypted at rest.
    summary = EncryptedTextField("what they asked for")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    answered_on = models.DateField(null=True, blank=True)
    outcome = EncryptedTextField("outcome", blank=True)
    amount_claimed = _money("amount claimed (£)")
    amount_offered = _money("amount offered (£)")
    amount_settled = _money("amount settled (£)")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["incident", "status", "due_on"], name="person_request_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from person {self.subject_id}"

    @property
    def deadline(self) -> date | None:
        return self.extended_to or self.due_on

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def statutory_due(self) -> date:
        return add_months(self.received_on, ONE_MONTH)

    def latest_extension(self) -> date:
        return add_months(self.received_on, EXTENDED_MONTHS)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.subject_id and self.incident_id and self.subject.incident_id != self.incident_id:
            errors["subject"] = "That person is not one of this incident's affected people."
        if self.received_on and self.received_on > timezone.localdate():
            errors["received_on"] = "A request cannot be received in the future."
        if self.kind in self.STATUTORY and self.received_on:
            self.due_on = self.statutory_due()
        elif self.kind and not self.due_on:
            errors["due_on"] = "Set the date you will respond by."
        elif self.due_on and self.received_on and self.due_on < self.received_on:
            errors["due_on"] = "The date to respond by cannot be before the request was received."
        if self.kind != self.Kind.CLAIM and any(
                v is not None for v in (self.amount_claimed, self.amount_offered, self.amount_settled)):
            errors["amount_claimed"] = "Amounts are for compensation claims only."
        if errors:
            raise ValidationError(errors)


class IncidentAction(models.Model):
    """A containment, remedial or preventive action promised or taken (issue 20): the ICO
    form's "steps to prevent recurrence" and the letters' "what we have done", with an owner,
    a due date and what shows it was done. Never names an affected person."""

    class Kind(models.TextChoices):
        CONTAINMENT = "containment", "Containment (stop the breach)"
        REMEDIAL = "remedial", "Remedial (put right what happened)"
        PREVENTIVE = "preventive", "Preventive (stop it happening again)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField("what will be done", max_length=TEXT_LIMIT, validators=LIMITED,
                                   help_text="Never name an affected person.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("due by")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(null=True, blank=True)
    evidence = models.TextField("what shows it was done", blank=True, max_length=TEXT_LIMIT, validators=LIMITED)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"


class Contact(models.Model):
    """A call, letter, email or visit from (or to) someone about the breach: the helpline log
    (issue 20). Who it was is matched to one of the incident's people where it can be (by exact
    name, their reference or their letter's reference); what was asked and said is personal
    data, encrypted at rest."""

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"
        OTHER = "other", "Other"

    class Direction(models.TextChoices):
        IN = "in", "They contacted us"
        OUT = "out", "We contacted them"

    class Status(models.TextChoices):
        FOLLOW_UP = "follow_up", "Follow-up needed"
        DONE = "done", "Done"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="contacts")
    subject = models.ForeignKey("incidents.DataSubject", on_delete=models.CASCADE, related_name="contacts",
                                null=True, blank=True)
    # Who it was when they are not (or not yet) matched to one of the incident's people.
    caller = EncryptedTextField("who it was, if not one of the people on the list", blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.IN)
    happened_at = models.DateTimeField("when")
    question = EncryptedTextField("what they asked or said")
    told = EncryptedTextField("what we told them", blank=True)
    follow_up = EncryptedTextField("follow-up needed", blank=True)
    follow_up_due = models.DateField("follow up by", null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DONE)
    outcome = EncryptedTextField("outcome", blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"
        ordering = ["-happened_at", "-pk"]
        indexes = [models.Index(fields=["incident", "happened_at"], name="contact_by_day"),
                   models.Index(fields=["incident", "status", "follow_up_due"], name="contact_follow_up")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} contact on {self.happened_at:%d %b %Y}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.subject is not None and self.incident_id and self.subject.incident_id != self.incident_id:
            errors["subject"] = "That person is not one of this incident's affected people."
        if self.happened_at and self.happened_at > timezone.now() + timedelta(minutes=5):
            errors["happened_at"] = "A contact cannot be logged in the future."
        if self.status == self.Status.FOLLOW_UP and not (self.follow_up or "").strip():
            errors["follow_up"] = "Say what follow-up is needed."
        if self.follow_up_due and self.status != self.Status.FOLLOW_UP:
            errors["follow_up_due"] = "A follow-up date is only for a contact that needs a follow-up."
        if errors:
            raise ValidationError(errors)
