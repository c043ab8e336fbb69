"""The "Regulator report" tab, its PDF and JSON, submission snapshots and the register export.

Reading the preview is for every role (handlers fill the gaps it lists); producing a file —
report PDF or JSON, a snapshot download, the register CSV or XLSX — is for DPO and auditor
only (EXPORT), and each one is logged in the incident's history.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from . import assessment as rules
from . import register_export, report_services
from .forms_report import ReportDetailsForm
from .ico_report import build_report, content_sha256, diff_reports, report_json
from .models import ExportRecord, ReportDetails, ReportPdf, SubmissionSnapshot
from .roles import EDIT_CASE, EXPORT, READ, require
from .views import _incident, _posted


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    # Our own names only: reference, digits, dashes and dots.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require(READ)
def report_preview(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: a constant number whatever the number of people (see ico_report.py).
    incident = _incident(reference)
    report = build_report(incident)
    snapshots = list(SubmissionSnapshot.objects.filter(submission__incident=incident)
                     .select_related("submission", "created_by").order_by("created_at", "pk"))
    last = snapshots[-1] if snapshots else None
    changes = diff_reports(last.report, report) if last else []
    pdf = ReportPdf.objects.filter(incident=incident).first()
    return render(request, "incidents/report_preview.html", {
        "incident": incident, "report": report, "snapshots": snapshots, "last_snapshot": last, "changes": changes,
        "pdf": pdf, "pdf_current": bool(pdf and pdf.content_sha256 == content_sha256(report)),
        "now": timezone.now(), "tab": "report",
    })


@require(EDIT_CASE)
def report_details_edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    instance = ReportDetails.objects.filter(incident=incident).first() or ReportDetails(incident=incident)
    suggested, result = report_services.engine_likelihood(incident)
    # The likelihood question starts from the risk assessment's answer (one risk everywhere).
    initial = {"likelihood": suggested} if suggested and not instance.likelihood else {}
    form = ReportDetailsForm(_posted(request), instance=instance, initial=initial)
    if suggested:
        form.fields["likelihood"].help_text = (
            f"The risk assessment (version {incident.assessments.order_by('-version').first().version}) "  # type: ignore[union-attr]
            f"suggests “{ReportDetails.Likelihood(suggested).label}”: {result.deciding_factor if result else ''}")
    if request.method == "POST" and form.is_valid():
        try:
            report_services.report_details_save(incident=incident, actor=request.user,
                                                fields={k: form.cleaned_data[k] for k in form.Meta.fields})
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(request, "Report details saved.")
            return redirect("report_preview", incident.reference)
    conflict = (rules.ico_likelihood_conflict(result, form["likelihood"].value() or "") if result else "")
    return render(request, "incidents/report_details_form.html",
                  {"incident": incident, "form": form, "now": timezone.now(), "tab": "report",
                   "likelihood_conflict": conflict, "suggested_likelihood": suggested})


@require(EXPORT)
def report_json_download(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    data = report_json(build_report(incident))
    report_services.export_record(kind=ExportRecord.Kind.REPORT_JSON, actor=request.user, incident=incident,
                                  sha=report_services.sha256(data))
    return _download(data, f"{incident.reference}-ico-report.json", "application/json")


@require(EXPORT)
def report_pdf_download(request: HttpRequest, reference: str) -> HttpResponse:
    """The PDF of the report as it stands; for a large incident, made by a worker first."""
    incident = _incident(reference)
    pdf = report_services.report_pdf_request(incident=incident, actor=request.user)
    if pdf.status != ReportPdf.Status.READY:
        return render(request, "incidents/report_pdf_wait.html",
                      {"incident": incident, "pdf": pdf, "now": timezone.now(), "tab": "report"})
    with pdf.pdf.open("rb") as handle:
        data = handle.read()
    report_services.export_record(kind=ExportRecord.Kind.REPORT_PDF, actor=request.user, incident=incident,
                                  sha=pdf.pdf_sha256)
    return _download(data, f"{incident.reference}-ico-report.pdf", "application/pdf")


def _snapshot(incident: object, pk: int) -> SubmissionSnapshot:
    return get_object_or_404(SubmissionSnapshot.objects.select_related("submission", "created_by"),
                             pk=pk, submission__incident=incident)


@require(READ)
def snapshot_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = _incident(reference)
    snapshot = _snapshot(incident, pk)
    previous = (SubmissionSnapshot.objects.filter(submission__incident=incident, created_at__lte=snapshot.created_at)
                .exclude(pk=snapshot.pk).order_by("-created_at", "-pk").first())
    changes = diff_reports(previous.report, snapshot.report) if previous else []
    return render(request, "incidents/report_snapshot.html", {
        "incident": incident, "snapshot": snapshot, "previous": previous, "changes": changes,
        "report": snapshot.report, "now": timezone.now(), "tab": "report",
    })


@require(EXPORT)
def snapshot_download(request: HttpRequest, reference: str, pk: int, fmt: str) -> HttpResponse:
    incident = _incident(reference)
    snapshot = _snapshot(incident, pk)
    name = f"{incident.reference}-submission-{snapshot.submission_id}"
    if fmt == "json":
        data = snapshot.report_json.encode()
        kind, sha, content_type = ExportRecord.Kind.SNAPSHOT_JSON, snapshot.json_sha256, "application/json"
    elif fmt == "pdf":
        with snapshot.pdf.open("rb") as handle:
            data = handle.read()
        kind, sha, content_type = ExportRecord.Kind.SNAPSHOT_PDF, snapshot.pdf_sha256, "application/pdf"
    else:
        raise Http404("No such format.")
    report_services.export_record(kind=kind, actor=request.user, incident=incident, sha=sha)
    return _download(data, f"{name}.{fmt}", content_type)


@require(EXPORT)
def register_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole breach register (every incident, reportable or not) for an audit."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such format.")
    incidents = list(register_export.register_queryset())
    rows = register_export.register_rows(incidents)
    if fmt == "csv":
        data = register_export.build_csv(rows)
        kind, content_type = ExportRecord.Kind.REGISTER_CSV, "text/csv; charset=utf-8"
    else:
        data = register_export.build_xlsx(rows)
        kind = ExportRecord.Kind.REGISTER_XLSX
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    report_services.export_record(kind=kind, actor=request.user, incident=None, incident_count=len(incidents),
                                  sha=report_services.sha256(data))
    return _download(data, f"breach-register-{timezone.localdate():%Y-%m-%d}.{fmt}", content_type)
