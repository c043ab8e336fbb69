"""The report to the regulator (the ICO's breach report form), built from the case's records.

`build_report(incident)` returns a plain dict in the ICO form's sections and order; the same
dict is the JSON export (schema: `incidents/ico_report.schema.json`), the HTML preview and
the PDF. Every value is derived from the case: counts of people come from the subject rows,
counts of people told from the notification rows, answers the case has nowhere else from
`ReportDetails`. Nothing about any individual affected person is read except as a count:
names, addresses, dates of birth and contact details never enter the report.

Sections (JSON keys), in the form's order:
  report_type, reason_for_reporting, what_happened, personal_data, data_subjects,
  consequences, cyber, staff, actions, telling_data_subjects, other_organisations,
  about_you; then `gaps`: each blank the ICO asks for, with the page that fills it.

Queries: a constant number (about a dozen) whatever the number of people: one aggregate
over subjects, one over notifications, and one each for the organisation, categories,
exposed categories, details, latest assessment, decisions and submissions.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from breachtracker.records import field_of
from incidents.assessment import rules
from incidents.assessment.models import PECR_SECOND_NOTIFICATION
from incidents.controllers.models import IncidentParty
from incidents.controllers.services import writing_as
from incidents.models import Assessment, DataCategory, Incident, Organisation, RegulatorSubmission
from incidents.people import tally
from incidents.regulator.services import case_reference
from incidents.vocab import ICO_SUBJECT_CATEGORIES, REGIMES, ROLES
from notifications import progress
from notifications.models import Notification, NotificationPlan

from .models import ReportDetails

SCHEMA_ID = "breachtracker/ico-report/1"

REPORTING_REASONS = {
    "meets": "The incident meets the threshold for reporting",
    "below": "The incident does not meet the threshold, but you want to tell the ICO",
    "unsure": "You are unsure whether the incident meets the threshold",
}
TELL_ANSWERS = {
    "told": "Yes, told",
    "in_process": "About to, or in the process",
    "already_aware": "No, they're already aware",
    "planning": "No, but planning to",
    "decided_not": "No, decided not to",
    "not_decided": "Not decided yet",
    "other": "Something else",
}


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _choice(model: type[Model], name: str, value: str) -> str | None:
    if not value:
        return None
    return str(dict(field_of(model, name).flatchoices).get(value, value))


def subject_counts(incident: Incident) -> dict[str, int]:
    """People per ICO category of data subjects, plus the total, from the people tally kept by
    every write to the incident's people (no counting here, however many people).

    A person with several roles in one ICO category (a victim who is also a witness: both
    “Other”) is counted once in it. Children: marked so, or under 18 when the incident became
    known (date of birth); vulnerable adults: marked so, or represented by someone (issue 13).
    """
    kept = tally.current(incident)
    counts = {"total": kept.total, "Children": kept.known_children, "Vulnerable adults": kept.known_vulnerable,
              "Not yet known": kept.by_ico.get("", 0)}
    for name in tally.ICO_MASKS:
        counts[name] = kept.by_ico.get(name, 0)
    for role in ROLES.values():
        counts[f"role:{role.code}"] = kept.by_role.get(role.code, 0)
    return counts


def notification_counts(incident: Incident) -> dict[str, Any]:
    """Told / in progress / withheld by reason / not yet, from the progress counters kept by
    every change of a notification (notifications.progress: one query, however many people)."""
    buckets = progress.stored([incident.pk]).get(incident.pk, Counter())
    row = progress.summary(buckets)
    by_code = progress.withheld_by_code(buckets)
    withheld = [{"reason": code, "label": str(label), "count": by_code[code]}
                for code, label in Notification.Withheld.choices if by_code.get(code)]
    if by_code.get(""):
        withheld.append({"reason": "unspecified", "label": "Withheld (no reason given)", "count": by_code[""]})
    in_progress = sum(row[f"status_{status}"] for status in Notification.OUTSTANDING)
    return {"rows": row["total"], "told": row["done"], "in_progress": in_progress, "withheld": withheld,
            "withheld_total": sum(w["count"] for w in withheld)}


class _Gaps:
    def __init__(self, incident: Incident) -> None:
        self.items: list[dict[str, str]] = []
        ref = incident.reference
        self.pages = {
            "incident": reverse("incident_edit", args=[ref]),
            "categories": reverse("incident_categories", args=[ref]),
            "details": reverse("report_details_edit", args=[ref]),
            "decision_report": reverse("decision_create", args=[ref, "report"]),
            "decision_tell": reverse("decision_create", args=[ref, "tell"]),
            "subjects": reverse("subject_list", args=[ref]),
            "organisation": reverse("organisation_edit"),
            "submission": reverse("submission_create", args=[ref]),
        }

    def check(self, value: Any, section: str, field: str, label: str, page: str) -> Any:
        if value in (None, "", []):
            self.items.append({"section": section, "field": field, "label": label, "url": self.pages[page]})
        return value


def _risk_assessment(assessment: Assessment | None) -> dict[str, Any] | None:
    """The latest assessment as the engine reads it now, with its own answer to the ICO's
    likelihood question (one risk everywhere)."""
    if assessment is None:
        return None
    result = assessment.result()
    return {"version": assessment.version, "score": f"{result.score:.2f}", "band": result.band, "risk": result.risk,
            "likelihood": str(ReportDetails.Likelihood(rules.ico_likelihood(result)).label),
            "deciding_factor": result.deciding_factor}


def _clock_corrections(incident: Incident) -> list[dict[str, Any]]:
    rows = incident.clock_corrections.select_related("corrected_by").order_by("corrected_at", "pk")  # type: ignore[attr-defined]
    return [{
        "corrected_at": _iso(c.corrected_at),
        "corrected_by": (c.corrected_by.get_full_name() or c.corrected_by.username) if c.corrected_by else None,
        "changed": c.changes,
        "aware_at_before": _iso(c.aware_at_before), "aware_at_after": _iso(c.aware_at_after),
        "regime_before": REGIMES[c.regime_before].law, "regime_after": REGIMES[c.regime_after].law,
        "deadline_before": _iso(c.deadline_before), "deadline_after": _iso(c.deadline_after),
        "reason": c.reason,
    } for c in rows]


# The report's answers that the notification plan already holds (what people are told is what
# the regulator is told): typed once, in the plan, and taken from there.
FROM_PLAN = {"consequences": "consequences", "actions_taken": "measures"}
PLAN_SOURCE = "notification plan"
ANSWERS_SOURCE = "report answers"


def plan_answers(plan: NotificationPlan | None) -> dict[str, str]:
    """ReportDetails field -> the plan's text for it ("" when the plan does not say)."""
    return {field: (getattr(plan, plan_field) if plan else "").strip() for field, plan_field in FROM_PLAN.items()}


