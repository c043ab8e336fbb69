"""The regulator report's own facts, stored PDFs, submission snapshots and the export log.

They belong to the reporting layer, which alone writes them, but keep the `incidents` app
label (`Meta.app_label`) so that their tables and migrations stay where they have always been.

- `ReportDetails`: what the ICO form asks that the case has nowhere else (likely consequences,
  staff training, measures before, other organisations told, cyber impact...). One row per
  incident, edited on a form; every change has a history row.
- `ReportPdf`: the latest PDF of an incident's report, cached with the SHA-256 of the JSON it
  was made from (a stale PDF is never served) and of the file itself.
- `SubmissionSnapshot`: the exact report sent with one `RegulatorSubmission`: JSON and PDF,
  both with SHA-256, who and when. Never changed.
- `ExportRecord`: one line per report or register export (who, when, which incident, format).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from breachtracker.records import AppendOnly
from incidents.assessment.models import LIMITED, TEXT_LIMIT


def _text(label: str, help_text: str = "") -> models.TextField:
    return models.TextField(label, blank=True, help_text=help_text, max_length=TEXT_LIMIT, validators=LIMITED)


class ReportDetails(models.Model):
    """Answers to the ICO report form's questions that no other record holds."""

    class Likelihood(models.TextChoices):
        VERY_LIKELY = "very_likely", "Very likely"
        LIKELY = "likely", "Likely"
        NEUTRAL = "neutral", "Neutral"
        UNLIKELY = "unlikely", "Unlikely"
        VERY_UNLIKELY = "very_unlikely", "Very unlikely"

    class Impact(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"
        NOT_YET_KNOWN = "not_yet_known", "Not yet known"

    class Recovery(models.TextChoices):
        REGULAR = "regular", "Regular"
        SUPPLEMENTED = "supplemented", "Supplemented"
        EXTENDED = "extended", "Extended"
        NOT_RECOVERABLE = "not_recoverable", "Not recoverable"
        ALREADY_RECOVERED = "already_recovered", "Already recovered"
        NOT_YET_KNOWN = "not_yet_known", "Not yet known"

    class Training(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        PARTLY = "partly", "Some of them"
        NOT_KNOWN = "not_known", "Don't know"
        NO_STAFF = "no_staff", "No staff were involved"

    class Cyber(models.TextChoices):
        FROM_CAUSE = "", "As the cause says"
        DONT_KNOW = "dont_know", "Don't know"

    class YesNo(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        DONT_KNOW = "dont_know", "Don't know"

    class Told(models.TextChoices):
        # The answers to "Have you told data subjects?" that the letters' records cannot give.
        ALREADY_AWARE = "already_aware", "No, they're already aware"
        OTHER = "other", "Something else"

    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="report_details")
    cyber_answer = models.CharField(
        "was it a cyber incident", max_length=20, choices=Cyber.choices, blank=True,
        help_text="Normally taken from the cause; choose “Don't know” if that is not yet clear.",
    )
    consequences = _text("potential consequences", "What may happen to the people affected (distress, fraud, "
                                                   "physical harm...). Never name anyone.")
    likelihood = models.CharField(
        "likelihood of significant consequences", max_length=20, choices=Likelihood.choices, blank=True
    )
    likelihood_reason = _text("why your answer differs from the risk assessment",
                              "Needed when your answer is far from what the assessment found.")
    systems_affected = models.CharField(
        "has the confidentiality, integrity or availability of your information systems been affected (cyber)",
        max_length=20, choices=YesNo.choices, blank=True)
    cyber_impact = models.CharField(
        "impact on the organisation (cyber)", max_length=20, choices=Impact.choices, blank=True
    )
    recovery_time = models.CharField("recovery time (cyber)", max_length=20, choices=Recovery.choices, blank=True)
    staff_involved = _text("staff involved", "Roles of the staff involved, not their names.")
    staff_trained = models.CharField(
        "data protection training in the last two years", max_length=20, choices=Training.choices, blank=True
    )
    training_details = _text("training details")
    staff_instructions = _text("specific instructions or guidance given to the staff member",
                               "About the task that went wrong, if any. Roles, not names.")
    actions_taken = _text("actions taken or proposed", "Including what you did to contain the breach and "
                                                        "mitigate its effects.")
    measures_before = _text("measures in place before the breach")
    prevent_recurrence = _text("steps to prevent it happening again")
    prevent_recurrence_by = models.DateField(
        "when you expect these steps to be complete", null=True, blank=True)
    other_organisations_told = models.CharField(
        "have you told, or are you planning to tell, any other organisations", max_length=20,
        choices=YesNo.choices, blank=True)
    other_organisations = _text("which organisations, and when", "Police, other regulators, NCSC, banks...")
    told_answer = models.CharField(
        "have you told the people: an answer the letters cannot give", max_length=20, choices=Told.choices,
        blank=True, help_text="Only while nobody has been told or is being told: after that the report says so "
                              "from the letters' records.")
    told_answer_details = _text("details of that answer")
    ico_staff_contact = models.CharField(
        "ICO staff member you have already spoken to about this breach", max_length=200, blank=True,
        help_text="Their name, if you have spoken to someone at the ICO about it.")
    delay_reasons = _text("reasons for any delay in reporting",
                          "Needed when the report is made after the 72-hour deadline.")
    reporter_name = models.CharField("person reporting: name", max_length=200, blank=True)
    reporter_job_title = models.CharField("person reporting: job title", max_length=200, blank=True)
    reporter_email = models.EmailField("person reporting: email", blank=True)
    reporter_phone = models.CharField("person reporting: phone", max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"  # the tables stay where they are: no migration moves them
        verbose_name_plural = "report details"

    def __str__(self) -> str:
        return f"Report details of incident {self.incident_id}"


class ReportPdf(models.Model):
    """The latest PDF of an incident's regulator report, made from the JSON whose hash it keeps."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="report_pdf")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    content_sha256 = models.CharField("SHA-256 of the report JSON", max_length=64)
    pdf = models.FileField(upload_to="reports/", blank=True, max_length=200)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"  # the tables stay where they are: no migration moves them

    def __str__(self) -> str:
        return f"Report PDF of incident {self.incident_id} ({self.status})"


class SubmissionSnapshot(AppendOnly):
    """The report exactly as it stood when a submission to the regulator was recorded."""

    append_only_message = "A snapshot is never changed."

    submission = models.OneToOneField("incidents.RegulatorSubmission", on_delete=models.PROTECT,
                                      related_name="snapshot")
    # The exact bytes sent, as text: a JSONField on PostgreSQL (jsonb) would reorder the keys
    # and the SHA-256 would no longer match what was downloaded.
    report_json = models.TextField("report (JSON)")
    json_sha256 = models.CharField("JSON SHA-256", max_length=64)
    pdf = models.FileField(upload_to="snapshots/", max_length=200)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"  # the tables stay where they are: no migration moves them
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Snapshot of submission {self.submission_id}"

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.report_json)



class ExportRecord(AppendOnly):
    """A report or register export: who made it, when, of what, and the file's SHA-256."""

    append_only_message = "An export record is never changed."

    class Kind(models.TextChoices):
        REPORT_PDF = "report_pdf", "Regulator report (PDF)"
        REPORT_JSON = "report_json", "Regulator report (JSON)"
        SNAPSHOT_PDF = "snapshot_pdf", "Submitted report (PDF)"
        SNAPSHOT_JSON = "snapshot_json", "Submitted report (JSON)"
        REGISTER_CSV = "register_csv", "Breach register (CSV)"
        REGISTER_XLSX = "register_xlsx", "Breach register (XLSX)"
        PECR_LOG_CSV = "pecr_log_csv", "PECR breach log for a month (CSV)"
        PECR_LOG_XLSX = "pecr_log_xlsx", "PECR breach log for a month (XLSX)"
        PECR_NIL_RETURN = "pecr_nil_return", "PECR nil return for a month"

    class Via(models.TextChoices):
        WEB = "web", "Web"
        COMMAND = "command", "Command line"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Blank for a register export: it covers every incident (see `incident_count`).
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="exports")
    incident_count = models.PositiveIntegerField("incidents included", default=1)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.WEB)
    sha256 = models.CharField("file SHA-256", max_length=64, blank=True)
    exported_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"  # the tables stay where they are: no migration moves them
        ordering = ["-exported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.exported_at:%Y-%m-%d %H:%M}"

