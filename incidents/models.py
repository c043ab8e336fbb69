from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from breachtracker.crypto import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
    EncryptedTextField,
    blind_index,
)
from breachtracker.records import field_of

from .models_people import REPRESENTATIVE_CHOICES, PersonMixin
from .vocab import (
    REGIME_CHOICES,
    REGIMES,
    REGULATOR_STATES,
    ROLES,
    Cause,
    Channel,
    Regime,
    Role,
    mask_to_roles,
    regulator_state,
)

# UK postcode shape (the Royal Mail format, incl. GIR 0AA and the BFPO-free forms). Checked
# on the normalised value: upper case, one space before the inward code.
UK_POSTCODE_RE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ][0-9][0-9]? [0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][0-9]? [0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][0-9][A-HJKPSTUW] [0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY] [0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_uk_postcode(value: str) -> None:
    if value and not UK_POSTCODE_RE.match(normalise_postcode(value)):
        raise ValidationError(
            "“%(value)s” is not a UK postcode (the format is like SW1A 1AA or M1 1AE).",
            params={"value": value},
            code="postcode",
        )


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
        return self.annotate(subject_count=Count("subjects", distinct=True))

    def search(self, text: str) -> IncidentQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(reference__icontains=text) | Q(title__icontains=text))

    def with_regulator_state(self) -> IncidentQuerySet:
        """Annotate what `Incident.regulator_state` needs, so a list costs no extra queries."""

        initial = RegulatorSubmission.objects.filter(incident=OuterRef("pk"), kind="initial")
        last = Decision.objects.filter(incident=OuterRef("pk"), kind="report").order_by("-decided_at", "-pk")
        return self.annotate(
            initial_submitted_at=Subquery(initial.values("submitted_at")[:1]),
            last_report_decision=Subquery(last.values("outcome")[:1]),
        )


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ASSESSING = "assessing", "Assessing"
        REPORTED = "reported", "Reported to the regulator"
        NOT_REPORTED = "not_reported", "Decided not to report"
        NOTIFYING = "notifying", "Notifying people"
        CLOSED = "closed", "Closed"

    # Until a decision is recorded the regulator clock is running.
    AWAITING_DECISION = (Status.OPEN, Status.ASSESSING)

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField("what happened", help_text="What happened and how, in plain words.")
    discovery = models.TextField(
        "how it was discovered", blank=True, help_text="How you found out about the breach."
    )
    cause = models.CharField("cause or type", max_length=40, choices=Cause.CHOICES)
    regime = models.CharField(max_length=20, choices=REGIME_CHOICES, default="uk_gdpr")
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
        """The clock has run out while no decision is recorded."""
        now = now or timezone.now()
        return self.is_awaiting_decision and now > self.regulator_deadline

    def time_to_deadline(self, now: datetime | None = None) -> timedelta:
        """Positive while time is left, negative once overdue."""
        return self.regulator_deadline - (now or timezone.now())

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


