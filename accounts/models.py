"""The two-factor audit trail: who enrolled, verified, was refused or was reset, and when.

Append-only, like the incident timeline: rows are written by accounts/services.py and never
changed. The devices themselves are django-otp's (TOTPDevice, StaticDevice).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SecurityEvent(models.Model):
    class Kind(models.TextChoices):
        ENROL_STARTED = "enrol_started", "Started setting up an authenticator app"
        ENROLLED = "enrolled", "Set up an authenticator app"
        VERIFIED = "verified", "Signed in with an authenticator code"
        RECOVERY_USED = "recovery_used", "Signed in with a recovery code"
        CODE_REFUSED = "code_refused", "Entered a wrong code"
        THROTTLED = "throttled", "Refused: too many wrong codes"
        RECOVERY_REGENERATED = "recovery_regenerated", "Made new recovery codes"
        RESET = "reset", "Two-factor sign-in reset"
        SSO_SIGNED_IN = "sso_signed_in", "Signed in through single sign-on"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="security_events")
    # Who did it: the user themselves, or an administrator (a reset). Empty for a command run
    # without a named administrator.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_kind_display()}"
