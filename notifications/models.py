"""Notifications to affected people: letter templates, the outbox, batches, print packs."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from breachtracker.records import field_of
from incidents.models import DataSubject, Incident
from incidents.vocab import ROLES, Channel


class Audience(models.TextChoices):
    VICTIM = "victim", "Victim"
    WITNESS = "witness", "Witness"
    SUSPECT = "suspect", "Suspect"
    STAFF = "staff", "Officer or staff member"
    GENERAL = "general", "Anyone else"


# A person with several roles gets the first audience in this order: a victim who is also a
# witness is written to as a victim.
AUDIENCE_BY_ROLE = (
    ("victim", Audience.VICTIM),
    ("complainant", Audience.VICTIM),
    ("witness", Audience.WITNESS),
    ("suspect", Audience.SUSPECT),
    ("officer_staff", Audience.STAFF),
)


def audience_for(subject: DataSubject) -> str:
    for code, audience in AUDIENCE_BY_ROLE:
        if subject.roles & (1 << ROLES[code].bit):
            return audience
    return Audience.GENERAL


def template_key(audience: str, language: str = "en") -> str:
    """How approvals and caches name a letter: "victim" (English), "victim-cy" (Welsh, bilingual)."""
    return audience if language == Language.ENGLISH else f"{audience}-{language}"


class LetterTemplateQuerySet(models.QuerySet["LetterTemplate"]):
    def current(self, language: str = "en") -> dict[str, LetterTemplate]:
        """The latest version of each audience's template in `language`, by audience."""
        return {t.audience: t for t in self.current_by_key().values() if t.language == language}

    def current_by_key(self) -> dict[str, LetterTemplate]:
        """The latest version of every audience's template in every language, by template_key."""
        latest = self.values("audience", "language").annotate(v=Max("version"))
        wanted = Q()
        for row in latest:
            wanted |= Q(audience=row["audience"], language=row["language"], version=row["v"])
        return {t.key: t for t in self.filter(wanted)} if latest else {}


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    WELSH = "cy", "Welsh (bilingual letter, Welsh first)"


class LetterTemplate(models.Model):
    """One version of the letter for one audience and language. Editing saves a new version;
    old ones stay so every notification can show exactly what was sent."""

    audience = models.CharField(max_length=20, choices=Audience.choices)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    version = models.PositiveIntegerField()
    email_subject = models.CharField(max_length=200)
    body = models.TextField(help_text="The letter, in HTML with placeholders from the fixed list.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = LetterTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["audience", "-version"]
        constraints = [models.UniqueConstraint(fields=["audience", "language", "version"],
                                               name="one_template_version_per_language")]

    def __str__(self) -> str:
        welsh = " (Welsh)" if self.language == Language.WELSH else ""
        return f"{self.get_audience_display()} letter{welsh}, version {self.version}"

    @property
    def key(self) -> str:
        return template_key(self.audience, self.language)


class NotificationPlan(models.Model):
    """What the DPO decided about telling people for one incident: the target date and the
    public wording every letter carries (Art. 34(2), s.68(2)). Written for the public: nothing
    here is copied from the incident's internal record."""

    # What a letter must say; a batch is refused while any of these is empty.
    REQUIRED = ("public_description", "consequences", "measures", "advice", "support")

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="notification_plan")
    target_date = models.DateField("tell everyone by", null=True, blank=True)
    public_description = models.TextField(
        "what happened, in words for the public", blank=True, max_length=3000,
        help_text="Short, plain sentences. Not the internal description: no system names, no blame.")
    consequences = models.TextField("likely consequences", blank=True, max_length=3000)
    risk_reason = models.TextField(
        "why the consequences say harm is unlikely although the risk is high", blank=True, max_length=2000,
        help_text="Needed only when the wording says harm is unlikely while the latest assessment says high risk.")
    measures = models.TextField("what we have done", blank=True, max_length=3000)
    advice = models.TextField("what the person can do", blank=True, max_length=3000)
    support = models.TextField("who can support them", blank=True, max_length=3000)
    # Bumped by every saved change of the wording: an approval is for one version.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Notification plan for {self.incident_id}"

    def missing(self) -> list[str]:
        """Labels of the wording still to write, in the order a letter uses it."""
        return [str(field_of(self, name).verbose_name) for name in self.REQUIRED
                if not getattr(self, name).strip()]


class DecisionOverride(models.Model):
    """The DPO's emergency override: letters may start before a decision to tell people is
    recorded, for this written reason. Shown on the incident and in its history."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notification_overrides")
    reason = models.TextField(max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Override for {self.incident_id}"


class LetterApproval(models.Model):
    """The DPO looked at real sample letters and approved them: this plan version and these
    template versions. A batch keeps the approval it started under, whatever changes later."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="letter_approvals")
    plan_version = models.PositiveIntegerField()
    # The plan's wording as approved, so a running batch keeps it (NotificationPlan.REQUIRED).
    plan_wording = models.JSONField(default=dict)
    # {audience: LetterTemplate pk} of the versions approved.
    templates = models.JSONField(default=dict)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-approved_at", "-pk"]

    def __str__(self) -> str:
        return f"Approval {self.pk} of {self.incident_id}"

    def plan(self) -> NotificationPlan:
        """The plan as approved (unsaved)."""
        return NotificationPlan(incident_id=self.incident_id, version=self.plan_version,
                                **{k: v for k, v in self.plan_wording.items() if k in NotificationPlan.REQUIRED})


