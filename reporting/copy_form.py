"""The report's answers laid out as the ICO's online form asks them (issue 19, "Copy into the
ICO's form"): the ICO's online form cannot be uploaded to, so a DPO copies each answer into it.

`form_answers(report)` walks `ico_forms.uk_gdpr.FORM` in its parts and order and gives, for each
question, the text to paste (from `build_report`'s dict, so it says exactly what the report
says), its length, and whether it is longer than the form allows (`char_limit`, where the
form's limit is known: none has been read yet, see ico_forms/SOURCES.md). Questions whose
wording was not read on the ICO's pages say so, and questions we record no answer to say that
too: nothing is filled in for the DPO.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .ico_forms import Form, Question, pecr, uk_gdpr

NOT_RECORDED = "not_recorded"
NOT_APPLICABLE = "not_applicable"


def _when(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M}"


def _lines(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def _occurred(r: dict[str, Any]) -> str:
    happened = r["what_happened"]
    if not happened["occurred_from"]:
        return ""
    text = _when(happened["occurred_from"])
    if happened["occurred_to"]:
        text += f" to {_when(happened['occurred_to'])}"
    return text + (" (an estimate)" if happened["occurred_estimated"] else "")


def _categories(r: dict[str, Any]) -> str:
    return "; ".join(c["name"] + (f": {c['detail']}" if c["detail"] else "")
                     for c in r["personal_data"]["categories"] if c["ticked"])


def _contact(person: dict[str, Any]) -> str:
    return _lines(person.get("name"), person.get("job_title"), person.get("email"), person.get("phone"))


def _number(value: Any) -> str:
    return "" if value is None else str(value)


# Question key -> its answer from the report dict ("" when the report has none yet, None when
# the question does not apply to this report: a follow-up's case reference on an initial report,
# the cyber questions for a breach that was not a cyber incident, delay reasons when on time).
ANSWERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "ico_staff_spoken_to": lambda r: r["report_type"].get("ico_staff_contact") or "",
    "report_type": lambda r: r["report_type"]["label"],
    "ico_case_reference": lambda r: (r["report_type"]["ico_case_reference"] or "")
    if r["report_type"]["type"] == "follow_up" else None,
    "reason_for_reporting": lambda r: r["reason_for_reporting"]["answer"] or "",
    "what_happened": lambda r: r["what_happened"]["description"] or "",
    "cyber_incident": lambda r: r["what_happened"]["cyber_incident"],
    "how_found_out": lambda r: r["what_happened"]["how_found_out"] or "",
    "discovered_at": lambda r: _when(r["what_happened"]["discovered_at"]),
    "occurred_at": _occurred,
    "delay_reasons": lambda r: (r["what_happened"]["delay_reasons"] or "") if r["what_happened"]["reported_late"] else None,
    "personal_data_categories": _categories,
    "number_of_records": lambda r: _number(r["personal_data"]["number_of_records"]),
    "number_of_data_subjects": lambda r: _number(r["personal_data"]["number_of_data_subjects"]),
    "data_subject_categories": lambda r: "; ".join(r["data_subjects"]["ticked"]),
    "potential_consequences": lambda r: r["consequences"]["potential_consequences"] or "",
    "likelihood": lambda r: r["consequences"]["likelihood"] or "",
    "cyber_cia_affected": lambda r: (r["cyber"].get("systems_affected") or "") if r["cyber"]["applicable"] else None,
    "cyber_impact": lambda r: (r["cyber"]["impact_on_organisation"] or "") if r["cyber"]["applicable"] else None,
    "cyber_recovery_time": lambda r: (r["cyber"]["recovery_time"] or "") if r["cyber"]["applicable"] else None,
    "staff_involved": lambda r: r["staff"]["staff_involved"] or "",
    "staff_training": lambda r: r["staff"]["training_in_last_two_years"] or "",
    "training_details": lambda r: r["staff"]["training_details"] or "",
    "staff_instructions": lambda r: r["staff"].get("instructions_or_guidance") or "",
    "actions_taken": lambda r: r["actions"]["taken_or_proposed"] or "",
    "measures_before": lambda r: r["actions"]["measures_in_place_before"] or "",
    "prevent_recurrence": lambda r: _lines(
        r["actions"]["steps_to_prevent_recurrence"],
        f"Expected to be complete by {r['actions']['expected_completion']}."
        if r["actions"].get("expected_completion") and r["actions"]["steps_to_prevent_recurrence"] else None),
    "told_data_subjects": lambda r: _lines(r["telling_data_subjects"]["answer"],
                                           r["telling_data_subjects"].get("answer_details")),
    "other_organisations": lambda r: _lines(r["other_organisations"].get("answer"),
                                            r["other_organisations"]["organisations_told"]),
    "controller_name": lambda r: r["about_you"]["controller_name"] or "",
    "registered_address": lambda r: r["about_you"]["registered_address"] or "",
    "person_reporting": lambda r: _contact(r["about_you"]["person_reporting"]),
    "dpo": lambda r: _contact(r["about_you"]["dpo"]),
}
def _breach_type(r: dict[str, Any]) -> str:
    cyber = r["cyber"]
    which = [name for name in ("confidentiality", "integrity", "availability") if cyber[name]]
    return _lines(r["what_happened"]["cause"], f"A breach of {', '.join(which)}." if which else None)


def _personal_data(r: dict[str, Any]) -> str:
    records = r["personal_data"]["number_of_records"]
    return _lines(_categories(r), f"About {records} records." if records is not None else None)


# The PECR security breach notification's questions (ico_forms/pecr.py), for a PECR incident.
ANSWERS.update({
    "pecr_submission_type": lambda r: r["report_type"]["label"],
    "pecr_monthly_log_file": lambda r: None,  # the month's log is made on the PECR log page, not here
    "pecr_initial_occurred_at": lambda r: _occurred(r) if r["report_type"]["type"] != "follow_up" else None,
    "pecr_initial_detected_at": lambda r: _when(r["what_happened"]["discovered_at"])
    if r["report_type"]["type"] != "follow_up" else None,
    "pecr_initial_breach_type": lambda r: _breach_type(r) if r["report_type"]["type"] != "follow_up" else None,
    "pecr_initial_personal_data": lambda r: _personal_data(r) if r["report_type"]["type"] != "follow_up" else None,
    "pecr_followup_occurred_at": lambda r: _occurred(r) if r["report_type"]["type"] == "follow_up" else None,
    "pecr_followup_attachments": lambda r: None,  # files are attached on the ICO's form itself
    "pecr_provider": lambda r: _lines(r["about_you"]["controller_name"], r["about_you"]["registered_address"]),
    "pecr_contact": lambda r: _contact(r["about_you"]["person_reporting"]),
})


def form_for(regime: str) -> Form:
    """The ICO form an incident's report is made on: PECR's security breach notification, or
    the personal data breach report (UK GDPR and DPA 2018 Part 3)."""
    return pecr.FORM if regime == "pecr" else uk_gdpr.FORM


# Asked by the form (as far as it was read) but recorded nowhere here: the DPO answers on the form.
NOT_RECORDED_KEYS = frozenset({"sector", "organisation_size"})


@dataclass(frozen=True)
class Answer:
    question: Question
    text: str
    state: str  # "answered", "empty" (the report has no answer yet), NOT_APPLICABLE or NOT_RECORDED

    @property
    def length(self) -> int:
        return len(self.text)

    @property
    def too_long(self) -> bool:
        return self.question.char_limit is not None and self.length > self.question.char_limit


def form_answers(report: dict[str, Any], form: Form = uk_gdpr.FORM) -> list[tuple[Any, list[Answer]]]:
    """[(part, [Answer, ...]), ...] in the form's order."""
    parts = []
    for part in form.parts:
        rows = []
        for question in part.questions:
            if question.key in NOT_RECORDED_KEYS or question.key not in ANSWERS:
                rows.append(Answer(question, "", NOT_RECORDED))
                continue
            answer = ANSWERS[question.key](report)
            if answer is None:
                rows.append(Answer(question, "", NOT_APPLICABLE))
                continue
            text = answer.strip()
            rows.append(Answer(question, text, "answered" if text else "empty"))
        parts.append((part, rows))
    return parts
