"""Who is written to, and how: why a person gets no generated letter or email.

Checks that withhold the whole notification (nobody contacts the person) come first: a Part 3
restriction, then the DPO's decision not to tell (with its Art. 34(3) exemption, if any).
Then whether the chosen channel is usable and safe. Each check returns (code, reason) or None.

The first two read the incident's restrictions and decisions. A chunk of letters loads them
once for all its people (`WithholdFacts.load`), so a letter costs no query of its own; a single
check loads them for the one incident (two queries, as before).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from incidents.assessment.services import notification_block_among, notification_blocks_by_incident
from incidents.models import DataSubject, Decision, Restriction
from incidents.vocab import Channel

from .models import Notification

Withheld = Notification.Withheld


@dataclass
class WithholdFacts:
    """What the whole-notification checks read, for a set of incidents: their active
    restrictions and their latest decision on telling people."""

    restrictions: dict[int, list[Restriction]] = field(default_factory=dict)
    decisions: dict[int, Decision | None] = field(default_factory=dict)

    @classmethod
    def load(cls, incident_ids: Iterable[int]) -> WithholdFacts:
        """Two queries, however many incidents and people."""
        ids = sorted(set(incident_ids))
        decisions: dict[int, Decision | None] = dict.fromkeys(ids)
        latest_first = (Decision.objects.filter(incident_id__in=ids, kind=Decision.Kind.TELL)
                        .order_by("incident_id", "-decided_at", "-pk"))
        for decision in latest_first:
            if decisions[decision.incident_id] is None:
                decisions[decision.incident_id] = decision
        return cls(restrictions=notification_blocks_by_incident(ids), decisions=decisions)

    def covering(self, subject: DataSubject) -> WithholdFacts:
        """These facts if they cover the person's incident, else the incident's, loaded now."""
        if subject.incident_id in self.decisions:
            return self
        return WithholdFacts.load([subject.incident_id])


WithholdCheck = Callable[[DataSubject, WithholdFacts], "tuple[str, str] | None"]


def _restriction_check(subject: DataSubject, facts: WithholdFacts) -> tuple[str, str] | None:
    """A DPA 2018 Part 3 restriction on telling this person (incident-wide or their own)."""
    reason = notification_block_among(subject, facts.restrictions.get(subject.incident_id, []))
    return (Withheld.RESTRICTED, reason) if reason else None


def _decision_check(subject: DataSubject, facts: WithholdFacts) -> tuple[str, str] | None:
    """The DPO's latest decision on telling people, when it is “do not tell”."""
    decision = facts.decisions.get(subject.incident_id)
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


def withhold_reason(subject: DataSubject, channel: str | None = None, *,
                    facts: WithholdFacts | None = None) -> tuple[str, str] | None:
    """Why this person gets no generated letter or email: (code, reason), or None.

    Whole-notification checks (restrictions, exemptions) come first; then whether the chosen
    channel is usable and safe. Phone and in-person are never generated: they are withheld
    from generation with the reason, and staff record the contact.

    `facts`: the restrictions and decisions already loaded (a chunk's); without them, or when
    they do not cover the person's incident, they are loaded for this one check.
    """
    facts = facts.covering(subject) if facts is not None else WithholdFacts.load([subject.incident_id])
    for check in WITHHOLD_CHECKS:
        found = check(subject, facts)
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
