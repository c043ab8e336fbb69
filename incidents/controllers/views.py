"""The "Controllers" tab: whether we act as controller or processor, the controllers we must
tell (as processor), the processor who told us, and partner controllers. Everyone reads; the
DPO records (DECIDE)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from ..http import attach_errors, incident_or_404, posted
from ..register.models import Incident
from ..roles import DECIDE, READ, require
from . import services
from .forms import PartyForm, RemoveForm
from .models import IncidentParty


def _party(incident: Incident, pk: int) -> IncidentParty:
    return get_object_or_404(IncidentParty, pk=pk, incident=incident)


@require(READ)
def party_list(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    parties = list(incident.parties.select_related("created_by"))  # type: ignore[attr-defined]
    now = timezone.now()
    return render(request, "incidents/controllers.html", {
        "incident": incident, "now": now, "tab": "controllers",
        "controllers": [p for p in parties if p.kind == IncidentParty.Kind.CONTROLLER],
        "processors": [p for p in parties if p.kind == IncidentParty.Kind.PROCESSOR],
        "partners": [p for p in parties if p.kind == IncidentParty.Kind.PARTNER],
        "kinds": services.allowed_kinds(incident),
        "elapsed": now - incident.aware_at,
    })


@require(DECIDE)
def party_create(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    incident = incident_or_404(reference)
    if kind not in IncidentParty.Kind.values:
        raise Http404("No such kind of organisation.")
    if kind not in services.allowed_kinds(incident):
        messages.error(request, "First say whether you act as controller or processor in the incident's facts."
                       if not incident.data_role else
                       f"This incident cannot name a {IncidentParty.Kind(kind).label.lower()}.")
        return redirect("party_list", incident.reference)
    form = PartyForm(posted(request), kind=kind, instance=IncidentParty(incident=incident, kind=kind))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.party_create(incident=incident, actor=request.user, kind=kind, fields=fields)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"{IncidentParty.Kind(kind).label} recorded.")
            return redirect("party_list", incident.reference)
    return _form_page(request, incident, form, f"Add a {IncidentParty.Kind(kind).label.lower()}")


@require(DECIDE)
def party_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    party = _party(incident, pk)
    form = PartyForm(posted(request), kind=party.kind, instance=party)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.party_update(party=party, actor=request.user, fields=fields)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("party_list", incident.reference)
    return _form_page(request, incident, form, f"Change: {party.name}")


@require(DECIDE)
def party_remove(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    party = _party(incident, pk)
    form = RemoveForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.party_delete(party=party, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"{party.name} removed. The history keeps the record and your reason.")
        return redirect("party_list", incident.reference)
    return _form_page(request, incident, form, f"Remove {party.name}", remove=True)


def _form_page(request: HttpRequest, incident: Incident, form: PartyForm | RemoveForm, title: str, *,
               remove: bool = False) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/controller_form.html", {
        "incident": incident, "form": form, "title": title, "remove": remove, "now": timezone.now(),
        "tab": "controllers"}, status=status)
