"""The Celery app: Redis when REDIS_URL is set, otherwise the embedded filesystem broker."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachtracker.settings")

app = Celery("breachtracker")
app.config_from_object("django.conf:settings", namespace="CELERY")

# The filesystem transport expects its folders to exist.
for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
    folder = (app.conf.broker_transport_options or {}).get(key)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)

app.autodiscover_tasks()


@app.task(name="breachtracker.healthcheck")
def healthcheck() -> dict[str, object]:
    """Report which database this worker sees: used by deployment checks and the worker tests."""
    from django.apps import apps
    from django.db import connection

    # By label, not by import: this shared module sits below the apps (see .importlinter).
    incidents = apps.get_model("incidents", "Incident").objects.count()
    return {"vendor": connection.vendor, "database": connection.settings_dict["NAME"], "incidents": incidents}
