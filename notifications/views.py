from __future__ import annotations

from collections import Counter
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from breachtracker import files, keyset
from breachtracker.inputs import MAX_INTEGER, InputRefused, record_id, record_ids, whole_number
from breachtracker.pdf import render_pdf
from breachtracker.records import field_of
from incidents.http import incident_or_404, posted
from incidents.models import DataSubject, Incident
from incidents.people import tally
from incidents.roles import DECIDE, EDIT_CASE, READ, require
from incidents.vocab import ROLES, Channel

from . import approvals, casework, channels, delivery, postroom, progress, readiness, services
from .forms import BulkForm, ChannelForm, ContactForm, LetterTemplateForm, MarkForm, PlanForm
from .letters import PLACEHOLDERS, TemplateRefused
from .models import Audience, Batch, Language, LetterTemplate, Notification, NotificationPlan, PrintPack, template_key
from .readability import PLAIN_GRADE, hard_to_read

PER_PAGE = 50


def _notification(incident: Incident, pk: int) -> Notification:
    notification = get_object_or_404(Notification.objects.select_related("subject", "template"),
                                     incident=incident, pk=pk)
    notification.incident = incident
    return notification


@require(READ)
def notification_list(request: HttpRequest, reference: str) -> HttpResponse:
    # Queries: incident; plan; the progress counters (kept by every change: nothing is counted
    # here); latest batch; the page (keyset: as cheap at the last page as at the first) and
    # its people.
    incident = incident_or_404(reference)
    plan = NotificationPlan.objects.filter(incident=incident).first()
    counts = progress.summary(progress.stored([incident.pk]).get(incident.pk, Counter()))
    overdue = counts["outstanding"] if plan and plan.target_date and plan.target_date < timezone.localdate() else 0
    batch = incident.notification_batches.order_by("-created_at").first()
    show = request.GET.get("show", "")
    # Each row's person in a second query: joined, PostgreSQL walks the people's index from its
    # start to the page (a merge join), 37 ms at 50,000 people.
    listed = Notification.objects.filter(incident=incident).prefetch_related("subject")
    count = counts["total"]
    if show == "outstanding":
        listed, count = listed.outstanding(), counts["outstanding"]
    elif show == "overdue":
        listed, count = listed.overdue(), overdue
    elif show in Notification.Status.values:
        listed, count = listed.filter(status=show), counts[f"status_{show}"]
    else:
        show = ""
    # One row per person: ordered by the person (the list's index), the page found by key.
    page = keyset.paginate(request, listed, key="subject_id", within=("incident_id", incident.pk), count=count,
                           per_page=PER_PAGE, salt=f"notification_list:{incident.pk}:{show}")
    total, done = counts["total"], counts["done"]
    return render(request, "notifications/notification_list.html", {
        "incident": incident, "plan": plan, "progress": counts, "total": total, "done": done,
        "done_percent": round(100 * done / total) if total else 0,
        "statuses": [(s, counts[f"status_{s.value}"]) for s in Notification.Status],
        "channels": [(label, counts[f"channel_{code}"], counts[f"channel_{code}_done"])
                     for code, label in Channel.CHOICES if counts[f"channel_{code}"]],
        "roles": [(r.label, counts[f"role_{r.code}"], counts[f"role_{r.code}_done"])
                  for r in ROLES.values() if counts[f"role_{r.code}"]],
        "overdue": overdue, "batch": batch, "page": page, "show": show, "query": f"show={show}" if show else "",
        "bulk_form": BulkForm(), "now": timezone.now(), "today": timezone.localdate(), "tab": "notifications",
    })


