"""Events on an incident's timeline that are not a change to one of its rows.

Other apps (the notification work) record what happened to the incident as a whole through
`incidents.services.incident_event_record`: a batch of letters started or finished, an
approval, an emergency override, a print pack built or posted, a bulk tick. Append-only: the
History tab and the audit CSV read them next to the field-by-field changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IncidentEvent(models.Model):
    class Kind(models.TextChoices):
        BATCH_STARTED = "batch_started", "Letters: batch started"
        BATCH_FINISHED = "batch_finished", "Letters: batch finished"
        OVERRIDE = "override", "Letters: emergency override of the decision to tell"
        APPROVAL = "approval", "Letters: sample letters approved"
        PLAN_CHANGED = "plan_changed", "Letters: notification plan changed"
        PACK_BUILT = "pack_built", "Letters: print pack built"
        PACK_POSTED = "pack_posted", "Letters: print pack posted"
        RETURNED = "returned", "Letters: returned mail recorded"
        BULK_TICK = "bulk_tick", "Letters: many people ticked at once"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    detail = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.incident_id})"
