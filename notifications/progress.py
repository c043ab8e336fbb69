"""Keeping `NotificationProgress` true: every change of a notification's status, channel or
withheld reason, and of its person's roles, moves it from one bucket to another here, in the
transaction that makes the change.

How a writer uses it:

    before = progress.lock(Notification.objects.filter(pk__in=ids))   # rows locked, buckets read
    ... change the rows ...
    progress.moved([(before[pk], progress.after(before[pk], status=..., channel=...)) for pk in ids])

- rows created: `moved([(None, bucket)])`; rows deleted: `moved([(bucket, None)])`;
- `moved` adds the differences with `INSERT … ON CONFLICT DO UPDATE SET n = n + delta`: no
  read-modify-write, a bucket used for the first time is created race-free, and buckets are
  written in one order so two writers never deadlock on them;
- the person's roles are read after the notification rows are locked (`lock`), and a change
  of roles (`incidents.people.signals.roles_changed`, sent by the people's services and the
  import) moves their notifications' buckets after locking the same rows, so the two orders
  of a tick and an edit both end right;
- anything else (rows written in bulk by the demo or a benchmark): `recount`.

`check` compares every incident's counters with a full recount (`manage.py recount_progress
--check`); the command without `--check` repairs them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from incidents.models import Incident
from incidents.vocab import ROLES, Channel

from .models import NOT_TOLD, Notification, NotificationProgress, told_at

Status = Notification.Status


class Bucket(NamedTuple):
    incident_id: int
    status: str
    withheld_code: str
    channel: str
    roles: int
    told_on: date | None = None  # the London day they were told (sent, else delivered); only once told


def told_day(sent_at: datetime | None, delivered_at: datetime | None) -> date | None:
    """The day a person was told, as the pages count it: sent, else delivered (London)."""
    when = sent_at or delivered_at
    return timezone.localdate(when) if when else None


def bucket(incident_id: int, status: str, withheld_code: str, channel: str, roles: int,
           told_on: date | None = None) -> Bucket:
    """The bucket of a notification; the withheld reason counts only while it is withheld (a
    withheld row later marked told keeps its old code), the day told only while told."""
    return Bucket(incident_id, status, withheld_code if status == Status.WITHHELD else "", channel, roles,
                  told_on if status in Notification.DONE else None)


def after(before: Bucket, **fields: Any) -> Bucket:
    """`before` with some of status, withheld_code and channel changed (never into a told
    status: a writer that tells someone takes the new bucket from the row, `of_row`)."""
    merged = before._asdict() | fields
    return bucket(merged["incident_id"], merged["status"], merged["withheld_code"], merged["channel"],
                  merged["roles"], merged["told_on"])


def of_row(row: Notification, roles: int) -> Bucket:
    return bucket(row.incident_id, row.status, row.withheld_code, row.channel, roles,
                  told_day(row.sent_at, row.delivered_at))


def lock(rows: QuerySet[Notification]) -> dict[int, Bucket]:
    """Lock these notification rows and return their buckets as they stand, by id (two
    queries: the rows, then their people's roles, read once the rows are held)."""
    found = list(rows.select_for_update(of=("self",)).order_by("pk")
                 .values_list("pk", "incident_id", "status", "withheld_code", "channel", "sent_at", "delivered_at"))
    if not found:
        return {}
    roles = roles_of([row[0] for row in found])
    return {pk: bucket(incident, status, code, channel, roles.get(pk, 0), told_day(sent, delivered))
            for pk, incident, status, code, channel, sent, delivered in found}


def roles_of(notification_ids: list[int]) -> dict[int, int]:
    """The people's roles of these notifications, by notification id (one query)."""
    return dict(Notification.objects.filter(pk__in=notification_ids).values_list("pk", "subject__roles"))


def moved(transitions: Iterable[tuple[Bucket | None, Bucket | None]]) -> None:
    """Count each transition (old bucket → new bucket; None for a row created or deleted).
    Call it inside the transaction that changed the rows."""
    deltas: Counter[Bucket] = Counter()
    for old, new in transitions:
        if old == new:
            continue
        if old is not None:
            deltas[old] -= 1
        if new is not None:
            deltas[new] += 1
    add(deltas)


def add(deltas: Counter[Bucket]) -> None:
    """Add `deltas` to the counters: one statement per 500 buckets, in a fixed order."""
    changes = sorted(((_stored_key(key), n) for key, n in deltas.items() if n))
    table = NotificationProgress._meta.db_table
    for start in range(0, len(changes), 500):
        chunk = changes[start:start + 500]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        params: list[Any] = [v for key, n in chunk for v in (*key, n)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (incident_id, status, withheld_code, channel, roles, told_on, n) "
                f"VALUES {values} ON CONFLICT (incident_id, status, withheld_code, channel, roles, told_on) "
                f"DO UPDATE SET n = {table}.n + EXCLUDED.n", params)


def _stored_key(key: Bucket) -> tuple[Any, ...]:
    """A bucket as its row stores it: "not told" is a fixed early date, not NULL (a unique key
    with NULL in it would never conflict, and the counter would be inserted twice)."""
    return (*key[:5], key.told_on or NOT_TOLD)


def _read_day(value: date) -> date | None:
    return None if value == NOT_TOLD else value


def on_roles_changed(sender: Any, *, incident: Incident, changes: list[tuple[int, int, int]], **kwargs: Any) -> None:
    """People's roles changed (subject id, roles before, roles after), in the caller's
    transaction: their notifications move to the buckets of their new roles."""
    new_roles = {subject_id: new for subject_id, old, new in changes if old != new}
    if not new_roles:
        return
    # The incident first (as batch_start does), then the notification rows: a batch creating
    # rows for these people, or a tick, sees the roles before or after, never half of each.
    Incident.objects.select_for_update().filter(pk=incident.pk).exists()
    rows = list(Notification.objects.select_for_update(of=("self",)).filter(subject_id__in=list(new_roles))
                .order_by("pk").values_list("incident_id", "status", "withheld_code", "channel", "subject_id",
                                            "sent_at", "delivered_at"))
    old_roles = {subject_id: old for subject_id, old, new in changes}
    moved((bucket(i, s, c, ch, old_roles[subject], told_day(sent, delivered)),
           bucket(i, s, c, ch, new_roles[subject], told_day(sent, delivered)))
          for i, s, c, ch, subject, sent, delivered in rows)


# --- reading ------------------------------------------------------------------------------

def stored(incident_ids: list[int]) -> dict[int, Counter[Bucket]]:
    """The counters of these incidents as stored (one query), without empty buckets."""
    result: dict[int, Counter[Bucket]] = defaultdict(Counter)
    rows = (NotificationProgress.objects.filter(incident_id__in=incident_ids).exclude(n=0)
            .values_list("incident_id", "status", "withheld_code", "channel", "roles", "told_on", "n"))
    for incident_id, status, code, channel, roles, told_on, n in rows:
        result[incident_id][Bucket(incident_id, status, code, channel, roles, _read_day(told_on))] = n
    return result


def counted(incident_ids: list[int] | None = None) -> dict[int, Counter[Bucket]]:
    """The counters as a full recount finds them (one GROUP BY over the notifications)."""
    rows = Notification.objects.order_by()
    if incident_ids is not None:
        rows = rows.filter(incident_id__in=incident_ids)
    result: dict[int, Counter[Bucket]] = defaultdict(Counter)
    day = TruncDate(told_at(), tzinfo=timezone.get_current_timezone())
    for row in (rows.annotate(day=day).values("incident_id", "status", "withheld_code", "channel", "subject__roles",
                                             "day").annotate(n=Count("id"))):
        key = bucket(row["incident_id"], row["status"], row["withheld_code"], row["channel"], row["subject__roles"],
                     row["day"])
        result[row["incident_id"]][key] += row["n"]
    return result


def told_by_day(buckets: Counter[Bucket]) -> list[tuple[date, int]]:
    """People told by day (sent, else delivered; London days), oldest first, from the counters."""
    days: Counter[date] = Counter()
    for key, n in buckets.items():
        if key.told_on is not None and n:
            days[key.told_on] += n
    return sorted(days.items())


def summary(buckets: Counter[Bucket]) -> dict[str, int]:
    """One incident's counters in the shape of `NotificationQuerySet.progress()`, plus
    `outstanding` (not yet told, withheld for want of a channel included) and `done`."""
    row: dict[str, int] = {"total": 0, "outstanding": 0, "done": 0}
    for status in Status:
        row[f"status_{status.value}"] = 0
    for code, _label in Channel.CHOICES:
        row[f"channel_{code}"] = row[f"channel_{code}_done"] = 0
    for role in ROLES.values():
        row[f"role_{role.code}"] = row[f"role_{role.code}_done"] = 0
    for key, n in buckets.items():
        done = n if key.status in Notification.DONE else 0
        row["total"] += n
        row["done"] += done
        row[f"status_{key.status}"] = row.get(f"status_{key.status}", 0) + n
        row[f"channel_{key.channel}"] = row.get(f"channel_{key.channel}", 0) + n
        row[f"channel_{key.channel}_done"] = row.get(f"channel_{key.channel}_done", 0) + done
        if key.status in Notification.OUTSTANDING or (
                key.status == Status.WITHHELD and key.withheld_code in Notification.NEEDS_ANOTHER_CHANNEL):
            row["outstanding"] += n
        for role in ROLES.values():
            if key.roles & (1 << role.bit):
                row[f"role_{role.code}"] += n
                row[f"role_{role.code}_done"] += done
    return row


def summaries(incident_ids: list[int]) -> dict[int, dict[str, int]]:
    """`summary` of each incident (one query for all of them)."""
    kept = stored(incident_ids)
    return {pk: summary(kept.get(pk, Counter())) for pk in incident_ids}


def withheld_by_code(buckets: Counter[Bucket]) -> dict[str, int]:
    """Withheld notifications by reason code ("" for none recorded)."""
    result: Counter[str] = Counter()
    for key, n in buckets.items():
        if key.status == Status.WITHHELD:
            result[key.withheld_code] += n
    return dict(result)


# --- repair -------------------------------------------------------------------------------

@transaction.atomic
def recount(incident: Incident) -> None:
    """Count the incident's notifications again (one GROUP BY) and store the result."""
    Incident.objects.select_for_update().filter(pk=incident.pk).exists()  # one writer of its counters
    NotificationProgress.objects.filter(incident=incident).delete()
    fresh = counted([incident.pk]).get(incident.pk, Counter())
    NotificationProgress.objects.bulk_create([NotificationProgress(
        incident_id=key.incident_id, status=key.status, withheld_code=key.withheld_code, channel=key.channel,
        roles=key.roles, told_on=key.told_on or NOT_TOLD, n=n)
        for key, n in sorted(fresh.items(), key=lambda item: _stored_key(item[0]))], batch_size=500)


def check(*, repair: bool) -> list[str]:
    """Every incident's counters against a full recount: what differed, bucket by bucket (and,
    with `repair`, was put right)."""
    problems = []
    for incident in Incident.objects.order_by("pk"):
        with transaction.atomic():
            Incident.objects.select_for_update().filter(pk=incident.pk).exists()
            kept = stored([incident.pk]).get(incident.pk, Counter())
            truth = counted([incident.pk]).get(incident.pk, Counter())
            wrong = [f"{_label(key)} {kept.get(key, 0)} (recount: {truth.get(key, 0)})"
                     for key in sorted(set(kept) | set(truth), key=_stored_key) if kept.get(key, 0) != truth.get(key, 0)]
            if wrong:
                problems.append(f"{incident.reference}: " + "; ".join(wrong))
                if repair:
                    recount(incident)
    return problems


def _label(key: Bucket) -> str:
    roles = "+".join(r.code for r in ROLES.values() if key.roles & (1 << r.bit)) or "no role"
    reason = f" ({key.withheld_code})" if key.withheld_code else ""
    day = f" on {key.told_on:%d %b %Y}" if key.told_on else ""
    return f"{key.status}{reason}{day}/{key.channel}/{roles}"
