"""Keeping `PeopleTally` true: every write to an incident's people goes through here.

- one person created or changed (`people.services`): the difference their change makes is
  added, under a lock on the tally row;
- an import: the difference of all its new and merged people at once, in its transaction;
- anything else (retention, the demo, a tally from another day): `recount`, one pass over
  the incident's people.

`check` compares every tally with a full recount (`manage.py recount_people --check`); the
command without `--check` repairs them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..register.models import DataCategory, Incident
from ..vocab import ROLES
from .models import PeopleTally, age_on

# What people add to a tally: total, do_not_write, children, vulnerable, role:<code>,
# cat:<code>, and for the regulator's report, as on the day the incident became known:
# known:children, known:vulnerable, ico:<ICO category of data subjects> (a person with two
# roles in one ICO category counts once in it), ico: (no role yet).
Share = Counter[str]

# Each ICO category of data subjects and the role bits in it.
ICO_MASKS: dict[str, int] = {}
for _role in ROLES.values():
    ICO_MASKS[_role.ico_category] = ICO_MASKS.get(_role.ico_category, 0) | (1 << _role.bit)


def known_day(incident: Incident) -> date:
    """The day the incident became known (London): the regulator's report counts children as
    of that day."""
    return timezone.localtime(incident.aware_at).date()


def _child_or_vulnerable(person: Any, born: date | None, on: date) -> tuple[bool, bool]:
    # As DataSubject.is_child_on and has_representative say, for an import's row too.
    age = age_on(born, on)
    child = bool(person.is_child or (age is not None and age < 18))
    vulnerable = not child and bool(person.is_vulnerable or (
        getattr(person, "representative_relationship", "") and getattr(person, "representative_name", "").strip()))
    return child, vulnerable


def shares(people: Iterable[Any], on: date, categories: Iterable[DataCategory], known_on: date) -> Share:
    """What `people` add to their incident's tally on `on`, with the incident's `known_on` day
    (`known_day`) for the report's figures (DataSubjects or an import's rows).

    People are grouped by what they count for (roles, categories, flags) first, so 100,000
    of them cost one small tuple each, and the bits are read once per kind of person."""
    kinds: Counter[tuple[int, int, bool, bool, bool, bool, bool]] = Counter()
    for person in people:
        born = person.date_of_birth
        if isinstance(born, str):  # the ISO text a fixture may hold before it is read back
            born = date.fromisoformat(born) if born else None
        child, vulnerable = _child_or_vulnerable(person, born, on)
        known_child, known_vulnerable = _child_or_vulnerable(person, born, known_on)
        kinds[(person.roles, person.categories_mask, bool(person.do_not_write), child, vulnerable,
               known_child, known_vulnerable)] += 1
    counts: Share = Counter()
    categories = list(categories)
    for (roles, mask, do_not_write, child, vulnerable, known_child, known_vulnerable), n in kinds.items():
        counts["total"] += n
        counts["do_not_write"] += n if do_not_write else 0
        counts["children"] += n if child else 0
        counts["vulnerable"] += n if vulnerable else 0
        counts["known:children"] += n if known_child else 0
        counts["known:vulnerable"] += n if known_vulnerable else 0
        for role in ROLES.values():
            if roles & (1 << role.bit):
                counts[f"role:{role.code}"] += n
        for name, ico_mask in ICO_MASKS.items():
            if roles & ico_mask:
                counts[f"ico:{name}"] += n
        if not roles:
            counts["ico:"] += n
        for category in categories:
            if mask & category.mask:
                counts[f"cat:{category.code}"] += n
    return counts


def share(person: Any, on: date, categories: Iterable[DataCategory], known_on: date) -> Share:
    """What one person adds to their incident's tally on `on` (and on `known_on`)."""
    return shares([person], on, categories, known_on)


def _add(tally: PeopleTally, counts: Share) -> None:
    tally.total += counts["total"]
    tally.do_not_write += counts["do_not_write"]
    tally.children += counts["children"]
    tally.vulnerable += counts["vulnerable"]
    tally.known_children += counts["known:children"]
    tally.known_vulnerable += counts["known:vulnerable"]
    for key, value in counts.items():
        kind, _, code = key.partition(":")
        if kind in ("role", "cat", "ico") and value:
            bucket = {"role": tally.by_role, "cat": tally.by_category, "ico": tally.by_ico}[kind]
            bucket[code] = bucket.get(code, 0) + value
            if not bucket[code]:
                del bucket[code]


