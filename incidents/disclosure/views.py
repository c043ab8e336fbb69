"""“Check a file”: upload a file, see what a reader could recover from it, make a release-safe copy.

Reachable on its own (before release: an FOI officer checks a response) and from an incident
(after a leak: the DPO checks the file that went out). The upload is written to a private
temporary directory, checked in the request within the limits of `disclosure.Limits`, and
deleted before the page is returned; the findings are not stored. So that the findings page
can offer a release-safe copy, the upload is kept encrypted for at most an hour, for that
user only (`held.py`); the copy is made from it, checked again, and offered for download only
if it passes. Only when the DPO asks to add the people it exposes are those rows handed to
the import, which keeps them under a generated name until the import is confirmed, cancelled
or swept (a day). A crash in the checker is never shown as a verdict: the page says the file
could not be checked and the traceback goes to the log.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from ..http import declared_length, incident_or_404
from ..imports import services as import_services
from ..models import Evidence, Incident, Organisation, SubjectImport
from ..register.services import incident_event_record
from ..roles import CHECK_DISCLOSURE, require
from . import ACCEPTED, Limits, Refused, Report, check_file, held
from .clean import CleanOptions, CleanResult, clean_file, output_suffix
from .evidence import display_name, evidence_attach, evidence_bytes
from .forms import CopyForm, copy_choices
from .pdf import findings_pdf, summary
from .report import CATEGORY_NAMES
from .rows import exposed_people

log = logging.getLogger(__name__)

# Multipart overhead allowed on top of the file itself.
_ENVELOPE_BYTES = 64 * 1024
GONE = ("That file is no longer kept: it is kept for an hour after the check, and deleted once its "
        "release-safe copy has been downloaded. Check it again to make a copy.")
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".csv": "text/csv",
}


def max_upload_bytes() -> int:
    return settings.BREACHTRACKER_MAX_UPLOAD_MB * 1024 * 1024


class CheckFileForm(forms.Form):
    file = forms.FileField(
        label="File to check",
        help_text=f"An Excel workbook, a Word document or a CSV ({ACCEPTED}). It is kept encrypted for an "
        "hour, for you only, so that you can make a release-safe copy; then it is deleted.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED.replace(" ", "")}),
    )
    accept_metadata = forms.BooleanField(
        label="Accept author metadata that names a person",
        help_text="The author and “last modified by” names in the file's properties are still listed, but "
        "no longer make the check fail.",
        required=False,
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


def too_large(request: HttpRequest) -> bool:
    """An upload over the limit, told by its declared length before Django reads the body to
    disk (the WSGI stream never yields more than CONTENT_LENGTH)."""
    return request.method == "POST" and declared_length(request) > max_upload_bytes() + _ENVELOPE_BYTES


def _page(request: HttpRequest, incident: Incident | None) -> HttpResponse:
    if too_large(request):
        refusal = (f"The file is larger than {settings.BREACHTRACKER_MAX_UPLOAD_MB} MB, the largest "
                   "this page checks. Split it, or ask for the command-line check.")
        return _form(request, incident, CheckFileForm(), refusal, status=413)
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
    as_pdf = form.cleaned_data.get("as_pdf")
    data = b"".join(upload.chunks()) if keep or not as_pdf else b""
    file_name = upload.name or "upload"
    try:
        report = _analyse(upload, accept_metadata=form.cleaned_data.get("accept_metadata", False))
    except Refused as refusal:
        return _form(request, incident, CheckFileForm(incident=incident), refusal.message)
    except Exception:
        log.exception("The disclosure check crashed on an uploaded file")
        return _could_not_check(request, incident)
    evidence = None
    if keep and incident is not None:
        evidence = evidence_attach(incident=incident, actor=request.user, data=data, file_name=file_name,
                                   verdict=report.verdict)
    if as_pdf:
        return findings_pdf_response(report, incident=incident, user=request.user)
    subject_import = None
    if incident is not None and form.cleaned_data.get("add_people"):
        people = exposed_people(report)
        if people:
            subject_import = import_services.subject_import_create(
                incident=incident, actor=request.user, upload=people_upload(people)
            )
    choices = copy_choices(report)
    token = _hold(request, incident, choices, data, file_name)
    return _report(request, incident, report, subject_import, evidence, token, choices)


def _hold(request: HttpRequest, incident: Incident | None, choices: dict[str, Any], data: bytes,
          file_name: str) -> str:
    """Keep the upload for the copy; a storage fault costs the copy button, never the findings."""
    try:
        return held.hold(user=request.user, incident_id=incident.pk if incident else None, data=data,
                         file_name=display_name(file_name), choices=choices)
    except OSError:
        log.exception("The checked file could not be kept for a release-safe copy")
        return ""


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


def _limits() -> Limits:
    # Within a web worker's timeout (gunicorn's default is 30 s); the command allows longer.
    return Limits(max_file_bytes=max_upload_bytes(), max_seconds=25)


def _analyse(upload: UploadedFile, *, accept_metadata: bool = False) -> Report:
    """Copy the upload into a private temporary directory, check it, delete it."""
    limits = _limits()
    name = Path(upload.name or "upload").name[-120:]
    try:
        with tempfile.TemporaryDirectory(prefix="bt-check-") as folder:
            path = Path(folder) / ("upload" + Path(name).suffix.lower()[:8])
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            return check_file(path, filename=name, limits=limits, accept_metadata=accept_metadata)
    finally:
        upload.close()  # Django's own temporary copy of a large upload goes with it


def _form(request: HttpRequest, incident: Incident | None, form: CheckFileForm, refusal: str = "",
          status: int = 200, *, failure: bool = False, notice: str = "") -> HttpResponse:
    evidence = list(incident.evidence.select_related("attached_by")) if incident is not None else []
    return render(request, "incidents/disclosure_check.html", {
        "form": form, "incident": incident, "refusal": refusal, "tab": "disclosure", "failure": failure,
        "notice": notice, "max_mb": settings.BREACHTRACKER_MAX_UPLOAD_MB, "now": timezone.now(),
        "evidence_list": evidence,
    }, status=status)


def _could_not_check(request: HttpRequest, incident: Incident | None) -> HttpResponse:
    """A crash is not a verdict: no pass, no fail, the traceback in the log (not on the page)."""
    return _form(request, incident, CheckFileForm(incident=incident), status=500, failure=True)


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
            subject_import: SubjectImport | None = None, evidence: Evidence | None = None,
            token: str = "", choices: dict[str, Any] | None = None) -> HttpResponse:
    context: dict[str, Any] = summary(report) | {
        "incident": incident, "tab": "disclosure", "now": timezone.now(), "subject_import": subject_import,
        "evidence": evidence, "token": token,
    }
    if token and choices is not None:
        context |= _copy_context(incident, token, CopyForm(choices=choices))
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


# --- the release-safe copy ---------------------------------------------------------------------

@require(CHECK_DISCLOSURE)
@require_POST
def disclosure_copy(request: HttpRequest, token: str) -> HttpResponse:
    return _copy(request, None, token)


@require(CHECK_DISCLOSURE)
@require_POST
def incident_disclosure_copy(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    return _copy(request, incident_or_404(reference), token)


def _copy(request: HttpRequest, incident: Incident | None, token: str) -> HttpResponse:
    """Make the copy from the kept upload with the user's ticks, check it again, show the result."""
    try:
        original = held.held(token, user=request.user, incident_id=incident.pk if incident else None)
    except held.Gone:
        return _form(request, incident, CheckFileForm(incident=incident), GONE, status=404)
    if "discard" in request.POST:
        held.discard(token)
        return _form(request, incident, CheckFileForm(incident=incident),
                     notice="The file has been deleted. Nothing of it is kept.")
    form = CopyForm(request.POST, choices=original.choices)
    if not form.is_valid():
        return _copy_page(request, incident, original, form)
    try:
        name = release_safe_name(original.file_name)
        result, data = _make_copy(original, form.options(), name)
    except Refused as refusal:
        return _copy_page(request, incident, original, form, refusal=refusal.message)
    except Exception:
        log.exception("The release-safe copy of a checked file could not be made")
        return _could_not_check(request, incident)
    if result.written:
        held.hold_copy(original, data=data, file_name=name)
        if incident is not None:
            incident_event_record(incident=incident, actor=request.user, kind="release_copy",
                                  detail=_copy_event_detail(result, form.options()))
    return _copy_page(request, incident, original, form, result=result)


