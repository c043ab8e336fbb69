from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from .seed import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="incidents_seed")
