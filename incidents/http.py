"""What every view that works on one incident needs, in one place (incidents, notifications
and reporting views alike)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404

from .models import Incident


def incident_or_404(reference: str) -> Incident:
    """The incident a URL names, with its regulator state and handler for the page header."""
    return get_object_or_404(Incident.objects.with_regulator_state().select_related("handler"), reference=reference)


def acting_user(request: HttpRequest) -> Any:
    """The signed-in user, as the actor a record names (every view here requires sign-in)."""
    return request.user


def attach_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form (nothing was saved): each field's errors on that
    field, the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def declared_length(request: HttpRequest) -> int:
    """The body's length as the request declares it (0 if missing or not a number): an upload
    over a limit is refused from this before Django reads a byte of the body (the WSGI stream
    never yields more than CONTENT_LENGTH)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST (even an empty one: unticking every box is an answer)."""
    return request.POST if request.method == "POST" else None
