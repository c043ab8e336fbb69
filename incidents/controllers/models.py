"""The other organisations in an incident: the controller(s) we process for, the processor who
told us, and partner controllers (issue 19).

One row per organisation named on an incident, of one of three kinds:

- `controller`: we act as a processor for this data, and this is a controller we must tell
  without undue delay (Art. 33(2) UK GDPR; DPA 2018 s.67 for Part 3). When, how and who told
  them are recorded on the row.
- `processor`: we are the controller and this processor told us of the breach; when it told
  us is when we became aware (the regulator's clock starts then).
- `partner`: another controller of the same data (a joint unit shared by two forces), with
  who reports to the ICO and who tells the people under the agreement.

Every row has history (who and when), read by the incident's History tab and audit CSV.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class IncidentParty(models.Model):
    class Kind(models.TextChoices):
        CONTROLLER = "controller", "Controller we process for"
        PROCESSOR = "processor", "Processor who told us"
        PARTNER = "partner", "Partner controller"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone call"
        LETTER = "letter", "Letter"
        MEETING = "meeting", "In person or video meeting"
        PORTAL = "portal", "Their online portal or form"
        OTHER = "other", "Another way"

    class Who(models.TextChoices):
        US = "us", "We do"
        THEM = "them", "They do"
        BOTH = "both", "Both of us"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField("organisation's name", max_length=200)
    contact = models.TextField(
        "contact", blank=True, max_length=2000,
        help_text="Who to contact there, and how: name, email, phone or address.")
    # As processor: when we told this controller, how, and who on our side did.
    told_at = models.DateTimeField("when we told them", null=True, blank=True,
                                   help_text="Europe/London time. Leave blank until you have told them.")
    told_how = models.CharField("how we told them", max_length=20, choices=Channel.choices, blank=True)
    told_by = models.CharField("who told them", max_length=200, blank=True,
                               help_text="The person on our side who told them.")
    asked_us_to_report = models.BooleanField(
        "they asked us to report to the ICO for them", default=False)
    asked_us_to_tell = models.BooleanField("they asked us to tell the people for them", default=False)
    # As controller told by a processor: when the processor told us.
    notified_us_at = models.DateTimeField(
        "when they told us", null=True, blank=True,
        help_text="Europe/London time. We became aware then: the regulator's 72-hour clock starts here.")
    # A partner controller: who reports and who tells under the agreement between us.
    reports_to_ico = models.CharField("who reports to the ICO", max_length=10, choices=Who.choices, blank=True)
    tells_people = models.CharField("who tells the people", max_length=10, choices=Who.choices, blank=True)
    on_behalf = models.BooleanField(
        "our report and letters are written on their behalf too", default=False,
        help_text="Tick when the agreement says we write for both of us: the report and letters then say "
                  "“on behalf of” them.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        now = timezone.now()
        aware_at = self.incident.aware_at if self.incident_id else None
        if self.kind == self.Kind.CONTROLLER and self.told_at:
            if self.told_at > now + timedelta(minutes=5):
                errors["told_at"] = "The time you told them cannot be in the future."
            elif aware_at and self.told_at < aware_at:
                errors["told_at"] = ("You cannot have told them before you became aware of the breach: "
                                     "“when we told them” is before “became aware at”.")
        if self.kind == self.Kind.CONTROLLER and self.told_at and not self.told_how:
            errors["told_how"] = "Say how you told them."
        if self.kind == self.Kind.PROCESSOR:
            if not self.notified_us_at:
                errors["notified_us_at"] = "Give the time the processor told you."
            elif self.notified_us_at > now + timedelta(minutes=5):
                errors["notified_us_at"] = "The time they told you cannot be in the future."
        if self.kind == self.Kind.PARTNER:
            if not self.reports_to_ico:
                errors["reports_to_ico"] = "Say who reports to the ICO."
            if not self.tells_people:
                errors["tells_people"] = "Say who tells the people."
        if errors:
            raise ValidationError(errors)

    @property
    def is_told(self) -> bool:
        return self.told_at is not None

    def elapsed(self, now: datetime | None = None) -> timedelta:
        """Time from our awareness to telling this controller (or to now, until we have)."""
        end = self.told_at or now or timezone.now()
        return end - self.incident.aware_at
