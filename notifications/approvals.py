"""Approved before sent: the DPO previews a real sample letter for each audience present and
approves; the approval records the plan and template versions, and a batch uses exactly those.

A change to the plan's wording (a new plan version) or to the letter of an audience present
(a new template version) after approval means a new approval before the next batch.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from incidents.models import DataCategory, DataSubject, Incident, Organisation
from incidents.roles import DECIDE, can
from incidents.services import incident_event_record

from .letters import letter_context, render_letter_html
from .models import Audience, LetterApproval, LetterTemplate, NotificationPlan, audience_for
from .readiness import Problem, content_problems, decision_problem


class ApprovalRefused(ValueError):
    pass


class BatchRefused(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("Letters cannot be generated yet: " + " ".join(p.text for p in problems))


def audiences_present(incident: Incident) -> dict[str, int]:
    """{audience: the pk of a real person of that audience}, for each audience among the people."""
    masks: dict[str, list[int]] = {}
    for roles in incident.subjects.order_by().values_list("roles", flat=True).distinct():
        masks.setdefault(audience_for(DataSubject(roles=roles)), []).append(roles)
    found = {}
    for audience in Audience.values:
        if audience in masks:
            pk = incident.subjects.filter(roles__in=masks[audience]).order_by("pk").values_list("pk", flat=True).first()
            found[audience] = pk
    return found


def template_for(audience: str, templates: dict[str, LetterTemplate]) -> LetterTemplate | None:
    return templates.get(audience) or templates.get(Audience.GENERAL)


def latest_approval(incident: Incident) -> LetterApproval | None:
    return LetterApproval.objects.filter(incident=incident).select_related("approved_by").first()


def approval_changes(incident: Incident, approval: LetterApproval | None = None) -> list[str]:
    """What changed since the latest approval (empty: it still holds); ["none"] if there is none."""
    approval = approval or latest_approval(incident)
    if approval is None:
        return ["none"]
    changes = []
    plan = NotificationPlan.objects.filter(incident=incident).first()
    if plan is None or plan.version != approval.plan_version:
        changes.append("the notification plan's wording")
    current = LetterTemplate.objects.current()
    for audience in audiences_present(incident):
        letter = template_for(audience, current)
        if letter is None or approval.templates.get(letter.audience) != letter.pk:
            changes.append(f"the {Audience(audience).label.lower()} letter")
    return changes


def valid_approval(incident: Incident) -> LetterApproval | None:
    approval = latest_approval(incident)
    return approval if approval is not None and not approval_changes(incident, approval) else None


def approval_problem(incident: Incident) -> Problem | None:
    changes = approval_changes(incident)
    if not changes:
        return None
    if changes == ["none"]:
        text = "The DPO has not approved sample letters for this incident."
    else:
        text = "Changed since the letters were approved: " + ", ".join(changes) + ". Approve them again."
    return Problem(text, "letter_approval", "Preview and approve the letters")


def batch_problems(incident: Incident) -> list[Problem]:
    """Everything that stops a batch of letters for this incident, in the order to fix it:
    the decision, the content, then the approval of that content."""
    problems: list[Problem] = []
    decided = decision_problem(incident)
    if decided:
        problems.append(decided)
    content = content_problems(incident)
    problems += content
    if not content:
        approval = approval_problem(incident)
        if approval:
            problems.append(approval)
    return problems


def check_ready(incident: Incident) -> LetterApproval:
    """The approval a batch may start under; BatchRefused (listing every problem) otherwise."""
    problems = batch_problems(incident)
    if problems:
        raise BatchRefused(problems)
    approval = valid_approval(incident)
    assert approval is not None  # noqa: S101 - batch_problems checked it
    return approval


def sample_pdf_html(*, incident: Incident, audience: str) -> str:
    """The HTML of the real letter a real person of `audience` would get now."""
    pk = audiences_present(incident).get(audience)
    if pk is None:
        raise ApprovalRefused("Nobody in this incident gets this letter.")
    subject = DataSubject.objects.get(pk=pk)
    letter = template_for(audience, LetterTemplate.objects.current())
    if letter is None:
        raise ApprovalRefused("There is no letter template for this audience.")
    categories = list(DataCategory.objects.all())
    context = letter_context(
        subject=subject, incident=incident, plan=NotificationPlan.objects.filter(incident=incident).first(),
        organisation=Organisation.current(), categories=categories,
        incident_categories=[row.category for row in incident.exposed_categories.select_related("category")])
    return render_letter_html(letter=letter, context=context)


@transaction.atomic
def approval_record(*, incident: Incident, actor: Any) -> LetterApproval:
    """Approve the sample letters as they are now: the plan version and each current template."""
    if not can(actor, DECIDE):
        raise PermissionError("Only the DPO approves letters.")
    Incident.objects.select_for_update().filter(pk=incident.pk).first()
    problems = content_problems(incident)
    if problems:
        raise ApprovalRefused("The letters cannot be approved yet: " + " ".join(p.text for p in problems))
    present = audiences_present(incident)
    if not present:
        raise ApprovalRefused("There is nobody to write to yet: add the affected people first.")
    plan = NotificationPlan.objects.get(incident=incident)
    current = LetterTemplate.objects.current()
    approval = LetterApproval(
        incident=incident, plan_version=plan.version, approved_by=actor,
        plan_wording={name: getattr(plan, name) for name in NotificationPlan.REQUIRED},
        templates={audience: letter.pk for audience, letter in current.items()})
    approval._history_user = actor  # type: ignore[attr-defined]
    approval.save()
    used = sorted({f"{template_for(a, current).get_audience_display().lower()} v{template_for(a, current).version}"
                   for a in present})
    incident_event_record(incident=incident, actor=actor, kind="approval",
                          detail=f"Plan version {plan.version}; letters: {', '.join(used)}.")
    return approval
