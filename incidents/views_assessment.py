"""The "Assessment & decisions" tab: facts and score, decisions, restrictions, submissions.

Reading is for every role; recording assessment facts is for DPO and handler; decisions,
restrictions and regulator submissions are the DPO's alone (403 for anyone else).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from . import services
from .forms_assessment import AssessmentForm, DecisionForm, RestrictionForm, RestrictionReviewForm, SubmissionForm
from .history import Change, Event, events
from .models import Assessment, Decision, Incident, RegulatorSubmission, Restriction
from .roles import DECIDE, EDIT_CASE, READ, require
from .views import _incident, _posted


def _form_page(request: HttpRequest, incident: object, form: BaseForm, title: str, intro: str = "",
               extra: dict[str, object] | None = None) -> HttpResponse:
    context = {"incident": incident, "form": form, "title": title, "intro": intro, "tab": "assessment",
               "now": timezone.now(), **(extra or {})}
    return render(request, "incidents/assessment_form.html", context)


def _attach(form: BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form (nothing was saved)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require(READ)
def assessment(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: incident + handler; assessments; decisions + users; restrictions + subjects;
    # submissions; the two regulator-state subqueries run inside the incident query.
    incident = _incident(reference)
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
    incident = _incident(reference)
    latest = incident.assessments.order_by("-version").first()
    initial = {f: getattr(latest, f) for f in AssessmentForm.Meta.fields} if latest else {
        "disclosed_known_recipients_only": False,
        "number_of_people": incident.approx_subjects or incident.subjects.count() or None,
        "availability": "none" if not incident.breach_availability else "temporary",
    }
    # The danger question is answered afresh unless an earlier version answered it.
    initial["physical_safety"] = {True: "yes", False: "no"}.get(initial.get("physical_safety"))  # type: ignore[arg-type]
    form = AssessmentForm(_posted(request), instance=Assessment(incident=incident), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in AssessmentForm.Meta.fields}
        try:
            saved, created = services.assessment_record(incident=incident, actor=request.user, fields=fields)
        except ValidationError as error:
            _attach(form, error)
        else:
            if created:
                messages.success(request, f"Assessment version {saved.version} recorded.")
            else:
                messages.info(request, "Nothing changed: the latest assessment already has these facts.")
            return redirect("assessment", incident.reference)
    return _form_page(request, incident, form, "Assess the risk",
                      "Record the facts as known now. Changing them later makes a new version; the old ones are kept.")


@require(DECIDE)
def decision_create(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    incident = _incident(reference)
    if kind not in Decision.Kind.values:
        raise Http404("No such decision")
    draft = services.decision_draft(incident=incident, kind=kind)
    form = DecisionForm(_posted(request), instance=draft)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "target_date"}
        target_date = form.cleaned_data.get("target_date")
        try:
            with transaction.atomic():
                services.decision_record(incident=incident, actor=request.user, kind=kind, fields=fields)
                if fields["outcome"] and target_date:
                    from notifications.services import plan_update

                    plan_update(incident=incident, actor=request.user, fields={"target_date": target_date})
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("assessment", incident.reference)
    if draft.recommended is None:
        intro = "There is no assessment yet: a justification is required."
    else:
        intro = f"The latest assessment (version {draft.assessment.version}) recommends: {'yes' if draft.recommended else 'no'}."
    return _form_page(request, incident, form, Decision.Kind(kind).label, intro)


@require(DECIDE)
def restriction_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    if not incident.regime_info.restriction_grounds:
        messages.error(request, "Restrictions on telling people exist under DPA 2018 Part 3 only.")
        return redirect("assessment", incident.reference)
    form = RestrictionForm(_posted(request), instance=Restriction(incident=incident, decided_by=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_create(incident=incident, actor=request.user, fields=dict(form.cleaned_data))
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, "Restriction recorded.")
            return redirect("assessment", incident.reference)
    return _form_page(request, incident, form, "Restrict telling people (s.68(7))",
                      "Only as long as necessary and proportionate; if redaction would do, redact instead.")


@require(DECIDE)
def restriction_review(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = _incident(reference)
    restriction = get_object_or_404(Restriction, incident=incident, pk=pk, lifted_at__isnull=True)
    form = RestrictionReviewForm(_posted(request))
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
            _attach(form, error)
        else:
            messages.success(request, "Restriction lifted." if data["action"] == "lift" else "Review recorded.")
            return redirect("assessment", incident.reference)
    return _form_page(request, incident, form, "Review a restriction", str(restriction))


@require(DECIDE)
def submission_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(reference)
    has_initial = incident.submissions.filter(kind=RegulatorSubmission.Kind.INITIAL).exists()
    instance = RegulatorSubmission(incident=incident, recorded_by=request.user)
    form = SubmissionForm(
        _posted(request), instance=instance,
        initial={"kind": "follow_up" if has_initial else "initial",
                 "submitted_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_record(incident=incident, actor=request.user, fields=dict(form.cleaned_data))
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, "Report to the regulator recorded.")
            return redirect("assessment", incident.reference)
    return _form_page(request, incident, form, "Record a report to the regulator",
                      "A report made after the regulator deadline must give the reasons for the delay.")


def assessment_events(incident: Incident, *, name_people: bool = True) -> list[Event]:
    """The history of the incident's assessments, decisions, restrictions and reports, for the
    incident's History tab (Art. 33(5): who decided what, and when).

    With name_people=False a restricted person is shown by record number, not name (exports).
    """
    users = {u.pk: u.get_full_name() or u.username for u in get_user_model().objects.all()}
    if name_people:
        subjects = dict(incident.subjects.filter(restrictions__isnull=False).values_list("pk", "full_name"))
    else:
        subjects = {pk: f"Affected person #{pk}" for pk in
                    incident.subjects.filter(restrictions__isnull=False).values_list("pk", flat=True)}
    labels: dict[str, dict[Any, str]] = {
        "incident": {incident.pk: incident.reference},
        "created_by": users, "decided_by": users, "recorded_by": users,
        "subject": {None: "Everyone in the incident", **subjects},
        "assessment": {a.pk: f"Version {a.version}" for a in incident.assessments.all()},
    }
    found: list[Event] = []
    for model, title in ((Assessment, "Assessment"), (Decision, "Decision"), (Restriction, "Restriction"),
                         (RegulatorSubmission, "Report to the regulator")):
        records = list(model.history.filter(incident_id=incident.pk)  # type: ignore[attr-defined]
                       .select_related("history_user").order_by("id", "history_date", "history_id"))
        made = events(records, model=model, subject=title, categories={}, related_labels=labels)
        for record, event in zip(records, made, strict=True):
            _add_created_noes(model, record, event)
        found += made
    return found


# A new row's "No" is left out of the history by `events` (it is usually a default), but a
# decision's "No" — not to report, not to tell — is the news itself.
CREATED_NOES = ("outcome", "recommended", "recommend_report", "recommend_tell")


def _add_created_noes(model: type[Any], record: Any, event: Event) -> None:
    if record.history_type != "+":
        return
    for name in CREATED_NOES:
        try:
            field = model._meta.get_field(name)
        except Exception:
            continue
        if getattr(record, name) is False:
            event.changes.append(Change(str(field.verbose_name).capitalize(), "—", "No"))
