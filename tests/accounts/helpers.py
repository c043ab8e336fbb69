"""Signing in as a person does: the password form, then the code form."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from tests.base import PASSWORD


def password_step(client: Any, user: Any) -> Any:
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")


def code_step(client: Any, code: str, next_url: str = "") -> Any:
    return client.post(reverse("two_factor_verify"), {"code": code, "next": next_url})


def recovery_codes(user: Any, *codes: str) -> list[str]:
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return list(codes)
