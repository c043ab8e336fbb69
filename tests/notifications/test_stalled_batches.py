"""Issue 17: a batch whose worker died finishes by itself, with one letter each.

Through real Celery workers, Redis and PostgreSQL. Nobody clicks "Generate" again: either the
chunk re-sent after its pool child was killed comes back for the dead child's rows once their
claims go stale, or (the whole worker killed, its message held by Redis for an hour) the
resume sweep that beat runs every NOTIFICATIONS_SWEEP_SECONDS fans the batch out again.
"""

from __future__ import annotations

import hashlib
import os
import signal
from datetime import datetime
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone

from notifications import services
from notifications.models import Batch, Notification
from tests.base import make_incident, make_subject
from tests.notifications.helpers import ensure_letter_templates, make_organisation, make_ready
from tests.worker import celery_worker, forget_unacked, kill_worker, needs_services, pool_children, wait_for

Status = Notification.Status
PEOPLE = 30
STALE = 4
RESENT_STALE = 20


def _setup(media: Path, stale: int = STALE, **env: str) -> tuple[object, dict[str, str]]:
    ensure_letter_templates()
    make_organisation()
    incident = make_incident(title="Stalled batch test")
    for i in range(PEOPLE):
        make_subject(incident, full_name=f"Person {i:03d}", postcode=f"M{i % 9 + 1} 1AE")
    make_ready(incident)
    return incident, {"DJANGO_MEDIA_ROOT": str(media), "NOTIFICATIONS_CHUNK_SIZE": "6",
                      "NOTIFICATIONS_CLAIM_STALE_SECONDS": str(stale),
                      "CELERY_WORKER_MAX_TASKS_PER_CHILD": "1000", **env}


def _finished() -> bool:
    return (not Notification.objects.filter(status__in=[Status.PENDING, Status.GENERATING]).exists()
            and Batch.objects.filter(finished_at__isnull=False).exists())


def _dead_claims(killed_at: datetime) -> int:
    """Rows still held by a claim taken before the kill: the dead worker's."""
    return Notification.objects.filter(status=Status.GENERATING, claimed_at__lt=killed_at).count()


def _assert_one_letter_each(incident: object, media: Path) -> None:
    rows = list(Notification.objects.filter(incident=incident))
    assert len(rows) == PEOPLE
    assert len({n.subject_id for n in rows}) == PEOPLE
    assert {n.status for n in rows} == {Status.GENERATED}
    files = sorted(media.glob("letters/**/*.pdf"))
    assert len(files) == PEOPLE, [f.name for f in files]
    for n in rows:
        with default_storage.open(n.pdf.name) as letter:  # stored encrypted: read as the app reads it
            assert hashlib.sha256(letter.read()).hexdigest() == n.pdf_sha256
        # One "generated" event per person in the audit trail, whoever took the row over.
        reasons = list(n.history.values_list("history_change_reason", flat=True))
        assert sum(1 for r in reasons if (r or "").startswith("Letter generated")) == 1, reasons
    batch = Batch.objects.get(incident=incident)
    assert batch.finished_at is not None
    from incidents.models import IncidentEvent

    finished = IncidentEvent.objects.filter(incident=incident, kind="batch_finished")
    assert [e.detail for e in finished] == [f"Batch {batch.pk}: {PEOPLE} letters or emails made, 0 withheld, "
                                           f"0 failed, of {PEOPLE}."]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_chunk_resent_after_its_pool_child_was_killed_comes_back_for_the_dead_claims(tmp_path: Path) -> None:
    """The stall of issue 17: the child is killed mid-chunk, Celery re-sends the chunk at once
    (acks_late, reject on worker lost), the re-sent chunk finds the dead child's claims still
    fresh and skips them. It must come back for them once they go stale."""
    needs_services()
    # Longer than the child takes to be replaced and the chunk re-sent (a few seconds here),
    # so the re-sent chunk meets claims that are still fresh, as in the report.
    incident, env = _setup(tmp_path, stale=RESENT_STALE)
    with override_settings(MEDIA_ROOT=str(tmp_path), NOTIFICATIONS_CLAIM_STALE_SECONDS=RESENT_STALE):
        with celery_worker(extra_env=env) as worker:  # prefork: the main process outlives its child
            services.batch_start(incident=incident, actor=None)
            stranded = 0
            for _attempt in range(5):
                # Kill the child while it holds a chunk's claims (it may finish the chunk just
                # before the signal lands: then try again on a later chunk).
                wait_for(lambda: Notification.objects.filter(status=Status.GENERATING).exists()
                         and pool_children(worker), timeout=120, interval=0.05)
                logged = worker.log_path.stat().st_size
                killed_at = timezone.now()
                for pid in pool_children(worker):
                    os.kill(pid, signal.SIGKILL)
                # The main process has seen its child die (and re-sent the chunk).
                wait_for(lambda logged=logged: b"SIGKILL" in _log_since(worker.log_path, logged), timeout=60)
                stranded = _dead_claims(killed_at)
                if stranded or _finished():
                    break
            assert stranded, "the child was never killed while it held claims"
            # Nobody clicks again and no sweep runs: the re-sent chunk alone finishes the batch.
            wait_for(_finished, timeout=180)
        _assert_one_letter_each(incident, tmp_path)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_whole_worker_was_killed_is_finished_by_the_next_worker_and_the_sweep(
        tmp_path: Path) -> None:
    """The whole worker killed (pool and all): Redis keeps its unacknowledged chunk for an hour
    (visibility_timeout), so the resume sweep, run by beat as in production, takes the dead
    claims over once they are stale."""
    needs_services()
    incident, env = _setup(tmp_path, NOTIFICATIONS_SWEEP_SECONDS="2")
    with override_settings(MEDIA_ROOT=str(tmp_path), NOTIFICATIONS_CLAIM_STALE_SECONDS=STALE):
        services.batch_start(incident=incident, actor=None)
        stranded = 0
        for _attempt in range(5):
            # Kill it while it holds a chunk's claims (if the chunk ends just before the signal
            # lands, the next worker goes on with the queue and is killed in turn).
            with celery_worker(extra_env=env, args=("--pool", "solo")) as first:
                wait_for(lambda: Notification.objects.filter(status=Status.GENERATING).exists(),
                         timeout=120, interval=0.05)
                killed_at = timezone.now()
                kill_worker(first)
            forget_unacked()  # Redis would re-deliver its chunk only in an hour
            stranded = _dead_claims(killed_at)
            if stranded:
                break
        assert stranded, "the worker was never killed while it held claims"
        with celery_worker(extra_env=env, args=("-B", "--schedule", str(tmp_path / "beat-schedule"))):
            wait_for(_finished, timeout=180)
        _assert_one_letter_each(incident, tmp_path)
        # The dead worker's rows were taken over: claimed a second time, generated once.
        assert Notification.objects.filter(attempts__gte=2).count() >= stranded


def _log_since(path: Path, offset: int) -> bytes:
    with open(path, "rb") as log:
        log.seek(offset)
        return log.read()
