"""Pictures drawn on the server: the case timeline and each incident's notification progress.

Both are plain data for templates that draw SVG with presentation attributes (no `style=`,
no script, no chart library): the words are always in the page too, so nothing is said by the
picture or by colour alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Max, Min
from django.utils import timezone

from incidents.models import Decision, Incident, RegulatorSubmission
from notifications import progress as counters
from notifications.models import Notification, told_at

WIDTH = 640
LEFT, RIGHT = 16, 624


@dataclass
class Mark:
    key: str
    label: str
    when: datetime | None
    note: str = ""
    x: float = 0.0
    row: int = 0

    @property
    def known(self) -> bool:
        return self.when is not None


def case_timeline(incident: Incident, now: datetime | None = None) -> dict[str, Any]:
    """occurred → discovered → aware → (72-hour mark) → decision → reported → notifications → closed.

    Queries: the latest report decision, one aggregate of notifications, and one history
    lookup only for a closed incident (the first initial report comes annotated by
    `with_regulator_state()`, or costs one more query).
    """


    now = now or timezone.now()
    decision = (Decision.objects.filter(incident=incident, kind=Decision.Kind.REPORT)
                .order_by("-decided_at", "-pk").values("decided_at", "outcome").first())
    if hasattr(incident, "initial_submitted_at"):  # Incident.objects.with_regulator_state()
        report = incident.initial_submitted_at
    else:
        report = (RegulatorSubmission.objects.filter(incident=incident, kind=RegulatorSubmission.Kind.INITIAL)
                  .order_by("submitted_at").values_list("submitted_at", flat=True).first())
    told = told_at()  # the expression the notification_told_at index is on
    # How many from the progress counters; when, from the people told only (the first and the
    # latest), through the (incident, status) index.
    counts = counters.summaries([incident.pk])[incident.pk]
    sums: dict[str, Any] = {"total": counts["total"], "told": counts["done"]}
    sums.update(Notification.objects.filter(incident=incident, status__in=Notification.DONE).aggregate(
            first=Min(told), last=Max(told)))
    closed = None
    if incident.status == Incident.Status.CLOSED:
        closed = (incident.history.filter(status=Incident.Status.CLOSED).order_by("history_date")
                  .values_list("history_date", flat=True).first()) or incident.updated_at
    occurred_note = "estimate" if incident.occurred_estimated else ""
    deadline = incident.regulator_deadline
    marks = [
        Mark("occurred", "Occurred", incident.occurred_from, occurred_note),
        Mark("discovered", "Discovered", incident.discovered_at),
        Mark("aware", "Became aware: the clock starts", incident.aware_at),
        Mark("deadline", "72-hour deadline", deadline, "passed" if deadline < now else "still to come"),
        Mark("decision", "Decision on reporting", decision["decided_at"] if decision else None,
             ("report" if decision["outcome"] else "do not report") if decision else ""),
        Mark("reported", "Reported to the regulator", report,
             ("late: after the deadline" if report > deadline else "within 72 hours") if report else ""),
        Mark("notified", "First person told", sums["first"],
             f"{sums['told']} of {sums['total']} told so far" if sums["total"] else ""),
        Mark("notified_last", "Latest person told", sums["last"] if sums["told"] > 1 else None),
        Mark("closed", "Closed", closed),
    ]
    known = [m for m in marks if m.known]
    start = min(m.when for m in known)  # type: ignore[type-var]
    end = max([now, *(m.when for m in known)])  # type: ignore[type-var]
    span = max((end - start).total_seconds(), 1.0)  # type: ignore[operator]
    for index, mark in enumerate(known):
        mark.x = round(LEFT + (RIGHT - LEFT) * (mark.when - start).total_seconds() / span, 1)  # type: ignore[operator]
        mark.row = index % 3
    now_x = round(LEFT + (RIGHT - LEFT) * (now - start).total_seconds() / span, 1)  # type: ignore[operator]
    pending = [m for m in marks if not m.known and m.key not in ("notified_last", "occurred")]
    return {"marks": marks, "known": known, "pending": pending, "now_x": now_x, "deadline": deadline,
            "width": WIDTH, "start": start, "end": end}


@dataclass
class Progress:
    """One open incident's notification progress: people told by day, against its target date."""

    incident: Incident
    total: int
    target: date | None
    points: list[tuple[date, int]] = field(default_factory=list)
    path: str = ""
    target_x: float | None = None
    today_x: float = 0.0
    pace: tuple[float, float] | None = None

    @property
    def told(self) -> int:
        return self.points[-1][1] if self.points else 0


CHART_W, CHART_H, PAD = 240, 60, 4


def notification_progress(incidents: list[Incident], today: date | None = None) -> dict[int, Progress]:
    """People told by day for each incident (sent, or delivered for a call or visit; London
    days), from the progress counters kept by every change of a notification: ONE query for
    all incidents, however many people. The target dates come with the incidents
    (`select_related("notification_plan")`)."""

    today = today or timezone.localdate()
    ids = [i.pk for i in incidents]
    # The totals and the people told by day, from the counters kept by every change (one
    # query, however many people: nothing is counted here).
    kept = counters.stored(ids)
    totals = {pk: sum(kept.get(pk, Counter()).values()) for pk in ids}
    by_day = {pk: counters.told_by_day(buckets) for pk, buckets in kept.items()}
    result: dict[int, Progress] = {}
    for incident in incidents:
        total = totals.get(incident.pk, 0)
        if not total:
            continue
        plan = getattr(incident, "notification_plan", None) if _plan_loaded(incident) else None
        progress = Progress(incident=incident, total=total, target=plan.target_date if plan else None)
        running = 0
        for day, n in by_day.get(incident.pk, []):
            running += n
            progress.points.append((day, running))
        _draw(progress, timezone.localtime(incident.aware_at).date(), today)
        result[incident.pk] = progress
    return result


def _plan_loaded(incident: Incident) -> bool:
    """True when the incident came with its plan (or its absence) from select_related."""
    return "notification_plan" in incident._state.fields_cache


def _draw(progress: Progress, start: date, today: date) -> None:
    end = max([today, start + timedelta(days=1), *([progress.target] if progress.target else [])])
    days = max((end - start).days, 1)

    def x(day: date) -> float:
        return round(PAD + (CHART_W - 2 * PAD) * min(max((day - start).days, 0), days) / days, 1)

    def y(count: int) -> float:
        return round(CHART_H - PAD - (CHART_H - 2 * PAD) * count / progress.total, 1)

    steps = [f"M{x(start)},{y(0)}"]
    for day, count in progress.points:
        steps.append(f"H{x(day)}V{y(count)}")
    steps.append(f"H{x(today)}")
    progress.path = " ".join(steps)
    progress.today_x = x(today)
    progress.target_x = x(progress.target) if progress.target else None
    if progress.target_x is not None:
        progress.pace = (x(start), progress.target_x)
