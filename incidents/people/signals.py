"""What the people's writes tell the apps above this one, which it cannot import
(`.importlinter`): sent explicitly by the writes below, inside their transaction.

`roles_changed(sender=DataSubject, incident=…, changes=[(subject id, roles before, roles
after), …])`: sent by `services.subject_update` and by the import's merges when people's
roles change. The notifications' progress counters, kept by the people's roles, listen
(`notifications.progress.on_roles_changed`, connected in `NotificationsConfig.ready`).
"""

from __future__ import annotations

from django.dispatch import Signal

roles_changed = Signal()
