"""The "Regulator" tab of an incident (issue 20): everyone with read access sees it; only the
DPO records the case, its correspondence, information requests and links."""

from __future__ import annotations

from pathlib import Path
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from breachtracker import files

from ..http import attach_errors, declared_length, incident_or_404, posted
from ..models import Incident
from ..roles import DECIDE, READ, can, require
from . import services
from .forms import AnswerForm, CaseForm, CorrespondenceForm, LinkForm, RegulatorRequestForm, UnlinkForm
from .models import RegulatorCase, RegulatorCorrespondence, RegulatorRequest

# Multipart overhead allowed on top of the file itself.
_ENVELOPE_BYTES = 64 * 1024
# Suffixes a download keeps; anything else is served as .bin (the uploaded name is shown only).
KEPT_SUFFIXES = frozenset({".pdf", ".docx", ".doc", ".odt", ".txt", ".eml", ".msg", ".xlsx", ".csv", ".png", ".jpg"})


@require(READ)
def regulator(request: HttpRequest, reference: str) -> HttpResponse:
    """The case, its information requests, its correspondence and the linked incidents."""
    incident = incident_or_404(reference)
    links = list(services.links_of(incident))
    case = RegulatorCase.objects.filter(incident=incident).first()
    return render(request, "incidents/regulator/case.html", {
        "incident": incident, "case": case,
        "case_reference": services.case_reference(incident, case),
        "requests": list(incident.regulator_requests.select_related("owner")  # type: ignore[attr-defined]
                         .order_by("-status", "due_on", "pk")),
        "letters": list(incident.regulator_correspondence.select_related(  # type: ignore[attr-defined]
            "recorded_by", "request")),
        "links": [(link, link.second if link.first_id == incident.pk else link.first) for link in links],
        "today": timezone.localdate(), "can_edit": can(request.user, DECIDE),
        "now": timezone.now(), "tab": "regulator"})


def _form_page(request: HttpRequest, incident: Incident, form: BaseForm, *, title: str, intro: str, button: str,
               upload: bool = False, status: int = 200, error: str = "") -> HttpResponse:
    # A form with errors is shown again at 200, each error beside its field (as elsewhere).
    return render(request, "incidents/regulator/form.html", {
        "incident": incident, "form": form, "title": title, "intro": intro, "button": button, "upload": upload,
        "error": error, "now": timezone.now(), "tab": "regulator"}, status=status)


@require(DECIDE)
def regulator_case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    case = RegulatorCase.objects.filter(incident=incident).first()
    reported = services.reported_reference(incident)
    form = CaseForm(posted(request), instance=case, initial=None if case else {"opened_on": timezone.localdate()},
                    reported_reference=reported)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in CaseForm.Meta.fields if name in form.fields}
        try:
            services.case_save(incident=incident, actor=request.user, fields=fields)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "The regulator's case is saved.")
            return redirect("regulator", incident.reference)
    title = "The regulator's case" if case else "Record that the regulator opened a case"
    return _form_page(request, incident, form, title=title,
                      intro="When the regulator opened its case, who handles it there and, when it ends, the outcome. "
                            + (f"The ICO case reference, {reported}, comes from your report to the regulator."
                               if reported else "If no report to the regulator recorded the ICO's case reference "
                               "(the case began with a complaint, say), give it here."),
                      button="Save the case")


@csrf_exempt  # checked by _correspondence_add below, after the size check (the CSRF check reads the body)
@require(DECIDE)
def regulator_correspondence_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    if request.method == "POST":
        # Refused from the declared length alone, before a byte of the body is read.
        if declared_length(request) > services.max_file_bytes() + _ENVELOPE_BYTES:
            return _correspondence_page(request, incident, CorrespondenceForm(incident=incident),
                                        status=413, error=services.too_large_message())
    return _correspondence_add(request, incident)


@csrf_protect
def _correspondence_add(request: HttpRequest, incident: Incident) -> HttpResponse:
    form = CorrespondenceForm(posted(request), request.FILES if request.method == "POST" else None,
                              incident=incident, initial={"sent_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in CorrespondenceForm.Meta.fields}
        try:
            services.correspondence_add(incident=incident, actor=request.user, fields=fields,
                                        upload=form.cleaned_data.get("upload"))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Correspondence recorded.")
            return redirect("regulator", incident.reference)
    return _correspondence_page(request, incident, form)


def _correspondence_page(request: HttpRequest, incident: Incident, form: CorrespondenceForm, *,
                         status: int = 200, error: str = "") -> HttpResponse:
    return _form_page(request, incident, form, title="Add correspondence with the regulator",
                      intro="A letter, email or note of a call, to or from the regulator. Attach the file if there is "
                            "one: it is kept encrypted, as evidence.",
                      button="Save the correspondence", upload=True, status=status, error=error)


@require(READ)
def regulator_correspondence_file(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """The kept file, decrypted, as a download under our own name."""
    incident = incident_or_404(reference)
    record = get_object_or_404(RegulatorCorrespondence, incident=incident, pk=pk)
    if not record.file:
        raise Http404("No file is kept with this correspondence.")
    suffix = Path(record.file_name).suffix.lower()
    suffix = suffix if suffix in KEPT_SUFFIXES else ".bin"
    return files.download(record.file.name, filename=f"{incident.reference}-regulator-{record.pk}{suffix}",
                          content_type="application/octet-stream")


@require(DECIDE)
def regulator_request_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    form = RegulatorRequestForm(posted(request), initial={"received_on": timezone.localdate(), "owner": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.regulator_request_add(incident=incident, actor=request.user,
                                                    fields=dict(form.cleaned_data))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Information request recorded: reply by {record.due_on:%d %B %Y}.")
            return redirect("regulator", incident.reference)
    return _form_page(request, incident, form, title="Record an information request from the regulator",
                      intro="What the regulator asks for and the date it set for your reply. The owner is reminded "
                            "in their daily email from three days before.",
                      button="Save the request")


@require(DECIDE)
def regulator_request_answer(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    record = get_object_or_404(RegulatorRequest.objects.select_related("owner"), incident=incident, pk=pk)
    form = AnswerForm(posted(request), initial={"answered_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.regulator_request_answer(record=record, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Answer recorded.")
            return redirect("regulator", incident.reference)
    return _form_page(request, incident, form, title="Record the answer to an information request",
                      intro=f"Received {record.received_on:%d %B %Y}, reply by {record.due_on:%d %B %Y}. "
                            f"The regulator asked: {record.asked}",
                      button="Record the answer")


@require(DECIDE)
def regulator_link_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    form = LinkForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.link_add(incident=incident, actor=request.user, other=form.cleaned_data["other"],
                              reason=form.cleaned_data["reason"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Incidents linked.")
            return redirect("regulator", incident.reference)
    return _form_page(request, incident, form, title="Link another incident",
                      intro="Another incident of the register the regulator is looking at together with this one "
                            "(a second breach, the same cause). The link shows on both incidents.",
                      button="Link the incidents")


@require(DECIDE)
def regulator_link_remove(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Remove a link recorded by mistake, with the reason (the history keeps the link)."""
    incident = incident_or_404(reference)
    link = get_object_or_404(services.links_of(incident), pk=pk)
    other = link.second if link.first_id == incident.pk else link.first
    form = UnlinkForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.link_remove(link=link, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"The link to {other.reference} is removed.")
        return redirect("regulator", incident.reference)
    return _form_page(request, incident, form, title=f"Remove the link to {other.reference}",
                      intro=f"Linked because: {link.reason}\nThe link goes from both incidents; their histories "
                            "keep it, with who removed it, when and why.",
                      button="Remove the link")
