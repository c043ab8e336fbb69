"""What every letter of a chunk shares, loaded once: templates, categories, organisation,
plans, and the approval each batch started under (its template versions and plan wording)."""

from __future__ import annotations

from typing import Any

from incidents.models import DataCategory, IncidentCategory, Organisation

from .letters import compile_letter
from .models import LetterApproval, LetterTemplate, Notification, NotificationPlan, template_key


class LetterCache:
    """What every letter of a chunk shares: templates, categories, organisation, plans, and the
    approval each batch started under (its template versions and plan wording)."""

    def __init__(self) -> None:
        self.by_key = LetterTemplate.objects.current_by_key()
        self.templates = {t.audience: t for t in self.by_key.values() if t.language == "en"}
        self.compiled = {audience: compile_letter(t.body) for audience, t in self.templates.items()}
        self.categories = list(DataCategory.objects.all())
        self.organisation = Organisation.current()
        self.plans: dict[int, NotificationPlan | None] = {}
        self.exposed: dict[int, list[DataCategory]] = {}
        self.approvals: dict[int, LetterApproval | None] = {}
        self.by_pk: dict[int | None, tuple[LetterTemplate, Any] | None] = {}

    def plan(self, incident_id: int) -> NotificationPlan | None:
        if incident_id not in self.plans:
            self.plans[incident_id] = NotificationPlan.objects.filter(incident_id=incident_id).first()
        return self.plans[incident_id]

    def incident_categories(self, incident_id: int) -> list[DataCategory]:
        """The incident's exposed categories: every person's, unless their own are recorded."""
        if incident_id not in self.exposed:
            ids = set(IncidentCategory.objects.filter(incident_id=incident_id).values_list("category_id", flat=True))
            self.exposed[incident_id] = [c for c in self.categories if c.pk in ids]
        return self.exposed[incident_id]

    def approval(self, batch_id: int | None) -> LetterApproval | None:
        if batch_id is None:
            return None
        if batch_id not in self.approvals:
            self.approvals[batch_id] = LetterApproval.objects.filter(batches__pk=batch_id).first()
        return self.approvals[batch_id]

    def letter(self, notification: Notification, audience: str) -> tuple[LetterTemplate | None, Any]:
        """The template (and compiled form) for this row: the approved version of its batch, or
        the current one for a batch started before approvals existed."""
        approval = self.approval(notification.batch_id)
        language = notification.subject.language
        key, general = template_key(audience, language), template_key("general", language)
        if approval is None:
            current = self.by_key.get(key) or self.by_key.get(general)
            pk = current.pk if current else None
        else:
            pk = approval.templates.get(key) or approval.templates.get(general)
        if pk not in self.by_pk:
            found = LetterTemplate.objects.filter(pk=pk).first() if pk is not None else None
            self.by_pk[pk] = (found, compile_letter(found.body)) if found else None
        return self.by_pk[pk] or (None, None)

    def plan_for(self, notification: Notification) -> NotificationPlan | None:
        approval = self.approval(notification.batch_id)
        return approval.plan() if approval else self.plan(notification.incident_id)
