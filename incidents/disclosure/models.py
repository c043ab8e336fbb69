"""A file kept as evidence of what leaked: encrypted at rest, downloaded only through a view."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Evidence(models.Model):
    """The file that went out, attached by the DPO or a handler after a disclosure check.

    The bytes are stored Fernet-encrypted (breachtracker.crypto, the same keys as people's
    details) under a generated name in evidence/ of the storage (encrypted again there, like every file); `sha256` is of the original file,
    so a copy held elsewhere can be matched to it.
    """

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="evidence")
    file_name = models.CharField(max_length=255, help_text="The name it was uploaded with (shown only).")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256 of the original file", max_length=64)
    verdict = models.CharField(max_length=10, help_text="The disclosure check's verdict: pass or fail.")
    stored_name = models.CharField(max_length=80, unique=True, editable=False, default="")
    attached_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    attached_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-attached_at", "-pk"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"Evidence {self.pk}: {self.file_name}"

    @staticmethod
    def new_stored_name() -> str:
        return f"evidence/{uuid.uuid4().hex}.fernet"
