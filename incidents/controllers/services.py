"""Writes to the organisations named on an incident (issue 19). DPO only; each write is
audited (who, when, why) through simple-history.

A processor's notice sets when we became aware: the earliest time a processor told us is the
incident's `aware_at`, saved with the reason in the incident's history, while the incident has
no initial report (after it, the DPO corrects the clock with a reason instead).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from breachtracker.records import apply_fields, attribute_to

from ..register.models import Incident
from ..roles import DECIDE, ensure
from .models import IncidentParty

# Which kinds an incident may name, by our role in it.
KINDS_FOR_ROLE = {
    Incident.DataRole.PROCESSOR: (IncidentParty.Kind.CONTROLLER, IncidentParty.Kind.PARTNER),
    Incident.DataRole.CONTROLLER: (IncidentParty.Kind.PROCESSOR, IncidentParty.Kind.PARTNER),
}


ONLY_THE_DPO = "Only the DPO records the other organisations in an incident."


def allowed_kinds(incident: Incident) -> tuple[str, ...]:
    return tuple(KINDS_FOR_ROLE.get(incident.data_role, ()))  # type: ignore[call-overload]


def _check(actor: Any, incident: Incident, kind: str) -> None:
    ensure(actor, DECIDE, ONLY_THE_DPO)
    if kind not in allowed_kinds(incident):
        if not incident.data_role:
            raise ValidationError("First say whether you act as controller or processor (edit the incident's facts).")
        raise ValidationError(
            f"An incident where you act as {incident.get_data_role_display().split(':')[0].lower()} cannot name a "
            f"{IncidentParty.Kind(kind).label.lower()}.")


def _awareness_from_processors(incident: Incident, actor: Any, party: IncidentParty) -> None:
    """Make the earliest processor's notice the time we became aware, with the reason in the
    incident's history. Refused (ValidationError) once the initial report is recorded."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    times = [t for t in IncidentParty.objects.filter(incident=locked, kind=IncidentParty.Kind.PROCESSOR)
             .values_list("notified_us_at", flat=True) if t is not None]
    if not times:
        return
    aware_at = min(times)
    if aware_at == locked.aware_at:
        return
    if locked.has_initial_report:
        raise ValidationError({"notified_us_at": (
            "The initial report to the regulator is recorded, so when you became aware is not changed here: "
            "a DPO corrects it with “Correct the clock” and a reason.")})
    if aware_at < locked.discovered_at:
        raise ValidationError({"notified_us_at": (
            "The processor told you before the time recorded as “discovered at”. You discovered the breach when "
            "they told you: correct “discovered at” in the incident's facts first.")})
    locked.aware_at = aware_at
    locked.full_clean(exclude=[f.name for f in Incident._meta.fields if f.name != "aware_at"])
    attribute_to(locked, actor, f"Became aware when the processor {party.name} told us (Art. 33(2)): "
                                "the regulator's clock starts then.")
    locked.save(update_fields=["aware_at", "updated_at"])
    incident.aware_at = locked.aware_at


@transaction.atomic
def party_create(*, incident: Incident, actor: Any, kind: str, fields: dict[str, Any]) -> IncidentParty:
    """Name a controller, a processor or a partner controller on the incident."""
    _check(actor, incident, kind)
    party = IncidentParty(incident=incident, kind=kind, created_by=actor)
    apply_fields(party, fields)
    party.full_clean(exclude=["incident", "created_by"])
    attribute_to(party, actor)
    party.save()
    if kind == IncidentParty.Kind.PROCESSOR:
        _awareness_from_processors(incident, actor, party)
    _forget(incident)
    return party


@transaction.atomic
def party_update(*, party: IncidentParty, actor: Any, fields: dict[str, Any]) -> IncidentParty:
    _check(actor, party.incident, party.kind)
    apply_fields(party, fields)
    party.full_clean(exclude=["incident", "created_by"])
    attribute_to(party, actor)
    party.save()
    if party.kind == IncidentParty.Kind.PROCESSOR:
        _awareness_from_processors(party.incident, actor, party)
    _forget(party.incident)
    return party


@transaction.atomic
def party_delete(*, party: IncidentParty, actor: Any, reason: str) -> None:
    """Remove an organisation named in error; the history keeps it, with the reason."""
    ensure(actor, DECIDE, ONLY_THE_DPO)
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is removed."})
    attribute_to(party, actor, f"Removed: {reason.strip()}")
    party.delete()
    _forget(party.incident)


def _forget(incident: Incident) -> None:
    incident.__dict__.pop("_on_behalf_of", None)


def writing_as(incident: Incident, organisation_name: str, *, partners: list[str] | None = None) -> str:
    """Who is writing the report and letters: our name, and "on behalf of" each partner the
    agreement says we write for (one query, unless their names are given)."""
    names = partners if partners is not None else on_behalf_of(incident)
    organisation_name = organisation_name.strip() or "Our organisation (name not yet given)"
    if not names:
        return organisation_name
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{organisation_name}, also on behalf of {joined}"


def on_behalf_of(incident: Incident) -> list[str]:
    """The partner controllers our report and letters also speak for (one query, kept on the
    incident object, so a letter batch sharing it asks once)."""
    kept = getattr(incident, "_on_behalf_of", None)
    if kept is None:
        kept = list(incident.parties.filter(  # type: ignore[attr-defined]
            kind=IncidentParty.Kind.PARTNER, on_behalf=True).values_list("name", flat=True)) if incident.pk else []
        incident._on_behalf_of = kept  # type: ignore[attr-defined]
    return list(kept)