def release_safe_name(file_name: str) -> str:
    """Our own name for the copy: the uploaded name's stem, reduced to safe characters."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(display_name(file_name)).stem).strip("-_")[:60] or "file"
    return f"{stem}-release-safe{output_suffix(file_name)}"


def _make_copy(original: held.Held, options: CleanOptions, name: str) -> tuple[CleanResult, bytes]:
    """The copy, written and checked again in a private temporary directory deleted at once."""
    suffix = Path(original.file_name).suffix.lower()[:8]
    with tempfile.TemporaryDirectory(prefix="bt-copy-") as folder:
        source = Path(folder) / f"upload{suffix}"
        source.write_bytes(original.data)
        out = Path(folder) / f"copy{Path(name).suffix}"
        result = clean_file(source, out, filename=source.name, options=options, limits=_limits())
        data = out.read_bytes() if result.written else b""
    result.report.filename = name
    return result, data


def _copy_event_detail(result: CleanResult, options: CleanOptions) -> str:
    """What the timeline says: counts only, no file or sheet names, no one's data."""
    parts = [f"{result.report.file_type.upper()} file; it passed the check again"]
    if result.kept_sheets:
        parts.append(f"{len(result.kept_sheets)} sheet(s) kept")
    if options.drop_sheets:
        parts.append(f"{len(options.drop_sheets)} sheet(s) left out by choice")
    if options.drop_columns:
        parts.append(f"{len(options.drop_columns)} column(s) left out by choice")
    if result.report.file_type == "docx":
        parts.append(f"tracked changes {options.tracked}ed")
    return "A release-safe copy of a checked file was made: " + ", ".join(parts) + "."


