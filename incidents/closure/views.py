"""Writing the closure review and closing the incident from the Closure tab (DPO only). The
tab itself (with the letters' figures and the charts) is `reporting.views.closure`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ..assessment import services as assessment_services
from ..http import attach_errors, incident_or_404, posted
from ..roles import DECIDE, require
from . import services
from .forms import ClosureReviewForm, CloseForm
from .models import ClosureReview


@require(DECIDE)
def closure_edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    review = ClosureReview.objects.filter(incident=incident).first() or ClosureReview(incident=incident)
    form = ClosureReviewForm(posted(request), instance=review)
    if request.method == "POST":  # form errors are shown at 200, as on the other full-page forms
        if form.is_valid():
            try:
                services.closure_review_save(incident=incident, actor=request.user, fields=dict(form.cleaned_data))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, "Closure review saved.")
                return redirect("closure", incident.reference)
    return render(request, "incidents/closure/review_form.html",
                  {"incident": incident, "form": form, "now": timezone.now(), "tab": "closure"})


@require(DECIDE)
def closure_close(request: HttpRequest, reference: str) -> HttpResponse:
    """Close the incident: the open items are listed, and closing with any of them needs a reason."""
    incident = incident_or_404(reference)
    found = services.open_items(incident)
    form = CloseForm(posted(request))
    if not found:  # the service decides again when closing, with the incident locked
        del form.fields["open_items_reason"]
    if request.method == "POST":  # form errors are shown at 200, as on the other full-page forms
        if form.is_valid():
            try:
                assessment_services.incident_close(
                    incident=incident, actor=request.user, reason=form.cleaned_data["reason"],
                    open_items_reason=form.cleaned_data.get("open_items_reason", ""))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, "Incident closed. The closure review is signed off.")
                return redirect("closure", incident.reference)
    return render(request, "incidents/closure/close_form.html", {
        "incident": incident, "form": form, "open": found, "now": timezone.now(),
        "tab": "closure"})
