"""The register: the organisation, the ICO's data categories, incidents, the categories an
incident exposed, and events on an incident's timeline that are not a change to one of its rows.

Events: other apps (the notification work) record what happened to the incident as a whole
through `incidents.register.services.incident_event_record`: a batch of letters started or
finished, an approval, an emergency override, a print pack built or posted, a bulk tick.
Append-only: the History tab and the audit CSV read them next to the field-by-field changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from breachtracker.records import field_of

from ..vocab import REGIME_CHOICES, REGIMES, REGULATOR_STATES, Cause, Regime, regulator_state


class Organisation(models.Model):
    """The controller's details, as they appear on reports and letters. One row."""

    controller_name = models.CharField(max_length=200)
    registered_address = models.TextField(blank=True)
    ico_registration_number = models.CharField("ICO registration number", max_length=20, blank=True)
    dpo_name = models.CharField("DPO name", max_length=200, blank=True)
    dpo_email = models.EmailField("DPO email", blank=True)
    dpo_phone = models.CharField("DPO phone", max_length=40, blank=True)
    dpo_address = models.TextField("DPO postal address", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.controller_name

    @classmethod
    def current(cls) -> Organisation:
        """The organisation row, or an unsaved blank one before the DPO has filled it in."""
        return cls.objects.order_by("pk").first() or cls(controller_name="")


class DataCategory(models.Model):
    """A category of personal data in the ICO report form's wording (seeded by a migration)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200, unique=True)
    # The position of this category in DataSubject.categories_mask; fixed once seeded.
    bit = models.PositiveSmallIntegerField(unique=True)
    dpc_level = models.PositiveSmallIntegerField(
        "ENISA data processing context (1–4)", validators=[MinValueValidator(1)]
    )
    is_special = models.BooleanField("special category", default=False)
    is_criminal = models.BooleanField("criminal-offence data", default=False)
    needs_detail = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["bit"]
        verbose_name_plural = "data categories"

    def __str__(self) -> str:
        return self.name

    @property
    def mask(self) -> int:
        return 1 << self.bit


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.exclude(status=Incident.Status.CLOSED)

    def with_subject_count(self) -> IncidentQuerySet:
        """The number of people, from the incident's tally (people.tally), not by counting them:
        an incident with no tally has never had anyone."""
        return self.annotate(subject_count=Coalesce(F("people_tally__total"), 0))

    def search(self, text: str) -> IncidentQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(reference__icontains=text) | Q(title__icontains=text))

    def with_regulator_state(self) -> IncidentQuerySet:
        """Annotate what `Incident.regulator_state` needs, so a list costs no extra queries."""

        # The assessment sub-package's models, reached through their relations to an incident
        # (the register does not import the layers built on it).
        submissions = cast("type[models.Model]", self.model._meta.get_field("submissions").related_model)
        decisions = cast("type[models.Model]", self.model._meta.get_field("decisions").related_model)
        initial = submissions._default_manager.filter(incident=OuterRef("pk"), kind="initial")
        last = decisions._default_manager.filter(incident=OuterRef("pk"), kind="report").order_by("-decided_at", "-pk")
        return self.annotate(
            initial_submitted_at=Subquery(initial.values("submitted_at")[:1]),
            last_report_decision=Subquery(last.values("outcome")[:1]),
        )


class Incident(models.Model):
    class Status(models.TextChoices):
        """Follows from the records (`assessment.services.status_from_records`); only closing and
        reopening are actions of their own (`services.incident_close`, `incident_reopen`)."""

        OPEN = "open", "Open"
        ASSESSING = "assessing", "Assessing"
        REPORTED = "reported", "Reported to the regulator"
        NOT_REPORTED = "not_reported", "Decided not to report"
        # Set by hand before issue 17 and by nothing since (migration 0020 moved every incident
        # off it); kept so older history rows still read in words.
        NOTIFYING = "notifying", "Notifying people"
        CLOSED = "closed", "Closed"

    # Until a decision is recorded the regulator clock is running.
    AWAITING_DECISION = (Status.OPEN, Status.ASSESSING)
    # Once the initial report to the regulator is recorded, these change only through a DPO's
    # correction with a reason (`services.incident_correct_clock`): they fix the deadline the
    # report was judged against.
    CLOCK_FIELDS = ("aware_at", "regime")

    class DataRole(models.TextChoices):
        """Whether we are the controller of the data or a processor acting for another
        organisation (issue 19). Blank only on an incident logged before it was asked of every
        new one: reports and notices list it as missing."""

        CONTROLLER = "controller", "Controller: we decide why and how the data is used"
        PROCESSOR = "processor", "Processor: we hold or use the data for another organisation, on its instructions"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField("what happened", help_text="What happened and how, in plain words.")
    discovery = models.TextField(
        "how it was discovered", blank=True, help_text="How you found out about the breach."
    )
    cause = models.CharField("cause or type", max_length=40, choices=Cause.CHOICES)
    regime = models.CharField(max_length=20, choices=REGIME_CHOICES, default="uk_gdpr")
    data_role = models.CharField(
        "we act as", max_length=20, choices=DataRole.choices, blank=True,
        help_text="A processor tells the controller without undue delay; the controller decides whether to "
                  "report to the ICO and tell the people.")
    breach_confidentiality = models.BooleanField(
        "confidentiality breach", default=False, help_text="Data was disclosed to or accessed by someone who should not have it."
    )
    breach_integrity = models.BooleanField(
        "integrity breach", default=False, help_text="Data was altered without authority."
    )
    breach_availability = models.BooleanField(
        "availability breach", default=False, help_text="Data was lost, destroyed or made unavailable."
    )
    occurred_from = models.DateTimeField("occurred from", null=True, blank=True)
    occurred_to = models.DateTimeField("occurred to", null=True, blank=True)
    occurred_estimated = models.BooleanField("dates are an estimate", default=False)
    discovered_at = models.DateTimeField("discovered at")
    aware_at = models.DateTimeField(
        "became aware at",
        help_text="When you had a reasonable degree of certainty that personal data was "
        "compromised. The regulator's clock starts here.",
    )
    contained_at = models.DateTimeField("contained at", null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_incidents",
        help_text="The member of staff handling this incident.",
    )
    approx_subjects = models.PositiveIntegerField(
        "approximate number of people affected",
        null=True,
        blank=True,
        help_text="For when the individuals are not yet known. Give the maximum that may be affected.",
    )
    approx_records = models.PositiveIntegerField(
        "approximate number of records", null=True, blank=True
    )
    categories: models.ManyToManyField[DataCategory, Any] = models.ManyToManyField(
        DataCategory, through="IncidentCategory", blank=True)
    # Retention (incidents/retention.py): when people's personal data was purged, and the
    # counts taken just before (by role, category and flag), so the register keeps them.
    personal_data_purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    purged_counts = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-aware_at"]
        # The register's order, alone and with its status filter (the dashboard's open ones).
        indexes = [models.Index(fields=["-aware_at"], name="incident_register_order"),
                   models.Index(fields=["status", "-aware_at"], name="incident_status_order")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("incident_detail", args=[self.reference])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        now = timezone.now()
        for name in ("occurred_from", "occurred_to", "discovered_at", "aware_at", "contained_at"):
            value = getattr(self, name)
            if value and value > now + timedelta(minutes=5):
                label = field_of(self, name).verbose_name
                errors[name] = f"The time {label} cannot be in the future."
        if self.occurred_from and self.occurred_to and self.occurred_to < self.occurred_from:
            errors.setdefault("occurred_to", "“Occurred to” is before “occurred from”: the range is reversed.")
        if self.discovered_at and self.aware_at and self.aware_at < self.discovered_at:
            errors.setdefault(
                "aware_at",
                "You cannot become aware of a breach before it was discovered: “became aware at” "
                "is before “discovered at”.",
            )
        if self.occurred_from and self.discovered_at and self.discovered_at < self.occurred_from:
            errors.setdefault("discovered_at", "The breach cannot be discovered before it occurred.")
        if self.contained_at and self.occurred_from and self.contained_at < self.occurred_from:
            errors.setdefault("contained_at", "The breach cannot be contained before it occurred.")
        if errors:
            raise ValidationError(errors)

    @property
    def regime_info(self) -> Regime:
        return REGIMES[self.regime]

    @property
    def is_processor(self) -> bool:
        return self.data_role == self.DataRole.PROCESSOR

    def controllers_told(self) -> list[datetime | None]:
        """As processor: when each controller named was told (None: not yet). From
        `prefetch_related("parties")` when the caller prefetched it, else one query."""
        return [p.told_at for p in self.parties.all() if p.kind == "controller"]

    def controller_untold(self) -> bool:
        """As processor: a controller named is not told yet, or none is named."""
        told = self.controllers_told()
        return not told or not all(told)

    @property
    def is_cyber(self) -> bool:
        return self.cause in Cause.CYBER

    @property
    def regulator_deadline(self) -> datetime:
        """aware_at plus the regime's clock, in calendar hours of absolute time.

        Across a DST change the local wall-clock span is 71 or 73 hours; that is correct.
        """
        # Python adds a timedelta to an aware datetime in wall-clock time, so convert to UTC
        # first: otherwise a clock change inside the window would move the deadline by an hour.
        return self.aware_at.astimezone(UTC) + timedelta(hours=self.regime_info.clock_hours(self.aware_at))

    @property
    def is_awaiting_decision(self) -> bool:
        return self.status in self.AWAITING_DECISION

    def is_overdue(self, now: datetime | None = None) -> bool:
        """The clock has run out while no decision is recorded. As processor there is no
        regulator clock of ours (the controller reports): never overdue here."""
        now = now or timezone.now()
        return not self.is_processor and self.is_awaiting_decision and now > self.regulator_deadline

    def time_to_deadline(self, now: datetime | None = None) -> timedelta:
        """Positive while time is left, negative once overdue."""
        return self.regulator_deadline - (now or timezone.now())

    @property
    def has_initial_report(self) -> bool:
        """The initial report to the regulator is recorded (from `with_regulator_state()` when
        annotated, else one query)."""
        if hasattr(self, "initial_submitted_at"):
            return getattr(self, "initial_submitted_at") is not None  # noqa: B009
        return bool(self.pk) and self.submissions.filter(kind="initial").exists()  # type: ignore[attr-defined]

    @property
    def regulator_state(self) -> str:
        """awaiting_decision, awaiting_submission, reported_on_time, reported_late or not_reported.

        Derived from the records (initial submission, latest report decision), not the status
        field. Uses `with_regulator_state()` annotations when present, else two queries.
        """
        # Set as attributes by with_regulator_state(), or looked up here (and kept).
        if not hasattr(self, "initial_submitted_at"):
            initial = self.submissions.filter(kind="initial").first()  # type: ignore[attr-defined]
            last = self.decisions.filter(kind="report").order_by("-decided_at", "-pk").first()  # type: ignore[attr-defined]
            setattr(self, "initial_submitted_at", initial.submitted_at if initial else None)  # noqa: B010
            setattr(self, "last_report_decision", last.outcome if last else None)  # noqa: B010
        return regulator_state(
            deadline=self.regulator_deadline,
            initial_submitted_at=getattr(self, "initial_submitted_at"),  # noqa: B009
            last_report_decision=getattr(self, "last_report_decision"),  # noqa: B009
        )

    @property
    def regulator_state_label(self) -> str:
        return REGULATOR_STATES[self.regulator_state]

    def active_restrictions(self) -> models.QuerySet[Any]:
        """Part 3 restrictions on telling people that are in force (incident-wide and per person)."""
        return self.restrictions.active()  # type: ignore[attr-defined]


class ClockCorrection(models.Model):
    """A DPO's correction of when the organisation became aware, or of the regime, made after
    the initial report to the regulator was recorded. Append-only: the incident page and the
    regulator report's follow-up section list them with the deadline before and after."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="clock_corrections")
    aware_at_before = models.DateTimeField("became aware at, before")
    aware_at_after = models.DateTimeField("became aware at, after")
    regime_before = models.CharField(max_length=20, choices=REGIME_CHOICES)
    regime_after = models.CharField(max_length=20, choices=REGIME_CHOICES)
    deadline_before = models.DateTimeField("regulator deadline, before")
    deadline_after = models.DateTimeField("regulator deadline, after")
    reason = models.TextField()
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    corrected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["corrected_at", "pk"]

    def __str__(self) -> str:
        return f"Clock correction of incident {self.incident_id} at {self.corrected_at:%Y-%m-%d %H:%M}"

    @property
    def changes(self) -> list[str]:
        """What changed, in words (for the page and the report)."""
        out = []
        if self.aware_at_before != self.aware_at_after:
            out.append("became aware at")
        if self.regime_before != self.regime_after:
            out.append("regime")
        return out


class IncidentCategory(models.Model):
    """A category of personal data exposed in an incident, with an approximate record count."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="exposed_categories")
    category = models.ForeignKey(DataCategory, on_delete=models.PROTECT, related_name="+")
    approx_records = models.PositiveIntegerField("approximate records", null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True, help_text="Details, for “Other”.")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "category"], name="one_row_per_incident_category")
        ]
        ordering = ["category__bit"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.category_id}"


class IncidentEvent(models.Model):
    class Kind(models.TextChoices):
        BATCH_STARTED = "batch_started", "Letters: batch started"
        BATCH_FINISHED = "batch_finished", "Letters: batch finished"
        OVERRIDE = "override", "Letters: emergency override of the decision to tell"
        APPROVAL = "approval", "Letters: sample letters approved"
        PLAN_CHANGED = "plan_changed", "Letters: notification plan changed"
        PACK_BUILT = "pack_built", "Letters: print pack built"
        PACK_POSTED = "pack_posted", "Letters: print pack posted"
        RETURNED = "returned", "Letters: returned mail recorded"
        BULK_TICK = "bulk_tick", "Letters: many people ticked at once"
        RELEASE_COPY = "release_copy", "Disclosure check: release-safe copy made"
        IMPORT_RESUMED = "import_resumed", "Import: resumed after its worker stopped"
        CONTROLLER_NOTICE = "controller_notice", "Processor: notice to the controller made"
        CLOSURE_PDF = "closure_pdf", "Closure review: board PDF made"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    detail = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.incident_id})"
