"""Through real Celery workers and Redis: a killed worker and a restarted Redis lose nobody
and duplicate nobody."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from breachtracker import files
from notifications import services
from notifications.models import Notification
from tests.base import make_incident, make_subject
from tests.notifications.helpers import ensure_letter_templates, make_organisation, make_ready
from tests.worker import ROOT, celery_worker, claims_stale, needs_services, wait_for

Status = Notification.Status
PEOPLE = 30


def _setup(media: Path) -> tuple[object, dict[str, str]]:
    ensure_letter_templates()
    make_organisation()
    incident = make_incident(title="Worker fault test")
    for i in range(PEOPLE):
        make_subject(incident, full_name=f"Person {i:03d}", postcode=f"M{i % 9 + 1} 1AE")
    make_ready(incident)
    env = {"DJANGO_MEDIA_ROOT": str(media), "NOTIFICATIONS_CHUNK_SIZE": "3",
           "NOTIFICATIONS_CLAIM_STALE_SECONDS": "4", "CELERY_WORKER_MAX_TASKS_PER_CHILD": "1000"}
    return incident, env


def _finished() -> bool:
    return not Notification.objects.filter(status__in=[Status.PENDING, Status.GENERATING]).exists()


def _assert_one_letter_each(incident: object, media: Path) -> None:
    rows = list(Notification.objects.filter(incident=incident))
    assert len(rows) == PEOPLE
    assert len({n.subject_id for n in rows}) == PEOPLE
    assert {n.status for n in rows} == {Status.GENERATED}
    letters = sorted(media.glob("letters/**/*.pdf"))
    assert len(letters) == PEOPLE, [f.name for f in letters]
    for n in rows:
        assert files.is_encrypted((media / n.pdf.name).read_bytes())
        assert files.sha256(n.pdf.name) == n.pdf_sha256
    assert not list(media.glob("letters/**/.tmp-*"))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_is_finished_by_another_with_one_letter_each(tmp_path: Path) -> None:
    needs_services()
    incident, env = _setup(tmp_path)
    with override_settings(MEDIA_ROOT=str(tmp_path), NOTIFICATIONS_CLAIM_STALE_SECONDS=4):
        with celery_worker(extra_env=env, args=("--pool", "solo")) as first:
            services.batch_start(incident=incident, actor=None)
            wait_for(lambda: Notification.objects.filter(status=Status.GENERATED).count() >= 4, timeout=90)
            first.kill()  # SIGKILL: no clean-up, its claimed row stays "generating"
            first.wait()
        assert not _finished()
        with celery_worker(extra_env=env, args=("--pool", "solo")):
            wait_for(lambda: claims_stale(4.5), timeout=30)  # the dead worker's claim goes stale
            services.batch_start(incident=incident, actor=None)  # the DPO clicks again
            wait_for(_finished, timeout=120)
        _assert_one_letter_each(incident, tmp_path)


def _redis(*args: str) -> None:
    subprocess.run(["redis-cli", "-p", os.environ["BT_REDIS_PORT"], *args], check=False, capture_output=True)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_redis_restart_mid_batch_loses_nobody(tmp_path: Path) -> None:
    needs_services()
    if not os.environ.get("BT_REDIS_PORT"):
        pytest.skip("needs the suite's own Redis (scripts/services.sh) to restart it")
    incident, env = _setup(tmp_path)
    with override_settings(MEDIA_ROOT=str(tmp_path), NOTIFICATIONS_CLAIM_STALE_SECONDS=4):
        with celery_worker(extra_env=env, args=("--pool", "solo")):
            services.batch_start(incident=incident, actor=None)
            wait_for(lambda: Notification.objects.filter(status=Status.GENERATED).count() >= 3, timeout=90)
            try:
                _redis("shutdown", "nosave")  # the queued chunks are lost with it
            finally:
                subprocess.run(["bash", str(ROOT / "scripts" / "services.sh"), "up"], check=True,
                               capture_output=True, env=os.environ)
            wait_for(lambda: subprocess.run(["redis-cli", "-p", os.environ["BT_REDIS_PORT"], "ping"],
                                            capture_output=True).stdout.strip() == b"PONG", timeout=30)
            wait_for(lambda: claims_stale(4.5), timeout=30)  # any claim held across the restart goes stale
            services.batch_start(incident=incident, actor=None)  # the DPO clicks again
            wait_for(_finished, timeout=180)
        _assert_one_letter_each(incident, tmp_path)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_generate_clicks_at_the_same_moment_make_one_batch() -> None:
    import threading

    from django.db import connection

    from breachtracker.celery import app
    from notifications.models import Batch

    needs_services()
    ensure_letter_templates()
    incident = make_incident(title="Double click")
    for i in range(5):
        make_subject(incident, full_name=f"Person {i}")
    make_ready(incident)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def click() -> None:
        try:
            barrier.wait()
            services.batch_start(incident=incident, actor=None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    app.control.purge()  # no worker here: drop the queued generate_batch messages
    assert errors == []
    assert Batch.objects.count() == 1
    assert Notification.objects.count() == 5
