"""Turn django-simple-history rows into what an auditor reads: field, old → new, who, when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models

from .vocab import mask_to_roles

HIDDEN_FIELDS = {"id", "updated_at", "created_at"}


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


def _display(model: type[models.Model], name: str, value: Any, categories: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if name == "roles":
        return ", ".join(r.label for r in mask_to_roles(value)) or "—"
    if name == "categories_mask":
        return ", ".join(label for bit, label in sorted(categories.items()) if value & (1 << bit)) or "—"
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        return str(value)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
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
) -> list[Event]:
    """One event per history row, oldest first within the given records, with its field changes.

    `records` must be one object's history (or several objects' histories ordered by object
    then date); diffs are taken against the previous row of the same object.
    """
    related_labels = related_labels or {}
    result: list[Event] = []
    previous: dict[Any, Any] = {}
    for record in records:
        user = record.history_user
        who = (user.get_full_name() or user.username) if user else "System"
        event = Event(record.history_date, who, ACTIONS[record.history_type], subject)
        before = previous.get(record.id)
        fields = [f.name for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS]
        for name in fields:
            attname = model._meta.get_field(name).attname
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
