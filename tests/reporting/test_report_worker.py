"""A large incident's report PDF made by a real Celery worker (real Redis, real PostgreSQL)."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.test import override_settings

from incidents import roles
from reporting import services as report_services
from incidents.models import DataSubject
from reporting.models import ReportPdf
from tests.base import make_incident, make_user
from tests.worker import celery_worker, needs_services, wait_for


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_a_large_incidents_report_pdf() -> None:
    needs_services()
    actor = make_user("report-dpo", roles.DPO)
    incident = make_incident(actor=actor)
    DataSubject.objects.bulk_create([DataSubject(incident=incident, full_name=f"Person {n}", roles=1)
                                     for n in range(50)])
    media = str(settings.MEDIA_ROOT)
    with override_settings(REPORT_PDF_ASYNC_SUBJECTS=10), celery_worker(extra_env={"DJANGO_MEDIA_ROOT": media}):
        pdf = report_services.report_pdf_request(incident=incident, actor=actor)
        assert pdf.status == ReportPdf.Status.PENDING

        def ready() -> ReportPdf | None:
            row = ReportPdf.objects.get(pk=pdf.pk)
            return row if row.status != ReportPdf.Status.PENDING else None

        done = wait_for(ready, timeout=120)
    assert done.status == ReportPdf.Status.READY, done.last_error
    with done.pdf.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    assert done.pdf_sha256 == hashlib.sha256(data).hexdigest()