@require(DECIDE)
def notification_plan(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    plan = NotificationPlan.objects.filter(incident=incident).first() or NotificationPlan(incident=incident)
    form = PlanForm(posted(request), instance=plan, incident=incident)
    if request.method == "POST" and form.is_valid():
        services.plan_update(incident=incident, actor=request.user, fields=form.cleaned_data)
        messages.success(request, "Notification plan saved.")
        return redirect("notification_list", incident.reference)
    hard = [(str(field_of(NotificationPlan, name).verbose_name), score) for name in NotificationPlan.REQUIRED
            if (score := hard_to_read(getattr(plan, name)))]
    return render(request, "notifications/plan_form.html", {
        "incident": incident, "form": form, "missing": plan.missing(), "now": timezone.now(), "hard": hard,
        "plain_grade": PLAIN_GRADE,
        "risk_warning": readiness.RISK_WARNING if readiness.contradicts_risk(incident, plan.consequences) else "",
        "tab": "notifications"})


@require(DECIDE)
def batch_start(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    if request.method == "POST" and "override_reason" in request.POST:
        try:
            services.override_record(incident=incident, actor=request.user,
                                     reason=request.POST.get("override_reason", ""))
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.warning(request, "Emergency override recorded: letters may start before a decision to tell.")
        return redirect("batch_start", incident.reference)
    if request.method == "POST":
        ids = request.POST.getlist("subject")
        subject_ids: list[int] | None = record_ids(ids, what="person") if ids else None
        role = request.POST.get("role", "")
        if role in ROLES:
            subject_ids = list(incident.subjects.with_role(role).values_list("pk", flat=True))
        try:
            batch = services.batch_start(incident=incident, actor=request.user, subject_ids=subject_ids)
        except approvals.BatchRefused as exc:
            messages.error(request, str(exc))
            return redirect("batch_start", incident.reference)
        messages.success(request, f"Batch {batch.pk}: generating letters for {batch.total} people.")
        return redirect(f"{reverse('notification_list', args=[incident.reference])}?batch={batch.pk}")
    # People with no notification yet, or one still pending: from the people's tally and the
    # progress counters, not counted.
    counts = progress.summary(progress.stored([incident.pk]).get(incident.pk, Counter()))
    waiting = max(0, tally.current(incident).total - counts["total"]) + counts["status_pending"]
    problems = approvals.batch_problems(incident)
    return render(request, "notifications/batch_start.html", {
        "incident": incident, "waiting": waiting, "roles": ROLES.values(), "now": timezone.now(),
        "problems": [(p, _fix_url(incident, p)) for p in problems],
        "needs_decision": readiness.decision_problem(incident) is not None,
        "override": readiness.active_override(incident), "tab": "notifications"})


def _fix_url(incident: Incident, problem: readiness.Problem) -> str:
    if not problem.fix:
        return ""
    if problem.fix == "decision_create":
        return reverse("decision_create", args=[incident.reference, "tell"])
    if problem.fix in ("organisation_edit", "letter_templates"):
        return reverse(problem.fix)
    return reverse(problem.fix, args=[incident.reference])


@require(DECIDE)
def letter_approval(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: a real sample letter for each audience present, and what changed since the last
    approval. POST: approve them as they are now."""
    incident = incident_or_404(reference)
    if request.method == "POST":
        try:
            approvals.approval_record(incident=incident, actor=request.user)
        except approvals.ApprovalRefused as exc:
            messages.error(request, str(exc))
            return redirect("letter_approval", incident.reference)
        messages.success(request, "Letters approved: batches will use exactly these versions.")
        return redirect("batch_start", incident.reference)
    current = LetterTemplate.objects.current_by_key()
    present = approvals.audiences_present(incident)
    samples = [(key, approvals.key_label(key).capitalize(), approvals.template_for(key, current)) for key in present]
    content = readiness.content_problems(incident) + approvals.template_problems(incident)
    return render(request, "notifications/letter_approval.html", {
        "incident": incident, "samples": samples, "approval": approvals.latest_approval(incident),
        "changes": [c for c in approvals.approval_changes(incident) if c != "none"],
        "problems": [(p, _fix_url(incident, p)) for p in content], "now": timezone.now(), "tab": "notifications"})


@require(DECIDE)
def letter_sample(request: HttpRequest, reference: str, audience: str) -> HttpResponse:
    """The real PDF a real person of this audience would get now (made on request, not kept)."""
    incident = incident_or_404(reference)
    try:
        html = approvals.sample_pdf_html(incident=incident, audience=audience)
    except approvals.ApprovalRefused as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{incident.reference}-sample-{audience}.pdf"'
    return response


@require(READ)
def batch_progress(request: HttpRequest, reference: str, pk: int) -> JsonResponse:
    incident = incident_or_404(reference)
    batch = get_object_or_404(Batch, incident=incident, pk=pk)
    return JsonResponse({"batch": batch.pk, **batch.progress()})


@require(READ)
def notification_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    notification = _notification(incident, pk)
    history = notification.history.select_related("history_user").order_by("-history_date", "-history_id")[:100]
    return render(request, "notifications/notification_detail.html", {
        "incident": incident, "n": notification, "history": history,
        "contacts": notification.contacts.select_related("recorded_by"),
        "mark_form": MarkForm(initial={"version": notification.version}),
        "channel_form": ChannelForm(initial={"version": notification.version, "channel": notification.channel}),
        "contact_form": ContactForm(initial={"version": notification.version,
                                             "contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
        "now": timezone.now(), "tab": "notifications",
    })


@require(EDIT_CASE)
def notification_mark(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """POST: tick one notification (or undo), or record a contact. GET: the forms."""
    incident = incident_or_404(reference)
    notification = _notification(incident, pk)
    if request.method != "POST":
        return notification_detail(request, reference, pk)
    if "set_channel" in request.POST:
        return _set_channel(request, incident, notification)
    is_contact = "outcome" in request.POST
    form = ContactForm(request.POST) if is_contact else MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please check the form: " + "; ".join(
            f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
        return redirect("notification_detail", incident.reference, pk)
    data = form.cleaned_data
    try:
        if is_contact:
            services.contact_record(notification=notification, actor=request.user, expected_version=data["version"],
                                    channel=data["channel"], contacted_at=data["contacted_at"],
                                    outcome=data["outcome"], note=data["note"])
            messages.success(request, "Contact recorded.")
        elif data["action"] == "undo":
            services.notification_undo(notification=notification, actor=request.user, expected_version=data["version"])
            messages.success(request, "Undone.")
        else:
            services.notification_mark(notification=notification, actor=request.user, status=data["action"],
                                       expected_version=data["version"])
            messages.success(request, f"Marked {Notification.Status(data['action']).label.lower()}.")
    except (services.Changed, services.NotAllowed) as exc:
        messages.error(request, str(exc))
    return redirect("notification_detail", incident.reference, pk)


def _set_channel(request: HttpRequest, incident: Incident, notification: Notification) -> HttpResponse:
    form = ChannelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a letter or an email.")
    else:
        try:
            channels.notification_set_channel(notification=notification, actor=request.user,
                                              channel=form.cleaned_data["channel"],
                                              expected_version=form.cleaned_data["version"])
        except (services.Changed, services.NotAllowed, PermissionError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Channel changed: the next “Generate letters” makes their letter or email.")
    return redirect("notification_detail", incident.reference, notification.pk)


@require(EDIT_CASE)
def notification_bulk(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    if request.method != "POST":
        return notification_list(request, reference)
    form = BulkForm(request.POST)
    versions: dict[int, int] = {}
    for raw in request.POST.getlist("selected"):
        version = whole_number(request.POST.get(f"v_{raw}", ""), minimum=0, maximum=MAX_INTEGER)
        if version is None:
            raise InputRefused("A person ticked in that list is not valid. Reload the page and choose again.")
        versions[record_id(raw, what="notification")] = version
    if not form.is_valid() or not versions:
        messages.error(request, "Choose an action and at least one person.")
        return redirect("notification_list", incident.reference)
    result = services.notifications_bulk(incident=incident, actor=request.user, versions=versions,
                                         action=form.cleaned_data["action"])
    action = form.cleaned_data["action"]
    choices: dict[str, Any] = dict(cast(forms.ChoiceField, form.fields["action"]).choices)  # type: ignore[arg-type]
    what = "last change undone" if action == "undo" else f"marked “{str(choices[action]).lower()}”"
    messages.success(request, f"{len(result['done'])} updated: {what}.")
    if result["changed"]:
        messages.error(request, f"{len(result['changed'])} were changed by someone else since you loaded the "
                                "page and were left alone: check them and try again.")
    if result["not_allowed"]:
        messages.warning(request, f"{len(result['not_allowed'])} could not take that action from their status.")
    back = request.POST.get("next") or ""
    return redirect(back if back.startswith("/incidents/") else reverse("notification_list", args=[incident.reference]))


@require(READ)
def notification_pdf(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    incident = incident_or_404(reference)
    notification = _notification(incident, pk)
    if not notification.pdf:
        raise Http404("No letter has been generated for this person.")
    return files.download(notification.pdf.name, content_type="application/pdf",
                          filename=f"{incident.reference}-{notification.pk}.pdf")


@require(READ)
def outstanding_csv(request: HttpRequest, reference: str) -> StreamingHttpResponse:
    incident = incident_or_404(reference)
    response = StreamingHttpResponse(delivery.outstanding_rows(incident), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}-outstanding.csv"'
    return response


@require(EDIT_CASE)
def print_packs(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "posted":
        pack = get_object_or_404(PrintPack, batch__incident=incident, pk=record_id(request.POST.get("pack"), what="print pack"))
        try:
            done = postroom.print_pack_mark_posted(pack=pack, actor=request.user)
        except postroom.PostRoomRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Print pack {pack.pk} posted: {done['sent']} letters marked sent."
                             + (f" {done['left']} were left as they were." if done["left"] else ""))
        return redirect("print_packs", incident.reference)
    if action == "returned":
        try:
            count = postroom.letters_mark_returned(incident=incident, actor=request.user,
                                                   text=request.POST.get("references", "")[:1_000_000])
        except postroom.PostRoomRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{count} returned {'letter' if count == 1 else 'letters'} recorded.")
        return redirect("print_packs", incident.reference)
    if request.method == "POST":
        batch = get_object_or_404(Batch, incident=incident, pk=record_id(request.POST.get("batch"), what="batch"))
        services.print_pack_request(batch=batch, actor=request.user)
        messages.success(request, "Building the print pack: this page shows it when it is ready.")
        return redirect("print_packs", incident.reference)
    packs = list(PrintPack.objects.filter(batch__incident=incident).select_related("batch", "created_by"))
    return render(request, "notifications/print_packs.html", {
        "incident": incident, "packs": packs, "building": any(p.status == PrintPack.Status.BUILDING for p in packs), "batches": incident.notification_batches.all(),
        "now": timezone.now(), "tab": "notifications"})


@require(READ)
def print_pack_download(request: HttpRequest, reference: str, pk: int, part: str) -> FileResponse:
    incident = incident_or_404(reference)
    pack = get_object_or_404(PrintPack, batch__incident=incident, pk=pk, status=PrintPack.Status.READY)
    if part == "pdf":
        return files.download(pack.pdf.name, content_type="application/pdf",
                              filename=f"{incident.reference}-pack-{pack.pk}.pdf")
    if part == "manifest":
        return files.download(pack.manifest.name, content_type="text/csv",
                              filename=f"{incident.reference}-pack-{pack.pk}-manifest.csv")
    raise Http404("Unknown part")


@require(READ)
def letter_templates(request: HttpRequest) -> HttpResponse:
    current = LetterTemplate.objects.current_by_key()
    rows = [(a, language, current.get(template_key(a.value, language.value)))
            for a in Audience for language in Language]
    return render(request, "notifications/letter_templates.html", {"templates": rows, "placeholders": PLACEHOLDERS})


@require(DECIDE)
def letter_template_edit(request: HttpRequest, audience: str) -> HttpResponse:
    language = request.GET.get("language", Language.ENGLISH)
    if audience not in Audience.values or language not in Language.values:
        raise Http404("Unknown audience or language")
    current = LetterTemplate.objects.current(language).get(audience)
    form = LetterTemplateForm(posted(request), instance=LetterTemplate(
        audience=audience, language=language, email_subject=current.email_subject if current else "",
        body=current.body if current else ""))
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.template_save(audience=audience, actor=request.user,
                                            email_subject=form.cleaned_data["email_subject"],
                                            body=form.cleaned_data["body"], language=language)
        except TemplateRefused as exc:  # pragma: no cover - the form checked it already
            form.add_error("body", str(exc))
        else:
            messages.success(request, f"Saved as version {letter.version}.")
            return redirect("letter_templates")
    return render(request, "notifications/letter_template_form.html", {
        "form": form, "audience": Audience(audience), "language": Language(language), "current": current,
        "placeholders": PLACEHOLDERS})


@require(READ)
def phone_script(request: HttpRequest, reference: str) -> HttpResponse:
    """What the phone team may say to a caller, from the plan's public wording."""
    incident = incident_or_404(reference)
    return render(request, "notifications/phone_script.html", {
        "incident": incident, "script": casework.phone_script(incident), "now": timezone.now(), "tab": "contacts"})


@require(READ)
def person_contacts(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Every contact with one person, both ways: letters, calls to tell them, the helpline log,
    their requests and claims."""
    incident = incident_or_404(reference)
    subject = get_object_or_404(DataSubject, incident=incident, pk=pk)
    return render(request, "notifications/person_contacts.html", {
        "incident": incident, "subject": subject, "events": casework.person_contacts(incident, subject),
        "now": timezone.now(), "tab": "subjects"})
