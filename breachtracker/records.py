"""Shared model behaviour: records that are never changed once written."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.db import models


class AppendOnlyError(Exception):
    """Raised on an attempt to change a record that is written once (a new one is recorded instead)."""


class AppendOnly(models.Model):
    """A record written once and never changed: the log shows what was known and decided at each
    moment (Art. 33(5), s.67(6)). A change is a new row; the old one stays."""

    append_only_message: ClassVar[str] = "This record is never changed: record a new one."

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError(self.append_only_message)
        super().save(*args, **kwargs)


# The actor of a write nobody made as a user (a sweep, a retry given up, a purge): the
# History tab shows "System", with the reason the write gave.
SYSTEM = None


def attribute_to(instance: models.Model, actor: Any, reason: str = "") -> None:
    """Name who (and why) in the history row the next save or delete of `instance` writes: the
    one way every write records its actor. Work a user asked for and a worker did (an import
    they confirmed, a PDF they requested) names that user, with the task's reason."""
    instance._history_user = actor  # type: ignore[attr-defined]
    if reason:
        instance._change_reason = reason  # type: ignore[attr-defined]


def attribute_to_system(instance: models.Model, reason: str) -> None:
    """A write nobody made as a user (a sweep, a retry given up, a purge): the history names
    the system ("System" on the History tab) and always says why."""
    if not reason.strip():
        raise ValueError("A write by the system must give its reason.")
    attribute_to(instance, SYSTEM, reason)


def field_of(model: type[models.Model] | models.Model, name: str) -> models.Field[Any, Any]:
    """A concrete field of a model by name (its label, choices, column), typed as a Field."""
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def apply_fields(instance: Any, fields: dict[str, Any]) -> None:
    """Set a form's cleaned values on an unsaved or locked instance (the caller validates)."""
    for name, value in fields.items():
        setattr(instance, name, value)
