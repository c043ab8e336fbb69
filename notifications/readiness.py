"""Whether letters may go out for an incident: decided, complete and approved.

`batch_problems` lists, in plain words, everything that stops a batch; `batch_start` refuses
(BatchRefused) while the list is not empty, and the Generate page shows it with links to the
pages that fix each problem. Reads only: the writes are in services.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents.models import Decision, Incident

from .models import DecisionOverride


@dataclass(frozen=True)
class Problem:
    """Why letters cannot go out yet, and the page that fixes it (a URL name, or "")."""

    text: str
    fix: str = ""
    fix_label: str = ""


class BatchRefused(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("Letters cannot be generated yet: " + " ".join(p.text for p in problems))


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


def batch_problems(incident: Incident) -> list[Problem]:
    """Everything that stops a batch of letters for this incident, in the order to fix it."""
    problems: list[Problem] = []
    decided = decision_problem(incident)
    if decided:
        problems.append(decided)
    return problems


def check_ready(incident: Incident) -> None:
    problems = batch_problems(incident)
    if problems:
        raise BatchRefused(problems)
