"""Writes of the risk assessment and the decisions: assessment versions, report/tell
decisions, Part 3 restrictions, reports to the regulator; and what blocks telling a person
(read by notifications). Keyword-only, one transaction each, the acting user in the history.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from breachtracker.records import attribute_to

from ..closure import services as closure_services
from ..models import DataSubject, Incident
from ..roles import DECIDE, ensure
from breachtracker.records import apply_fields
from .models import Assessment, Decision, RegulatorSubmission, Restriction

# --- Assessment, decisions, restrictions, regulator submissions ------------------------------


_require_dpo = partial(ensure, action=DECIDE,
                       refusal="Only the DPO records decisions, restrictions and regulator reports.")


def _locked(incident: Incident) -> Incident:
    """Lock the incident row so concurrent writers of its versions and status queue up."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def assessment_record(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> tuple[Assessment, bool]:
    """Record the assessment facts as a new version, unless they equal the latest one.

    The data context (DPC) starts from the highest level of the categories exposed in the
    incident now; those categories are kept with the version. Returns (assessment, created).
    Raises ValidationError for contradictory facts; nothing is saved then.
    """
    locked = _locked(incident)
    exposed = list(incident.exposed_categories.select_related("category"))
    candidate = Assessment(incident=incident, created_by=actor)
    apply_fields(candidate, fields)
    candidate.dpc_base = max((row.category.dpc_level for row in exposed), default=1)
    candidate.categories_text = "; ".join(row.category.name for row in exposed)
    candidate.category_codes = ",".join(sorted(row.category.code for row in exposed))
    latest = incident.assessments.order_by("-version").first()
    if latest is not None and all(getattr(latest, f) == getattr(candidate, f) for f in Assessment.FACT_FIELDS):
        return latest, False
    candidate.full_clean(exclude=["version", "score", "band", "likelihood", "risk", "recommend_report", "recommend_tell"])
    result = candidate.result()
    candidate.version = (latest.version + 1) if latest else 1
    candidate.score = result.score
    candidate.band = result.band
    candidate.likelihood = result.likelihood
    candidate.risk = result.risk
    candidate.recommend_report = result.report
    candidate.recommend_tell = result.tell
    attribute_to(candidate, actor)
    candidate.save()
    _follow_records(locked, actor)
    incident.status = locked.status
    return candidate, True


def status_from_records(incident: Incident) -> str:
    """The status the records give an incident that is not closed: reported once the initial
    report is recorded; decided not to report while the latest report decision says so;
    assessing once assessed or decided to report; else open. Three small queries at most."""
    if incident.submissions.filter(kind=RegulatorSubmission.Kind.INITIAL).exists():  # type: ignore[attr-defined]
        return Incident.Status.REPORTED
    last = incident.decisions.filter(kind=Decision.Kind.REPORT).order_by("-decided_at", "-pk").first()  # type: ignore[attr-defined]
    if last is not None and not last.outcome:
        return Incident.Status.NOT_REPORTED
    if last is not None or incident.assessments.exists():  # type: ignore[attr-defined]
        return Incident.Status.ASSESSING
    return Incident.Status.OPEN


def _follow_records(locked: Incident, actor: Any, reason: str = "") -> None:
    """Set a locked incident's status to what its records give, unless it is closed (closing
    and reopening are actions of their own, `incident_close` and `incident_reopen`)."""
    if locked.status == Incident.Status.CLOSED:
        return
    status = status_from_records(locked)
    if status != locked.status:
        locked.status = status
        attribute_to(locked, actor, reason)
        locked.save(update_fields=["status", "updated_at"])


def decision_draft(*, incident: Incident, kind: str) -> Decision:
    """An unsaved decision carrying what the latest assessment recommends, for forms to validate."""
    latest = incident.assessments.order_by("-version").first()
    recommended = None
    if latest is not None:
        recommended = latest.recommend_report if kind == Decision.Kind.REPORT else latest.recommend_tell
    text = ""
    if latest is not None:
        result = latest.result()
        text = f"Assessment version {latest.version}: {result.summary}"
    return Decision(incident=incident, kind=kind, assessment=latest, recommended=recommended,
                    recommendation_text=text)


@transaction.atomic
def decision_record(*, incident: Incident, actor: Any, kind: str, fields: dict[str, Any]) -> Decision:
    """Append a DPO's decision (report or tell, yes or no) and move the incident's status.

    A decision not to report sets "decided not to report"; a later decision to report puts
    the incident back to "assessing" until the initial report is recorded. Decisions on
    telling people leave the status to the notification work.
    """
    _require_dpo(actor)
    locked = _locked(incident)
    decision = decision_draft(incident=incident, kind=kind)
    apply_fields(decision, fields)
    decision.decided_by = actor
    if decision.decided_at is None:
        decision.decided_at = timezone.now()
    decision.full_clean(exclude=["recommended"])
    attribute_to(decision, actor)
    decision.save()
    _follow_records(locked, actor)
    incident.status = locked.status
    return decision


