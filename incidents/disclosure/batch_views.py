"""“Check a whole FOI response”: upload one .zip, see a verdict for each file in it and one
overall, or download them as a PDF or JSON; keep nothing.

Like the single-file check (`views.py`, whose upload limit this shares): the declared length is
checked before the body is read, the zip is written to a private temporary directory, its
members are checked one at a time by `batch.check_batch` within a time limit that suits a web
request, and everything is deleted before the response is returned.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from ..http import incident_or_404
from ..models import Incident, Organisation
from ..roles import CHECK_DISCLOSURE, require
from . import ACCEPTED, Limits, Refused
from .batch import BatchLimits, BatchReport, check_batch, display_name
from .batch_pdf import batch_context, batch_pdf
from .views import max_upload_bytes, too_large

# Within a web worker's timeout (gunicorn's default is 30 s), for the whole batch.
WEB_SECONDS = 25
OUTPUTS = [("page", "Show the results on this page"), ("pdf", "Download them as a PDF report"),
           ("json", "Download them as JSON")]


class CheckBatchForm(forms.Form):
    file = forms.FileField(
        label="The response as a .zip",
        help_text=f"Every file in it is checked ({ACCEPTED}); other files are listed as not checked. "
        "The zip is deleted once checked: it is not kept.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip"}),
    )
    output = forms.ChoiceField(label="Results", choices=OUTPUTS, initial="page", widget=forms.RadioSelect)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".zip"):
            raise forms.ValidationError("Upload a .zip file. To check one spreadsheet or document, use “Check a file”.")
        return upload


@csrf_exempt  # the size is checked before the body is read; _check_upload enforces CSRF after
@require(CHECK_DISCLOSURE)
def disclosure_check_batch(request: HttpRequest) -> HttpResponse:
    return _page(request, incident=None)


@csrf_exempt
@require(CHECK_DISCLOSURE)
def incident_disclosure_check_batch(request: HttpRequest, reference: str) -> HttpResponse:
    return _page(request, incident=incident_or_404(reference))


def _page(request: HttpRequest, incident: Incident | None) -> HttpResponse:
    if too_large(request):
        refusal = (f"The zip is larger than {settings.BREACHTRACKER_MAX_UPLOAD_MB} MB, the largest this page "
                   "checks. Split it, or ask for the command-line check.")
        return _render(request, incident, CheckBatchForm(), refusal=refusal, status=413)
    return _check_upload(request, incident)


@csrf_protect
def _check_upload(request: HttpRequest, incident: Incident | None) -> HttpResponse:
    if request.method != "POST":
        return _render(request, incident, CheckBatchForm())
    form = CheckBatchForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, incident, form)
    try:
        batch = _analyse(form.cleaned_data["file"])
    except Refused as refusal:
        return _render(request, incident, CheckBatchForm(), refusal=refusal.message)
    output = form.cleaned_data["output"]
    if output == "pdf":
        user: Any = request.user  # signed in: @require saw to it
        pdf = batch_pdf(batch, incident=incident, checked_by=user.get_full_name() or user.username,
                        organisation=Organisation.current().controller_name)
        return _download(pdf, "application/pdf", incident, "pdf")
    if output == "json":
        data = json.dumps(batch.to_dict(), indent=2, ensure_ascii=False).encode()
        return _download(data, "application/json; charset=utf-8", incident, "json")
    return _render(request, incident, CheckBatchForm(), batch=batch)


def _analyse(upload: UploadedFile) -> BatchReport:
    """Copy the upload into a private temporary directory, check every file in it, delete it."""
    limits = BatchLimits(max_seconds=WEB_SECONDS, max_total_bytes=10 * max_upload_bytes(),
                         file=Limits(max_file_bytes=max_upload_bytes(), max_seconds=WEB_SECONDS))
    name = display_name(Path((upload.name or "upload.zip").replace("\\", "/")).name)[-120:]
    try:
        with tempfile.TemporaryDirectory(prefix="bt-check-") as folder:
            path = Path(folder) / "upload.zip"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            return check_batch(path, filename=name, limits=limits)
    finally:
        upload.close()  # Django's own temporary copy of a large upload goes with it


def _download(data: bytes, content_type: str, incident: Incident | None, suffix: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    # Our own name for the file, never the uploaded zip's.
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    prefix = f"{incident.reference}-" if incident else ""
    response["Content-Disposition"] = f'attachment; filename="{prefix}disclosure-batch-{stamp}.{suffix}"'
    return response


def _render(request: HttpRequest, incident: Incident | None, form: CheckBatchForm, *, refusal: str = "",
            batch: BatchReport | None = None, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form, "incident": incident, "refusal": refusal, "tab": "disclosure", "now": timezone.now(),
        "max_mb": settings.BREACHTRACKER_MAX_UPLOAD_MB, "batch": batch, "seconds": WEB_SECONDS, "accepted": ACCEPTED,
    }
    if batch is not None:
        context |= batch_context(batch)
    return render(request, "incidents/disclosure_batch.html", context, status=status)
