"""Who is written to, and how: why a person gets no generated letter or email.

Checks that withhold the whole notification (nobody contacts the person) come first: a Part 3
restriction, then the DPO's decision not to tell (with its Art. 34(3) exemption, if any).
Then whether the chosen channel is usable and safe. Each check returns (code, reason) or None.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from incidents.assessment.services import subject_notification_block
from incidents.models import DataSubject, Decision
from incidents.vocab import Channel

from .models import Notification

Withheld = Notification.Withheld


WithholdCheck = Callable[[DataSubject], "tuple[str, str] | None"]


def _restriction_check(subject: DataSubject) -> tuple[str, str] | None:
    """A DPA 2018 Part 3 restriction on telling this person (incident-wide or their own)."""
    reason = subject_notification_block(subject)
    return (Withheld.RESTRICTED, reason) if reason else None


def _decision_check(subject: DataSubject) -> tuple[str, str] | None:
    """The DPO's latest decision on telling people, when it is “do not tell”."""
    decision = (Decision.objects.filter(incident_id=subject.incident_id, kind=Decision.Kind.TELL)
                .order_by("-decided_at", "-pk").first())
    if decision is None or decision.outcome:
        return None
    when = timezone.localtime(decision.decided_at).strftime("%d %b %Y")
    if decision.exemption:
        return Withheld.EXEMPT, f"Exempt: {decision.get_exemption_display()} (DPO's decision of {when})."
    return Withheld.NOT_REQUIRED, f"The DPO decided on {when} that people need not be told."


WITHHOLD_CHECKS: list[WithholdCheck] = [_restriction_check, _decision_check]


def _channel_check(subject: DataSubject, channel: str) -> tuple[str, str] | None:
    """Why `channel` cannot be used for this person, or None when it can."""
    if channel == Channel.LETTER:
        if subject.do_not_write:
            return Withheld.DO_NOT_WRITE, "Marked “do not write to this address”: contact by a safe channel."
        if subject.has_representative and not subject.is_child_today:
            if not subject.representative_lines:
                return Withheld.NO_ADDRESS, "No postal address for the person's representative."
        elif not (subject.address_line_1.strip() and subject.postcode.strip()):
            return Withheld.NO_ADDRESS, "No usable postal address (needs a first line and a postcode)."
    elif channel == Channel.EMAIL:
        if not subject.email.strip():
            return Withheld.NO_EMAIL, "Preferred channel is email but no email address is recorded."
    return None


def withhold_reason(subject: DataSubject, channel: str | None = None) -> tuple[str, str] | None:
    """Why this person gets no generated letter or email: (code, reason), or None.

    Whole-notification checks (restrictions, exemptions) come first; then whether the chosen
    channel is usable and safe. Phone and in-person are never generated: they are withheld
    from generation with the reason, and staff record the contact.
    """
    for check in WITHHOLD_CHECKS:
        found = check(subject)
        if found:
            return found
    channel = channel or subject.preferred_channel
    problem = _channel_check(subject, channel)
    if problem:
        return problem
    if channel in (Channel.PHONE, Channel.IN_PERSON):
        if channel == Channel.PHONE and not subject.phone.strip():
            return Withheld.NO_SAFE_CHANNEL, "Preferred channel is phone but no number is recorded: visit in person."
        return Withheld.PERSONAL_CONTACT, "Preferred channel is a phone call or visit: record the contact."
    return None


# Withheld from a letter for these reasons, a person with an email address is emailed instead.
EMAIL_FALLBACK = (Withheld.NO_ADDRESS, Withheld.DO_NOT_WRITE)


def safe_alternative(subject: DataSubject) -> str:
    if subject.phone.strip():
        return Channel.PHONE
    return Channel.IN_PERSON
