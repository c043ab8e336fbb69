from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import roles as r


def roles(request: HttpRequest) -> dict[str, Any]:
    """What the signed-in user may do, so templates show only the buttons that will work."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "user_roles": sorted(r.user_roles(user)),
        "can_edit_case": r.can(user, r.EDIT_CASE),
        "can_decide": r.can(user, r.DECIDE),
        "can_manage_organisation": r.can(user, r.MANAGE_ORGANISATION),
        "can_export": r.can(user, r.EXPORT),
        "can_check_disclosure": r.can(user, r.CHECK_DISCLOSURE),
    }
