"""Whether letters may go out for an incident: decided, complete and approved.

Each check returns the problems in plain words with the page that fixes each;
`approvals.batch_problems` adds the approval and is what `batch_start` and the Generate page
use. Reads only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidents.models import Decision, Incident, IncidentParty, Organisation

from .models import DecisionOverride, LetterTemplate, NotificationPlan


@dataclass(frozen=True)
class Problem:
    """Why letters cannot go out yet, and the page that fixes it (a URL name, or "")."""

    text: str
    fix: str = ""
    fix_label: str = ""


def latest_tell_decision(incident: Incident) -> Decision | None:
    return (Decision.objects.filter(incident=incident, kind=Decision.Kind.TELL)
            .order_by("-decided_at", "-pk").first())


def requires_communication(decision: Decision | None) -> bool:
    """A recorded decision that people must be told: to tell them (Art. 34 / s.68, including a
    Part 3 incident where no restriction applies), or the Art. 34(3)(c) route, where a public
    communication or an equally effective measure replaces individual notices."""
    if decision is None:
        return False
    return decision.outcome or decision.exemption == Decision.Exemption.C


def active_override(incident: Incident) -> DecisionOverride | None:
    """The DPO's emergency override, while no decision on telling people was recorded after it."""
    override = DecisionOverride.objects.filter(incident=incident).select_related("created_by").first()
    if override is None:
        return None
    decision = latest_tell_decision(incident)
    if decision is not None and decision.decided_at > override.created_at:
        return None
    return override


def decision_problem(incident: Incident) -> Problem | None:
    decision = latest_tell_decision(incident)
    if requires_communication(decision) or active_override(incident):
        return None
    if decision is None:
        text = ("No decision to tell people has been recorded. The DPO must record the decision to tell "
                "people before any letter is made.")
    else:
        text = ("The latest recorded decision is not to tell people. Record a new decision to tell them "
                "before any letter is made.")
    return Problem(text, "decision_create", "Record the decision to tell people")


# Wording that tells people harm is unlikely: "unlikely", "we do not think you will be harmed",
# "no harm is expected"...
HARM_UNLIKELY = re.compile(r"\bunlikely\b|\b(?:not|n't|no)\b[^.!?]{0,60}\bharm", re.IGNORECASE)


def latest_risk(incident: Incident) -> str:
    """The risk outcome of the latest assessment ("" when none is recorded)."""
    return incident.assessments.order_by("-version").values_list("risk", flat=True).first() or ""


def contradicts_risk(incident: Incident, consequences: str) -> bool:
    """The consequences say harm is unlikely while the latest assessment says high risk."""
    return bool(HARM_UNLIKELY.search(consequences or "")) and latest_risk(incident) == "high_risk"


RISK_WARNING = ("The likely consequences say harm is unlikely, but the latest assessment says the risk to "
                "people is high. Change the wording, or record why it is right.")


def plan_problems(incident: Incident) -> list[Problem]:
    plan = NotificationPlan.objects.filter(incident=incident).first() or NotificationPlan(incident=incident)
    problems = []
    missing = plan.missing()
    if missing:
        problems.append(Problem("The notification plan is missing words for the letter: " + "; ".join(missing) + ".",
                                "notification_plan", "Write the notification plan"))
    if contradicts_risk(incident, plan.consequences) and not plan.risk_reason.strip():
        problems.append(Problem(RISK_WARNING, "notification_plan", "Change the plan or record why"))
    return problems


def organisation_problem(organisation: Organisation | None = None) -> Problem | None:
    """The letter signs off with the DPO's contact details, from the organisation's record."""
    organisation = organisation or Organisation.current()
    missing = []
    if not organisation.controller_name.strip():
        missing.append("the organisation's name")
    if not organisation.dpo_name.strip():
        missing.append("the DPO's name")
    if not (organisation.dpo_email.strip() or organisation.dpo_phone.strip() or organisation.dpo_address.strip()):
        missing.append("a way to contact the DPO (email, phone or postal address)")
    if not missing:
        return None
    return Problem("The organisation's details are missing " + ", ".join(missing) + ".",
                   "organisation_edit", "Fill in the organisation's details")


def role_problems(incident: Incident) -> list[Problem]:
    """Whose letters these are: unknown, the letters cannot say who writes; as a processor,
    the controller tells people (Art. 34), so we write only when a controller asked us to."""
    if not incident.data_role:
        return [Problem("It is not recorded whether you act as controller or processor for this data: a letter "
                        "must say who is writing and why.", "incident_edit", "Edit the incident's facts")]
    if incident.data_role == Incident.DataRole.PROCESSOR and not incident.parties.filter(
            kind=IncidentParty.Kind.CONTROLLER, asked_us_to_tell=True).exists():
        return [Problem("You act as processor for this data: the controller tells the people, unless it asked "
                        "you to. Record that a controller asked you to tell the people for them.",
                        "party_list", "Open the controllers")]
    return []


def content_problems(incident: Incident) -> list[Problem]:
    """What stops the letters' content: the plan's wording, the DPO's details, the exposed
    categories, a template. Fixed before the letters can be approved."""
    problems = role_problems(incident) + plan_problems(incident)
    if not incident.exposed_categories.exists():
        problems.append(Problem("The kinds of data exposed are not recorded: each letter lists them (choose "
                                "“Not yet known” if you do not know yet).", "incident_categories",
                                "Record the exposed categories"))
    organisation = organisation_problem()
    if organisation:
        problems.append(organisation)
    if not LetterTemplate.objects.exists():
        problems.append(Problem("There is no letter template.", "letter_templates", "Write the letters"))
    return problems
