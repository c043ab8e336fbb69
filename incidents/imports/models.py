"""An upload of a spreadsheet of affected people, and the lines of its report."""

from __future__ import annotations


from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from breachtracker.crypto import EncryptedTextField

from ..register.models import Incident


class DateOrder(models.TextChoices):
    DAY_FIRST = "dmy", "Day first: 02/03/1980 is 2 March 1980 (the UK way)"
    MONTH_FIRST = "mdy", "Month first: 02/03/1980 is 3 February 1980 (the US way)"


class DateSystem(models.TextChoices):
    S1900 = "1900", "1900: Excel for Windows, and for Mac since 2011 (29282 is 2 March 1980)"
    S1904 = "1904", "1904: old Excel for Mac (29282 is 3 March 1984)"


class AnswerSource(models.TextChoices):
    USER = "user", "Chosen by the user"
    FILE = "file", "Shown by the file itself"


class SubjectImport(models.Model):
    """One upload of a spreadsheet of affected people: who, when, which file, what it did.

    The file itself lives only between upload and processing, under a generated name in
    storage under imports-tmp/ (encrypted, see imports/upload.py); afterwards only its name and SHA-256 remain here. Progress
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
    # The spreadsheet row holding the column names: found by the check, or chosen by the user
    # when it was unsure (0: an import from before issue 15, found again on each read).
    header_row = models.PositiveIntegerField(default=0)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    # Set for every row of the file (issues 13 and 15): "all victims; basic identifiers and
    # criminal offence data". OR-ed with what each row says.
    file_roles = models.PositiveIntegerField("role of everyone in the file", default=0)
    file_categories = models.PositiveBigIntegerField("data exposed for everyone in the file", default=0)
    # How the file writes dates (issue 15): asked once per file when it cannot tell, and never
    # assumed. The order matters when day and month could be swapped (02/03/1980); the system
    # when dates are Excel serial numbers (29282): an .xlsx says which, a CSV cannot.
    date_order = models.CharField("order of day and month", max_length=3, blank=True, choices=DateOrder.choices)
    date_order_source = models.CharField(max_length=4, blank=True, choices=AnswerSource.choices)
    date_system = models.CharField("date numbers count from", max_length=4, blank=True, choices=DateSystem.choices)
    date_system_source = models.CharField(max_length=4, blank=True, choices=AnswerSource.choices)
    dates_ambiguous = models.PositiveIntegerField("dates that read either way", default=0)
    date_serials = models.PositiveIntegerField("dates written as numbers", default=0)
    only_valid = models.BooleanField("import only the valid rows", default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    rows_estimate = models.PositiveIntegerField(default=0)
    # When a worker took the pass or last reported progress (empty: confirmed, waiting for a
    # worker to take the import pass): a running import silent for long has lost its worker,
    # and the sweep hands it out again or fails it cleanly (issues 15 and 17).
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    rows_read = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_merged = models.PositiveIntegerField("rows merged into another", default=0)
    rows_merged_existing = models.PositiveIntegerField("rows merged into people already recorded", default=0)
    rows_to_check = models.PositiveIntegerField("rows kept with a field to check", default=0)
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

    @property
    def rows_added(self) -> int:
        """Rows that become new people: rows read = added + merged + left out."""
        return self.rows_valid - self.rows_merged

    @property
    def asks_date_order(self) -> bool:
        return bool(self.dates_ambiguous) and not self.date_order

    @property
    def asks_date_system(self) -> bool:
        return bool(self.date_serials) and not self.date_system

    @property
    def asks_about_dates(self) -> bool:
        """A question about the file's dates is unanswered: the import waits for it."""
        return self.asks_date_order or self.asks_date_system



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
    # The raw cell as the file had it: personal data (a date of birth, an address), so encrypted.
    value = EncryptedTextField(blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["pk"]
