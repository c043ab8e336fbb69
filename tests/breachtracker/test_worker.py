from __future__ import annotations

import pytest

from breachtracker.celery import healthcheck
from tests.base import make_incident
from tests.worker import celery_worker, needs_services


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sees_the_test_database_through_redis() -> None:
    needs_services()
    make_incident()
    with celery_worker():
        result = healthcheck.delay().get(timeout=60)
    assert result["vendor"] == "postgresql"
    assert result["incidents"] == 1
