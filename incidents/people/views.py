"""The people affected by an incident: the list (search, filter by role and category), one
person, adding and editing, and a person's history."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from breachtracker import keyset, searches

from ..assessment import services as assessment_services
from ..history import events
from ..http import incident_or_404, posted
from ..register.models import DataCategory, Incident
from ..roles import EDIT_CASE, READ, can, require
from . import services, tally
from .forms import SubjectFilterForm, SubjectForm
from .models import DataSubject

SUBJECTS_PER_PAGE = 50


def _categories() -> list[DataCategory]:
    return list(DataCategory.objects.all())


@require(READ)
def subject_list(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: incident; categories; the people tally (no count, unless searching); the page.
    incident = incident_or_404(reference)
    categories = _categories()
    if request.method == "POST":  # a search: its text goes in the session, never the address
        form = SubjectFilterForm(request.POST, categories=categories)
        if form.is_valid():
            return searches.results_redirect(request, request.POST)
        return render(request, "incidents/subject_list.html", {
            "incident": incident, "form": form, "page": None, "query": "", "tab": "subjects"}, status=400)
    data, query, expired = searches.filters(request)
    if expired:
        messages.info(request, "That search has expired: search again.")
    form = SubjectFilterForm(data, categories=categories)
    subjects = incident.subjects.all()
    role = category = None
    text = ""
    if form.is_valid():
        text = form.cleaned_data.get("q") or ""
        subjects = subjects.search(text)
        role, category = form.role_code(), form.selected_category()
        if role:
            subjects = subjects.with_role(role)
        if category:
            subjects = subjects.with_category(category)
    # How many: from the incident's tally (kept by every write to its people), except for a
    # search or a role and a category together, which are counted (a search finds a few).
    if text or (role and category):
        count = subjects.count()
    else:
        kept = tally.current(incident)
        count = (kept.by_role.get(role, 0) if role else kept.by_category.get(category.code, 0) if category
                 else kept.total)
    # In the order people were recorded (the list's index), the page found by key, not OFFSET.
    page = keyset.paginate(request, subjects, key="pk", within=("incident_id", incident.pk), count=count,
                           per_page=SUBJECTS_PER_PAGE, salt=f"subject_list:{incident.pk}:{query}")
    for subject in page.object_list:
        subject.exposed = subject.category_list(categories)
    return render(
        request,
        "incidents/subject_list.html",
        {"incident": incident, "form": form, "page": page, "query": query, "tab": "subjects"},
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
            "requests": subject.requests.select_related("owner").order_by("-received_on", "-pk"),
            "contacts": subject.contacts.select_related("handled_by").order_by("-happened_at", "-pk")[:20],
            "can_edit_case": can(request.user, EDIT_CASE),
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
