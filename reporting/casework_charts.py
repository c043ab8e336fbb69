"""The casework charts (issue 20), per incident and across incidents: contacts per day since
the first letter went out, open requests and claims by deadline, and actions by state.

Plain data for `templates/incidents/closure/_bar_chart.html`, which draws SVG with
presentation attributes only (no `style=`, no script); every chart has its figures as text
and a table beside it, so nothing is said by the picture or colour alone. Four queries for any
number of incidents, contacts, requests and actions (`casework_charts`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from breachtracker.words import plural
from incidents.models import Contact, Incident, IncidentAction, PersonRequest
from notifications import progress as counters

WIDTH, HEIGHT = 360, 150
PAD, TOP, LABELS = 8, 16, 22
MAX_DAYS = 90  # a longer run shows its latest 90 days (and says so)
WEEK = 7
BLUE, RED, AMBER, GREEN, GREY = "#0b5ed7", "#842029", "#997404", "#146c43", "#6c757d"


@dataclass
class Bar:
    label: str
    value: int
    fill: str = BLUE
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class BarChart:
    """A bar chart: `key` names its SVG title, `summary` says in words what it shows."""

    key: str
    title: str
    bars: list[Bar]
    summary: str
    label_heading: str
    value_heading: str
    labelled: bool = True  # a label under each bar (categories); day charts label only the ends
    width: int = WIDTH
    height: int = HEIGHT
    base_y: float = 0.0
    label_y: float = 0.0
    ends: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        _layout(self)

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def _layout(chart: BarChart) -> None:
    chart.base_y = chart.height - LABELS
    chart.label_y = chart.height - 6
    n = max(len(chart.bars), 1)
    top = max([bar.value for bar in chart.bars] + [1])
    slot = (chart.width - 2 * PAD) / n
    for index, bar in enumerate(chart.bars):
        bar.width = round(max(slot * 0.8, 1.0), 1)
        bar.x = round(PAD + slot * index + (slot - bar.width) / 2, 1)
        bar.height = round((chart.base_y - TOP) * bar.value / top, 1)
        bar.y = round(chart.base_y - bar.height, 1)
    if chart.bars and not chart.labelled:
        chart.ends = (chart.bars[0].label, chart.bars[-1].label)


@dataclass
class Casework:
    """The figures of one incident, or of several added together (`incident` None)."""

    incident: Incident | None
    first_letter: date | None = None
    contacts: Counter[date] = field(default_factory=Counter)
    requests: dict[str, int] = field(default_factory=lambda: {"overdue": 0, "week": 0, "later": 0})
    actions: dict[str, int] = field(default_factory=lambda: {"overdue": 0, "open": 0, "done": 0})

    @property
    def contacts_since_letters(self) -> int:
        return sum(self.contacts.values())

    def charts(self, today: date) -> list[BarChart]:
        key = f"casework-{self.incident.pk}" if self.incident else "casework-all"
        return [contacts_chart(self, today, f"{key}-contacts"), requests_chart(self, f"{key}-requests"),
                actions_chart(self, f"{key}-actions")]


def contacts_chart(data: Casework, today: date, key: str) -> BarChart:
    title = "Contacts per day since the first letter went out"
    if data.first_letter is None:
        return BarChart(key, title, [], "No letters have gone out yet.", "Day", "Contacts", labelled=False)
    start = max(data.first_letter, today - timedelta(days=MAX_DAYS - 1))
    days = [start + timedelta(days=n) for n in range((today - start).days + 1)]
    bars = [Bar(f"{day.day} {day:%b %Y}", data.contacts.get(day, 0)) for day in days]
    total = sum(bar.value for bar in bars)
    summary = (f"{plural(total, 'contact', 'contacts')} from {start.day} {start:%B %Y} "
               f"(the first letter went out on {data.first_letter.day} {data.first_letter:%B %Y}) to today")
    if start > data.first_letter:
        summary += f", the latest {MAX_DAYS} days shown"
    if total:
        busiest = max(bars, key=lambda bar: bar.value)
        summary += f". The busiest day was {busiest.label} with {busiest.value}"
    return BarChart(key, title, bars, summary + ".", "Day", "Contacts", labelled=False)


def requests_chart(data: Casework, key: str) -> BarChart:
    r = data.requests
    bars = [Bar("Overdue", r["overdue"], RED), Bar(f"Next {WEEK} days", r["week"], AMBER),
            Bar("Later", r["later"], BLUE)]
    open_ = sum(r.values())
    summary = (f"{plural(open_, 'open request or claim', 'open requests or claims')}: {r['overdue']} overdue, "
               f"{r['week']} due in the next {WEEK} days, {r['later']} due later." if open_ else
               "No open requests or claims.")
    return BarChart(key, "Open requests and claims by deadline", bars, summary, "Deadline", "Open requests and claims")


def actions_chart(data: Casework, key: str) -> BarChart:
    a = data.actions
    bars = [Bar("Overdue", a["overdue"], RED), Bar("Not yet due", a["open"], BLUE), Bar("Done", a["done"], GREEN)]
    summary = (f"{plural(a['overdue'], 'action', 'actions')} overdue, {a['open']} open and not yet due, "
               f"{a['done']} done." if sum(a.values()) else "No actions recorded.")
    return BarChart(key, "Actions", bars, summary, "State", "Actions")


def casework_charts(incidents: list[Incident], today: date | None = None, *,
                    first_letters: dict[int, date] | None = None) -> tuple[dict[int, Casework], Casework]:
    """Each incident's figures, and all of them added together. Four queries in all: the first
    letter of each incident, contacts by incident and Europe/London day, open requests by
    deadline, actions by state. A caller that already has each incident's first day of letters
    (the dashboard, from the people told by day: `charts.notification_progress`) passes them
    as `first_letters` and saves the first query (the progress counters, kept by day told)."""
    today = today or timezone.localdate()
    ids = [i.pk for i in incidents]
    found = {i.pk: Casework(i) for i in incidents}
    together = Casework(None)
    if not ids:
        return found, together
    london = timezone.get_current_timezone()
    if first_letters is None:  # the first day anyone was told, from the counters kept by day told
        first_letters = {pk: told[0][0] for pk, buckets in counters.stored(ids).items()
                         if (told := counters.told_by_day(buckets))}
    for pk, day in first_letters.items():
        if pk in found:
            found[pk].first_letter = day
    contacts = (Contact.objects.filter(incident_id__in=ids).order_by()
                .annotate(day=TruncDate("happened_at", tzinfo=london))
                .values("incident_id", "day").annotate(n=Count("id")))
    for row in contacts:
        data = found[row["incident_id"]]
        if data.first_letter is not None and data.first_letter <= row["day"] <= today:
            data.contacts[row["day"]] += row["n"]
    week = today + timedelta(days=WEEK)
    deadline = Coalesce("extended_to", "due_on")
    requests = (PersonRequest.objects.filter(incident_id__in=ids, status__in=PersonRequest.OPEN_STATUSES)
                .order_by().annotate(due=deadline).values("incident_id").annotate(
                    overdue=Count("id", filter=Q(due__lt=today)),
                    week=Count("id", filter=Q(due__gte=today, due__lt=week)),
                    later=Count("id", filter=Q(due__gte=week) | Q(due__isnull=True))))
    for row in requests:
        found[row["incident_id"]].requests = {k: row[k] for k in ("overdue", "week", "later")}
    open_ = IncidentAction.Status.OPEN
    actions = (IncidentAction.objects.filter(incident_id__in=ids).order_by().values("incident_id").annotate(
        overdue=Count("id", filter=Q(status=open_, due_on__lt=today)),
        open=Count("id", filter=Q(status=open_, due_on__gte=today)),
        done=Count("id", filter=Q(status=IncidentAction.Status.DONE))))
    for row in actions:
        found[row["incident_id"]].actions = {k: row[k] for k in ("overdue", "open", "done")}
    _add_up(together, found.values())
    return found, together


def _add_up(together: Casework, each: Any) -> None:
    starts = [data.first_letter for data in each if data.first_letter is not None]
    together.first_letter = min(starts) if starts else None
    sums: dict[str, Counter[str]] = defaultdict(Counter)
    for data in each:
        together.contacts.update(data.contacts)
        sums["requests"].update(data.requests)
        sums["actions"].update(data.actions)
    together.requests = {k: sums["requests"][k] for k in together.requests}
    together.actions = {k: sums["actions"][k] for k in together.actions}
