"""The notice a processor sends its controller(s) (issue 19; UK GDPR Art. 33(2), DPA 2018 s.67).

Same contents as a report under Art. 33(3) / s.67(4): the nature of the breach with the
categories and approximate numbers of people and records; the contact point; the likely
consequences; the measures taken or proposed. Built from the case's facts: the incident, its
exposed categories and its people's tally (counts only: no affected person's details are read),
the organisation's DPO, and the report's answers (consequences, actions) — one source for each
fact. Refused, with what is missing and where to fill it in, while a fact it needs is missing.
In reporting because it reads the report's answers; small and constant-size, so it is rendered
in the request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breachtracker.pdf import render_pdf
from incidents.controllers.models import IncidentParty
from incidents.models import DataCategory, Incident, Organisation
from incidents.people import tally
from incidents.vocab import ROLES

from .models import ReportDetails


@dataclass(frozen=True)
class Missing:
    """A fact the notice needs, and the page that fills it in (a URL name and its arguments)."""

    text: str
    url_name: str
    args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.args)


def notice_facts(incident: Incident) -> tuple[dict[str, Any], list[Missing]]:
    """What the notice says, and what stops it being made (empty when it can be)."""
    ref = (incident.reference,)
    missing: list[Missing] = []
    if incident.data_role != Incident.DataRole.PROCESSOR:
        missing.append(Missing("The incident does not say we act as processor: only a processor sends this "
                               "notice.", "incident_edit", ref))
    controllers = list(incident.parties.filter(kind=IncidentParty.Kind.CONTROLLER))  # type: ignore[attr-defined]
    if not controllers:
        missing.append(Missing("No controller is named: name the controller you process this data for.",
                               "party_list", ref))
    details = ReportDetails.objects.filter(incident=incident).first() or ReportDetails(incident=incident)
    organisation = Organisation.current()
    categories = list(DataCategory.objects.all())
    exposed = list(incident.exposed_categories.select_related("category"))
    counts = tally.summary(tally.current(incident), categories)
    # As the ICO report counts them: the larger of those recorded and the estimate.
    people = max(counts["total"], incident.approx_subjects or 0) or None
    if not incident.description.strip():
        missing.append(Missing("What happened is not described.", "incident_edit", ref))
    if not exposed:
        missing.append(Missing("The categories of personal data are not recorded (choose “Not yet known” if you "
                               "do not know yet).", "incident_categories", ref))
    if not people:
        missing.append(Missing("The approximate number of people affected is not known: record the people or "
                               "an approximate number.", "incident_edit", ref))
    if incident.approx_records is None:
        missing.append(Missing("The approximate number of personal data records is not given.", "incident_edit",
                               ref))
    if not organisation.controller_name.strip():
        missing.append(Missing("Our organisation's name is not recorded.", "organisation_edit"))
    if not organisation.dpo_name.strip() or not (organisation.dpo_email.strip() or organisation.dpo_phone.strip()):
        missing.append(Missing("Our contact point (the DPO's name, and an email or phone) is not recorded.",
                               "organisation_edit"))
    if not details.consequences.strip():
        missing.append(Missing("The likely consequences are not written (the report's answers).",
                               "report_details_edit", ref))
    if not details.actions_taken.strip():
        missing.append(Missing("The measures taken or proposed are not written (the report's answers).",
                               "report_details_edit", ref))
    facts = {
        "incident": incident,
        "law": ("DPA 2018 section 67" if incident.regime == "dpa_part3" else "UK GDPR Article 33(2)"),
        "controllers": controllers,
        "organisation": organisation,
        "exposed": exposed,
        "roles": [(role.label, counts[f"role_{role.code}"]) for role in ROLES.values()
                  if counts[f"role_{role.code}"]],
        "people": people,
        "people_recorded": counts["total"],
        "records": incident.approx_records,
        "consequences": details.consequences.strip(),
        "measures": details.actions_taken.strip(),
        "prepared_at": timezone.now(),
    }
    return facts, missing


def render_notice(facts: dict[str, Any]) -> bytes:
    return render_pdf(render_to_string("pdf/controller_notice.html", facts))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
