"""An incident's requests and claims from the people told (issue 20)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from breachtracker import keyset
from breachtracker.inputs import record_id

from ..http import attach_errors, incident_or_404, posted
from ..roles import EDIT_CASE, READ, can, require
from . import services
from .forms import (
    ActionDoneForm,
    ActionForm,
    AnswerForm,
    CloseForm,
    ContactForm,
    ExtendForm,
    FollowUpDoneForm,
    PersonRequestForm,
)
from .models import Contact, IncidentAction, PersonRequest

CONTACTS_PER_PAGE = 50


def _person_from_link(request: HttpRequest) -> str:
    """The person record a link from their page carries (?person=<record>), if it is a number."""
    value = request.GET.get("person", "")[:12]
    return value if value.isdigit() else ""


@require(READ)
def request_list(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    rows = list(incident.person_requests.select_related("owner").order_by("status", "due_on", "pk"))
    return render(request, "incidents/casework/request_list.html", {
        "incident": incident, "rows": rows, "totals": services.totals(incident), "today": timezone.localdate(),
        "can_edit": can(request.user, EDIT_CASE), "now": timezone.now(), "tab": "requests"})


@require(EDIT_CASE)
def request_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    initial = {"person_record": _person_from_link(request), "received_on": timezone.localdate(),
               "owner": request.user}
    form = PersonRequestForm(posted(request), incident=incident, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.request_create(incident=incident, actor=request.user, fields=form.service_fields())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"{record.get_kind_display()} recorded: respond by {record.deadline:%d %B %Y}.")
            return redirect("request_detail", incident.reference, record.pk)
    return render(request, "incidents/casework/request_form.html",
                  {"incident": incident, "form": form, "now": timezone.now(), "tab": "requests"})


@require(READ)
def request_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    record = get_object_or_404(PersonRequest.objects.select_related("subject", "owner"), incident=incident, pk=pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = {"extend": ExtendForm(posted(request) if action == "extend" else None),
             "answer": AnswerForm(posted(request) if action == "answer" else None,
                                  initial={"answered_on": timezone.localdate()}),
             "close": CloseForm(posted(request) if action == "close" else None)}
    status = 200
    if action and not can(request.user, EDIT_CASE):
        return render(request, "403.html", status=403)
    if action in forms and forms[action].is_valid():
        data = forms[action].cleaned_data
        try:
            if action == "extend":
                services.request_extend(record=record, actor=request.user, reason=data["reason"])
            elif action == "answer":
                services.request_answer(record=record, actor=request.user, answered_on=data["answered_on"],
                                        outcome=data["outcome"], amounts={
                                            k: data[k] for k in ("amount_offered", "amount_settled")
                                            if data[k] is not None})
            else:
                services.request_close(record=record, actor=request.user, reason=data["reason"])
        except ValidationError as error:
            attach_errors(forms[action], error)
            messages.error(request, " ".join(error.messages))
            status = 400
        else:
            messages.success(request, {"extend": "Time extended.", "answer": "Response recorded.",
                                       "close": "Request closed."}[action])
            return redirect("request_detail", incident.reference, record.pk)
    elif action:
        status = 400
    return render(request, "incidents/casework/request_detail.html", {
        "incident": incident, "record": record, "forms": forms, "today": timezone.localdate(),
        "can_edit": can(request.user, EDIT_CASE), "now": timezone.now(), "tab": "requests",
        "history": record.history.select_related("history_user").order_by("-history_date")}, status=status)


@require(READ)
def action_list(request: HttpRequest, reference: str) -> HttpResponse:
    """The incident's containment, remedial and preventive actions; add one, mark one done."""
    incident = incident_or_404(reference)
    form = ActionForm(posted(request) if request.POST.get("action") == "add" else None,
                      initial={"owner": request.user})
    done_form = ActionDoneForm(posted(request) if request.POST.get("action") == "done" else None,
                               initial={"done_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if not can(request.user, EDIT_CASE):
            return render(request, "403.html", status=403)
        try:
            if request.POST.get("action") == "add" and form.is_valid():
                services.action_create(incident=incident, actor=request.user, fields=dict(form.cleaned_data))
                messages.success(request, "Action added.")
                return redirect("action_list", incident.reference)
            if request.POST.get("action") == "done" and done_form.is_valid():
                target = get_object_or_404(IncidentAction, incident=incident,
                                           pk=record_id(request.POST.get("pk"), what="action"))
                services.action_done(action=target, actor=request.user, done_on=done_form.cleaned_data["done_on"],
                                     evidence=done_form.cleaned_data["evidence"])
                messages.success(request, "Action marked done.")
                return redirect("action_list", incident.reference)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        if request.POST.get("action") == "done" and done_form.errors:
            messages.error(request, "To mark an action done, give the date it was done (not in the future) "
                                    "and say what shows it was done.")
        status = 400
    actions = list(incident.actions.select_related("owner").order_by("status", "due_on", "pk"))
    return render(request, "incidents/casework/action_list.html", {
        "incident": incident, "actions": actions, "form": form, "done_form": done_form,
        "today": timezone.localdate(), "can_edit": can(request.user, EDIT_CASE), "now": timezone.now(),
        "tab": "actions"}, status=status)


@require(READ)
def contact_list(request: HttpRequest, reference: str) -> HttpResponse:
    """The helpline log: every call, email, letter and visit, in the order logged; or only the
    ones waiting for a follow-up. Queries: incident, totals, the page (however long the log)."""
    incident = incident_or_404(reference)
    waiting = request.GET.get("show") == "follow_up"
    totals = services.contact_totals(incident)
    rows = Contact.objects.filter(incident=incident).select_related("subject", "handled_by")
    if waiting:
        rows = rows.filter(status=Contact.Status.FOLLOW_UP)
    page = keyset.paginate(request, rows, key="pk", within=("incident_id", incident.pk),
                           count=totals["follow_up"] if waiting else totals["total"], per_page=CONTACTS_PER_PAGE,
                           salt=f"contact_list:{incident.pk}:{int(waiting)}")
    return render(request, "incidents/casework/contact_list.html", {
        "incident": incident, "page": page, "totals": totals, "waiting": waiting,
        "query": "show=follow_up" if waiting else "", "today": timezone.localdate(),
        "can_edit": can(request.user, EDIT_CASE), "now": timezone.now(), "tab": "contacts"})


@require(EDIT_CASE)
def contact_create(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    initial = {"person_record": _person_from_link(request), "happened_at": timezone.localtime().replace(
        second=0, microsecond=0), "direction": Contact.Direction.IN, "channel": Contact.Channel.PHONE}
    form = ContactForm(posted(request), incident=incident, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(incident=incident, actor=request.user, fields=form.service_fields())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Contact logged." + (" It is on the list of follow-ups waiting."
                                                            if contact.status == Contact.Status.FOLLOW_UP else ""))
            return redirect("contact_detail", incident.reference, contact.pk)
    return render(request, "incidents/casework/contact_form.html", {
        "incident": incident, "form": form, "now": timezone.now(), "tab": "contacts"})


@require(READ)
def contact_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    contact = get_object_or_404(Contact.objects.select_related("subject", "handled_by"), incident=incident, pk=pk)
    form = FollowUpDoneForm(posted(request))
    status = 200
    if request.method == "POST":
        if not can(request.user, EDIT_CASE):
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.contact_follow_up_done(contact=contact, actor=request.user, outcome=form.cleaned_data["outcome"])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, "Follow-up recorded as done.")
                return redirect("contact_detail", incident.reference, contact.pk)
        status = 400
    return render(request, "incidents/casework/contact_detail.html", {
        "incident": incident, "contact": contact, "form": form, "can_edit": can(request.user, EDIT_CASE),
        "now": timezone.now(), "tab": "contacts",
        "history": contact.history.select_related("history_user").order_by("-history_date")}, status=status)
