"""The three roles, as Django groups (created by a migration), and the checks views use.

- DPO: everything, including decisions and the organisation's details.
- Case handler: edits incidents' facts and subjects, works notifications; no decisions and no
  organisation settings.
- Auditor: reads everything, history included; changes nothing.

Object access: every incident of the organisation is visible to every role. breachtracker
serves one controller, and a handler covering for a colleague must be able to pick a case up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

DPO = "DPO"
HANDLER = "Case handler"
AUDITOR = "Auditor"
ALL_ROLES = (DPO, HANDLER, AUDITOR)

# Who may do what. Views name an action, never a list of groups, so the rules live here.
READ = "read"
EDIT_CASE = "edit_case"
DECIDE = "decide"
MANAGE_ORGANISATION = "manage_organisation"
EXPORT = "export"
# Look inside a file (before release or after a leak). Not auditors: the uploaded file may hold
# personal data that is not yet in the register.
CHECK_DISCLOSURE = "check_disclosure"

PERMISSIONS: dict[str, frozenset[str]] = {
    READ: frozenset({DPO, HANDLER, AUDITOR}),
    EDIT_CASE: frozenset({DPO, HANDLER}),
    DECIDE: frozenset({DPO}),
    MANAGE_ORGANISATION: frozenset({DPO}),
    EXPORT: frozenset({DPO, AUDITOR}),
    CHECK_DISCLOSURE: frozenset({DPO, HANDLER}),
}


def user_roles(user: Any) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_breachtracker_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(DPO)
        cached = frozenset(names)
        user._breachtracker_roles = cached
    return cached


def can(user: Any, action: str) -> bool:
    return bool(user_roles(user) & PERMISSIONS[action])


def ensure(actor: Any, action: str, refusal: str) -> None:
    """A service's own check of who acts, so a script or a task calling it is refused as a
    view would be; `refusal` says, in the service's words, who may do it."""
    if not can(actor, action):
        raise PermissionDenied(refusal)


# Any response a view returns (HttpResponse, FileResponse, StreamingHttpResponse).
V = TypeVar("V", bound=HttpResponseBase)


def require(action: str) -> Callable[[Callable[..., V]], Callable[..., V]]:
    """Anonymous users go to the login page; signed-in users without the right role get 403."""

    def decorator(view: Callable[..., V]) -> Callable[..., V]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> V:
            if not can(request.user, action):
                raise PermissionDenied(f"Your role does not allow this ({action}).")
            return view(request, *args, **kwargs)

        wrapped.required_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator
