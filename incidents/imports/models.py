"""An upload of a spreadsheet of affected people, and the lines of its report."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ..register.models import Incident


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
