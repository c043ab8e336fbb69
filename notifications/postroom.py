"""The post room: a whole print pack marked posted in one action, and returned mail recorded
from a pasted (or scanned) list of letter references.

Each person's row gets its own history row (simple_history's bulk history) and the incident one
event summarising the action. Bad input changes nothing: the whole list is refused with the
references at fault.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from breachtracker.records import attribute_to
from breachtracker.words import plural
from incidents.casework.finder import LETTER_REFERENCE_RE
from incidents.models import Incident
from incidents.register.services import incident_event_record

from . import progress
from .models import Notification, PrintPack

Status = Notification.Status
MAX_REFERENCES = 20_000
SPLIT_RE = re.compile(r"[\s,;]+")


class PostRoomRefused(ValueError):
    pass


BLOCK = 2000


@transaction.atomic
def print_pack_mark_posted(*, pack: PrintPack, actor: Any) -> dict[str, int]:
    """Mark every letter of the pack still waiting to be posted as sent, in one action.

    A block of letters at a time (in id order), so a pack of any size is ticked in bounded
    memory; all in one transaction, so the pack is posted whole or not at all."""
    pack = PrintPack.objects.select_for_update().select_related("batch__incident").get(pk=pack.pk)
    if pack.status != PrintPack.Status.READY:
        raise PostRoomRefused("Only a pack that is ready can be marked as posted.")
    if pack.posted_at:
        raise PostRoomRefused(f"Print pack {pack.pk} was already marked as posted.")
    now = timezone.now()
    waiting = Notification.objects.select_for_update(of=("self",)).filter(pack_entries__pack=pack,
                                                                           status=Status.GENERATED)
    ticked = {"previous_status": Status.GENERATED, "status": Status.SENT, "sent_at": now, "updated_at": now}
    sent = last = 0
    while rows := list(waiting.filter(pk__gt=last).order_by("pk")[:BLOCK]):
        last = rows[-1].pk
        roles = progress.roles_of([row.pk for row in rows])
        before = [progress.of_row(row, roles[row.pk]) for row in rows]
        for row in rows:
            for field, value in ticked.items():
                setattr(row, field, value)
            row.version += 1
        progress.moved(zip(before, (progress.of_row(row, roles[row.pk]) for row in rows), strict=True))
        # Every row of the block changes the same way (all were generated, all are locked), so
        # one UPDATE does what bulk_update's per-row CASE would; their history rows as usual.
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(**ticked, version=F("version") + 1)
        Notification.history.bulk_history_create(rows, batch_size=500, update=True, default_user=actor,
                                                 default_change_reason=f"Posted in print pack {pack.pk}")
        sent += len(rows)
    pack.posted_at, pack.posted_by = now, actor
    attribute_to(pack, actor, "Marked as posted")
    pack.save()
    left = pack.entries.count() - sent
    detail = f"Print pack {pack.pk}: {plural(sent, 'letter', 'letters')} marked sent"
    if left:
        detail += f"; {plural(left, 'letter', 'letters')} left as they were (already ticked or withheld since)"
    incident_event_record(incident=pack.batch.incident, actor=actor, kind="pack_posted", detail=detail + ".")
    return {"sent": sent, "left": left}


def parse_references(incident: Incident, text: str) -> list[int]:
    """Notification ids from a pasted list of letter references; PostRoomRefused names the bad ones."""
    tokens = list(dict.fromkeys(t for t in SPLIT_RE.split(text or "") if t))
    if not tokens:
        raise PostRoomRefused("Paste at least one letter reference, like "
                              f"{incident.reference}-L123 (one per line, or separated by spaces or commas).")
    if len(tokens) > MAX_REFERENCES:
        raise PostRoomRefused(f"At most {MAX_REFERENCES:,} references at a time.")
    ids, bad = [], []
    for token in tokens:
        match = LETTER_REFERENCE_RE.match(token)
        if match is None or match["incident"].upper() != incident.reference:
            bad.append(token)
        else:
            ids.append(int(match["pk"]))
    if bad:
        raise PostRoomRefused(f"Not a letter reference of {incident.reference}: {_sample(bad)}. Nothing was recorded.")
    return ids


def _sample(items: list[str]) -> str:
    shown = ", ".join(repr(i)[1:-1][:40] for i in items[:10])
    return shown + (f" and {len(items) - 10:,} more" if len(items) > 10 else "")


@transaction.atomic
def letters_mark_returned(*, incident: Incident, actor: Any, text: str) -> int:
    """Record returned mail for every pasted reference, or nothing if any is wrong."""
    ids = parse_references(incident, text)
    found = {row.pk: row for row in Notification.objects.select_for_update().filter(incident=incident, pk__in=ids)}
    missing = [f"{incident.reference}-L{pk}" for pk in ids if pk not in found]
    if missing:
        raise PostRoomRefused(f"No letter with the reference {_sample(missing)}. Nothing was recorded.")
    wrong = [row.letter_reference for row in found.values() if row.status not in (Status.SENT, Status.DELIVERED)]
    if wrong:
        raise PostRoomRefused(f"Not posted, so it cannot come back: {_sample(wrong)}. Nothing was recorded.")
    now = timezone.now()
    rows = list(found.values())
    roles = progress.roles_of([row.pk for row in rows])
    progress.moved((old, progress.after(old, status=Status.RETURNED))
                   for old in (progress.of_row(row, roles[row.pk]) for row in rows))
    for row in rows:
        row.previous_status, row.status = row.status, Status.RETURNED
        row.version += 1
        row.updated_at = now
    bulk_update_with_history(rows, Notification, ["previous_status", "status", "version", "updated_at"],
                             batch_size=500, default_user=actor, default_change_reason="Returned by post")
    incident_event_record(incident=incident, actor=actor, kind="returned",
                          detail=f"{plural(len(rows), 'letter', 'letters')} returned by post.")
    return len(rows)
