"""Issue 17: an import whose worker was killed (the whole process group) is resumed by the
sweep, run by beat as in production, and finishes with every person imported once, its
upload deleted; nobody clicks anything.

Through real Celery workers, Redis and PostgreSQL. Redis keeps the killed worker's
unacknowledged message for an hour, so only the sweep can hand the pass out again in time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from incidents import roles
from incidents.imports import services as import_services
from incidents.imports import staged
from incidents.imports.process import RESUMED
from incidents.models import DataSubject, SubjectImport
from tests.base import make_incident, make_user
from tests.incidents.imports import csv_bytes, person
from tests.stored import upload_path
from tests.worker import celery_worker, forget_unacked, kill_worker, needs_services, wait_for

Status = SubjectImport.Status
PEOPLE = 40_000
ENV = {"BREACHTRACKER_IMPORT_STALE_SECONDS": "10", "BREACHTRACKER_IMPORT_SWEEP_SECONDS": "2",
       "BREACHTRACKER_IMPORT_PARALLEL": "0"}


def _rows() -> list[list[str]]:
    return [person(f"Person {n:06d}", dob=f"19{40 + n % 60}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                   postcode=f"M{1 + n % 9} {n % 10}AB") for n in range(PEOPLE)]


def _status(pk: int) -> str:
    return SubjectImport.objects.get(pk=pk).status


def _writing_people() -> bool:
    """The import pass is inside its transaction, copying people into the table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND query ILIKE 'COPY%%incidents_datasubject%%'")
        return cursor.fetchone()[0] > 0


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_mid_check_and_mid_import_finishes_with_everyone_once(
        tmp_path: Path) -> None:
    needs_services()
    actor = make_user("stall-handler", roles.HANDLER)
    incident = make_incident(actor=actor)
    env = {**ENV, "DJANGO_MEDIA_ROOT": str(tmp_path)}
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(tmp_path)):
        subject_import = import_services.subject_import_create(
            incident=incident, actor=actor, upload=SimpleUploadedFile("people.csv", csv_bytes(_rows())))
        pk, path = subject_import.pk, upload_path(subject_import)
        assert path is not None and path.exists()

        # Killed while checking: rows read and reported, the check not finished.
        with celery_worker(extra_env=env, args=("--pool", "solo")) as first:
            wait_for(lambda: SubjectImport.objects.filter(pk=pk, status=Status.VALIDATING, rows_read__gt=0).exists(),
                     timeout=120, interval=0.05)
            kill_worker(first)
        forget_unacked()
        assert _status(pk) == Status.VALIDATING
        with celery_worker(extra_env=env, args=("-B", "--schedule", str(tmp_path / "beat-1"))):
            wait_for(lambda: _status(pk) in (Status.VALIDATED, Status.FAILED), timeout=180)
        subject_import.refresh_from_db()
        assert subject_import.status == Status.VALIDATED, subject_import.message
        assert (subject_import.rows_read, subject_import.rows_valid, subject_import.rows_merged) == (PEOPLE, PEOPLE, 0)
        assert subject_import.history.filter(history_change_reason=RESUMED).exists()

        # Killed while writing the people, inside the import's one transaction.
        import_services.subject_import_confirm(subject_import=subject_import, actor=actor, only_valid=False)
        with celery_worker(extra_env=env, args=("--pool", "solo")) as second:
            wait_for(_writing_people, timeout=180, interval=0.02)
            kill_worker(second)
        forget_unacked()
        assert _status(pk) == Status.IMPORTING
        assert not DataSubject.objects.filter(incident=incident).exists()  # rolled back: nothing half-written
        with celery_worker(extra_env=env, args=("-B", "--schedule", str(tmp_path / "beat-2"))):
            wait_for(lambda: _status(pk) in (Status.DONE, Status.FAILED), timeout=240)

    subject_import.refresh_from_db()
    assert subject_import.status == Status.DONE, subject_import.message
    assert subject_import.subjects_created == PEOPLE
    people = DataSubject.objects.filter(incident=incident)
    assert people.count() == PEOPLE
    assert people.values("reference", "name_index").distinct().count() == PEOPLE  # nobody twice
    history = DataSubject.history.filter(incident_id=incident.pk)
    assert history.count() == PEOPLE
    assert history.filter(history_type="+", history_user=actor).count() == PEOPLE
    assert subject_import.history.filter(history_change_reason=RESUMED).count() >= 2  # once per kill
    assert subject_import.tmp_name == ""
    assert not path.exists()
    assert not Path(str(path) + staged.SUFFIX).exists()
    assert not list((tmp_path / "imports-tmp").iterdir())
