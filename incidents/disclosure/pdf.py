"""The findings of a disclosure check as an A4 PDF, for the web page and the command line.
Needs no database (the command line may run where there is none)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone

from breachtracker.pdf import render_pdf

from .report import Report, Severity, merge_categories

if TYPE_CHECKING:  # the command line renders without a database: no model import at run time
    from ..models import Incident


def summary(report: Report) -> dict[str, Any]:
    findings = report.sorted_findings()
    return {
        "report": report,
        "findings": findings,
        "counts": {s.label: sum(1 for f in findings if f.severity == s) for s in reversed(Severity)},
        "categories": list(merge_categories(
            [c for f in findings if f.severity >= Severity.MEDIUM for c in f.categories if c.confidence >= 0.45]
        )),
    }


def findings_pdf(report: Report, *, incident: Incident | None, checked_by: str, organisation: str = "") -> bytes:
    """The findings as an A4 PDF: verdict, sheets, categories, findings with masked evidence.

    Needs no database (the command line may run where there is none).
    """
    context = summary(report) | {
        "incident": incident, "checked_by": checked_by, "organisation": organisation,
        "checked_at": timezone.localtime().strftime("%d %b %Y %H:%M %Z"),
    }
    return render_pdf(render_to_string("pdf/disclosure_report.html", context))
