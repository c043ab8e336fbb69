"""Builders for notification tests: a private media folder, generated letters, organisation."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from typing import Any

from django.test import override_settings

from incidents.models import DataCategory, DataSubject, Incident, Organisation
from incidents.register import services as incident_services
from incidents.assessment import services as assessment_services
from notifications.cache import LetterCache
from notifications import approvals, delivery, generation, readiness, services
from notifications.models import Batch, Notification, PrintPack


def _temp_media() -> str:
    path = tempfile.mkdtemp(prefix="bt-media-")
    atexit.register(shutil.rmtree, path, True)
    return path


def isolated_media(cls: Any) -> Any:
    """Give a test class its own MEDIA_ROOT, removed when the run ends."""
    return override_settings(MEDIA_ROOT=_temp_media())(cls)


def make_organisation(**fields: Any) -> Organisation:
    values = {"controller_name": "Northshire Police", "registered_address": "Police HQ\n1 High Street\nNorthtown NN1 1AA",
              "dpo_name": "Dana Okafor", "dpo_email": "dpo@northshire.example", "dpo_phone": "01234 567890"}
    values.update(fields)
    return Organisation.objects.create(**values)


def a_dpo(actor: Any = None) -> Any:
    """`actor` if they are a DPO, else a DPO made for the purpose."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from incidents.roles import DECIDE, DPO, can

    if actor is not None and can(actor, DECIDE):
        return actor
    user, created = get_user_model().objects.get_or_create(username="ready-dpo")
    if created:
        user.groups.add(Group.objects.get(name=DPO))
    return user


def record_decision_to_tell(incident: Incident, actor: Any = None) -> Any:
    return assessment_services.decision_record(
        incident=incident, actor=a_dpo(actor), kind="tell",
        fields={"outcome": True, "justification": "High risk to the people: they must be told."})


PLAN_WORDING = {
    "public_description": "A list with your name and address was sent to the wrong person by email.",
    "consequences": "Someone you do not know may have your name and address.",
    "measures": "We asked the person to delete the email. They told us they have done so.",
    "advice": "Be careful if someone you do not know gets in touch about this.",
    "support": "Victim Support can help. Call them free on 0808 16 89 111.",
}


def fill_plan(incident: Incident, actor: Any = None, **fields: Any) -> Any:
    return services.plan_update(incident=incident, actor=a_dpo(actor), fields={**PLAN_WORDING, **fields})


def make_ready(incident: Incident, actor: Any = None, *, approve: bool = True) -> None:
    """Everything a batch needs before it may start: a recorded decision to tell people, the
    plan's public wording, the exposed categories, the organisation's DPO details, and the
    DPO's approval of the letters (once there are people to write to)."""
    if readiness.decision_problem(incident) is not None:
        record_decision_to_tell(incident, actor)
    if readiness.plan_problems(incident):
        fill_plan(incident, actor)
    if not incident.exposed_categories.exists():
        incident_services.incident_set_categories(incident=incident, actor=a_dpo(actor), exposed={
            DataCategory.objects.get(code="basic_identifiers"): {"approx_records": None, "detail": ""}})
    if not Organisation.objects.exists():
        make_organisation()
    if approve and incident.subjects.exists() and approvals.approval_problem(incident) is not None:
        approvals.approval_record(incident=incident, actor=a_dpo(actor))


def start_batch(incident: Incident, actor: Any = None) -> Batch:
    make_ready(incident, actor)
    return services.batch_start(incident=incident, actor=actor)


def generate_all(batch: Batch) -> None:
    cache = LetterCache()
    for pk in generation.batch_work(batch):
        generation.notification_generate(notification_id=pk, cache=cache)


def make_generated_letter(incident: Incident, subject: DataSubject, actor: Any = None
                          ) -> tuple[Notification, Batch, PrintPack]:
    batch = start_batch(incident, actor)
    generate_all(batch)
    pack = PrintPack.objects.create(batch=batch, created_by=actor)
    delivery.print_pack_build(pack_id=pack.pk)
    return Notification.objects.get(subject=subject), batch, PrintPack.objects.get(pk=pack.pk)


def ensure_letter_templates() -> None:
    """Transactional tests flush the database, seeded templates included: put them back."""
    import importlib

    from notifications.models import LetterTemplate

    seed = importlib.import_module("notifications.migrations.0002_seed_letter_templates")
    for audience, middle in seed.AUDIENCE_MIDDLE.items():
        LetterTemplate.objects.get_or_create(
            audience=audience, version=1,
            defaults={"email_subject": seed.SUBJECT, "body": seed.COMMON_TOP + middle + seed.COMMON_BOTTOM})
    importlib.import_module("notifications.migrations.0009_plain_letter_templates").add_versions(LetterTemplate)
