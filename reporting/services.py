"""Writes for the regulator report: its details, its PDF, submission snapshots, the export log.

Keyword-only, taking the acting user (None for the command line, recorded as such), each in
one transaction with a history row naming the actor.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from breachtracker.records import attribute_to
from incidents.assessment import rules
from incidents.assessment import services as assessment_services
from incidents.models import Decision, Incident, RegulatorSubmission
from notifications.services import plan_update

from .ico_report import build_report, content_sha256, report_json
from .models import ExportRecord, ReportDetails, ReportPdf, SubmissionSnapshot
from .pdf import render_report_pdf, sha256, store_pdf
from .tasks import report_pdf_generate


def engine_likelihood(incident: Incident) -> tuple[str, rules.Recommendation | None, int | None]:
    """The latest assessment's answer to the ICO's likelihood question, its recommendation and
    its version ("", None, None with no assessment)."""
    latest = incident.assessments.order_by("-version").first()
    if latest is None:
        return "", None, None
    result = latest.result()
    return rules.ico_likelihood(result), result, latest.version


def _check_likelihood(incident: Incident, details: ReportDetails) -> None:
    """One risk everywhere: the report never says harm is unlikely where the assessment found
    a high risk, and an answer far from the assessment's needs a recorded reason."""
    suggested, result, _version = engine_likelihood(incident)
    if result is None:
        return
    conflict = rules.ico_likelihood_conflict(result, details.likelihood)
    said = dict(ReportDetails.Likelihood.choices)
    if conflict == "refused":
        raise ValidationError({"likelihood": (
            f"The risk assessment finds a high risk, so the report cannot say significant consequences are "
            f"“{said[details.likelihood]}”. If the facts have changed, reassess first.")})
    if conflict == "reason" and not details.likelihood_reason.strip():
        raise ValidationError({"likelihood_reason": (
            f"Your answer “{said[details.likelihood]}” is far from the assessment's “{said[suggested]}”: "
            "say why.")})


@transaction.atomic
def report_details_save(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> ReportDetails:
    details = ReportDetails.objects.select_for_update().filter(incident=incident).first()
    details = details or ReportDetails(incident=incident)
    for name, value in fields.items():
        setattr(details, name, value)
    details.full_clean()
    _check_likelihood(incident, details)
    attribute_to(details, actor)
    details.save()
    return details


@transaction.atomic
def export_record(*, kind: str, actor: Any, incident: Incident | None = None, incident_count: int = 1,
                  sha: str = "", via: str = ExportRecord.Via.WEB) -> ExportRecord:
    """Log one export (the History tab of the incident shows it)."""
    record = ExportRecord(kind=kind, incident=incident, incident_count=incident_count, exported_by=actor,
                          via=via, sha256=sha, exported_at=timezone.now())
    attribute_to(record, actor)
    record.save()
    return record


PENDING_STALE = timedelta(minutes=10)


def async_threshold() -> int:
    return int(settings.REPORT_PDF_ASYNC_SUBJECTS)


@transaction.atomic
def report_pdf_request(*, incident: Incident, actor: Any, report: dict[str, Any] | None = None) -> ReportPdf:
    """The PDF of the report as it stands: the stored one if the content is unchanged; else
    made now (small incidents) or queued for a worker (large ones: status PENDING)."""
    report = report or build_report(incident)
    digest = content_sha256(report)
    pdf = ReportPdf.objects.select_for_update().filter(incident=incident).first()
    if pdf and pdf.content_sha256 == digest:
        if pdf.status == ReportPdf.Status.READY:
            return pdf
        # A request still waiting for its worker; one waiting too long (a lost task) is sent again.
        if pdf.status == ReportPdf.Status.PENDING and timezone.now() - pdf.requested_at < PENDING_STALE:
            return pdf
    pdf = pdf or ReportPdf(incident=incident)
    pdf.status, pdf.content_sha256, pdf.requested_by, pdf.requested_at = (
        ReportPdf.Status.PENDING, digest, actor, timezone.now())
    pdf.finished_at, pdf.last_error = None, ""
    attribute_to(pdf, actor)
    pdf.save()
    if report["personal_data"]["data_subjects_recorded"] >= async_threshold():
        report_pdf_generate.delay_on_commit(pdf.pk)
        return pdf
    store_pdf(pdf, report, actor)
    return pdf


@transaction.atomic
def snapshot_create(*, submission: RegulatorSubmission, actor: Any) -> SubmissionSnapshot:
    """Freeze the report as sent with this submission: JSON and PDF, each with its SHA-256."""
    report = build_report(submission.incident, submission=submission)
    data = render_report_pdf(report)
    text = report_json(report)
    snapshot = SubmissionSnapshot(submission=submission, report_json=text.decode(), json_sha256=sha256(text),
                                  pdf_sha256=sha256(data), created_by=actor)
    snapshot.pdf.save(f"{submission.incident.reference}-submission-{submission.pk}.pdf", ContentFile(data),
                      save=False)
    attribute_to(snapshot, actor)
    snapshot.save()
    return snapshot


@transaction.atomic
def report_submit(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> RegulatorSubmission:
    """Record a report made to the regulator and freeze the report as sent with it (PDF, JSON,
    SHA-256, who and when), in one transaction: neither is kept without the other."""
    submission = assessment_services.submission_record(incident=incident, actor=actor, fields=fields)
    snapshot_create(submission=submission, actor=actor)
    return submission


@transaction.atomic
def decision_record(*, incident: Incident, actor: Any, kind: str, fields: dict[str, Any],
                    target_date: date | None = None) -> Decision:
    """Record a DPO's decision and, for a decision to tell people, the notification plan's
    target date with it, in one transaction."""
    decision = assessment_services.decision_record(incident=incident, actor=actor, kind=kind, fields=fields)
    if decision.outcome and target_date:
        plan_update(incident=incident, actor=actor, fields={"target_date": target_date})
    return decision
