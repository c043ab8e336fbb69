from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone

from incidents.assessment import BAND_LABELS, RISK_LABELS

register = template.Library()


def _span(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours or days:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.inclusion_tag("incidents/_clock.html")
def regulator_clock(incident: Any, now: datetime | None = None) -> dict[str, Any]:
    """The 72-hour clock in words (never colour alone): time left, or time overdue."""
    now = now or timezone.now()
    if getattr(incident, "data_role", "") == "processor":
        return processor_clock(incident, now)
    left = incident.time_to_deadline(now)
    if not incident.is_awaiting_decision:
        state, text = "stopped", f"Decision recorded ({incident.get_status_display().lower()})"
    elif left.total_seconds() >= 0:
        state = "urgent" if left < timedelta(hours=24) else "running"
        text = f"{_span(left)} left"
    else:
        state, text = "overdue", f"Overdue by {_span(left)}"
    return {"incident": incident, "state": state, "text": text, "deadline": incident.regulator_deadline}


def processor_clock(incident: Any, now: datetime) -> dict[str, Any]:
    """As processor there is no regulator deadline of ours: the time since we became aware,
    until every controller named is told (Art. 33(2): "without undue delay", no hours set).
    One query, or none with the incident's parties prefetched."""
    told = incident.controllers_told()
    if not incident.controller_untold():
        state, text = "processor_told", f"Controller told {_span(max(told) - incident.aware_at)} after we became aware"
    else:
        state, text = "processor_untold", f"Controller not told yet: {_span(now - incident.aware_at)} since we became aware"
    return {"incident": incident, "state": state, "text": text, "deadline": None}


@register.filter
def span(delta: timedelta | None) -> str:
    """A duration in words: "2 days 3 hours", "5 hours 10 minutes"."""
    return "—" if delta is None else _span(delta)


@register.filter
def london(value: datetime | None) -> str:
    """A timestamp in Europe/London wall-clock time with its zone (GMT or BST)."""
    if not value:
        return "—"
    local = timezone.localtime(value)
    return local.strftime("%a %d %b %Y, %H:%M ") + (local.tzname() or "")


@register.filter
def isotime(value: str | None) -> str:
    """An ISO 8601 timestamp (as in the report JSON) in Europe/London wall-clock time."""
    if not value:
        return "—"
    try:
        return london(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


@register.filter
def yesno_text(value: bool | None) -> str:
    return "Not known" if value is None else ("Yes" if value else "No")


@register.filter
def band_label(code: str) -> str:
    """An ENISA severity band code (very_high) in words (Very high)."""
    return BAND_LABELS.get(code, code)


@register.filter
def risk_label(code: str) -> str:
    """A risk outcome code (high_risk) in words."""
    return RISK_LABELS.get(code, code)
