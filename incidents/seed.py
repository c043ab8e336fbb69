"""Reference data every installation has: the ICO data categories and the three role groups.

Applied by migration 0002 and again after every `migrate` or `flush` (post_migrate), so a
database emptied by a flush — as transactional tests do — still has them.
"""

from __future__ import annotations

from typing import Any

from .vocab import DATA_CATEGORY_SEEDS

ROLE_GROUPS = ("DPO", "Case handler", "Auditor")


def seed_reference_data(data_category_model: Any, group_model: Any) -> None:
    for seed in DATA_CATEGORY_SEEDS:
        data_category_model.objects.update_or_create(
            code=seed.code,
            defaults={
                "name": seed.name,
                "bit": seed.bit,
                "dpc_level": seed.dpc_level,
                "is_special": seed.is_special,
                "is_criminal": seed.is_criminal,
                "needs_detail": seed.needs_detail,
            },
        )
    for name in ROLE_GROUPS:
        group_model.objects.get_or_create(name=name)


def on_post_migrate(sender: Any, apps: Any = None, **kwargs: Any) -> None:
    if apps is None:  # `flush` sends the signal without the migration state's apps
        from django.apps import apps
    try:
        data_category_model = apps.get_model("incidents", "DataCategory")
        group_model = apps.get_model("auth", "Group")
    except LookupError:  # before our migrations have run
        return
    seed_reference_data(data_category_model, group_model)
