"""Issue 17: beat runs the sweeps that finish dead workers' work, at intervals set from the
environment, so "the stale period plus one sweep" is a bounded time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase

from tests.worker import ROOT

SWEEPS = {"notifications-resume-batches": "notifications.tasks.resume_batches",
          "incidents.subject_import_sweep": "incidents.subject_import_sweep"}


def _schedule(**env: str) -> dict[str, dict[str, object]]:
    code = ("import django, json; django.setup(); from django.conf import settings; "
            "from breachtracker.celery import app; app.loader.import_default_modules(); "
            "print(json.dumps({k: [v['task'], v['schedule'], v['task'] in app.tasks] "
            "for k, v in settings.CELERY_BEAT_SCHEDULE.items()}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "breachtracker.settings", **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


class SweepScheduleTests(SimpleTestCase):
    def test_beat_runs_both_sweeps_every_five_minutes_by_default(self) -> None:
        for name, task in SWEEPS.items():
            self.assertEqual(settings.CELERY_BEAT_SCHEDULE[name], {"task": task, "schedule": 300.0})

    def test_the_intervals_come_from_the_environment_and_name_registered_tasks(self) -> None:
        schedule = _schedule(NOTIFICATIONS_SWEEP_SECONDS="7", BREACHTRACKER_IMPORT_SWEEP_SECONDS="11")
        self.assertEqual(schedule["notifications-resume-batches"], ["notifications.tasks.resume_batches", 7.0, True])
        self.assertEqual(schedule["incidents.subject_import_sweep"], ["incidents.subject_import_sweep", 11.0, True])
        self.assertTrue(all(registered for _task, _every, registered in schedule.values()), schedule)
