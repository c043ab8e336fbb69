"""An import through a real Celery worker, real Redis and real PostgreSQL."""

from __future__ import annotations

import pytest

from incidents.imports import services as import_services
from incidents.models import DataSubject, SubjectImport
from tests.base import make_incident, make_user
from tests.incidents.imports import csv_bytes, person
from tests.worker import celery_worker, needs_services, wait_for
from tests.stored import upload_path


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_then_imports_an_upload() -> None:
    needs_services()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incidents import roles

    actor = make_user("worker-handler", roles.HANDLER)
    incident = make_incident(actor=actor)
    rows = [person(f"Person {n}", dob=f"19{50 + n % 40}-0{1 + n % 9}-1{n % 9}") for n in range(300)]
    rows.append(person("Person 0", dob="1950-01-10", role="Witness"))  # the same person as row 2
    with celery_worker():
        subject_import = import_services.subject_import_create(
            incident=incident, actor=actor, upload=SimpleUploadedFile("people.csv", csv_bytes(rows)))
        path = upload_path(subject_import)

        def status() -> str | None:
            value = SubjectImport.objects.get(pk=subject_import.pk).status
            return value if value in ("validated", "done", "failed") else None

        assert wait_for(status, timeout=90) == "validated"
        subject_import.refresh_from_db()
        assert (subject_import.rows_read, subject_import.rows_valid, subject_import.rows_merged) == (301, 301, 1)
        import_services.subject_import_confirm(subject_import=subject_import, actor=actor, only_valid=False)
        assert wait_for(status, timeout=90) == "done"
    subject_import.refresh_from_db()
    assert subject_import.subjects_created == 300
    assert DataSubject.objects.filter(incident=incident).count() == 300
    assert DataSubject.history.filter(incident_id=incident.pk, history_user=actor).count() == 300
    assert not path.exists()