class DataSubjectQuerySet(models.QuerySet["DataSubject"]):
    def with_role(self, code: str) -> DataSubjectQuerySet:
        bit = 1 << ROLES[code].bit
        return self.alias(_role_hit=F("roles").bitand(bit)).filter(_role_hit__gt=0)

    def with_category(self, category: DataCategory) -> DataSubjectQuerySet:
        return self.alias(_cat_hit=F("categories_mask").bitand(category.mask)).filter(_cat_hit__gt=0)

    def search(self, text: str) -> DataSubjectQuerySet:
        text = text.strip()
        if not text:
            return self
        # Names are encrypted: a name matches exactly (case and spacing aside) through its
        # blind index; a reference is not personal data and matches as typed.
        return self.filter(Q(name_index=blind_index(text)) | Q(reference__iexact=text))

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[DataSubject]:
        objs = list(objs)
        for subject in objs:
            subject.name_index = blind_index(subject.full_name)
        return super().bulk_create(objs, *args, **kwargs)

    def children_and_vulnerable(self, on: date) -> tuple[int, int]:
        """(children, vulnerable adults) on `on`: children by flag or by date of birth; vulnerable
        adults by flag or because someone represents them. Dates of birth are encrypted, so the
        rows that may count are read and decided here."""
        children = vulnerable = 0
        rows = self.filter(Q(is_child=True) | Q(is_vulnerable=True) | Q(date_of_birth__isnull=False)
                           | ~Q(representative_relationship=""))
        fields = ("is_child", "is_vulnerable", "date_of_birth", "representative_relationship", "representative_name")
        for values in rows.values_list(*fields).iterator(chunk_size=2000):
            subject = DataSubject(**dict(zip(fields, values, strict=True)))
            if subject.is_child_on(on):
                children += 1
            elif subject.is_vulnerable or subject.has_representative:
                vulnerable += 1
        return children, vulnerable

    def summary(self, categories: list[DataCategory]) -> dict[str, int]:
        """Totals by role, category and flag in a single query, whatever the number of rows.

        `SUM(mask & bit) / bit` counts the rows with that bit set.
        """
        sums: dict[str, Any] = {"total": Count("id"), "children": Count("id", filter=Q(is_child=True)),
                "vulnerable": Count("id", filter=Q(is_vulnerable=True)),
                "do_not_write": Count("id", filter=Q(do_not_write=True))}
        for role in ROLES.values():
            sums[f"role_{role.code}"] = Coalesce(Sum(F("roles").bitand(1 << role.bit)), 0)
        for category in categories:
            sums[f"cat_{category.code}"] = Coalesce(Sum(F("categories_mask").bitand(category.mask)), 0)
        row = self.aggregate(**sums)
        for role in ROLES.values():
            row[f"role_{role.code}"] //= 1 << role.bit
        for category in categories:
            row[f"cat_{category.code}"] //= category.mask
        return row


