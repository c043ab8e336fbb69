"""What every letter of a chunk shares, loaded once: templates, categories, organisation,
plans, the approval each batch started under (its template versions and plan wording), and
what the withholding checks read (restrictions, decisions). `preload(rows)` loads all of it
for a chunk in a fixed number of queries, so a letter costs no query of its own."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from incidents.models import DataCategory, IncidentCategory, IncidentParty, Organisation

from .letters import compile_letter
from .models import Batch, LetterApproval, LetterTemplate, Notification, NotificationPlan, template_key
from .withholding import WithholdFacts


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
        self.facts = WithholdFacts()
        self.on_behalf: dict[int, list[str]] = {}

    def preload(self, rows: Iterable[Notification]) -> None:
        """Load what these rows' letters need that is not loaded yet, a query per kind of thing
        (approvals, templates, plans, exposed categories, restrictions, decisions), not per row."""
        rows = list(rows)
        incidents = sorted({r.incident_id for r in rows} - set(self.plans))
        batches = sorted({r.batch_id for r in rows if r.batch_id is not None} - set(self.approvals))
        if batches:
            for batch in Batch.objects.filter(pk__in=batches).select_related("approval"):
                self.approvals[batch.pk] = batch.approval
            wanted = {pk for a in self.approvals.values() if a is not None for pk in a.templates.values()}
            wanted -= {pk for pk in self.by_pk if pk is not None}
            wanted -= {t.pk for t in self.by_key.values()}
            for template in [*self.by_key.values(), *LetterTemplate.objects.filter(pk__in=wanted)]:
                if template.pk not in self.by_pk:
                    self.by_pk[template.pk] = (template, None)  # compiled on first use
        if incidents:
            for plan in NotificationPlan.objects.filter(incident_id__in=incidents):
                self.plans[plan.incident_id] = plan
            exposed: dict[int, set[int]] = {pk: set() for pk in incidents}
            for incident_id, category_id in IncidentCategory.objects.filter(
                    incident_id__in=incidents).values_list("incident_id", "category_id"):
                exposed[incident_id].add(category_id)
            for pk in incidents:
                self.plans.setdefault(pk, None)
                self.exposed[pk] = [c for c in self.categories if c.pk in exposed[pk]]
            loaded = WithholdFacts.load(incidents)
            self.facts.restrictions.update(loaded.restrictions)
            self.facts.decisions.update(loaded.decisions)
            # The partner controllers each incident's letters also speak for (letters.letter_context).
            on_behalf: dict[int, list[str]] = {pk: [] for pk in incidents}
            for incident_id, name in IncidentParty.objects.filter(
                    incident_id__in=incidents, kind=IncidentParty.Kind.PARTNER, on_behalf=True,
            ).order_by("kind", "pk").values_list("incident_id", "name"):
                on_behalf[incident_id].append(name)
            self.on_behalf.update(on_behalf)
        for row in rows:
            if row.incident_id in self.on_behalf:
                # kept on the row's incident, where controllers.services.on_behalf_of looks first
                row.incident._on_behalf_of = self.on_behalf[row.incident_id]  # type: ignore[attr-defined]

    def _compiled(self, template: LetterTemplate) -> Any:
        current = self.templates.get(template.audience)
        if current is not None and current.pk == template.pk:
            return self.compiled[template.audience]
        return compile_letter(template.body)

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
            self.by_pk[pk] = (found, None) if found else None
        entry = self.by_pk[pk]
        if entry is None:
            return None, None
        if entry[1] is None:
            entry = self.by_pk[pk] = (entry[0], self._compiled(entry[0]))
        return entry

    def plan_for(self, notification: Notification) -> NotificationPlan | None:
        approval = self.approval(notification.batch_id)
        return approval.plan() if approval else self.plan(notification.incident_id)
