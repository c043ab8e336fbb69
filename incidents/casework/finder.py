"""Finding the person someone is: by their exact name, their reference in the source system,
or the reference printed on their letter (e.g. FO-2026-0001-L42). Names are encrypted, so a
name matches exactly (case and spacing aside) through its blind index, never by part."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from ..models import DataSubject, Incident

# The reference printed on every letter: the incident's reference, "-L", the letter's number.
LETTER_REFERENCE_RE = re.compile(r"^(?P<incident>[A-Z]{2}-\d{4}-\d{4,})-L(?P<pk>\d{1,12})$", re.IGNORECASE)
MAX_FINDER_TEXT = 300


def find_person(incident: Incident, text: str) -> DataSubject:
    """The one person of `incident` that `text` names; ValidationError says why not (nobody,
    another incident's letter, or more than one person with that name)."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError("Give their name, their reference or the reference on their letter.")
    if len(text) > MAX_FINDER_TEXT:
        raise ValidationError(f"That is longer than a name or reference ({MAX_FINDER_TEXT} characters at most).")
    letter = LETTER_REFERENCE_RE.match(text)
    if letter is not None:
        if letter["incident"].upper() != incident.reference:
            raise ValidationError(f"That letter reference is for another incident ({letter['incident'].upper()}), "
                                  f"not {incident.reference}.")
        found = list(DataSubject.objects.filter(incident=incident, notification__pk=int(letter["pk"]))[:1])
        if not found:
            raise ValidationError(f"No letter of {incident.reference} has the reference {text.upper()}.")
        return found[0]
    found = list(DataSubject.objects.filter(incident=incident).search(text)[:2])
    if not found:
        raise ValidationError("Nobody on this incident's list has that name or reference. Names must match "
                              "exactly: check the spelling, or use the reference on their letter.")
    if len(found) > 1:
        raise ValidationError("More than one person on this incident's list matches that. Use their reference "
                              "or the reference on their letter instead.")
    return found[0]
