"""The register's pages: the list of incidents, logging and editing one, its exposed
categories, and the organisation's details."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from breachtracker import searches
from breachtracker.inputs import page_number

from ..assessment import services as assessment_services
from ..http import incident_or_404, posted
from ..roles import DECIDE, EDIT_CASE, MANAGE_ORGANISATION, READ, require
from . import services
from .forms import CategoriesForm, ClockCorrectionForm, IncidentForm, OrganisationForm, ReasonForm, RegisterFilterForm
from .models import DataCategory, Incident, Organisation

INCIDENTS_PER_PAGE = 25


def _categories() -> list[DataCategory]:
    return list(DataCategory.objects.all())


@require(READ)
def incident_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # a search: a title may name someone, so not in the address
        posted_form = RegisterFilterForm(request.POST)
        if posted_form.is_valid():
            return searches.results_redirect(request, request.POST)
        return render(request, "incidents/incident_list.html",
                      {"form": posted_form, "page": None, "query": "", "now": timezone.now()}, status=400)
    bound, query, expired = searches.filters(request)
    if expired:
        messages.info(request, "That search has expired: search again.")
    form = RegisterFilterForm(bound)
    incidents = Incident.objects.with_subject_count().select_related("handler").order_by("-aware_at")
    if form.is_valid():
        data = form.cleaned_data
        incidents = incidents.search(data.get("q") or "")
        if data.get("status"):
            incidents = incidents.filter(status=data["status"])
        if data.get("regime"):
            incidents = incidents.filter(regime=data["regime"])
        if data.get("year"):
            incidents = incidents.filter(aware_at__year=data["year"])
    page = Paginator(incidents, INCIDENTS_PER_PAGE).get_page(page_number(request))
    return render(
        request,
        "incidents/incident_list.html",
        {"form": form, "page": page, "query": query, "now": timezone.now()},
    )


@require(EDIT_CASE)
def incident_create(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        incident = services.incident_create(actor=request.user, fields=form.cleaned_data)
        messages.success(request, f"Incident {incident.reference} logged. The regulator clock has started.")
        return redirect(incident)
    return render(request, "incidents/incident_form.html", {"form": form})


@require(EDIT_CASE)
def incident_edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    form = IncidentForm(posted(request), instance=incident)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_update(incident=incident, actor=request.user, fields=form.cleaned_data)
        except ValidationError as exc:
            # Only when the incident was reported between loading the form and saving it.
            form.add_error(None, exc)
        else:
            messages.success(request, "Incident saved.")
            return redirect(incident)
    status = 400 if request.method == "POST" and form.has_error("__all__", "locked") else 200
    return render(request, "incidents/incident_form.html", {"form": form, "incident": incident}, status=status)


@require(DECIDE)
def incident_correct_clock(request: HttpRequest, reference: str) -> HttpResponse:
    """After the initial report: the DPO corrects when the organisation became aware, or the
    regime, with a reason."""
    incident = incident_or_404(reference)
    if not incident.has_initial_report:
        messages.info(request, "This incident has not been reported yet: change these by editing the incident.")
        return redirect("incident_edit", incident.reference)
    form = ClockCorrectionForm(posted(request), incident=incident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.incident_correct_clock(incident=incident, actor=request.user, aware_at=data["aware_at"],
                                            regime=data["regime"], reason=data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Clock corrected. The deadline follows the corrected time; the correction "
                             "is in the history and in the regulator report's follow-up section.")
            return redirect(incident)
    return render(request, "incidents/incident_clock_form.html", {
        "form": form, "incident": incident, "now": timezone.now(),
        "corrections": incident.clock_corrections.select_related("corrected_by")})


@require(DECIDE)
def incident_close(request: HttpRequest, reference: str) -> HttpResponse:
    return _close_or_reopen(request, reference, close=True)


@require(DECIDE)
def incident_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    return _close_or_reopen(request, reference, close=False)


def _close_or_reopen(request: HttpRequest, reference: str, *, close: bool) -> HttpResponse:
    incident = incident_or_404(reference)
    form = ReasonForm(posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        action = assessment_services.incident_close if close else assessment_services.incident_reopen
        try:
            action(incident=incident, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 400
        else:
            messages.success(request, "Incident closed." if close else
                             f"Incident reopened: {incident.get_status_display().lower()}.")
            return redirect(incident)
    return render(request, "incidents/incident_close.html",
                  {"form": form, "incident": incident, "close": close, "now": timezone.now()}, status=status)


@require(EDIT_CASE)
def incident_categories(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    form = CategoriesForm(posted(request), categories=_categories(), incident=incident)
    if request.method == "POST" and form.is_valid():
        services.incident_set_categories(incident=incident, actor=request.user, exposed=form.exposed())
        messages.success(request, "Exposed categories saved.")
        return redirect(incident)
    return render(request, "incidents/incident_categories.html", {"form": form, "incident": incident})


@require(READ)
def organisation_detail(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/organisation_detail.html", {"organisation": Organisation.current()})


@require(MANAGE_ORGANISATION)
def organisation_edit(request: HttpRequest) -> HttpResponse:
    organisation = Organisation.current()
    form = OrganisationForm(posted(request), instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.organisation_update(actor=request.user, fields=form.cleaned_data)
        messages.success(request, "Organisation details saved.")
        return redirect("organisation_detail")
    return render(request, "incidents/organisation_form.html", {"form": form})
