from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # People's roles changed by the incidents app (which cannot import this one): their
        # notifications' progress counters follow, in the same transaction.
        from incidents.people.signals import roles_changed

        from . import progress

        roles_changed.connect(progress.on_roles_changed, dispatch_uid="notification_progress_roles")
