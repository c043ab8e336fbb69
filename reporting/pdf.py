"""The regulator report as a PDF: rendered, stored with its SHA-256, made by a worker for
large incidents. `tasks.py` calls the worker side; `services.py` asks for a PDF."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from breachtracker.pdf import render_pdf
from breachtracker.records import attribute_to

from .ico_report import build_report, content_sha256
from .models import ReportPdf


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_report_pdf(report: dict[str, Any]) -> bytes:
    """The report dict as a paginated A4 PDF (reference and "Page X of Y" on every page)."""
    return render_pdf(render_to_string("pdf/ico_report.html", {"report": report}))


def store_pdf(pdf: ReportPdf, report: dict[str, Any], actor: Any, reason: str = "") -> None:
    data = render_report_pdf(report)
    if pdf.pdf:
        pdf.pdf.delete(save=False)
    pdf.pdf.save(f"{pdf.incident.reference}-ico-report.pdf", ContentFile(data), save=False)
    pdf.pdf_sha256 = sha256(data)
    pdf.content_sha256 = content_sha256(report)
    pdf.status, pdf.finished_at = ReportPdf.Status.READY, timezone.now()
    attribute_to(pdf, actor, reason)
    pdf.save()


@transaction.atomic
def report_pdf_generate(*, report_pdf_id: int) -> ReportPdf | None:
    """Worker side: make the PDF of the report as it stands now. Safe to run twice."""
    pdf = ReportPdf.objects.select_for_update().select_related("incident").filter(pk=report_pdf_id).first()
    if pdf is None or pdf.status == ReportPdf.Status.READY:
        return pdf
    store_pdf(pdf, build_report(pdf.incident), pdf.requested_by, "Report PDF made by the worker")
    return pdf


def report_pdf_failed(*, report_pdf_id: int, error: str) -> None:
    pdf = ReportPdf.objects.filter(pk=report_pdf_id).first()
    if pdf is not None:
        pdf.status, pdf.last_error = ReportPdf.Status.FAILED, error[:500]
        attribute_to(pdf, pdf.requested_by, "Report PDF could not be made (worker)")
        pdf.save()
