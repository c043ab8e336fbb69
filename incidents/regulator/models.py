"""The regulator's case on an incident (issue 20): the case and its outcome, the letters and
emails in and out, the regulator's information requests, and the incidents it looks at together.

The ICO case reference is not stored here: it is recorded with the reports to the regulator
(`RegulatorSubmission.ico_reference`), and the case page shows the latest one.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from breachtracker.crypto import EncryptedTextField

from ..assessment.models import LIMITED, TEXT_LIMIT

# What the digest counts as "due soon" for an open information request.
DUE_SOON_DAYS = 3


class RegulatorCase(models.Model):
    """The regulator's case about one incident: who handles it there, when it opened, how it ended."""

    class Outcome(models.TextChoices):
        NO_FURTHER_ACTION = "no_further_action", "No further action"
        RECOMMENDATIONS = "recommendations", "Recommendations"
        REPRIMAND = "reprimand", "Reprimand"
        ENFORCEMENT_NOTICE = "enforcement_notice", "Enforcement notice"
        PENALTY = "penalty", "Penalty (fine)"

    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="regulator_case")
    # A named member of the regulator's staff: personal data, encrypted at rest.
    case_officer = EncryptedTextField("the regulator's case officer", blank=True, max_length=1000,
                                      validators=[MaxLengthValidator(1000)],
                                      help_text="Their name and how to reach them.")
    opened_on = models.DateField("case opened on")
    # Only when no report to the regulator recorded one (a case opened after a complaint, or
    # about a breach we decided not to report): the reference is never kept twice.
    own_reference = models.CharField(
        "ICO case reference", max_length=40, blank=True,
        help_text="Only if no report to the regulator recorded it: otherwise it comes from the report.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True,
                               help_text="Leave empty while the case is open.")
    outcome_on = models.DateField("outcome date", null=True, blank=True)
    penalty_amount = models.DecimalField(
        "penalty amount (£)", max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01"), "A penalty amount must be more than £0.")])
    outcome_summary = models.TextField("what the regulator decided", blank=True, max_length=TEXT_LIMIT,
                                       validators=LIMITED, help_text="Never name an affected person.")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"

    def __str__(self) -> str:
        return f"Regulator's case on incident {self.incident_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.opened_on and self.opened_on > today:
            errors["opened_on"] = "The case cannot be opened in the future."
        if self.outcome:
            if not self.outcome_on:
                errors["outcome_on"] = "Give the date of the outcome."
            elif self.outcome_on > today:
                errors["outcome_on"] = "The outcome date cannot be in the future."
            elif self.opened_on and self.outcome_on < self.opened_on:
                errors["outcome_on"] = "The outcome date cannot be before the case was opened."
        elif self.outcome_on or (self.outcome_summary or "").strip():
            errors["outcome"] = "Choose the outcome, or leave its date and summary empty."
        if self.outcome == self.Outcome.PENALTY and self.penalty_amount is None:
            errors["penalty_amount"] = "Give the penalty amount in pounds."
        elif self.outcome != self.Outcome.PENALTY and self.penalty_amount is not None:
            errors["penalty_amount"] = "An amount is only for a penalty: leave it empty."
        if errors:
            raise ValidationError(errors)


class RegulatorCorrespondence(models.Model):
    """A letter, email or call note to or from the regulator, with the file if there is one.

    The file is stored through the project's storage (encrypted at rest) under a generated name;
    the name it was uploaded with is shown only, never used as a path."""

    class Direction(models.TextChoices):
        IN = "in", "From the regulator"
        OUT = "out", "To the regulator"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE,
                                 related_name="regulator_correspondence")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    sent_on = models.DateField("date sent or received")
    # May quote what the regulator asked about named people: encrypted at rest.
    summary = EncryptedTextField("what it says", max_length=TEXT_LIMIT, validators=LIMITED)
    request = models.ForeignKey("incidents.RegulatorRequest", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="correspondence", verbose_name="about information request")
    file = models.FileField(upload_to="regulator/", blank=True, max_length=200)
    file_name = models.CharField("file name", max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField("file size (bytes)", null=True, blank=True)
    file_sha256 = models.CharField("SHA-256 of the file", max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"
        ordering = ["-sent_on", "-pk"]
        verbose_name_plural = "regulator correspondence"

    def __str__(self) -> str:
        return f"{self.get_direction_display()}, {self.sent_on:%d %b %Y}"

    @staticmethod
    def new_stored_name() -> str:
        """A generated name (the storage puts it under upload_to's folder)."""
        return f"{uuid.uuid4().hex}.bin"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.sent_on and self.sent_on > timezone.localdate():
            errors["sent_on"] = "The date cannot be in the future."
        if self.request_id and self.request and self.request.incident_id != self.incident_id:
            errors["request"] = "That information request is not part of this incident."
        if errors:
            raise ValidationError(errors)


class RegulatorRequestQuerySet(models.QuerySet["RegulatorRequest"]):
    def open(self) -> RegulatorRequestQuerySet:
        return self.filter(status=RegulatorRequest.Status.OPEN)

    def due_by(self, day: date) -> RegulatorRequestQuerySet:
        """Open requests overdue or due on or before `day`."""
        return self.open().filter(due_on__lte=day)


class RegulatorRequest(models.Model):
    """The regulator asks for information by a date it sets."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="regulator_requests")
    received_on = models.DateField("received on")
    asked = EncryptedTextField("what the regulator asks for", max_length=TEXT_LIMIT, validators=LIMITED)
    due_on = models.DateField("reply by", help_text="The date the regulator set.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_on = models.DateField("answered on", null=True, blank=True)
    reply = EncryptedTextField("what we replied", blank=True, max_length=TEXT_LIMIT, validators=LIMITED)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RegulatorRequestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="regulator_request_due")]

    def __str__(self) -> str:
        return f"Information request {self.pk}, reply by {self.due_on:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.received_on and self.received_on > timezone.localdate():
            errors["received_on"] = "A request cannot be received in the future."
        if self.due_on and self.received_on and self.due_on < self.received_on:
            errors["due_on"] = "The date to reply by cannot be before the request was received."
        if self.status == self.Status.ANSWERED:
            if not self.answered_on:
                errors["answered_on"] = "Give the date you replied."
            elif self.answered_on > timezone.localdate() or (self.received_on and self.answered_on < self.received_on):
                errors["answered_on"] = "The reply date must be between receipt and today."
            if not (self.reply or "").strip():
                errors["reply"] = "Say what you replied."
        if errors:
            raise ValidationError(errors)


class IncidentLink(models.Model):
    """Two incidents of the register the regulator looks at together (a second breach, the same
    cause). One row per pair, the lower id first, so a link reads the same from either side and
    cannot be recorded twice."""

    first = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+",
                              verbose_name="one incident")
    second = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+",
                               verbose_name="the other incident")
    reason = models.TextField("why they are linked", max_length=TEXT_LIMIT, validators=LIMITED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_link_per_pair",
                                    violation_error_message="These incidents are already linked."),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="link_lower_id_first",
                                   violation_error_message="An incident cannot be linked to itself."),
        ]

    def __str__(self) -> str:
        return f"Link between incidents {self.first_id} and {self.second_id}"

    def other(self, incident_id: int) -> int:
        return self.second_id if self.first_id == incident_id else self.first_id

    def clean(self) -> None:
        if self.first_id and self.first_id == self.second_id:
            raise ValidationError({"second": "An incident cannot be linked to itself."})
        if not (self.reason or "").strip():
            raise ValidationError({"reason": "Say why the incidents are linked."})
