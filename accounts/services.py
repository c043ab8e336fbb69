"""Two-factor sign-in: enrolment, checking a code, recovery codes and an administrator's reset.

Every outcome is a SecurityEvent row (the audit trail on /account/security-log/). Codes are
checked with django-otp's own devices: a TOTP code is refused if it, or a later one, was
already used (replay), a recovery code works once, and a wrong code locks the device for
1, 2, 4, 8... seconds (django-otp's throttling, OTP_TOTP_THROTTLE_FACTOR).
"""

from __future__ import annotations

import math
import re
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SecurityEvent

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


@dataclass(frozen=True)
class CodeCheck:
    """The result of checking a code: the device that accepted it, or why none did."""

    device: Device | None
    wait_seconds: int = 0

    @property
    def throttled(self) -> bool:
        return self.wait_seconds > 0


def event_record(*, user: Any, kind: str, actor: Any = None, note: str = "") -> SecurityEvent:
    return SecurityEvent.objects.create(user=user, actor=actor if actor is not None else None, kind=kind, note=note)


def app_device(user: Any, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=confirmed).order_by("pk").first()


def has_device(user: Any) -> bool:
    """Whether the user has set up two-factor sign-in (a confirmed app or recovery codes)."""
    return (
        TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
        or StaticDevice.objects.devices_for_user(user, confirmed=True).exists()
    )


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def two_factor_enrol_start(*, user: Any) -> TOTPDevice:
    """The user's unconfirmed app device, made once: reloading the page keeps the same secret."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
        event_record(user=user, actor=user, kind=SecurityEvent.Kind.ENROL_STARTED)
    return device


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def _wait_seconds(device: ThrottlingMixin) -> int:
    allowed, info = device.verify_is_allowed()
    if allowed or not info or "locked_until" not in info:
        return 0
    return max(1, math.ceil((info["locked_until"] - timezone.now()).total_seconds()))


@transaction.atomic
def _check(*, user: Any, device: Any, code: str, success_kind: str) -> CodeCheck:
    # Locked for the check so two requests with one code cannot both pass (replay).
    device = type(device).objects.select_for_update().get(pk=device.pk)
    wait = _wait_seconds(device)
    if wait:
        event_record(user=user, actor=user, kind=SecurityEvent.Kind.THROTTLED, note=f"wait {wait} s")
        return CodeCheck(None, wait)
    if device.verify_token(code):
        event_record(user=user, actor=user, kind=success_kind)
        return CodeCheck(device)
    event_record(user=user, actor=user, kind=SecurityEvent.Kind.CODE_REFUSED, note=device.name)
    return CodeCheck(None)


def code_check(*, user: Any, code: str) -> CodeCheck:
    """Check a sign-in code: six digits go to the app, anything else is a recovery code."""
    code = normalise_code(code)
    device: Any
    if re.fullmatch(r"\d{6}", code):
        device, kind = app_device(user), SecurityEvent.Kind.VERIFIED
    else:
        device = StaticDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
        kind = SecurityEvent.Kind.RECOVERY_USED
    if device is None:
        event_record(user=user, actor=user, kind=SecurityEvent.Kind.CODE_REFUSED, note="no such device")
        return CodeCheck(None)
    return _check(user=user, device=device, code=code, success_kind=kind)


def two_factor_confirm(*, user: Any, device: TOTPDevice, code: str) -> tuple[CodeCheck, list[str]]:
    """Activate the app device with a first code; on success, also make recovery codes."""
    code = normalise_code(code)
    with transaction.atomic():
        check = _check(user=user, device=device, code=code, success_kind=SecurityEvent.Kind.ENROLLED)
        if check.device is None:
            return check, []
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        check.device.confirmed = True
        codes = _recovery_codes_replace(user=user)
    return check, codes


def _recovery_codes_replace(*, user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: Any) -> list[str]:
    """New recovery codes; the old ones stop working. Shown to the user once."""
    codes = _recovery_codes_replace(user=user)
    event_record(user=user, actor=user, kind=SecurityEvent.Kind.RECOVERY_REGENERATED)
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_reset(*, user: Any, actor: Any = None, reason: str = "") -> int:
    """Remove all of a user's devices (a lost phone): they enrol again at their next sign-in.

    Returns how many devices were removed. A session verified with a removed device is no longer
    verified (django-otp finds no device for it), so its next request is sent to enrolment.
    """
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    event_record(user=user, actor=actor, kind=SecurityEvent.Kind.RESET, note=reason)
    return removed
