"""Reminders through a real Celery worker: two sweeps at once still send each reminder once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents import roles
from incidents.models import ReminderSent
from incidents.tasks import send_reminders
from tests.base import make_incident, make_user
from tests.worker import celery_worker, needs_services


def _messages(folder: Path) -> int:
    """The filebased backend may append several messages to one file: count their headers."""
    return sum(
        1 for path in folder.glob("*.log") for line in path.read_text().splitlines() if line.startswith("Subject: ")
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_through_a_real_worker_send_the_reminder_once(tmp_path: Path) -> None:
    needs_services()
    group, _ = Group.objects.get_or_create(name=roles.DPO)
    dpo = make_user("dpo-worker", email="dpo@example.org")
    dpo.groups.add(group)
    handler = make_user("handler-worker", email="handler@example.org")
    now = timezone.now()
    make_incident(actor=dpo, handler=handler, discovered_at=now - timedelta(hours=26), aware_at=now - timedelta(hours=25))
    env = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(tmp_path)}
    with celery_worker(concurrency=2, extra_env=env):
        first, second = send_reminders.delay(), send_reminders.delay()
        sent = first.get(timeout=90) + second.get(timeout=90)
        # A third sweep once both are done: nothing left to send.
        third = send_reminders.delay().get(timeout=60)
    assert sent == 1
    assert third == 0
    assert _messages(tmp_path) == 1
    claim = ReminderSent.objects.get()
    assert claim.kind == "h24"
    assert claim.sent_at is not None
