"""Seed the ICO data categories and the three role groups."""

from __future__ import annotations

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from incidents.vocab import DATA_CATEGORY_SEEDS

    DataCategory = apps.get_model("incidents", "DataCategory")
    for seed in DATA_CATEGORY_SEEDS:
        DataCategory.objects.update_or_create(
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
    Group = apps.get_model("auth", "Group")
    for name in ("DPO", "Case handler", "Auditor"):
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
