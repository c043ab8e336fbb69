"""Whole numbers taken from a request (ids, versions, page numbers), range-checked before they
reach the database: PostgreSQL refuses a number its column cannot hold with an error, SQLite
with an OverflowError, and either would be a 500. Bad input is a 400 with a plain message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.http import HttpRequest

# The largest value of a PostgreSQL bigint (our ids: DEFAULT_AUTO_FIELD is BigAutoField) and
# of an integer (versions, counts).
MAX_BIGINT = 2**63 - 1
MAX_INTEGER = 2**31 - 1
# More pages than any list here can have; a larger number is not a page.
MAX_PAGE = 10**9


class InputRefused(BadRequest):
    """A value in the address or the form that cannot be right; its message is shown to the user."""


def whole_number(value: Any, *, minimum: int = 1, maximum: int = MAX_BIGINT) -> int | None:
    """`value` as an int if it is written in ASCII digits only (no sign, exponent, space or other
    script's digits) and within [minimum, maximum]; otherwise None."""
    text = value if isinstance(value, str) else ""
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def record_id(value: Any, *, what: str = "record") -> int:
    """An id from a form or query string, or InputRefused (a 400) saying what was wrong."""
    number = whole_number(value)
    if number is None:
        raise InputRefused(f"That {what} number is not valid. Go back, reload the page and try again.")
    return number


def record_ids(values: list[str], *, what: str = "record") -> list[int]:
    """Every id of a list, or InputRefused if any is not a valid id."""
    return [record_id(value, what=what) for value in values]


def page_number(request: HttpRequest) -> int:
    """The `page=` of a list's address (1 when absent), or InputRefused. A page past the last
    shows the last (Paginator.get_page)."""
    raw = request.GET.get("page")
    if raw is None or raw == "":
        return 1
    number = whole_number(raw, maximum=MAX_PAGE)
    if number is None:
        raise InputRefused("That page number is not valid: pages are numbered 1, 2, 3 and so on.")
    return number


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose ids are checked to be ids before the `__in` query (which,
    unlike `=`, Django does not guard against numbers too large for the column)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            if whole_number(str(pk)) is None:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": pk})
        return super()._check_values(value)  # type: ignore[misc]  # (in Django, not in the stubs)
