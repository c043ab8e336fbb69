"""The closure review of an incident (issue 20): what happened and the lessons learned, in the
DPO's words; everything else on the review (actions, requests and claims, contacts, letters) is
read from the records each time, never typed again. Signed off when the incident is closed.

Written for the board: it must never name or describe an affected person, so its text is not
encrypted (there is nothing personal to protect) and the form says so."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ..assessment.models import LIMITED, TEXT_LIMIT

NO_PEOPLE = "For the board: never name or describe an affected person."


class ClosureReview(models.Model):
    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="closure_review")
    summary = models.TextField("what happened", blank=True, max_length=TEXT_LIMIT, validators=LIMITED,
                               help_text=NO_PEOPLE)
    lessons = models.TextField("lessons learned", blank=True, max_length=TEXT_LIMIT, validators=LIMITED,
                               help_text=NO_PEOPLE)
    # Set when the incident is closed (and cleared when it is reopened; the history keeps both).
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    open_items_at_close = models.TextField("open items when closed", blank=True)
    open_items_reason = models.TextField("why it was closed with items open", blank=True, max_length=TEXT_LIMIT,
                                         validators=LIMITED)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "incidents"

    def __str__(self) -> str:
        return f"Closure review of incident {self.incident_id}"

    @property
    def is_written(self) -> bool:
        return bool(self.summary.strip() and self.lessons.strip())
