"""“Check a file”: upload a file, see what a reader could recover from it, keep nothing.

Reachable on its own (before release: an FOI officer checks a response) and from an incident
(after a leak: the DPO checks the file that went out). The upload is written to a private
temporary directory, checked in the request within the limits of `disclosure.Limits`, and
deleted before the page is returned; neither the file nor the findings are stored. Only when
the DPO asks to add the people it exposes are those rows handed to the import, which keeps
them under a generated name until the import is confirmed, cancelled or swept (a day).
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from ..http import incident_or_404
from ..imports import services as import_services
from ..models import Evidence, Incident, Organisation, SubjectImport
from ..roles import CHECK_DISCLOSURE, require
from . import ACCEPTED, Limits, Refused, Report, check_file
from .evidence import evidence_attach, evidence_bytes
from .pdf import findings_pdf, summary
from .report import CATEGORY_NAMES
from .rows import exposed_people

# Multipart overhead allowed on top of the file itself.
_ENVELOPE_BYTES = 64 * 1024


def max_upload_bytes() -> int:
    return settings.BREACHTRACKER_MAX_UPLOAD_MB * 1024 * 1024


class CheckFileForm(forms.Form):
    file = forms.FileField(
        label="File to check",
        help_text=f"An Excel workbook, a Word document or a CSV ({ACCEPTED}). It is checked and "
        "then deleted: it is not kept.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED.replace(" ", "")}),
    )
    as_pdf = forms.BooleanField(
        label="Download the findings as a PDF report instead of showing them",
        help_text="For the release file: masked evidence only, no one's personal data in full.",
        required=False,
    )
    attach_evidence = forms.BooleanField(
        label="Keep this file with the incident as evidence",
        help_text="Stored encrypted; only the DPO and case handlers can download it. Otherwise the "
        "file is deleted once checked.",
        required=False,
    )
    add_people = forms.BooleanField(
        label="Also add the people this file exposes to this incident's affected people",
        help_text="They go through the import: the rows are checked and de-duplicated, and "
        "nothing is added until you confirm the import.",
        required=False,
    )

    def __init__(self, *args: Any, incident: Incident | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if incident is None:  # the pre-release check has no incident to add people or evidence to
            del self.fields["add_people"]
            del self.fields["attach_evidence"]


@csrf_exempt  # the size is checked before the body is read; _check_upload enforces CSRF after
@require(CHECK_DISCLOSURE)
def disclosure_check(request: HttpRequest) -> HttpResponse:
    return _page(request, incident=None)


@csrf_exempt
@require(CHECK_DISCLOSURE)
def incident_disclosure_check(request: HttpRequest, reference: str) -> HttpResponse:
    return _page(request, incident=incident_or_404(reference))


def _page(request: HttpRequest, incident: Incident | None) -> HttpResponse:
    # Refuse an oversized upload from its declared length, before Django reads the body to
    # disk; the WSGI stream never yields more than CONTENT_LENGTH.
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_upload_bytes() + _ENVELOPE_BYTES:
            form = CheckFileForm()
            refusal = (f"The file is larger than {settings.BREACHTRACKER_MAX_UPLOAD_MB} MB, the largest "
                       "this page checks. Split it, or ask for the command-line check.")
            return _form(request, incident, form, refusal, status=413)
    return _check_upload(request, incident)


@csrf_protect
def _check_upload(request: HttpRequest, incident: Incident | None) -> HttpResponse:
    if request.method != "POST":
        return _form(request, incident, CheckFileForm(incident=incident))
    form = CheckFileForm(request.POST, request.FILES, incident=incident)
    if not form.is_valid():
        return _form(request, incident, form)
    upload: UploadedFile = form.cleaned_data["file"]
    keep = incident is not None and form.cleaned_data.get("attach_evidence")
    data = b"".join(upload.chunks()) if keep else b""
    file_name = upload.name or "upload"
    try:
        report = _analyse(upload)
    except Refused as refusal:
        return _form(request, incident, CheckFileForm(incident=incident), refusal.message)
    evidence = None
    if keep and incident is not None:
        evidence = evidence_attach(incident=incident, actor=request.user, data=data, file_name=file_name,
                                   verdict=report.verdict)
    if form.cleaned_data.get("as_pdf"):
        return findings_pdf_response(report, incident=incident, user=request.user)
    subject_import = None
    if incident is not None and form.cleaned_data.get("add_people"):
        people = exposed_people(report)
        if people:
            subject_import = import_services.subject_import_create(
                incident=incident, actor=request.user, upload=people_upload(people)
            )
    return _report(request, incident, report, subject_import, evidence)


def people_upload(people: list[dict[str, Any]]) -> SimpleUploadedFile:
    """The people a checked file exposes, as a file in the import template's shape.

    The import then treats them exactly like an uploaded spreadsheet: validation,
    de-duplication against the incident, progress, and the DPO's confirmation. A person whose
    role the file does not say is imported as “Other”, for staff to correct.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Reference", "Full name", "Date of birth", "Role", "Address line 1", "Address line 2",
                     "Town", "Postcode", "Email", "Phone", "Data categories"])
    for person in people:
        writer.writerow([
            person["reference"], person["full_name"], person["date_of_birth"],
            person["role"] or "other", person["address_line_1"], person["address_line_2"],
            person["town"], person["postcode"], person["email"], person["phone"],
            ";".join(person["categories"]),
        ])
    # A fixed name: the import record shows where the rows came from, never a user's file name.
    return SimpleUploadedFile("people-found-by-disclosure-check.csv", buffer.getvalue().encode("utf-8"),
                              content_type="text/csv")


