"""Turn django-simple-history rows into what an auditor reads: field, old → new, who, when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from breachtracker.records import field_of

from .models import Assessment, Decision, Incident, RegulatorSubmission, Restriction
from .templatetags.breach import london
from .vocab import mask_to_roles

# Derived blind indexes (keyed hashes) say nothing to a reader: their source fields are shown.
HIDDEN_FIELDS = {"id", "updated_at", "created_at", "name_index", "match_keys"}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Event:
    when: datetime
    who: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    # Why, when the write said (closing, reopening, a clock correction, a purge...).
    reason: str = ""


def _display(model: type[models.Model], name: str, value: Any, categories: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if name == "roles":
        return ", ".join(r.label for r in mask_to_roles(value)) or "—"
    if name == "categories_mask":
        return ", ".join(label for bit, label in sorted(categories.items()) if value & (1 << bit)) or "—"
    try:
        model_field = field_of(model, name)
    except Exception:
        return str(value)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return london(value)
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(field_of(model, name).verbose_name).capitalize()
    except Exception:
        return name


ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def events(
    records: Iterable[Any],
    *,
    model: type[models.Model],
    subject: str,
    categories: dict[int, str],
    related_labels: dict[str, dict[Any, str]] | None = None,
    skip: frozenset[str] = frozenset(),
) -> list[Event]:
    """One event per history row, oldest first within the given records, with its field changes.

    `records` must be one object's history (or several objects' histories ordered by object
    then date); diffs are taken against the previous row of the same object.
    """
    records = list(records)
    related_labels = dict(related_labels or {})
    # Foreign keys to users (handler, created_by...) are shown by name: one query for all.
    user_model = get_user_model()
    user_fields = [
        f for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is user_model and f.name not in related_labels
    ]
    if user_fields:
        ids = {getattr(r, f.attname) for r in records for f in user_fields} - {None}
        names = {u.pk: u.get_full_name() or u.username for u in user_model.objects.filter(pk__in=ids)}
        for f in user_fields:
            related_labels[f.name] = names
    result: list[Event] = []
    previous: dict[Any, Any] = {}
    for record in records:
        user = record.history_user
        who = (user.get_full_name() or user.username) if user else "System"
        event = Event(record.history_date, who, ACTIONS[record.history_type], subject,
                      reason=getattr(record, "history_change_reason", None) or "")
        before = previous.get(record.id)
        fields = [f.name for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS | skip]
        for name in fields:
            attname = field_of(model, name).attname
            new = getattr(record, attname)
            old = getattr(before, attname) if before is not None else None
            if before is not None and old == new:
                continue
            if before is None and record.history_type == "+" and new in (None, "", False, 0):
                continue
            if record.history_type == "-":
                continue
            labels = related_labels.get(name)
            if labels is not None:
                event.changes.append(Change(_label(model, name), labels.get(old, "—"), labels.get(new, "—")))
            else:
                event.changes.append(
                    Change(
                        _label(model, name),
                        _display(model, name, old, categories) if before is not None else "—",
                        _display(model, name, new, categories),
                    )
                )
        previous[record.id] = record
        result.append(event)
    return result


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
