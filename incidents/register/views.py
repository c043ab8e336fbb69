"""The register's pages: the list of incidents, logging and editing one, its exposed
categories, and the organisation's details."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ..http import incident_or_404, posted
from ..roles import EDIT_CASE, MANAGE_ORGANISATION, READ, require
from . import services
from .forms import CategoriesForm, IncidentForm, OrganisationForm, RegisterFilterForm
from .models import DataCategory, Incident, Organisation

INCIDENTS_PER_PAGE = 25


def _categories() -> list[DataCategory]:
    return list(DataCategory.objects.all())


@require(READ)
def incident_list(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None)
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
    page = Paginator(incidents, INCIDENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/incident_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()},
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
        services.incident_update(incident=incident, actor=request.user, fields=form.cleaned_data)
        messages.success(request, "Incident saved.")
        return redirect(incident)
    return render(request, "incidents/incident_form.html", {"form": form, "incident": incident})


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
