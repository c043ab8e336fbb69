"""Builders for the processor and partner-controller tests (issue 19)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from incidents.controllers import services as party_services
from incidents.controllers.models import IncidentParty
from incidents.models import Incident, Organisation
from incidents.register import services as incident_services
from reporting.services import report_details_save
from tests.base import category, make_incident
from tests.notifications.helpers import make_organisation

CONSEQUENCES = "People may be contacted by someone pretending to be the records unit."
MEASURES = "We revoked the shared link within the hour and asked the recipient to delete the file."


def local_input(value: datetime) -> str:
    """A time as the browser's date-time field posts it (Europe/London)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def make_processor_incident(actor: Any, *, complete: bool = True, **fields: Any) -> Incident:
    """An incident where we act as processor; with `complete`, every fact the notice to the
    controller needs, and one controller named (not yet told)."""
    if not Organisation.objects.exists():
        make_organisation()
    incident = make_incident(actor=actor, data_role="processor", approx_subjects=40, approx_records=120,
                             **fields)
    if complete:
        incident_services.incident_set_categories(incident=incident, actor=actor, exposed={
            category("basic_identifiers"): {"approx_records": 120, "detail": ""}})
        report_details_save(incident=incident, actor=actor,
                            fields={"consequences": CONSEQUENCES, "actions_taken": MEASURES})
        name_controller(incident, actor)
    return incident


def name_controller(incident: Incident, actor: Any, **fields: Any) -> IncidentParty:
    values = {"name": "Westshire County Council", "contact": "Information governance, ig@westshire.example"}
    values.update(fields)
    return party_services.party_create(incident=incident, actor=actor, kind="controller", fields=values)
