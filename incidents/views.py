from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from breachtracker.csvsafe import csv_response

from . import audit, charts, services
from .forms import (
    CategoriesForm,
    IncidentForm,
    OrganisationForm,
    RegisterFilterForm,
    SubjectFilterForm,
    SubjectForm,
)
from .history import events
from .models import DataCategory, DataSubject, Incident, Organisation
from .roles import EDIT_CASE, EXPORT, MANAGE_ORGANISATION, READ, require
from .vocab import ROLES

SUBJECTS_PER_PAGE = 50
INCIDENTS_PER_PAGE = 25


def _incident(reference: str) -> Incident:
    return get_object_or_404(Incident.objects.with_regulator_state().select_related("handler"), reference=reference)


def _posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST (even an empty one: unticking every box is an answer)."""
    return request.POST if request.method == "POST" else None


def _categories() -> list[DataCategory]:
    return list(DataCategory.objects.all())


@require(READ)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    incidents = list(Incident.objects.open().with_subject_count().with_regulator_state()
                     .select_related("handler", "notification_plan"))
    # Most urgent first: clocks still running, soonest deadline first; then the rest by
    # deadline, most recent last.
    incidents.sort(key=lambda i: (not i.is_awaiting_decision, i.regulator_deadline))
    # One aggregate query for all incidents' notification progress, however many people.
    progress = charts.notification_progress(incidents) if incidents else {}
    for incident in incidents:
        incident.progress = progress.get(incident.pk)
    return render(
        request,
        "incidents/dashboard.html",
        {
            "incidents": incidents,
            "now": now,
            "overdue_count": sum(1 for i in incidents if i.is_overdue(now)),
            "awaiting_count": sum(1 for i in incidents if i.is_awaiting_decision),
            "today": timezone.localdate(),
        },
    )


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
    form = IncidentForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        incident = services.incident_create(actor=request.user, fields=form.cleaned_data)
        messages.success(request, f"Incident {incident.reference} logged. The regulator clock has started.")
        return redirect(incident)
    return render(request, "incidents/incident_form.html", {"form": form})


@require(EDIT_CASE)
def incident_edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    form = IncidentForm(_posted(request), instance=incident)
    if request.method == "POST" and form.is_valid():
        services.incident_update(incident=incident, actor=request.user, fields=form.cleaned_data)
        messages.success(request, "Incident saved.")
        return redirect(incident)
    return render(request, "incidents/incident_form.html", {"form": form, "incident": incident})


@require(READ)
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: incident + handler; categories; exposed rows; one aggregate of subjects;
    # the timeline's latest report decision and notification aggregate (+1 when closed).
    incident = _incident(reference)
    categories = _categories()
    exposed = list(incident.exposed_categories.select_related("category"))
    summary = incident.subjects.all().summary(categories)
    # Children by date of birth too, and represented adults as vulnerable (issue 13).
    summary["children"], summary["vulnerable"] = incident.subjects.all().children_and_vulnerable(timezone.localdate())
    role_counts = [(role, summary[f"role_{role.code}"]) for role in ROLES.values() if summary[f"role_{role.code}"]]
    category_counts = [(c, summary[f"cat_{c.code}"]) for c in categories if summary[f"cat_{c.code}"]]
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "exposed": exposed,
            "summary": summary,
            "role_counts": role_counts,
            "category_counts": category_counts,
            "timeline": charts.case_timeline(incident),
            "overrides": incident.events.filter(kind="override").select_related("actor"),
            "now": timezone.now(),
            "tab": "overview",
        },
    )


@require(EDIT_CASE)
def incident_categories(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    form = CategoriesForm(_posted(request), categories=_categories(), incident=incident)
    if request.method == "POST" and form.is_valid():
        services.incident_set_categories(incident=incident, actor=request.user, exposed=form.exposed())
        messages.success(request, "Exposed categories saved.")
        return redirect(incident)
    return render(request, "incidents/incident_categories.html", {"form": form, "incident": incident})


@require(READ)
def incident_history(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    timeline = audit.incident_events(incident)
    timeline.reverse()
    page = Paginator(timeline, 100).get_page(request.GET.get("page"))
    return render(
        request, "incidents/incident_history.html", {"incident": incident, "page": page, "tab": "history"}
    )


@require(EXPORT)
def incident_audit_csv(request: HttpRequest, reference: str) -> HttpResponse:
    """The incident's audit trail for the regulator: people's details withheld."""
    incident = _incident(reference)
    return csv_response(f"{incident.reference}-audit-trail.csv", audit.HEADER, audit.audit_rows(incident))


@require(READ)
def subject_list(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: incident; categories; count; page.
    incident = _incident(reference)
    categories = _categories()
    form = SubjectFilterForm(request.GET or None, categories=categories)
    subjects = incident.subjects.all()
    if form.is_valid():
        subjects = subjects.search(form.cleaned_data.get("q") or "")
        if form.role_code():
            subjects = subjects.with_role(form.role_code())
        if form.selected_category():
            subjects = subjects.with_category(form.selected_category())
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
    incident = _incident(reference)
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
            "notification_block": services.subject_notification_block(subject),
            "tab": "subjects",
        },
    )


@require(EDIT_CASE)
def subject_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    form = SubjectForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        subject = services.subject_create(incident=incident, actor=request.user, fields=form.service_fields())
        messages.success(request, f"{subject.full_name} added.")
        return redirect(subject)
    return render(request, "incidents/subject_form.html", {"form": form, "incident": incident, "tab": "subjects"})


@require(EDIT_CASE)
def subject_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = _incident(reference)
    subject = _subject(incident, pk)
    form = SubjectForm(_posted(request), instance=subject)
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
    incident = _incident(reference)
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
    form = OrganisationForm(_posted(request), instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.organisation_update(actor=request.user, fields=form.cleaned_data)
        messages.success(request, "Organisation details saved.")
        return redirect("organisation_detail")
    return render(request, "incidents/organisation_form.html", {"form": form})

