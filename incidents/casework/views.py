"""An incident's requests and claims from the people told (issue 20)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from ..http import incident_or_404, posted
from ..roles import EDIT_CASE, READ, can, require
from . import services
from .forms import AnswerForm, CloseForm, ExtendForm, PersonRequestForm
from .models import PersonRequest


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
    initial = {"person": request.GET.get("person", "")[:20], "received_on": timezone.localdate(), "owner": request.user}
    form = PersonRequestForm(posted(request), incident=incident, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "person"}
        fields["subject"] = form.cleaned_data["person"]
        try:
            record = services.request_create(incident=incident, actor=request.user, fields=fields)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
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
            for field, errors in (error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]):
                forms[action].add_error(field if field in forms[action].fields else None, errors)
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