def one_source(from_plan: str, answered: str) -> tuple[str | None, str | None]:
    """The text and where it comes from: the plan when it says, else the report's own answer."""
    if from_plan:
        return from_plan, PLAN_SOURCE
    answered = answered.strip()
    return (answered, ANSWERS_SOURCE) if answered else (None, None)


def _controllers(incident: Incident, our_name: str) -> dict[str, Any] | None:
    """As processor: the controllers we told; as controller: the processor who told us; and any
    partner controllers with who reports and who tells. Who is writing: our name, and "on
    behalf of" each partner the agreement says we write for. One query."""
    parties = list(incident.parties.all())  # type: ignore[attr-defined]
    if not parties and not incident.is_processor:
        return None
    on_behalf = [p.name for p in parties if p.kind == IncidentParty.Kind.PARTNER and p.on_behalf]
    return {
        "we_act_as": "Processor" if incident.is_processor else ("Controller" if incident.data_role else None),
        "writing_controller": writing_as(incident, our_name, partners=on_behalf),
        "processor_note": ("We act as processor: the controller decides whether to report to the ICO and to tell "
                           "the people. We report only if a controller asked us to.") if incident.is_processor
        else None,
        "controllers_we_process_for": [{
            "name": p.name, "contact": p.contact or None, "told_at": _iso(p.told_at),
            "told_how": p.get_told_how_display() or None, "told_by": p.told_by or None,
            "asked_us_to_report": p.asked_us_to_report, "asked_us_to_tell": p.asked_us_to_tell,
        } for p in parties if p.kind == IncidentParty.Kind.CONTROLLER],
        "processor_who_told_us": [{"name": p.name, "contact": p.contact or None,
                                   "told_us_at": _iso(p.notified_us_at)}
                                  for p in parties if p.kind == IncidentParty.Kind.PROCESSOR],
        "partner_controllers": [{
            "name": p.name, "contact": p.contact or None,
            "reports_to_ico": p.get_reports_to_ico_display(), "tells_people": p.get_tells_people_display(),
            "on_behalf": p.on_behalf,
        } for p in parties if p.kind == IncidentParty.Kind.PARTNER],
    }


