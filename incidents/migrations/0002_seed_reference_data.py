"""Seed the ICO data categories and the three role groups."""

from __future__ import annotations

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from incidents.seed import seed_reference_data

    seed_reference_data(apps.get_model("incidents", "DataCategory"), apps.get_model("auth", "Group"))


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
