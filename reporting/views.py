"""The pages that read across incidents and notifications: the dashboard, an incident's
overview (its timeline) and History tab with the audit CSV, the "Regulator report" tab with
its PDF, JSON and submission snapshots, and the register export.

Reading is for every role (handlers fill the gaps the report preview lists); producing a file
— report PDF or JSON, a snapshot download, the register CSV or XLSX, the audit CSV — is for
DPO and auditor only (EXPORT), and each report or register file is logged in the incident's
history.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from breachtracker.inputs import InputRefused, page_number
from breachtracker.records import field_of
from breachtracker.csvsafe import csv_response
from incidents.assessment import rules
from incidents.assessment import services as assessment_services
from incidents.assessment.forms import DecisionForm, SubmissionForm
from incidents.assessment.views import form_page
from incidents.http import acting_user, attach_errors, incident_or_404, posted
from incidents.regulator import services as regulator_services
from incidents.register.services import incident_event_record
from incidents.models import DataCategory, Decision, Incident, RegulatorSubmission
from incidents.people import tally
from incidents.roles import DECIDE, EDIT_CASE, EXPORT, READ, can, require
from incidents.vocab import ROLES
from notifications.models import NotificationPlan

from . import audit, casework_charts, charts, closure as closure_report, copy_form, register_export
from . import pecr_log as pecr_log_module
from . import controller_notice
from . import services as report_services
from .forms import ReportDetailsForm
from .ico_report import build_report, content_sha256, diff_reports, plan_answers, report_json
from .models import ExportRecord, ReportDetails, ReportPdf, SubmissionSnapshot


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    # Our own names only: reference, digits, dashes and dots.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require(READ)
def report_preview(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: a constant number whatever the number of people (see ico_report.py).
    incident = incident_or_404(reference)
    report = build_report(incident)
    snapshots = list(SubmissionSnapshot.objects.filter(submission__incident=incident)
                     .select_related("submission", "created_by").order_by("created_at", "pk"))
    last = snapshots[-1] if snapshots else None
    changes = diff_reports(last.report, report) if last else []
    pdf = ReportPdf.objects.filter(incident=incident).first()
    return render(request, "incidents/report_preview.html", {
        "incident": incident, "report": report, "snapshots": snapshots, "last_snapshot": last, "changes": changes,
        "pdf": pdf, "pdf_current": bool(pdf and pdf.content_sha256 == content_sha256(report)),
        "now": timezone.now(), "tab": "report",
    })


@require(EDIT_CASE)
def report_details_edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    instance = ReportDetails.objects.filter(incident=incident).first() or ReportDetails(incident=incident)
    suggested, result, version = report_services.engine_likelihood(incident)
    # The likelihood question starts from the risk assessment's answer (one risk everywhere).
    initial = {"likelihood": suggested} if suggested and not instance.likelihood else {}
    form = ReportDetailsForm(posted(request), instance=instance, initial=initial)
    # What the notification plan already says is not asked again (one source for each fact).
    from_plan = {field: text for field, text in plan_answers(
        NotificationPlan.objects.filter(incident=incident).first()).items() if text}
    for field in from_plan:
        del form.fields[field]
    if result is not None:
        form.fields["likelihood"].help_text = (
            f"The risk assessment (version {version}) suggests “{ReportDetails.Likelihood(suggested).label}”: "
            f"{result.deciding_factor}")
    if request.method == "POST" and form.is_valid():
        try:
            report_services.report_details_save(incident=incident, actor=request.user,
                                                fields={k: form.cleaned_data[k] for k in form.fields})
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(request, "Report details saved.")
            return redirect("report_preview", incident.reference)
    conflict = (rules.ico_likelihood_conflict(result, form["likelihood"].value() or "") if result else "")
    return render(request, "incidents/report_details_form.html",
                  {"incident": incident, "form": form, "now": timezone.now(), "tab": "report",
                   "likelihood_conflict": conflict, "suggested_likelihood": suggested,
                   "from_plan": [(str(field_of(ReportDetails, f).verbose_name), text) for f, text in from_plan.items()]})


@require(EXPORT)
def report_copy(request: HttpRequest, reference: str) -> HttpResponse:
    """The report's answers in the ICO online form's parts and order, each to copy and tick."""
    incident = incident_or_404(reference)
    report = build_report(incident)
    form = copy_form.form_for(incident.regime)
    parts = copy_form.form_answers(report, form)
    answers = [a for _part, rows in parts for a in rows]
    return render(request, "reporting/report_copy.html", {
        "incident": incident, "parts": parts, "gaps": report["gaps"], "tab": "report", "now": timezone.now(),
        "form": form, "form_url": form.url.replace("http://ico.org.uk:80/", "https://ico.org.uk/"),
        "second_due": report["report_type"].get("second_notification_due"),
        "answered": sum(a.state == "answered" for a in answers), "total": len(answers),
        "too_long": [a for a in answers if a.too_long], "content_sha256": content_sha256(report)})


@require(EXPORT)
def report_json_download(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    data = report_json(build_report(incident))
    report_services.export_record(kind=ExportRecord.Kind.REPORT_JSON, actor=request.user, incident=incident,
                                  sha=report_services.sha256(data))
    return _download(data, f"{incident.reference}-ico-report.json", "application/json")


@require(EXPORT)
def report_pdf_download(request: HttpRequest, reference: str) -> HttpResponse:
    """The PDF of the report as it stands; for a large incident, made by a worker first."""
    incident = incident_or_404(reference)
    pdf = report_services.report_pdf_request(incident=incident, actor=request.user)
    if pdf.status != ReportPdf.Status.READY:
        return render(request, "incidents/report_pdf_wait.html",
                      {"incident": incident, "pdf": pdf, "now": timezone.now(), "tab": "report"})
    with pdf.pdf.open("rb") as handle:
        data = handle.read()
    report_services.export_record(kind=ExportRecord.Kind.REPORT_PDF, actor=request.user, incident=incident,
                                  sha=pdf.pdf_sha256)
    return _download(data, f"{incident.reference}-ico-report.pdf", "application/pdf")


def _snapshot(incident: object, pk: int) -> SubmissionSnapshot:
    return get_object_or_404(SubmissionSnapshot.objects.select_related("submission", "created_by"),
                             pk=pk, submission__incident=incident)


@require(READ)
def snapshot_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    snapshot = _snapshot(incident, pk)
    previous = (SubmissionSnapshot.objects.filter(submission__incident=incident, created_at__lte=snapshot.created_at)
                .exclude(pk=snapshot.pk).order_by("-created_at", "-pk").first())
    changes = diff_reports(previous.report, snapshot.report) if previous else []
    return render(request, "incidents/report_snapshot.html", {
        "incident": incident, "snapshot": snapshot, "previous": previous, "changes": changes,
        "report": snapshot.report, "now": timezone.now(), "tab": "report",
    })


@require(EXPORT)
def snapshot_download(request: HttpRequest, reference: str, pk: int, fmt: str) -> HttpResponse:
    incident = incident_or_404(reference)
    snapshot = _snapshot(incident, pk)
    name = f"{incident.reference}-submission-{snapshot.submission_id}"
    if fmt == "json":
        data = snapshot.report_json.encode()
        kind, sha, content_type = ExportRecord.Kind.SNAPSHOT_JSON, snapshot.json_sha256, "application/json"
    elif fmt == "pdf":
        with snapshot.pdf.open("rb") as handle:
            data = handle.read()
        kind, sha, content_type = ExportRecord.Kind.SNAPSHOT_PDF, snapshot.pdf_sha256, "application/pdf"
    else:
        raise Http404("No such format.")
    report_services.export_record(kind=kind, actor=request.user, incident=incident, sha=sha)
    return _download(data, f"{name}.{fmt}", content_type)


@require(EXPORT)
def register_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole breach register (every incident, reportable or not) for an audit."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such format.")
    incidents = list(register_export.register_queryset())
    rows = register_export.register_rows(incidents)
    if fmt == "csv":
        data = register_export.build_csv(rows)
        kind, content_type = ExportRecord.Kind.REGISTER_CSV, "text/csv; charset=utf-8"
    else:
        data = register_export.build_xlsx(rows)
        kind = ExportRecord.Kind.REGISTER_XLSX
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    report_services.export_record(kind=kind, actor=request.user, incident=None, incident_count=len(incidents),
                                  sha=report_services.sha256(data))
    return _download(data, f"breach-register-{timezone.localdate():%Y-%m-%d}.{fmt}", content_type)


@require(READ)
def pecr_log(request: HttpRequest) -> HttpResponse:
    """The PECR breach log of a month (reg. 5A(8)) before it is downloaded, or its nil return."""
    month = pecr_log_module.parse_month(request.GET.get("month"))
    incidents = pecr_log_module.incidents_in(month)
    return render(request, "reporting/pecr_log.html", {
        "month": month, "header": pecr_log_module.HEADER, "rows": list(pecr_log_module.log_rows(incidents)),
        "nil_return": "" if incidents else pecr_log_module.nil_return(month),
        "can_export": can(request.user, EXPORT), "now": timezone.now()})


@require(EXPORT)
def pecr_log_download(request: HttpRequest, month: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx", "txt"):
        raise Http404("No such format.")
    chosen = pecr_log_module.parse_month(month)
    incidents = pecr_log_module.incidents_in(chosen)
    if fmt == "txt":
        if incidents:
            raise InputRefused(f"There were PECR breaches in {chosen.label}: send the log, not a nil return.")
        data = pecr_log_module.nil_return(chosen).encode()
        kind, content_type = ExportRecord.Kind.PECR_NIL_RETURN, "text/plain; charset=utf-8"
    elif not incidents:
        raise InputRefused(f"There were no PECR breaches in {chosen.label}: send a nil return, not an empty log.")
    elif fmt == "csv":
        data = register_export.build_csv(pecr_log_module.log_rows(incidents), header=pecr_log_module.HEADER)
        kind, content_type = ExportRecord.Kind.PECR_LOG_CSV, "text/csv; charset=utf-8"
    else:
        data = register_export.build_xlsx(pecr_log_module.log_rows(incidents), header=pecr_log_module.HEADER,
                                          title="PECR breach log", sheet_name=chosen.slug)
        kind = ExportRecord.Kind.PECR_LOG_XLSX
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    report_services.export_record(kind=kind, actor=request.user, incident=None, incident_count=len(incidents),
                                  sha=report_services.sha256(data))
    name = "nil-return" if fmt == "txt" else "log"
    return _download(data, f"pecr-breach-{name}-{chosen.slug}.{fmt}", content_type)


# --- Across the apps: dashboard, overview, history -------------------------------------------


@require(READ)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    incidents = list(Incident.objects.open().with_subject_count().with_regulator_state()
                     .select_related("handler", "notification_plan"))
    # As processor, the controllers named and told: one query, and none without such incidents.
    prefetch_related_objects([i for i in incidents if i.is_processor], "parties")
    # Most urgent first: clocks still running (as processor: a controller still to tell),
    # soonest deadline first; then the rest by deadline, most recent last.
    incidents.sort(key=lambda i: (not (i.controller_untold() if i.is_processor else i.is_awaiting_decision),
                                  i.regulator_deadline))
    # One aggregate query for all incidents' notification progress, however many people.
    progress = charts.notification_progress(incidents) if incidents else {}
    # Three aggregate queries for the casework charts of every open incident (issue 20); the
    # first day of letters comes from the people told by day above.
    casework, together = casework_charts.casework_charts(
        incidents, first_letters={pk: p.points[0][0] for pk, p in progress.items() if p.points})
    for incident in incidents:
        setattr(incident, "progress", progress.get(incident.pk))  # noqa: B010 - read by the template
        setattr(incident, "casework", casework.get(incident.pk))  # noqa: B010 - read by the template
    return render(
        request,
        "incidents/dashboard.html",
        {
            "incidents": incidents,
            "now": now,
            "overdue_count": sum(1 for i in incidents if i.is_overdue(now)),
            "awaiting_count": sum(1 for i in incidents if i.is_awaiting_decision and not i.is_processor),
            "untold_count": sum(1 for i in incidents if i.is_processor and i.controller_untold()),
            "today": timezone.localdate(),
            "casework_charts": together.charts(timezone.localdate()),
        },
    )


@require(READ)
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: incident + handler; categories; exposed rows; the people's tally (kept by
    # every write to them: nobody is counted here, however many people);
    # the timeline's latest report decision and notification aggregate (+1 when closed).
    incident = incident_or_404(reference)
    categories = list(DataCategory.objects.all())
    exposed = list(incident.exposed_categories.select_related("category"))
    # Children by date of birth too, and represented adults as vulnerable (issue 13), as of today.
    summary = tally.summary(tally.current(incident), categories)
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
            # Only a reported incident can have had its clock corrected: no query otherwise.
            "corrections": list(incident.clock_corrections.select_related("corrected_by"))
            if incident.has_initial_report else [],
            # When a processor told us, we became aware then (issue 19): say so beside the time.
            "aware_from": incident.parties.filter(kind="processor", notified_us_at=incident.aware_at).first()
            if incident.data_role == "controller" else None,
            "now": timezone.now(),
            "tab": "overview",
        },
    )


@require(READ)
def closure(request: HttpRequest, reference: str) -> HttpResponse:
    """The Closure tab: the review with what the records say, and the casework charts. Queries:
    a constant number however many actions, requests, contacts and letters (closure_facts and
    casework_charts)."""
    incident = incident_or_404(reference)
    today = timezone.localdate()
    casework, _together = casework_charts.casework_charts([incident], today)
    return render(request, "incidents/closure/closure.html", {
        **closure_report.closure_facts(incident), "charts": casework[incident.pk].charts(today),
        "can_decide": can(request.user, DECIDE), "can_export": can(request.user, EXPORT),
        "now": timezone.now(), "tab": "closure"})


@require(EXPORT)
def closure_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    """The closure review for the board, counts only; each one made is on the History tab."""
    incident = incident_or_404(reference)
    data = closure_report.render_closure_pdf(closure_report.closure_facts(incident))
    incident_event_record(incident=incident, actor=request.user, kind="closure_pdf",
                          detail=f"SHA-256 {closure_report.sha256(data)}")
    return _download(data, f"{incident.reference}-closure-review.pdf", "application/pdf")


@require(READ)
def incident_history(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    timeline = audit.incident_events(incident)
    timeline.reverse()
    page = Paginator(timeline, 100).get_page(page_number(request))
    return render(
        request, "incidents/incident_history.html", {"incident": incident, "page": page, "tab": "history"}
    )


@require(EXPORT)
def incident_audit_csv(request: HttpRequest, reference: str) -> HttpResponseBase:
    """The incident's audit trail for the regulator: people's details withheld."""
    incident = incident_or_404(reference)
    return csv_response(f"{incident.reference}-audit-trail.csv", audit.HEADER, audit.audit_rows(incident))


# --- Assessment tab actions that write to more than one app ----------------------------------


@require(DECIDE)
def decision_create(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    incident = incident_or_404(reference)
    if kind not in Decision.Kind.values:
        raise Http404("No such decision")
    draft = assessment_services.decision_draft(incident=incident, kind=kind)
    form = DecisionForm(posted(request), instance=draft)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "target_date"}
        target_date = form.cleaned_data.get("target_date")
        try:
            report_services.decision_record(incident=incident, actor=request.user, kind=kind, fields=fields,
                                            target_date=target_date)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("assessment", incident.reference)
    if draft.recommended is None or draft.assessment is None:
        intro = "There is no assessment yet: a justification is required."
    else:
        intro = f"The latest assessment (version {draft.assessment.version}) recommends: {'yes' if draft.recommended else 'no'}."
    return form_page(request, incident, form, Decision.Kind(kind).label, intro)


@require(DECIDE)
def submission_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    has_initial = incident.submissions.filter(kind=RegulatorSubmission.Kind.INITIAL).exists()
    instance = RegulatorSubmission(incident=incident, recorded_by=acting_user(request))
    form = SubmissionForm(
        posted(request), instance=instance,
        initial={"kind": ("second" if incident.regime == "pecr" and not incident.submissions.filter(
            kind=RegulatorSubmission.Kind.SECOND).exists() else "follow_up") if has_initial else "initial",
                 "submitted_at": timezone.localtime().replace(second=0, microsecond=0),
                 # The case reference the ICO gave (a report, or the regulator's case), shown to check.
                 "ico_reference": regulator_services.case_reference(incident) if has_initial else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            report_services.report_submit(incident=incident, actor=request.user, fields=dict(form.cleaned_data))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Report to the regulator recorded.")
            return redirect("assessment", incident.reference)
    return form_page(request, incident, form, "Record a report to the regulator",
                      "A report made after the regulator deadline must give the reasons for the delay.")


@require(EXPORT)
def controller_notice_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    """As processor: the notice to the controller(s) named (Art. 33(2)), as a PDF; refused with
    what is missing while a fact it needs is missing. Each one made is on the History tab."""
    incident = incident_or_404(reference)
    facts, missing = controller_notice.notice_facts(incident)
    if missing:
        return render(request, "incidents/controller_notice_refused.html",
                      {"incident": incident, "missing": missing, "now": timezone.now(), "tab": "controllers"},
                      status=400)
    data = controller_notice.render_notice(facts)
    incident_event_record(incident=incident, actor=request.user, kind="controller_notice",
                          detail=f"To {'; '.join(c.name for c in facts['controllers'])}. "
                                 f"SHA-256 {controller_notice.sha256(data)}")
    return _download(data, f"{incident.reference}-notice-to-controller.pdf", "application/pdf")