class Batch(models.Model):
    """One press of “generate letters” by the DPO."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notification_batches")
    approval = models.ForeignKey(LetterApproval, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="batches", help_text="The letters and wording this batch uses.")
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    total = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} of {self.incident_id}"

    def progress(self) -> dict[str, int | bool]:
        counts = self.notifications.aggregate(
            total=Count("id"),
            waiting=Count("id", filter=Q(status__in=[Notification.Status.PENDING, Notification.Status.GENERATING])),
            withheld=Count("id", filter=Q(status=Notification.Status.WITHHELD)),
            failed=Count("id", filter=Q(status=Notification.Status.FAILED)),
        )
        done = counts["total"] - counts["waiting"]
        return {**counts, "done": done, "finished": counts["waiting"] == 0,
                "percent": round(100 * done / counts["total"]) if counts["total"] else 100}


def letter_reference(incident_reference: str, notification_id: int) -> str:
    return f"{incident_reference}-L{notification_id}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def outstanding(self) -> NotificationQuerySet:
        """People not yet told who should be: withheld only for want of a safe channel counts."""
        return self.filter(
            Q(status__in=Notification.OUTSTANDING)
            | Q(status=Notification.Status.WITHHELD, withheld_code__in=Notification.NEEDS_ANOTHER_CHANNEL)
        )

    def overdue(self, today: date | None = None) -> NotificationQuerySet:
        today = today or timezone.localdate()
        return self.outstanding().filter(incident__notification_plan__target_date__lt=today)

    def progress(self) -> dict[str, int]:
        """Counts by status, channel and role (done / total) in one aggregate query."""
        sums: dict[str, object] = {"total": Count("id")}
        for status in Notification.Status:
            sums[f"status_{status.value}"] = Count("id", filter=Q(status=status))
        for code, _label in Channel.CHOICES:
            sums[f"channel_{code}"] = Count("id", filter=Q(channel=code))
            sums[f"channel_{code}_done"] = Count("id", filter=Q(channel=code, status__in=Notification.DONE))
        for role in ROLES.values():
            bit = 1 << role.bit
            sums[f"role_{role.code}"] = Coalesce(Sum(F("subject__roles").bitand(bit)), 0)
            sums[f"role_{role.code}_done"] = Coalesce(
                Sum(F("subject__roles").bitand(bit), filter=Q(status__in=Notification.DONE)), 0)
        row = self.aggregate(**sums)  # type: ignore[arg-type]
        for role in ROLES.values():
            row[f"role_{role.code}"] //= 1 << role.bit
            row[f"role_{role.code}_done"] //= 1 << role.bit
        return row


def told_at() -> Coalesce:
    """When a person was told: sent, else delivered (a call or a visit). The index
    `notification_told_at` is on this expression; a query written with it can use the index."""
    return Coalesce(F("sent_at"), F("delivered_at"))


class Notification(models.Model):
    """The outbox: one row per affected person and incident, tracked until they are told."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        GENERATING = "generating", "Generating"
        GENERATED = "generated", "Generated"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered / told"
        RETURNED = "returned", "Returned"
        FAILED = "failed", "Failed"
        WITHHELD = "withheld", "Withheld"

    class Withheld(models.TextChoices):
        RESTRICTED = "restricted", "Restricted (DPA 2018 Part 3)"
        EXEMPT = "exempt", "Exempt (Art. 34(3))"
        NOT_REQUIRED = "not_required", "Decided not to tell (no duty)"
        DO_NOT_WRITE = "do_not_write", "Do not write to this address"
        NO_ADDRESS = "no_address", "No usable postal address"
        NO_EMAIL = "no_email", "No usable email address"
        NO_SAFE_CHANNEL = "no_safe_channel", "No safe channel"
        PERSONAL_CONTACT = "personal_contact", "Phone call or visit chosen"

    DONE = (Status.SENT, Status.DELIVERED)
    OUTSTANDING = (Status.PENDING, Status.GENERATING, Status.GENERATED, Status.SENDING, Status.RETURNED,
                   Status.FAILED)
    # Withheld for these reasons, the person must still be told, by phone or in person.
    NEEDS_ANOTHER_CHANNEL = (Withheld.DO_NOT_WRITE, Withheld.NO_ADDRESS, Withheld.NO_EMAIL,
                             Withheld.NO_SAFE_CHANNEL, Withheld.PERSONAL_CONTACT)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    subject = models.OneToOneField(DataSubject, on_delete=models.CASCADE, related_name="notification")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    channel = models.CharField(max_length=20, choices=Channel.CHOICES, default=Channel.LETTER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    previous_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    withheld_code = models.CharField(max_length=20, choices=Withheld.choices, blank=True)
    withheld_reason = models.CharField(max_length=300, blank=True)
    template = models.ForeignKey(LetterTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(upload_to="letters/", blank=True, max_length=200)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # Who holds the row while generating or sending, and since when (a crashed worker's claim
    # goes stale and another worker takes the row over).
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField("contact outcome", max_length=300, blank=True)
    # Bumped by every tick: a form carries the version it was loaded at, so a second person
    # ticking the same row is told it changed instead of silently overwriting.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["subject_id", "pk"]
        indexes = [
            models.Index(fields=["incident", "status"]),
            # The list's order within an incident (a deep page reads its rows from the index).
            models.Index(fields=["incident", "subject", "id"], name="notification_list_order"),
            # A worker finds the rows it claimed by token: without this, every chunk's claim
            # scanned every notification of every incident ever handled.
            models.Index(fields=["claim_token"], condition=models.Q(claim_token__isnull=False),
                         name="notification_claim_token"),
            # The case timeline's first and latest person told (reporting.charts): MIN and MAX
            # of when each was told, read from the two ends of this index instead of a pass
            # over everyone told (4 ms at 50,000 people told, growing with each one).
            models.Index(F("incident"), told_at(), name="notification_told_at",
                         condition=models.Q(status__in=["sent", "delivered"])),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} ({self.get_status_display()})"

    @property
    def is_outstanding(self) -> bool:
        return self.status in self.OUTSTANDING or (
            self.status == self.Status.WITHHELD and self.withheld_code in self.NEEDS_ANOTHER_CHANNEL)

    @staticmethod
    def new_token() -> uuid.UUID:
        return uuid.uuid4()

    @property
    def letter_reference(self) -> str:
        """Printed on the letter and in the print-pack manifest; pasted back for returned mail."""
        return letter_reference(self.incident.reference, self.pk)


class ContactAttempt(models.Model):
    """A phone call, visit or email exchange by staff, with its outcome."""

    class Outcome(models.TextChoices):
        TOLD = "told", "Spoke to the person and told them"
        NO_ANSWER = "no_answer", "No answer"
        MESSAGE = "message", "Left a message asking them to call back (no details)"
        WRONG_NUMBER = "wrong_number", "Wrong number or address"
        DECLINED = "declined", "Person declined to talk"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(max_length=20, choices=[c for c in Channel.CHOICES if c[0] in ("phone", "in_person", "email")])
    contacted_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-contacted_at"]


class PrintPack(models.Model):
    """One merged PDF of a batch's letters in postcode order, with a manifest for the post room."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="print_packs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BUILDING)
    pdf = models.FileField(upload_to="packs/", blank=True, max_length=200)
    manifest = models.FileField(upload_to="packs/", blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    letters = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # Built as parts in parallel, then joined (issue 18). Each start of a build is a new
    # attempt: parts carry it, so a pack never mixes parts of two attempts. `parts_done`
    # maps a finished part's index to its counts; the part that finishes last joins.
    attempt = models.PositiveIntegerField(default=0)
    parts = models.PositiveIntegerField(default=0)
    parts_done = models.JSONField(default=dict, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def letter_ids(self) -> list[int]:
        """The notifications merged into the pack, in print order."""
        return list(self.entries.order_by("position").values_list("notification_id", flat=True))


class PrintPackLetter(models.Model):
    """A letter merged into a print pack, at its place in print order: what "posted" ticks.

    A row per letter, not a list on the pack, so a pack of any size is saved and marked posted
    a block at a time (a list of 100,000 ids was about 10 MB in the row and again in its
    history). Written once, when the pack is built; the pack's history records that build.
    """

    pack = models.ForeignKey(PrintPack, on_delete=models.CASCADE, related_name="entries")
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="pack_entries")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["pack", "position"]
        constraints = [models.UniqueConstraint(fields=["pack", "position"], name="one_letter_per_pack_place")]


class DigestSent(models.Model):
    """A daily digest sent to a handler: the unique row makes it once per person per day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    overdue = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_per_day")]


# A counter's day told, for the people not (or no longer) told: a fixed early date, not NULL,
# so it takes part in the unique key the counters are added by (progress.add).
NOT_TOLD = date(1, 1, 1)


class NotificationProgress(models.Model):
    """How many of an incident's notifications are in one bucket — a status (with the reason,
    when withheld), a channel and the person's roles — kept up to date by every change of a
    notification's status, channel or person's roles (`progress.py`), so the pages that show
    progress read a few rows instead of counting 100,000 notifications on every load.
    Derived figures, not a record of anyone's: no history of their own."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notification_progress")
    status = models.CharField(max_length=20, choices=Notification.Status.choices)
    withheld_code = models.CharField(max_length=20, blank=True)  # only for status "withheld"
    channel = models.CharField(max_length=20)
    roles = models.PositiveIntegerField(default=0)  # the person's roles (DataSubject.roles)
    # The London day they were told (sent, else delivered), for the progress chart's people
    # told by day; NOT_TOLD while not told.
    told_on = models.DateField(default=NOT_TOLD)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["incident", "status", "withheld_code", "channel", "roles", "told_on"],
            name="one_progress_bucket_by_day")]

    def __str__(self) -> str:
        return f"{self.n} {self.status} in {self.incident_id}"
