"""The closure review as the board reads it (issue 20): the DPO's words (what happened, lessons
learned) with what the records say, never typed again — the actions and when each was done,
the requests and claims totals, the contacts needing follow-up, the letters told and not told.

In reporting because it reads notifications' progress counters. Counts only: no affected
person's name, reference, address, or the text of what they asked or were told, ever reaches
the board PDF. Small and of constant size (a constant number of queries however many people),
so the PDF is rendered in the request.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from breachtracker.pdf import render_pdf
from incidents.casework import services as casework_services
from incidents.closure.services import OpenItems
from incidents.models import ClosureReview, Incident
from notifications import progress as counters


def closure_facts(incident: Incident) -> dict[str, Any]:
    """Everything the Closure tab and the board PDF show. Queries: the review (+ who signed it
    off); the actions; the requests' totals (4); the contacts (1); the letters' counters (1) —
    the same however many rows. The open items are read from these, not counted again."""
    review = ClosureReview.objects.filter(incident=incident).select_related("signed_off_by").first()
    actions = list(incident.actions.order_by("due_on", "pk"))  # type: ignore[attr-defined]
    contacts = casework_services.contact_totals(incident)
    requests = casework_services.totals(incident)
    letters = counters.summaries([incident.pk])[incident.pk]
    today = timezone.localdate()
    return {
        "incident": incident,
        "review": review,
        "actions": actions,
        "actions_overdue": sum(1 for a in actions if a.status == a.Status.OPEN and a.due_on < today),
        "requests": requests,
        "contacts": contacts,
        "letters": {"total": letters["total"], "told": letters["done"], "not_told": letters["total"] - letters["done"],
                    "outstanding": letters["outstanding"]},
        "open": OpenItems(actions=sum(1 for a in actions if a.status == a.Status.OPEN),
                          requests=requests["open"], contacts=contacts["follow_up"]),
        "today": today,
    }


def render_closure_pdf(facts: dict[str, Any]) -> bytes:
    """The closure review for the board as an A4 PDF (reference and page numbers on every page)."""
    return render_pdf(render_to_string("pdf/closure_review.html", {**facts, "prepared_at": timezone.now()}))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
