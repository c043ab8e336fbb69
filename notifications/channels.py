"""How a person is told: the DPO may choose letter or email for one person (for example email
when there is no safe postal address, or a letter when the email address bounced)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from breachtracker.records import attribute_to
from incidents.roles import DECIDE, can
from incidents.vocab import Channel

from . import progress
from .models import Notification
from .services import NotAllowed, _locked
from .withholding import withhold_reason

Status = Notification.Status
GENERATED_CHANNELS = (Channel.LETTER, Channel.EMAIL)


@transaction.atomic
def notification_set_channel(*, notification: Notification, actor: Any, channel: str,
                             expected_version: int) -> Notification:
    """The DPO's choice of channel for one person: the row goes back to pending, out of its
    batch, so the next “Generate” makes their letter or email (once)."""
    if not can(actor, DECIDE):
        raise PermissionError("Only the DPO chooses how a person is told.")
    if channel not in GENERATED_CHANNELS:
        raise NotAllowed("Choose a letter or an email; record a phone call or visit with the contact form.")
    row = _locked(notification.pk, expected_version)
    label = dict(Channel.CHOICES)[channel].lower()
    waiting = row.status in (Status.PENDING, Status.FAILED) or (
        row.status == Status.WITHHELD and row.withheld_code in Notification.NEEDS_ANOTHER_CHANNEL)
    if not waiting:
        raise NotAllowed(f"This person's notification is {row.get_status_display().lower()}: "
                         "the channel can change only before they are told.")
    problem = withhold_reason(row.subject, channel)
    if problem:
        raise NotAllowed(f"They cannot be told by {label}: {problem[1]}")
    before = progress.of_row(row, progress.roles_of([row.pk])[row.pk])
    row.channel, row.status, row.batch = channel, Status.PENDING, None
    row.withheld_code = row.withheld_reason = row.last_error = ""
    progress.moved([(before, progress.of_row(row, before.roles))])
    row.version += 1
    attribute_to(row, actor, f"The DPO chose to tell them by {label}")
    row.save()
    return row