def change(incident: Incident, difference: Share) -> None:
    """Add `difference` (new shares minus old ones, worked out for today) to the incident's
    tally; a tally missing or worked out on another day is recounted instead (it then already
    includes the change, which is saved by the caller before this runs)."""
    with transaction.atomic():
        tally = PeopleTally.objects.select_for_update().filter(incident=incident).first()
        if tally is None or tally.ages_on != timezone.localdate() or tally.known_on != known_day(incident):
            recount(incident)
            return
        _add(tally, difference)
        tally.save()


def difference(before: Share | None, after: Share | None) -> Share:
    result: Share = Counter()
    result.update(after or {})
    result.subtract(before or {})
    return result


def recount(incident: Incident) -> PeopleTally:
    """Count the incident's people again (one pass; dates of birth decrypted for the ages)."""
    today, known = timezone.localdate(), known_day(incident)
    categories = list(DataCategory.objects.all())
    summary = incident.subjects.all().summary(categories, ico_masks=ICO_MASKS)
    children, vulnerable = incident.subjects.all().children_and_vulnerable(today)
    known_children, known_vulnerable = incident.subjects.all().children_and_vulnerable(known)
    fields = {
        "total": summary["total"], "do_not_write": summary["do_not_write"], "children": children,
        "vulnerable": vulnerable, "ages_on": today, "known_children": known_children,
        "known_vulnerable": known_vulnerable, "known_on": known,
        "by_role": {r.code: summary[f"role_{r.code}"] for r in ROLES.values() if summary[f"role_{r.code}"]},
        "by_category": {c.code: summary[f"cat_{c.code}"] for c in categories if summary[f"cat_{c.code}"]},
        "by_ico": {name: summary[f"ico_{name}"] for name in [*ICO_MASKS, ""] if summary[f"ico_{name}"]},
    }
    tally, _ = PeopleTally.objects.update_or_create(incident=incident, defaults=fields)
    return tally


def current(incident: Incident) -> PeopleTally:
    """The incident's tally for today: recounted first if it was worked out on another day (or
    for another day the incident became known: its clock was corrected)."""
    tally = PeopleTally.objects.filter(incident=incident).first()
    if tally is None or tally.ages_on != timezone.localdate() or tally.known_on != known_day(incident):
        with transaction.atomic():
            Incident.objects.select_for_update().filter(pk=incident.pk).exists()  # one recount at a time
            tally = recount(incident)
    return tally


def summary(tally: PeopleTally, categories: list[DataCategory]) -> dict[str, int]:
    """The tally in the shape of `DataSubjectQuerySet.summary` (+ ages), for the incident page."""
    row = {"total": tally.total, "do_not_write": tally.do_not_write, "children": tally.children,
           "vulnerable": tally.vulnerable}
    for role in ROLES.values():
        row[f"role_{role.code}"] = tally.by_role.get(role.code, 0)
    for category in categories:
        row[f"cat_{category.code}"] = tally.by_category.get(category.code, 0)
    return row


def _as_dict(tally: PeopleTally | None) -> dict[str, Any]:
    if tally is None:
        return {"total": 0, "do_not_write": 0, "children": 0, "vulnerable": 0, "known_children": 0,
                "known_vulnerable": 0, "by_role": {}, "by_category": {}, "by_ico": {}}
    return {"total": tally.total, "do_not_write": tally.do_not_write, "children": tally.children,
            "vulnerable": tally.vulnerable, "known_children": tally.known_children,
            "known_vulnerable": tally.known_vulnerable, "by_role": tally.by_role, "by_category": tally.by_category,
            "by_ico": tally.by_ico}


def check(*, repair: bool) -> list[str]:
    """Every incident's tally against a full recount: what differed (and, with `repair`, was put right).

    A tally from another day is compared on its day-independent figures only (its ages are
    worked out again when it is next read)."""
    problems = []
    for incident in Incident.objects.order_by("pk"):
        kept = PeopleTally.objects.filter(incident=incident).first()
        stored = _as_dict(kept)
        with transaction.atomic():
            fresh = recount(incident)
            truth = _as_dict(fresh)
            if kept is not None and kept.ages_on != fresh.ages_on:
                for key in ("children", "vulnerable"):
                    stored[key] = truth[key]
            if kept is not None and kept.known_on != fresh.known_on:  # from before the clock was corrected
                for key in ("known_children", "known_vulnerable"):
                    stored[key] = truth[key]
            if not repair:
                transaction.set_rollback(True)
        if stored != truth and (kept is not None or truth["total"]):
            wrong = ", ".join(f"{k} {stored[k]} (recount: {truth[k]})" for k in truth if stored[k] != truth[k])
            problems.append(f"{incident.reference}: {wrong}")
    return problems
