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


class SsoIdentity(models.Model):
    """Which identity at the provider an account belongs to: the ID token's issuer and subject
    (`iss`, `sub`), which never change, unlike a username or an email address. An account is
    linked at its first single sign-on and is matched by this pair from then on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")]

    def __str__(self) -> str:
        return f"{self.user} = {self.subject} at {self.issuer}"
