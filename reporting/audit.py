"""The audit trail of one incident as rows, for the regulator's CSV export.

Changes to the incident and its exposed categories are given in full. Changes to affected
people name the person by record number and the fields that changed, never the values: an
export that leaves the organisation carries no data subject's details.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.db.models import Q

from incidents.history import Change, Event, assessment_events, events
from incidents.models import (
    ClosureReview,
    DataCategory,
    DataSubject,
    Evidence,
    Incident,
    IncidentParty,
    IncidentCategory,
    Contact,
    IncidentAction,
    IncidentEvent,
    IncidentLink,
    PersonRequest,
    RegulatorCase,
    RegulatorCorrespondence,
    RegulatorRequest,
    SubjectImport,
)
from incidents.templatetags.breach import london

from .models import ExportRecord, ReportDetails, SubmissionSnapshot

HEADER = ["When (Europe/London)", "Who", "Action", "Record", "Field", "Before", "After"]
WITHHELD = "(personal data, not exported)"


# What an auditor needs from an import's history: not its mapping or progress counters.
IMPORT_HISTORY_FIELDS = {"file name", "file sha-256", "status", "import only the valid rows", "rows read",
                         "rows valid", "rows invalid", "rows merged into another", "subjects created",
                         "subjects updated", "subjects unchanged"}


def _import_events(incident: Incident, categories: dict[int, str]) -> list[Event]:
    timeline = events(
        SubjectImport.history.filter(incident_id=incident.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        model=SubjectImport, subject="Import of affected people", categories=categories,
    )
    for event in timeline:
        event.changes = [c for c in event.changes if c.field.casefold() in IMPORT_HISTORY_FIELDS]
    return timeline


def timeline_events(incident: Incident) -> list[Event]:
    """Events recorded on the incident as a whole (letters batched, approved, posted...)."""
    found = []
    for row in IncidentEvent.objects.filter(incident=incident).select_related("actor"):
        who = (row.actor.get_full_name() or row.actor.username) if row.actor else "System"
        event = Event(row.at, who, row.get_kind_display(), incident.reference)
        if row.detail:
            event.changes.append(Change("Detail", "", row.detail))
        found.append(event)
    return found


def report_events(incident: Incident) -> list[Event]:
    """The report's answers, submission snapshots, and every export that covered this incident:
    its own report PDF/JSON downloads, and register exports made while it was on the register."""
    found = events(
        ReportDetails.history.filter(incident_id=incident.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        model=ReportDetails, subject="Report answers", categories={}, skip=frozenset({"incident"}),
    )
    found += events(
        SubmissionSnapshot.history.filter(submission__incident_id=incident.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        model=SubmissionSnapshot, subject="Report as sent (frozen)", categories={},
        skip=frozenset({"report_json", "pdf", "submission"}),
    )
    exports = ExportRecord.history.filter(
        Q(incident_id=incident.pk) | Q(incident__isnull=True, exported_at__gte=incident.created_at)
    ).select_related("history_user").order_by("id", "history_date", "history_id")
    for event in events(exports, model=ExportRecord, subject="Export", categories={}, skip=frozenset({"incident"})):
        event.action = "Exported"
        found.append(event)
    return found


def _party_events(incident: Incident) -> list[Event]:
    """The controllers, processor and partner controllers named on the incident (issue 19),
    each event titled with the organisation it is about."""
    records = list(IncidentParty.history.filter(incident_id=incident.pk).select_related("history_user")
                   .order_by("id", "history_date", "history_id"))
    found = events(records, model=IncidentParty, subject="", categories={},
                   skip=frozenset({"incident", "created_by"}))
    for record, event in zip(records, found, strict=True):
        event.subject = f"{record.get_kind_display()}: {record.name}"
    return found


def incident_events(incident: Incident, *, name_people: bool = True) -> list[Event]:
    """Changes to the incident itself, its exposed categories, assessments, decisions,
    restrictions, reports to the regulator and imports, oldest first: the History tab."""
    categories = list(DataCategory.objects.all())
    bits = {c.bit: c.name for c in categories}
    timeline = events(
        incident.history.select_related("history_user").order_by("history_date", "history_id"),
        model=Incident, subject=incident.reference, categories=bits,
    )
    timeline += events(
        IncidentCategory.history.filter(incident_id=incident.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        model=IncidentCategory, subject="Exposed category", categories=bits,
        related_labels={"category": {c.pk: c.name for c in categories}}, skip=frozenset({"incident"}),
    )
    timeline += assessment_events(incident, name_people=name_people)
    timeline += _import_events(incident, bits)
    timeline += events(
        Evidence.history.filter(incident_id=incident.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        model=Evidence, subject="File kept as evidence", categories=bits,
        skip=frozenset({"incident", "stored_name"}),
    )
    timeline += _party_events(incident)
    timeline += report_events(incident)
    timeline += timeline_events(incident)
    timeline += _request_events(incident)
    timeline += events(
        ClosureReview.history.filter(incident_id=incident.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        model=ClosureReview, subject="Closure review", categories={}, skip=frozenset({"incident", "updated_at"}))
    timeline += _regulator_events(incident)
    timeline.sort(key=lambda e: e.when)
    return timeline


def _request_events(incident: Incident) -> list[Event]:
    """Requests, claims, calls and messages from the people told: who changed what and when,
    the person by record number, and never what they asked or were told (personal data)."""
    records = list(PersonRequest.history.filter(incident_id=incident.pk).select_related("history_user")
                   .order_by("id", "history_date", "history_id"))
    people = {r.subject_id: f"Affected person #{r.subject_id}" for r in records}
    found = events(records, model=PersonRequest, subject="Request or claim", categories={},
                   related_labels={"subject": people}, skip=frozenset({"incident", "summary", "outcome"}))
    contacts = list(Contact.history.filter(incident_id=incident.pk).select_related("history_user")
                    .order_by("id", "history_date", "history_id"))
    callers = {r.subject_id: f"Affected person #{r.subject_id}" for r in contacts if r.subject_id}
    found += events(contacts, model=Contact, subject="Call or message", categories={},
                    related_labels={"subject": callers},
                    skip=frozenset({"incident", "caller", "question", "told", "follow_up", "outcome"}))
    return found + events(
        IncidentAction.history.filter(incident_id=incident.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        model=IncidentAction, subject="Action", categories={}, skip=frozenset({"incident"}))


def _regulator_events(incident: Incident) -> list[Event]:
    """The regulator's case, its correspondence, information requests and linked incidents:
    who changed what and when, never the text that may name people (summaries, what was asked
    and replied, the case officer)."""
    def history(model: Any, **where: Any) -> Any:
        return (model.history.filter(**where).select_related("history_user")
                .order_by("id", "history_date", "history_id"))

    found = events(history(RegulatorCase, incident_id=incident.pk), model=RegulatorCase,
                   subject="Regulator's case", categories={}, skip=frozenset({"incident", "case_officer"}))
    requests = list(history(RegulatorRequest, incident_id=incident.pk))
    received = {r.id: f"Information request received {r.received_on:%d %b %Y}" for r in requests}
    found += events(requests, model=RegulatorRequest, subject="Regulator's information request", categories={},
                    skip=frozenset({"incident", "asked", "reply"}))
    found += events(history(RegulatorCorrespondence, incident_id=incident.pk), model=RegulatorCorrespondence,
                    subject="Correspondence with the regulator", categories={},
                    related_labels={"request": received}, skip=frozenset({"incident", "summary", "file"}))
    links = list(IncidentLink.history.filter(Q(first_id=incident.pk) | Q(second_id=incident.pk))
                 .select_related("history_user").order_by("id", "history_date", "history_id"))
    ids = {link.first_id for link in links} | {link.second_id for link in links}
    references = dict(Incident.objects.filter(pk__in=ids).values_list("pk", "reference")) if links else {}
    found += events(links, model=IncidentLink, subject="Linked incident", categories={},
                    related_labels={"first": references, "second": references})
    return found


def audit_events(incident: Incident) -> list[tuple[Event, bool]]:
    """Every recorded change for the incident, oldest first, each flagged if it must be redacted."""
    found: list[tuple[Event, bool]] = [(e, False) for e in incident_events(incident, name_people=False)]
    bits = {c.bit: c.name for c in DataCategory.objects.all()}
    subject_records = list(
        DataSubject.history.filter(incident_id=incident.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    subject_events = events(subject_records, model=DataSubject, subject="", categories=bits,
                            skip=frozenset({"incident"}))
    for record, event in zip(subject_records, subject_events, strict=True):
        found.append((replace(event, subject=f"Affected person #{record.id}"), True))
    found.sort(key=lambda pair: pair[0].when)
    return found


def audit_rows(incident: Incident) -> Iterator[list[Any]]:
    for event, redact in audit_events(incident):
        when = london(event.when)
        if not event.changes:
            yield [when, event.who, event.action, event.subject, "", "", ""]
        for change in event.changes:
            before, after = (WITHHELD, WITHHELD) if redact else (change.old, change.new)
            yield [when, event.who, event.action, event.subject, change.field, before, after]
