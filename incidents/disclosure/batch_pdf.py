"""A batch check (a folder or .zip) for people: the page's and the PDF's context, and the PDF.
Needs no database (the command line may run where there is none)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone

from breachtracker.pdf import render_pdf

from .batch import BatchReport, FileResult
from .pdf import summary
from .report import FAIL_AT

if TYPE_CHECKING:  # the command line renders without a database: no model import at run time
    from ..models import Incident


def file_row(result: FileResult) -> dict[str, Any]:
    """One file's line in the table: its verdict, and the findings that fail it, by title."""
    row: dict[str, Any] = {"result": result, "serious": result.serious, "titles": [], "more": 0}
    if result.report is not None:
        titles = [f.title for f in result.report.sorted_findings() if f.severity >= FAIL_AT]
        row |= {"titles": titles[:3], "more": max(len(titles) - 3, 0),
                "notes": len(result.report.findings) - len(titles)}
    return row


def batch_context(batch: BatchReport) -> dict[str, Any]:
    return {
        "batch": batch,
        "rows": [file_row(f) for f in batch.files],
        "counts": {key.replace(" ", "_"): n for key, n in batch.counts.items()},
        # Sections only for the files that were checked; the others are listed with their reason.
        "sections": [summary(f.report) | {"result": f} for f in batch.files if f.report is not None],
    }


def batch_pdf(batch: BatchReport, *, incident: Incident | None, checked_by: str, organisation: str = "") -> bytes:
    """The batch as an A4 PDF: an overall page listing every file, then a section per checked
    file with its findings (masked evidence only)."""
    context = batch_context(batch) | {
        "incident": incident, "checked_by": checked_by, "organisation": organisation,
        "checked_at": timezone.localtime().strftime("%d %b %Y %H:%M %Z"),
    }
    return render_pdf(render_to_string("pdf/disclosure_batch.html", context))