def _analyse(upload: UploadedFile) -> Report:
    """Copy the upload into a private temporary directory, check it, delete it."""
    # Within a web worker's timeout (gunicorn's default is 30 s); the command allows longer.
    limits = Limits(max_file_bytes=max_upload_bytes(), max_seconds=25)
    name = Path(upload.name or "upload").name[-120:]
    try:
        with tempfile.TemporaryDirectory(prefix="bt-check-") as folder:
            path = Path(folder) / ("upload" + Path(name).suffix.lower()[:8])
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            return check_file(path, filename=name, limits=limits)
    finally:
        upload.close()  # Django's own temporary copy of a large upload goes with it


def _form(request: HttpRequest, incident: Incident | None, form: CheckFileForm, refusal: str = "",
          status: int = 200) -> HttpResponse:
    evidence = list(incident.evidence.select_related("attached_by")) if incident is not None else []
    return render(request, "incidents/disclosure_check.html", {
        "form": form, "incident": incident, "refusal": refusal, "tab": "disclosure",
        "max_mb": settings.BREACHTRACKER_MAX_UPLOAD_MB, "now": timezone.now(), "evidence_list": evidence,
    }, status=status)


def findings_pdf_response(report: Report, *, incident: Incident | None, user: Any) -> HttpResponse:
    pdf = findings_pdf(report, incident=incident, checked_by=user.get_full_name() or user.username,
                       organisation=Organisation.current().controller_name)
    response = HttpResponse(pdf, content_type="application/pdf")
    # Our own name for the file, never the uploaded file's.
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    prefix = f"{incident.reference}-" if incident else ""
    response["Content-Disposition"] = f'attachment; filename="{prefix}disclosure-check-{stamp}.pdf"'
    return response


def _report(request: HttpRequest, incident: Incident | None, report: Report,
            subject_import: SubjectImport | None = None, evidence: Evidence | None = None) -> HttpResponse:
    context: dict[str, Any] = summary(report) | {
        "incident": incident, "tab": "disclosure", "now": timezone.now(), "subject_import": subject_import,
        "evidence": evidence,
    }
    if incident is not None:
        people = exposed_people(report)
        context["people_count"] = len(people)
        codes = {code for person in people for code in person["categories"]}  # type: ignore[attr-defined]
        context["people_categories"] = [name for code, name in CATEGORY_NAMES.items() if code in codes]
    return render(request, "incidents/disclosure_report.html", context)


@require(CHECK_DISCLOSURE)
def evidence_download(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The kept file, decrypted, for the DPO and case handlers only."""
    incident = incident_or_404(reference)
    evidence = get_object_or_404(Evidence, incident=incident, pk=pk)
    response = HttpResponse(evidence_bytes(evidence), content_type="application/octet-stream")
    # Our own name for the download; the uploaded name is shown on the page only.
    suffix = Path(evidence.file_name).suffix.lower()[:8]
    suffix = suffix if suffix in (".xlsx", ".xlsm", ".docx", ".csv") else ".bin"
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}-evidence-{evidence.pk}{suffix}"'
    return response