@transaction.atomic
def restriction_create(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> Restriction:
    """Record a Part 3 restriction on telling people (s.68(7)), for the incident or one person."""
    _require_dpo(actor)
    restriction = Restriction(incident=incident, decided_by=actor)
    apply_fields(restriction, fields)
    restriction.full_clean()
    attribute_to(restriction, actor)
    restriction.save()
    return restriction


@transaction.atomic
def restriction_review(*, restriction: Restriction, actor: Any, review_date: Any, note: str) -> Restriction:
    """Keep a restriction after review, with the next review date and what the review found."""
    _require_dpo(actor)
    if not note.strip():
        raise ValidationError({"note": "Say why the restriction is still necessary and proportionate."})
    restriction.review_date = review_date
    restriction.last_review_note = note
    restriction.full_clean()
    attribute_to(restriction, actor)
    restriction.save()
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: Restriction, actor: Any, reason: str) -> Restriction:
    """End a restriction: the people it covered may now be told."""
    _require_dpo(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the restriction is lifted."})
    if restriction.lifted_at is not None:
        raise ValidationError("This restriction is already lifted.")
    restriction.lifted_at = timezone.now()
    restriction.lift_reason = reason
    attribute_to(restriction, actor)
    restriction.save()
    return restriction


@transaction.atomic
def submission_record(*, incident: Incident, actor: Any, fields: dict[str, Any]) -> RegulatorSubmission:
    """Record a report made to the regulator; the initial one marks the incident reported.

    The report as sent is frozen with it by `reporting.services.report_submit`, which calls
    this in the same transaction: use that one.
    """
    _require_dpo(actor)
    locked = _locked(incident)
    submission = RegulatorSubmission(incident=locked, recorded_by=actor)
    apply_fields(submission, fields)
    submission.full_clean()
    attribute_to(submission, actor)
    submission.save()
    _follow_records(locked, actor)
    incident.status = locked.status
    return submission


@transaction.atomic
def incident_close(*, incident: Incident, actor: Any, reason: str, open_items_reason: str = "") -> Incident:
    """Close an incident: the reminders stop and the retention period starts. Only a DPO, with
    a reason, and only once the reporting question is settled: a decision not to report, or
    the initial report recorded (a decision to report with no report yet is refused). Open
    actions, requests or claims and contacts needing follow-up are refused too, unless the DPO
    says why it closes with them open; the closure review is signed off (issue 20)."""
    _require_dpo(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the incident can be closed."})
    locked = _locked(incident)
    if locked.status == Incident.Status.CLOSED:
        raise ValidationError("This incident is already closed.")
    status = status_from_records(locked)
    if status not in (Incident.Status.REPORTED, Incident.Status.NOT_REPORTED):
        raise ValidationError(
            "You cannot close this incident yet: record the decision on reporting it to the regulator, "
            "and the report itself if you decided to report.")
    closure_services.closure_sign_off(incident=locked, actor=actor, open_items_reason=open_items_reason)
    locked.status = Incident.Status.CLOSED
    attribute_to(locked, actor, f"Closed: {reason.strip()}")
    locked.save(update_fields=["status", "updated_at"])
    incident.status = locked.status
    return locked


@transaction.atomic
def incident_reopen(*, incident: Incident, actor: Any, reason: str) -> Incident:
    """Reopen a closed incident, with a reason: its status is again what its records give."""
    _require_dpo(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the incident is reopened."})
    locked = _locked(incident)
    if locked.status != Incident.Status.CLOSED:
        raise ValidationError("This incident is not closed.")
    closure_services.closure_reopened(incident=locked, actor=actor, reason=reason)
    locked.status = status_from_records(locked)
    attribute_to(locked, actor, f"Reopened: {reason.strip()}")
    locked.save(update_fields=["status", "updated_at"])
    incident.status = locked.status
    return locked


# --- What blocks telling a person (for the notifications code) -------------------------------


def _block_text(restriction: Restriction) -> str:
    scope = "this person" if restriction.subject_id else "everyone in this incident"
    grounds = ", ".join(f"({c})" for c in restriction.ground_codes)
    if restriction.extent == Restriction.Extent.PARTIAL:
        return (
            f"A partial restriction (s.68(7) {grounds}) covers {scope}: withhold {restriction.withheld.strip()}. "
            f"Prepare any notification by hand. Review due {restriction.review_date:%d %b %Y}."
        )
    return (
        f"Telling {scope} is restricted under s.68(7) {grounds} until the restriction is lifted "
        f"(review due {restriction.review_date:%d %b %Y})."
    )


def notification_blocks(*, incident: Incident) -> dict[int | None, str]:
    """Why people in this incident may not be sent a notification, in one query.

    Key None: a restriction covering everyone; key subject id: that person's own. A person is
    blocked if `blocks.get(None) or blocks.get(subject.pk)`. Any active restriction, whole or
    partial, blocks an automatic notification.
    """
    blocks: dict[int | None, str] = {}
    for restriction in incident.restrictions.active().order_by("extent", "pk"):
        blocks.setdefault(restriction.subject_id, _block_text(restriction))
    return blocks


def subject_notification_block(subject: DataSubject) -> str | None:
    """The reason this person must not be sent a notification now, or None if nothing blocks it.

    Only active DPA 2018 Part 3 restrictions block (incident-wide or this person's own); a
    lifted one, or one not yet started, does not. One query.
    """
    return notification_block_among(subject, Restriction.objects.active().applying_to(subject))


def notification_blocks_by_incident(incident_ids: list[int]) -> dict[int, list[Restriction]]:
    """The active restrictions of these incidents, by incident, in one query: with
    `notification_block_among`, a chunk of letters checks everyone without a query each."""
    found: dict[int, list[Restriction]] = {pk: [] for pk in incident_ids}
    for restriction in Restriction.objects.active().filter(incident_id__in=incident_ids):
        found[restriction.incident_id].append(restriction)
    return found


def notification_block_among(subject: DataSubject, restrictions: Any) -> str | None:
    """subject_notification_block's answer from active restrictions already loaded (those of
    the person's incident; others' own restrictions are ignored)."""
    applying = sorted((r for r in restrictions if r.incident_id == subject.incident_id
                       and r.subject_id in (None, subject.pk)), key=lambda r: (r.extent, r.pk))
    # "whole" sorts after "partial"; prefer a whole restriction's wording when both exist.
    chosen = None
    for restriction in applying:
        if chosen is None or restriction.extent == Restriction.Extent.WHOLE:
            chosen = restriction
    return _block_text(chosen) if chosen else None
