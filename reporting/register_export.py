"""The breach register (Art. 33(5), s.67(6)) as CSV and XLSX, for audits.

Every incident, reportable or not, one row each: the facts, effects, remedial action, each
decision with who, when and why, the dates, and whether it was reported late. No affected
person's personal data: people appear only as counts.

The XLSX is built to pass our own disclosure check: exactly one visible sheet, no hidden
sheets, rows or columns, no pivot caches, no defined names, document properties naming
only the application. Text that starts like a formula is stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from breachtracker.csvsafe import neutralise
from incidents.models import Decision, Incident, RegulatorSubmission
from incidents.templatetags.breach import london
from incidents.vocab import REGULATOR_STATES
from notifications.models import Notification, NotificationProgress

from .ico_report import one_source, plan_answers

# The reference and title share the first column: a column of bare references (BR-2026-0001)
# looks to our own disclosure check like a column of crime reference numbers.
HEADER = [
    "Incident (reference: title)", "Regime", "Status", "Cause or type", "What happened (facts)", "How it was discovered",
    "Occurred from", "Occurred to", "Dates are an estimate", "Discovered at", "Became aware at",
    "Regulator deadline", "Contained at", "Categories of personal data", "People recorded",
    "People (estimate, maximum)", "Records (approximate)", "Confidentiality breach", "Integrity breach",
    "Availability breach", "Risk (latest assessment)", "Effects: likely consequences", "Likelihood",
    "Remedial action taken or proposed", "Steps to prevent recurrence", "Decisions (when, who, what, why)",
    "Advice from the regulator", "Regulator state", "Initial report submitted at", "Reported late",
    "Reasons for delay", "Regulator's case reference", "Follow-up reports", "People told",
    "Actions (kind, what, due, status, done on)",
]


def register_queryset() -> Any:
    """All incidents with what a row needs, in a constant number of queries."""

    # People told, from the progress counters (notifications.progress), not counted.
    told = (NotificationProgress.objects.filter(incident=OuterRef("pk"), status__in=Notification.DONE)
            .order_by().values("incident").annotate(n=Sum("n")).values("n"))
    return (Incident.objects.with_subject_count().with_regulator_state()
            .annotate(told_count=Coalesce(Subquery(told, output_field=IntegerField()), 0))
            .select_related("report_details", "notification_plan")
            .prefetch_related(
                "exposed_categories__category",
                Prefetch("decisions", queryset=Decision.objects.select_related("decided_by")
                         .order_by("decided_at", "pk")),
                Prefetch("submissions", queryset=RegulatorSubmission.objects.order_by("submitted_at", "pk")),
                "assessments", "actions")
            .order_by("aware_at", "pk"))


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _when(value: Any) -> str:
    return london(value) if value else ""


def _who(user: Any) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _late(incident: Incident, initial: RegulatorSubmission | None) -> str:
    if initial is not None:
        return _yes(initial.submitted_at > incident.regulator_deadline)
    state = incident.regulator_state
    if state == "not_reported":
        return "Not reported (decided not to)"
    if timezone.now() > incident.regulator_deadline and state != "not_reported":
        return "Not yet reported: past the deadline"
    return "Not yet reported"


def _decision_text(decision: Decision) -> str:
    text = (f"{london(decision.decided_at)} · {_who(decision.decided_by)} · {decision.get_kind_display()}: "
            f"{'Yes' if decision.outcome else 'No'}")
    if decision.exemption:
        text += f" · exemption {decision.get_exemption_display()}"
    if decision.justification.strip():
        text += f" · why: {decision.justification.strip()}"
    return text


def register_rows(incidents: Any = None) -> Iterator[list[Any]]:
    for incident in incidents if incidents is not None else register_queryset():
        details = getattr(incident, "report_details", None)
        # The same words as the report: the notification plan's where it says (one source).
        from_plan = plan_answers(getattr(incident, "notification_plan", None))
        consequences = one_source(from_plan["consequences"], details.consequences if details else "")[0] or ""
        actions = one_source(from_plan["actions_taken"], details.actions_taken if details else "")[0] or ""
        submissions = list(incident.submissions.all())
        initial = next((s for s in submissions if s.kind == RegulatorSubmission.Kind.INITIAL), None)
        follow_ups = [s for s in submissions if s.kind == RegulatorSubmission.Kind.FOLLOW_UP]
        assessments = sorted(incident.assessments.all(), key=lambda a: a.version)
        latest = assessments[-1] if assessments else None
        decisions = list(incident.decisions.all())
        case_ref = next((s.ico_reference for s in reversed(submissions) if s.ico_reference), "")
        yield [
            f"{incident.reference}: {incident.title}", incident.get_regime_display(), incident.get_status_display(),
            incident.get_cause_display(), incident.description, incident.discovery,
            _when(incident.occurred_from), _when(incident.occurred_to), _yes(incident.occurred_estimated),
            _when(incident.discovered_at), _when(incident.aware_at), _when(incident.regulator_deadline),
            _when(incident.contained_at),
            "; ".join(e.category.name + (f" ({e.detail})" if e.detail else "") for e in incident.exposed_categories.all()),
            incident.subject_count, incident.approx_subjects or "", incident.approx_records or "",
            _yes(incident.breach_confidentiality), _yes(incident.breach_integrity), _yes(incident.breach_availability),
            f"{latest.risk} ({latest.band}, score {latest.score}; version {latest.version})" if latest else "",
            consequences, details.get_likelihood_display() if details else "",
            actions, details.prevent_recurrence if details else "",
            "\n".join(_decision_text(d) for d in decisions),
            "\n".join(d.regulator_advice.strip() for d in decisions if d.regulator_advice.strip()),
            REGULATOR_STATES[incident.regulator_state], _when(initial.submitted_at) if initial else "",
            _late(incident, initial), initial.delay_reasons if initial else (details.delay_reasons if details else ""),
            case_ref, len(follow_ups), incident.told_count,
            "\n".join(f"{a.get_kind_display().split(' (')[0]}: {a.description} (due {a.due_on:%d %b %Y}; "
                      f"{a.get_status_display().lower()}{f' {a.done_on:%d %b %Y}' if a.done_on else ''})"
                      for a in sorted(incident.actions.all(), key=lambda a: (a.due_on, a.pk))),
        ]


def build_xlsx(rows: Iterator[list[Any]], *, header: list[str] = HEADER, title: str = "Breach register",
               sheet_name: str = "Register") -> bytes:
    book = Workbook(write_only=True)
    props = book.properties
    # No author or last-saved-by: the file names no person or account.
    props.creator, props.lastModifiedBy, props.title = None, None, title
    props.subject = props.description = props.keywords = props.category = None
    props.created = props.modified = timezone.now().replace(tzinfo=None, microsecond=0)
    sheet = book.create_sheet(sheet_name)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def cell(value: Any, **style: Any) -> WriteOnlyCell:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        made = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            made.data_type = "s"  # text that starts with "=" stays text, never a formula
        for key, item in style.items():
            setattr(made, key, item)
        return made

    sheet.append([cell(h, font=bold) for h in header])
    for row in rows:
        sheet.append([cell(v, alignment=wrap) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_csv(rows: Iterator[list[Any]], *, header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode()


def incident_count() -> int:
    return Incident.objects.count()


__all__ = ["HEADER", "build_csv", "build_xlsx", "incident_count", "register_queryset", "register_rows"]