def build_report(incident: Incident, *, submission: RegulatorSubmission | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """The ICO report for this incident, as it stands now (or as sent with `submission`)."""
    now = now or timezone.now()
    gaps = _Gaps(incident)
    details = ReportDetails.objects.filter(incident=incident).first() or ReportDetails(incident=incident)
    organisation = Organisation.current()
    submissions = list(incident.submissions.select_related(None).order_by("submitted_at", "pk"))
    if submission is not None and submission.pk not in {s.pk for s in submissions}:
        submissions.append(submission)
    decisions = list(incident.decisions.order_by("-decided_at", "-pk"))
    latest_report = next((d for d in decisions if d.kind == "report"), None)
    latest_tell = next((d for d in decisions if d.kind == "tell"), None)
    assessment = incident.assessments.order_by("-version").first()
    plan = NotificationPlan.objects.filter(incident=incident).first()
    told_from_plan = plan_answers(plan)

    # Report type: this submission's kind; before any, the initial report (being prepared).
    initial = next((s for s in submissions if s.kind == RegulatorSubmission.Kind.INITIAL), None)
    current = submission or None
    pecr = incident.regime == "pecr"
    second = next((s for s in submissions if s.kind == RegulatorSubmission.Kind.SECOND), None)
    if current:
        kind = current.kind
    elif initial is None:
        kind = "initial"
    else:
        # PECR: the second notification comes next, unless it is already recorded.
        kind = "second" if pecr and second is None else "follow_up"
    reported = next((s.ico_reference for s in reversed(submissions) if s.ico_reference), "")
    # A follow-up quotes it: if no report gave it (the ICO sent it later, or opened the case
    # from a complaint), the one recorded on the regulator's case, never typed a second time.
    case_ref = (case_reference(incident, reported=reported) if kind == "follow_up" else reported) or None
    labels = {"initial": "Initial notification" if pecr else "Initial report",
              "second": "Second notification", "follow_up": "Follow-up notification" if pecr else "Follow-up report"}
    report_type: dict[str, Any] = {"type": kind, "label": labels[kind],
                   "ico_case_reference": case_ref, "previous_submissions": len(
                       [s for s in submissions if current is None or s.pk != current.pk]),
                   "ico_staff_contact": details.ico_staff_contact.strip() or None}
    if pecr and initial is not None and second is None:
        # The ICO's PECR form: a second notification within three days of the initial one, for
        # whatever the initial notification could not say.
        report_type["second_notification_due"] = _iso(initial.submitted_at + PECR_SECOND_NOTIFICATION)
    if kind == "follow_up":
        gaps.check(case_ref, "report_type", "ico_case_reference", "The ICO case reference", "submission")
    # Corrections of the clock after the initial report (only then possible; no query before):
    # the regulator is told in a follow-up.
    # The key is there only when there are some, so reports sent before it existed compare clean.
    corrections = _clock_corrections(incident) if initial is not None else []
    if corrections:
        report_type["clock_corrections"] = corrections

    # Why you are reporting: from the latest report decision and what the assessment advised.
    reason_code = None
    if latest_report is not None and latest_report.outcome:
        reason_code = {True: "meets", False: "below", None: "unsure"}[latest_report.recommended]
    reason = {"answer": REPORTING_REASONS[reason_code] if reason_code else None, "code": reason_code,
              "decision_justification": latest_report.justification if latest_report else None}
    gaps.check(reason["answer"], "reason_for_reporting", "answer",
               "Why you are reporting (record a decision to report)", "decision_report")

    # What happened; the clock.
    deadline = incident.regulator_deadline
    sent = current or initial
    reported_at = sent.submitted_at if sent else None
    late = (reported_at or now) > deadline
    delay = (initial.delay_reasons if initial and initial.delay_reasons else details.delay_reasons) or None
    cyber_answer = "Don't know" if details.cyber_answer == "dont_know" else ("Yes" if incident.is_cyber else "No")
    happened = {
        "description": gaps.check(incident.description.strip() or None, "what_happened", "description",
                                  "What happened", "incident"),
        "cause": incident.get_cause_display(),
        "cyber_incident": cyber_answer,
        "how_found_out": gaps.check(incident.discovery.strip() or None, "what_happened", "how_found_out",
                                    "How you found out", "incident"),
        "occurred_from": _iso(incident.occurred_from),
        "occurred_to": _iso(incident.occurred_to),
        "occurred_estimated": incident.occurred_estimated,
        "discovered_at": _iso(incident.discovered_at),
        "aware_at": _iso(incident.aware_at),
        "regulator_deadline": _iso(deadline),
        "reported_at": _iso(reported_at),
        "reported_late": late,
        "delay_reasons": delay,
        "contained_at": _iso(incident.contained_at),
    }
    gaps.check(incident.occurred_from, "what_happened", "occurred_from", "When it happened (or an estimate)",
               "incident")
    if late:
        gaps.check(delay, "what_happened", "delay_reasons", "Reasons for the delay in reporting", "details")

    # Personal data: the ICO's categories, ticked from the exposed categories.
    categories = list(DataCategory.objects.order_by("bit"))
    exposed = {e.category_id: e for e in incident.exposed_categories.all()}
    category_rows = [{"code": c.code, "name": c.name, "ticked": c.pk in exposed,
                      "approx_records": exposed[c.pk].approx_records if c.pk in exposed else None,
                      "detail": (exposed[c.pk].detail or None) if c.pk in exposed else None}
                     for c in categories]
    people = subject_counts(incident)
    # Asked, never summed: one record (a crime report) can hold several categories, so the
    # categories' counts add up to more than the records there are.
    records = incident.approx_records
    category_total = sum(e.approx_records for e in exposed.values() if e.approx_records)
    subjects_max = max(people["total"], incident.approx_subjects or 0) or None
    personal_data = {
        "categories": category_rows,
        "number_of_records": records,
        "number_of_data_subjects": subjects_max,
        "data_subjects_recorded": people["total"],
        "data_subjects_estimate": incident.approx_subjects,
    }
    if not exposed:
        gaps.check(None, "personal_data", "categories", "Categories of personal data", "categories")
    gaps.check(records, "personal_data", "number_of_records", "Number of personal data records" + (
        f" (the categories' counts add up to {category_total}, but one record can hold several categories)"
        if category_total else ""), "incident")
    gaps.check(subjects_max, "personal_data", "number_of_data_subjects", "Number of data subjects", "subjects")

    subject_rows = [{"name": name, "count": people.get(name, 0)} for name in ICO_SUBJECT_CATEGORIES]
    # Our roles behind each ICO category: police cases map victims, witnesses and suspects to "Other".
    role_rows = [{"code": r.code, "label": r.label, "ico_category": r.ico_category,
                  "count": people[f"role:{r.code}"]} for r in ROLES.values()]
    data_subjects = {"categories": subject_rows, "ticked": [r["name"] for r in subject_rows if r["count"]],
                     "roles": role_rows}

    said, source = one_source(told_from_plan["consequences"], details.consequences)
    consequences = {
        "potential_consequences": gaps.check(said, "consequences", "potential_consequences",
                                             "Potential consequences", "details"),
        "potential_consequences_source": source,
        "likelihood": gaps.check(_choice(ReportDetails, "likelihood", details.likelihood), "consequences",
                                 "likelihood", "Likelihood of significant consequences", "details"),
        # The engine's own answer to the likelihood question, beside the DPO's (one risk everywhere).
        "risk_assessment": _risk_assessment(assessment),
        "likelihood_reason": details.likelihood_reason.strip() or None,
    }

    is_cyber = cyber_answer != "No"
    cyber = {
        "applicable": is_cyber,
        "confidentiality": incident.breach_confidentiality,
        "integrity": incident.breach_integrity,
        "availability": incident.breach_availability,
        "systems_affected": _choice(ReportDetails, "systems_affected", details.systems_affected),
        "impact_on_organisation": _choice(ReportDetails, "cyber_impact", details.cyber_impact),
        "recovery_time": _choice(ReportDetails, "recovery_time", details.recovery_time),
    }
    if is_cyber:
        gaps.check(cyber["systems_affected"], "cyber", "systems_affected",
                   "Whether your information systems' confidentiality, integrity or availability was affected",
                   "details")
        gaps.check(cyber["impact_on_organisation"], "cyber", "impact_on_organisation",
                   "Impact on the organisation", "details")
        gaps.check(cyber["recovery_time"], "cyber", "recovery_time", "Recovery time", "details")

    staff = {
        "staff_involved": details.staff_involved.strip() or None,
        "training_in_last_two_years": gaps.check(
            _choice(ReportDetails, "staff_trained", details.staff_trained), "staff", "training_in_last_two_years",
            "Staff data protection training in the last two years", "details"),
        "training_details": details.training_details.strip() or None,
        "instructions_or_guidance": details.staff_instructions.strip() or None,
    }
    said, source = one_source(told_from_plan["actions_taken"], details.actions_taken)
    actions = {
        "taken_or_proposed": gaps.check(said, "actions", "taken_or_proposed", "Actions taken or proposed", "details"),
        "taken_or_proposed_source": source,
        "measures_in_place_before": gaps.check(details.measures_before.strip() or None, "actions",
                                               "measures_in_place_before", "Measures in place before", "details"),
        "steps_to_prevent_recurrence": gaps.check(details.prevent_recurrence.strip() or None, "actions",
                                                  "steps_to_prevent_recurrence", "Steps to prevent recurrence",
                                                  "details"),
        "expected_completion": details.prevent_recurrence_by.isoformat() if details.prevent_recurrence_by else None,
        # The actions recorded on the Actions tab, each with its due date and when it was done.
        "records": [{"kind": str(a.get_kind_display()), "description": a.description, "due_on": a.due_on.isoformat(),
                     "status": str(a.get_status_display()), "done_on": a.done_on.isoformat() if a.done_on else None}
                    for a in incident.actions.order_by("due_on", "pk")],
    }
    if actions["steps_to_prevent_recurrence"]:
        gaps.check(actions["expected_completion"], "actions", "expected_completion",
                   "When you expect the steps to prevent recurrence to be complete", "details")

    told = notification_counts(incident)
    not_yet = max(people["total"] - told["rows"], 0)
    counts = {"total": people["total"], "told": told["told"], "in_progress": told["in_progress"],
              "withheld": told["withheld"], "withheld_total": told["withheld_total"], "not_yet": not_yet}
    if details.told_answer and not (told["told"] or told["in_progress"]):
        # "Already aware" or "something else": the DPO's answer, which no record could give,
        # and only while the letters' records do not say otherwise.
        tell_code = details.told_answer
    elif latest_tell is not None and not latest_tell.outcome:
        tell_code = "decided_not"
    elif people["total"] and told["told"] == people["total"]:
        tell_code = "told"
    elif told["told"] or told["in_progress"]:
        tell_code = "in_process"
    elif latest_tell is not None:
        tell_code = "planning"
    else:
        tell_code = "not_decided"
    telling = {"answer": TELL_ANSWERS[tell_code], "code": tell_code,
               "answer_details": details.told_answer_details.strip() or None if tell_code == details.told_answer else None,
               "decision_justification": latest_tell.justification or None if latest_tell else None,
               "exemption": latest_tell.get_exemption_display() if latest_tell and latest_tell.exemption else None,
               "counts": counts}
    if tell_code == "not_decided":
        gaps.check(None, "telling_data_subjects", "answer", "Whether you have told the people (record a decision)",
                   "decision_tell")

    other = {"answer": gaps.check(_choice(ReportDetails, "other_organisations_told", details.other_organisations_told),
                                  "other_organisations", "answer",
                                  "Whether you have told, or plan to tell, other organisations", "details"),
             "organisations_told": details.other_organisations.strip() or None}
    if details.other_organisations_told == ReportDetails.YesNo.YES:
        gaps.check(other["organisations_told"], "other_organisations", "organisations_told",
                   "Which other organisations, and when", "details")

    about = {
        "controller_name": gaps.check(organisation.controller_name or None, "about_you", "controller_name",
                                      "Controller name", "organisation"),
        "registered_address": gaps.check(organisation.registered_address.strip() or None, "about_you",
                                         "registered_address", "Registered address", "organisation"),
        "ico_registration_number": organisation.ico_registration_number or None,
        "person_reporting": {
            "name": gaps.check(details.reporter_name or None, "about_you", "person_reporting.name",
                               "Person reporting", "details"),
            "job_title": details.reporter_job_title or None,
            "email": details.reporter_email or None,
            "phone": details.reporter_phone or None,
        },
        "dpo": {
            "name": gaps.check(organisation.dpo_name or None, "about_you", "dpo.name", "DPO name", "organisation"),
            "email": gaps.check(organisation.dpo_email or None, "about_you", "dpo.email", "DPO email",
                                "organisation"),
            "phone": organisation.dpo_phone or None,
        },
    }

    # Who we are in this incident (issue 19): the key is there only for a processor's incident or
    # one naming other organisations, so reports sent before it existed compare clean.
    gaps.check(incident.data_role or None, "about_you", "we_act_as",
               "Whether you act as controller or processor for this data", "incident")
    controllers = _controllers(incident, organisation.controller_name)
    if controllers:
        about["controllers"] = controllers

    return {
        "schema": SCHEMA_ID,
        "incident_reference": incident.reference,
        "incident_title": incident.title,
        "regime": incident.regime_info.law,
        "generated_at": _iso(now),
        "report_type": report_type,
        "reason_for_reporting": reason,
        "what_happened": happened,
        "personal_data": personal_data,
        "data_subjects": data_subjects,
        "consequences": consequences,
        "cyber": cyber,
        "staff": staff,
        "actions": actions,
        "telling_data_subjects": telling,
        "other_organisations": other,
        "about_you": about,
        "gaps": gaps.items,
    }


# --- Serialising and comparing ---------------------------------------------------------------

def report_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False).encode()


def content_sha256(report: dict[str, Any]) -> str:
    """The hash of what the report says (its generation time left out): same content, same hash."""
    body = {k: v for k, v in report.items() if k != "generated_at"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# Keys that change every time or are about the form, not the facts.
DIFF_IGNORED = {"generated_at", "gaps", "schema"}


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not prefix and key in DIFF_IGNORED:
                continue
            _flatten(item, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            # Lists of named rows (categories) are keyed by name, so order changes read well.
            name = item.get("code") or item.get("name") or item.get("reason") or str(index)
            _flatten(item, f"{prefix}[{name}]", out)
    else:
        out[prefix] = value


def diff_reports(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field changes between two reports: [{field, before, after}], in the form's order."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(before, "", old)
    _flatten(after, "", new)
    changes = [{"field": key, "before": old.get(key), "after": value} for key, value in new.items()
               if old.get(key) != value]
    changes += [{"field": key, "before": value, "after": None} for key, value in old.items() if key not in new]
    return changes
