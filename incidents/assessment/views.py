"""The "Assessment & decisions" tab: facts and score, decisions, restrictions, submissions.

Reading is for every role; recording assessment facts is for DPO and handler; decisions,
restrictions and regulator submissions are the DPO's alone (403 for anyone else).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from ..http import acting_user, attach_errors, incident_or_404, posted
from ..roles import DECIDE, EDIT_CASE, READ, require
from . import services
from .forms import AssessmentForm, RestrictionForm, RestrictionReviewForm
from .models import Assessment, Decision, Restriction


def form_page(request: HttpRequest, incident: object, form: BaseForm, title: str, intro: str = "",
               extra: dict[str, object] | None = None) -> HttpResponse:
    context = {"incident": incident, "form": form, "title": title, "intro": intro, "tab": "assessment",
               "now": timezone.now(), **(extra or {})}
    return render(request, "incidents/assessment_form.html", context)


@require(READ)
def assessment(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: incident + handler; assessments; decisions + users; restrictions + subjects;
    # submissions; the two regulator-state subqueries run inside the incident query.
    incident = incident_or_404(reference)
    assessments = list(incident.assessments.select_related("created_by").order_by("-version"))
    latest = assessments[0] if assessments else None
    result = latest.result() if latest else None
    decisions = list(incident.decisions.select_related("decided_by", "assessment").order_by("-decided_at", "-pk"))
    restrictions = list(incident.restrictions.select_related("subject", "decided_by").order_by("-pk"))
    submissions = list(incident.submissions.select_related("recorded_by", "snapshot").order_by("submitted_at", "pk"))
    return render(
        request,
        "incidents/assessment.html",
        {
            "incident": incident,
            "latest": latest,
            "result": result,
            "assessments": assessments,
            "decisions": decisions,
            "current": {kind: next((d for d in decisions if d.kind == kind), None) for kind in Decision.Kind.values},
            "restrictions": restrictions,
            "submissions": submissions,
            "part3": bool(incident.regime_info.restriction_grounds),
            "now": timezone.now(),
            "tab": "assessment",
        },
    )


@require(EDIT_CASE)
def assessment_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    latest = incident.assessments.order_by("-version").first()
    initial = {f: getattr(latest, f) for f in AssessmentForm.Meta.fields} if latest else {
        "disclosed_known_recipients_only": False,
        "number_of_people": incident.approx_subjects or incident.subjects.count() or None,
        "availability": "none" if not incident.breach_availability else "temporary",
    }
    # The danger question is answered afresh unless an earlier version answered it.
    initial["physical_safety"] = {True: "yes", False: "no"}.get(initial.get("physical_safety"))  # type: ignore[arg-type]
    form = AssessmentForm(posted(request), instance=Assessment(incident=incident), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in AssessmentForm.Meta.fields}
        try:
            saved, created = services.assessment_record(incident=incident, actor=request.user, fields=fields)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            if created:
                messages.success(request, f"Assessment version {saved.version} recorded.")
            else:
                messages.info(request, "Nothing changed: the latest assessment already has these facts.")
            return redirect("assessment", incident.reference)
    return form_page(request, incident, form, "Assess the risk",
                      "Record the facts as known now. Changing them later makes a new version; the old ones are kept.")



@require(DECIDE)
def restriction_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    if not incident.regime_info.restriction_grounds:
        messages.error(request, "Restrictions on telling people exist under DPA 2018 Part 3 only.")
        return redirect("assessment", incident.reference)
    form = RestrictionForm(posted(request), instance=Restriction(incident=incident, decided_by=acting_user(request)))
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_create(incident=incident, actor=request.user, fields=dict(form.cleaned_data))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Restriction recorded.")
            return redirect("assessment", incident.reference)
    return form_page(request, incident, form, "Restrict telling people (s.68(7))",
                      "Only as long as necessary and proportionate; if redaction would do, redact instead.")


@require(DECIDE)
def restriction_review(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    restriction = get_object_or_404(Restriction, incident=incident, pk=pk, lifted_at__isnull=True)
    form = RestrictionReviewForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "lift":
                services.restriction_lift(restriction=restriction, actor=request.user, reason=data["note"])
            else:
                services.restriction_review(
                    restriction=restriction, actor=request.user, review_date=data["review_date"], note=data["note"]
                )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Restriction lifted." if data["action"] == "lift" else "Review recorded.")
            return redirect("assessment", incident.reference)
    return form_page(request, incident, form, "Review a restriction", str(restriction))
