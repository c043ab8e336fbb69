from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone


from . import services
from .assessment import services as assessment_services
from .forms import (
    CategoriesForm,
    IncidentForm,
    OrganisationForm,
    RegisterFilterForm,
    SubjectFilterForm,
    SubjectForm,
)
from .history import events
from .http import incident_or_404, posted
from .models import DataCategory, DataSubject, Incident, Organisation
from .roles import EDIT_CASE, MANAGE_ORGANISATION, READ, require

SUBJECTS_PER_PAGE = 50
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
def subject_list(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: incident; categories; count; page.
    incident = incident_or_404(reference)
    categories = _categories()
    form = SubjectFilterForm(request.GET or None, categories=categories)
    subjects = incident.subjects.all()
    if form.is_valid():
        subjects = subjects.search(form.cleaned_data.get("q") or "")
        role, category = form.role_code(), form.selected_category()
        if role:
            subjects = subjects.with_role(role)
        if category:
            subjects = subjects.with_category(category)
    page = Paginator(subjects.order_by("pk"), SUBJECTS_PER_PAGE).get_page(request.GET.get("page"))
    for subject in page.object_list:
        subject.exposed = subject.category_list(categories)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/subject_list.html",
        {"incident": incident, "form": form, "page": page, "query": query.urlencode(), "tab": "subjects"},
    )


def _subject(incident: Incident, pk: int) -> DataSubject:
    subject = get_object_or_404(DataSubject, incident=incident, pk=pk)
    subject.incident = incident
    return subject


@require(READ)
def subject_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    subject = _subject(incident, pk)
    return render(
        request,
        "incidents/subject_detail.html",
        {
            "incident": incident,
            "subject": subject,
            "exposed": subject.exposed_list(_categories(), [row.category for row in
                                                            incident.exposed_categories.select_related("category")]),
            "own_categories": bool(subject.categories_mask),
            "notification_block": assessment_services.subject_notification_block(subject),
            "tab": "subjects",
        },
    )


@require(EDIT_CASE)
def subject_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    form = SubjectForm(posted(request))
    if request.method == "POST" and form.is_valid():
        subject = services.subject_create(incident=incident, actor=request.user, fields=form.service_fields())
        messages.success(request, f"{subject.full_name} added.")
        return redirect(subject)
    return render(request, "incidents/subject_form.html", {"form": form, "incident": incident, "tab": "subjects"})


@require(EDIT_CASE)
def subject_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    subject = _subject(incident, pk)
    form = SubjectForm(posted(request), instance=subject)
    if request.method == "POST" and form.is_valid():
        services.subject_update(subject=subject, actor=request.user, fields=form.service_fields())
        messages.success(request, "Saved.")
        return redirect(subject)
    return render(
        request,
        "incidents/subject_form.html",
        {"form": form, "incident": incident, "subject": subject, "tab": "subjects"},
    )


@require(READ)
def subject_history(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    subject = _subject(incident, pk)
    timeline = events(
        subject.history.select_related("history_user").order_by("history_date", "history_id"),
        model=DataSubject,
        subject=subject.full_name,
        categories={c.bit: c.name for c in _categories()},
        skip=frozenset({"incident"}),
    )
    timeline.reverse()
    return render(
        request,
        "incidents/subject_history.html",
        {"incident": incident, "subject": subject, "events": timeline, "tab": "subjects"},
    )


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