class DataSubject(PersonMixin, models.Model):
    """A person affected by an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="subjects")
    reference = models.CharField(
        max_length=60, blank=True, help_text="The person's reference in the source system, if any."
    )
    full_name = EncryptedCharField(max_length=300)
    # Keyed HMAC of the normalised name (breachtracker/crypto.py): exact-match search.
    name_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    # Roles and categories are bitmasks: a person may be victim and witness at once, and the
    # per-role and per-category counts of 100,000 people stay one aggregate query.
    roles = models.PositiveIntegerField(default=0)
    categories_mask = models.PositiveBigIntegerField("data categories exposed", default=0)
    is_child = models.BooleanField("child", default=False)
    is_vulnerable = models.BooleanField("vulnerable adult", default=False)
    address_line_1 = EncryptedCharField(max_length=200, blank=True)
    address_line_2 = EncryptedCharField(max_length=200, blank=True)
    town = EncryptedCharField("town or city", max_length=100, blank=True)
    postcode = EncryptedCharField(max_length=10, blank=True, validators=[validate_uk_postcode])
    email = EncryptedEmailField(blank=True)
    phone = EncryptedCharField(max_length=40, blank=True)
    # What an import could not read for this person (issue 15), with the raw values: the
    # person is kept and a handler checks these. Encrypted like the rest of their data.
    to_check = EncryptedTextField("to check", blank=True, help_text="What an import could not read for this person.")
    preferred_channel = models.CharField(
        "preferred safe channel", max_length=20, choices=Channel.CHOICES, default=Channel.LETTER
    )
    do_not_write = models.BooleanField(
        "do not write to this address",
        default=False,
        help_text="It may not be safe for this person to receive a letter at home.",
    )
    notes = EncryptedTextField(blank=True)
    language = models.CharField(
        "language of letters", max_length=5, choices=[("en", "English"), ("cy", "Welsh (bilingual letter)")],
        default="en")
    large_print = models.BooleanField("large print", default=False,
                                      help_text="Letters to this person are printed in large type.")
    # Someone who acts for an adult (issue 13): letters go to them, at their address.
    representative_relationship = models.CharField(
        "representative's role", max_length=20, blank=True, choices=REPRESENTATIVE_CHOICES,
        help_text="Someone who deals with this person's affairs: letters are addressed to them.")
    representative_name = EncryptedCharField("representative's name", max_length=200, blank=True)
    representative_address = EncryptedTextField("representative's postal address", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = DataSubjectQuerySet.as_manager()

    class Meta:
        # Names are encrypted, so the database cannot sort by them: people are listed in the
        # order they were recorded.
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_index = blind_index(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_index"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("subject_detail", args=[self.incident.reference, self.pk])

    @property
    def role_list(self) -> list[Role]:
        return mask_to_roles(self.roles)

    @property
    def regime(self) -> str:
        """A subject is under the regime of the incident they are part of."""
        return self.incident.regime

    def category_list(self, categories: list[DataCategory]) -> list[DataCategory]:
        return [c for c in categories if self.categories_mask & c.mask]

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.address_line_1, self.address_line_2, self.town, self.postcode) if line]



class SubjectImport(models.Model):
    """One upload of a spreadsheet of affected people: who, when, which file, what it did.

    The file itself lives only between upload and processing, under a generated name in
    MEDIA_ROOT/imports-tmp; afterwards only its name and SHA-256 remain here. Progress
    counters are written by the worker with QuerySet.update (not audited: they are a progress
    bar); every change of status goes through services.py and leaves a history row.
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", "Columns need matching"
        QUEUED = "queued", "Waiting to be checked"
        VALIDATING = "validating", "Checking rows"
        VALIDATED = "validated", "Checked: waiting for you to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Could not be read"
        CANCELLED = "cancelled", "Cancelled"

    RUNNING = (Status.QUEUED, Status.VALIDATING, Status.IMPORTING)
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField("file SHA-256", max_length=64)
    file_size = models.PositiveBigIntegerField(default=0)
    file_kind = models.CharField(max_length=10)  # csv or xlsx
    encoding = models.CharField(max_length=20, blank=True)
    sheet = models.CharField(max_length=100, blank=True)
    other_sheets = models.JSONField(default=list, blank=True)
    # Where the upload waits for the worker: a generated name, never the user's file name.
    tmp_name = models.CharField(max_length=100, blank=True, editable=False)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    # Set for every row of the file (issues 13 and 15): "all victims; basic identifiers and
    # criminal offence data". OR-ed with what each row says.
    file_roles = models.PositiveIntegerField("role of everyone in the file", default=0)
    file_categories = models.PositiveBigIntegerField("data exposed for everyone in the file", default=0)
    only_valid = models.BooleanField("import only the valid rows", default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    rows_estimate = models.PositiveIntegerField(default=0)
    # When a worker last reported progress: a running import silent for long has lost its
    # worker, and the sweep fails it cleanly (issue 15).
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    rows_read = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_merged = models.PositiveIntegerField("rows merged into another", default=0)
    subjects_created = models.PositiveIntegerField(default=0)
    subjects_updated = models.PositiveIntegerField(default=0)
    subjects_unchanged = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("subject_import_detail", args=[self.incident.reference, self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status in (self.Status.VALIDATED, *self.FINISHED):
            return 100
        if not self.rows_estimate:
            return 0
        return min(99, self.rows_read * 100 // self.rows_estimate)

    def tmp_path(self) -> Path | None:
        return Path(settings.MEDIA_ROOT) / "imports-tmp" / self.tmp_name if self.tmp_name else None


class SubjectImportIssue(models.Model):
    """A line of an import's report: a row left out (and why), a person imported with a field
    left empty to check, or a row merged (and into what).

    Written in bulk and never changed (a new check replaces the whole report), so it has no
    history of its own: the import record's history says when each report was made.
    """

    class Kind(models.TextChoices):
        ERROR = "error", "Problem"
        KEPT = "kept", "Imported: to check"
        MERGED = "merged", "Merged"
        NOTE = "note", "Note"

    subject_import = models.ForeignKey(SubjectImport, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    row = models.PositiveIntegerField(null=True)
    column = models.CharField(max_length=200, blank=True)
    value = models.TextField(blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["pk"]


# Assessments, decisions, restrictions, submissions and reminders live in their own module to
# keep this file small; importing it here registers them as models of this app.
from .assessment.models import (  # noqa: E402,F401
    Assessment,
    Decision,
    RegulatorSubmission,
    ReminderSent,
    Restriction,
)
from .disclosure.models import Evidence  # noqa: E402,F401
from .models_events import IncidentEvent  # noqa: E402,F401