def _copy_context(incident: Incident | None, token: str, form: CopyForm) -> dict[str, Any]:
    url = (reverse("incident_disclosure_copy", args=[incident.reference, token]) if incident is not None
           else reverse("disclosure_copy", args=[token]))
    return {"copy_form": form, "copy_url": url}


def _copy_page(request: HttpRequest, incident: Incident | None, original: held.Held, form: CopyForm, *,
               result: CleanResult | None = None, refusal: str = "") -> HttpResponse:
    context: dict[str, Any] = _copy_context(incident, original.token, form) | {
        "incident": incident, "tab": "disclosure", "now": timezone.now(), "file_name": original.file_name,
        "result": result, "refusal": refusal, "sheets": original.choices["sheets"],
    }
    if result is not None:
        context |= summary(result.report)
        if result.written:
            context["download_url"] = reverse("disclosure_copy_download", args=[original.token])
    return render(request, "incidents/disclosure_copy.html", context)


@require(CHECK_DISCLOSURE)
def disclosure_copy_download(request: HttpRequest, token: str) -> HttpResponse:
    """The copy, once, for the user who made it; then the copy and the upload are deleted."""
    try:
        copy = held.held_copy(token, user=request.user)
    except held.Gone:
        return _form(request, None, CheckFileForm(), GONE, status=404)
    held.discard(token)
    suffix = Path(copy.file_name).suffix
    response = HttpResponse(copy.data, content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"))
    response["Content-Disposition"] = f'attachment; filename="{copy.file_name}"'  # our own name, safe characters
    response["Cache-Control"] = "no-store"
    return response
