"""The PECR breach log for one calendar month (PECR reg. 5A(8)), for the ICO's monthly return.

A public electronic communications service provider keeps "an inventory of personal data
breaches comprising (a) the facts surrounding the breach, (b) the effects of that breach, and
(c) remedial action taken", and the ICO asks for it each month: the completed log, or, for a
month with no breach, a nil return by email (reporting/ico_forms/pecr.py, part 2). The log
here has those three columns and what identifies each breach; a month is a calendar month in
Europe/London, and a breach belongs to the month in which we became aware of it. A month with
no PECR incident gets a nil return, never an empty file.

The ICO's own log template's headings were not found (ico_forms/SOURCES.md): these columns are
the regulation's. People appear only as counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from breachtracker.inputs import InputRefused
from incidents.models import Organisation

from .ico_report import one_source, plan_answers
from .register_export import _when, register_queryset

HEADER = [
    "Incident (reference: title)", "Became aware at", "When the breach happened", "Facts: what happened",
    "Cause or type", "Personal data concerned", "People affected (recorded; estimate)",
    "Effects: likely consequences", "Remedial action taken or proposed", "Steps to prevent recurrence",
    "Reported to the ICO at", "Subscribers or users told",
]
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return date(self.year, self.month, 1).strftime("%B %Y")

    @property
    def slug(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def bounds(self) -> tuple[datetime, datetime]:
        """The month's first instant and the next month's, in Europe/London (GMT or BST)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        following = Month(self.year + self.month // 12, self.month % 12 + 1)
        return (datetime(self.year, self.month, 1, tzinfo=zone),
                datetime(following.year, following.month, 1, tzinfo=zone))


def last_month(today: date | None = None) -> Month:
    today = today or timezone.localdate()
    return Month(today.year - (today.month == 1), (today.month - 2) % 12 + 1)


def parse_month(value: str | None, today: date | None = None) -> Month:
    """`YYYY-MM` from the address, or InputRefused saying what is wrong. A month not yet begun
    has no log."""
    if value is None or value == "":
        return last_month(today)
    found = MONTH.match(value) if isinstance(value, str) and value.isascii() else None
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise InputRefused("That month is not valid: write it as year and month, like 2026-11.")
    month = Month(int(found.group(1)), int(found.group(2)))
    today = today or timezone.localdate()
    if (month.year, month.month) > (today.year, today.month):
        raise InputRefused(f"{month.label} has not begun yet, so it has no breach log.")
    return month


def incidents_in(month: Month) -> list[Any]:
    start, end = month.bounds()
    return list(register_queryset().filter(regime="pecr", aware_at__gte=start, aware_at__lt=end)
                .order_by("aware_at", "pk"))


def log_rows(incidents: list[Any]) -> Iterator[list[Any]]:
    """One row per breach (from register_queryset: with subject_count and told_count)."""
    for incident in incidents:
        details = getattr(incident, "report_details", None)
        from_plan = plan_answers(getattr(incident, "notification_plan", None))
        initial = next((s for s in incident.submissions.all() if s.kind == "initial"), None)
        happened = _when(incident.occurred_from) + (f" to {_when(incident.occurred_to)}" if incident.occurred_to else "")
        yield [
            f"{incident.reference}: {incident.title}", _when(incident.aware_at),
            (happened + (" (estimate)" if incident.occurred_estimated and happened else "")) or "Not known",
            incident.description, incident.get_cause_display(),
            "; ".join(e.category.name for e in incident.exposed_categories.all()),
            f"{incident.subject_count}; {incident.approx_subjects or 'no estimate'}",
            one_source(from_plan["consequences"], details.consequences if details else "")[0] or "Not yet given",
            one_source(from_plan["actions_taken"], details.actions_taken if details else "")[0] or "Not yet given",
            (details.prevent_recurrence if details else "") or "Not yet given",
            _when(initial.submitted_at) if initial else "Not yet reported",
            incident.told_count,
        ]


def nil_return(month: Month, organisation: Organisation | None = None) -> str:
    """The text of a nil return, to send the ICO by email."""
    organisation = organisation or Organisation.current()
    name = organisation.controller_name or "[your organisation's name: fill it in on the organisation page]"
    contact = organisation.dpo_name or "[the data protection officer's name]"
    return (f"PECR security breach log: nil return for {month.label}\n\n"
            f"{name} had no personal data breaches under the Privacy and Electronic Communications "
            f"Regulations (regulation 5A) in {month.label}.\n\n"
            f"Contact: {contact}"
            + (f", {organisation.dpo_email}" if organisation.dpo_email else "")
            + (f", {organisation.dpo_phone}" if organisation.dpo_phone else "") + "\n")
