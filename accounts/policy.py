"""Who must use two-factor sign-in (settings: BREACHTRACKER_OTP_AUDITORS)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from incidents import roles


def two_factor_roles() -> frozenset[str]:
    required = {roles.DPO, roles.HANDLER}
    if settings.BREACHTRACKER_OTP_AUDITORS:
        required.add(roles.AUDITOR)
    return frozenset(required)


def requires_two_factor(user: Any) -> bool:
    """DPOs (superusers count as DPOs) and case handlers always; auditors when the setting says so."""
    return bool(roles.user_roles(user) & two_factor_roles())
