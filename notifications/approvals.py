"""Approved before sent: the DPO previews a real sample letter for each audience present and
approves; the approval records the plan and template versions, and a batch uses exactly those.

A change to the plan's wording (a new plan version) or to the letter of an audience present
(a new template version) after approval means a new approval before the next batch.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from breachtracker.records import attribute_to
from incidents.models import DataCategory, DataSubject, Incident, Organisation
from incidents.roles import DECIDE, can
from incidents.register.services import incident_event_record

from .letters import letter_context, render_letter_html
from .models import Audience, Language, LetterApproval, LetterTemplate, NotificationPlan, audience_for, template_key
from .readiness import Problem, content_problems, decision_problem


class ApprovalRefused(ValueError):
    pass


class BatchRefused(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("Letters cannot be generated yet: " + " ".join(p.text for p in problems))


def audiences_present(incident: Incident) -> dict[str, int]:
    """{template key: the pk of a real person who gets that letter}, for each audience and
    language among the people ("victim", "victim-cy"...)."""
    masks: dict[tuple[str, str], list[int]] = {}
    for roles, language in incident.subjects.order_by().values_list("roles", "language").distinct():
        masks.setdefault((audience_for(DataSubject(roles=roles)), language), []).append(roles)
    found = {}
    for audience in Audience.values:
        for language in Language.values:
            if (audience, language) in masks:
                pk = (incident.subjects.filter(roles__in=masks[(audience, language)], language=language)
                      .order_by("pk").values_list("pk", flat=True).first())
                if pk is not None:
                    found[template_key(audience, language)] = pk
    return found


def split_key(key: str) -> tuple[str, str]:
    audience, _, language = key.partition("-")
    return audience, language or Language.ENGLISH


def key_label(key: str) -> str:
    audience, language = split_key(key)
    label = f"{Audience(audience).label.lower()} letter"
    return label + (" in Welsh" if language == Language.WELSH else "")


def template_for(key: str, templates: dict[str, LetterTemplate]) -> LetterTemplate | None:
    """The template a person with this key gets: their audience's, else the general one, in their language."""
    _audience, language = split_key(key)
    return templates.get(key) or templates.get(template_key(Audience.GENERAL, language))


def template_problems(incident: Incident) -> list[Problem]:
    """A letter missing for an audience and language present (a Welsh letter is never made up)."""
    current = LetterTemplate.objects.current_by_key()
    return [Problem(f"There is no {key_label(key)} for the people who need it: write it first.",
                    "letter_templates", "Write the letter")
            for key in audiences_present(incident) if template_for(key, current) is None]


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
    current = LetterTemplate.objects.current_by_key()
    for key in audiences_present(incident):
        letter = template_for(key, current)
        if letter is None or approval.templates.get(letter.key) != letter.pk:
            changes.append(f"the {key_label(key)}")
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
    content = content_problems(incident) + template_problems(incident)
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
    """The HTML of the real letter a real person of `audience` (a template key) would get now."""
    pk = audiences_present(incident).get(audience)
    if pk is None:
        raise ApprovalRefused("Nobody in this incident gets this letter.")
    subject = DataSubject.objects.get(pk=pk)
    letter = template_for(audience, LetterTemplate.objects.current_by_key())
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
    problems = content_problems(incident) + template_problems(incident)
    if problems:
        raise ApprovalRefused("The letters cannot be approved yet: " + " ".join(p.text for p in problems))
    present = audiences_present(incident)
    if not present:
        raise ApprovalRefused("There is nobody to write to yet: add the affected people first.")
    plan = NotificationPlan.objects.get(incident=incident)
    current = LetterTemplate.objects.current_by_key()
    approval = LetterApproval(
        incident=incident, plan_version=plan.version, approved_by=actor,
        plan_wording={name: getattr(plan, name) for name in NotificationPlan.REQUIRED},
        templates={key: letter.pk for key, letter in current.items()})
    attribute_to(approval, actor)
    approval.save()
    used = sorted({str(template_for(key, current)).lower() for key in present})
    incident_event_record(incident=incident, actor=actor, kind="approval",
                          detail=f"Plan version {plan.version}; letters: {', '.join(used)}.")
    return approval
