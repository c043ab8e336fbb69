"""Health endpoints (issue 17), against the real PostgreSQL, Redis and a real Celery worker:
reachable without signing in, "OK" or "failed" per check and nothing else, 200 only when
every check passes, and a failing status while the database or Redis is stopped."""

from __future__ import annotations

import os
import subprocess

import pytest
from django.test import Client

from tests.breachtracker.test_database_outage import postgresql_stopped
from tests.worker import ROOT, celery_worker, needs_services, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _get(path: str) -> tuple[int, str]:
    response = Client().get(path)
    return response.status_code, response.content.decode()


def _redis(*args: str) -> None:
    subprocess.run(["redis-cli", "-p", os.environ["BT_REDIS_PORT"], *args], check=False, capture_output=True)


def test_the_web_check_needs_no_sign_in_and_says_only_ok() -> None:
    response = Client().get("/health/web/")
    assert (response.status_code, response.content.decode()) == (200, "web: OK\n")
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_database_and_redis_are_ok_against_the_real_servers() -> None:
    needs_services()
    assert _get("/health/database/") == (200, "database: OK\n")
    assert _get("/health/redis/") == (200, "redis: OK\n")


def test_without_a_worker_the_workers_check_fails_and_so_does_the_whole() -> None:
    needs_services()
    assert _get("/health/workers/") == (503, "workers: failed\n")
    status, body = _get("/health/")
    assert status == 503
    assert body == "web: OK\ndatabase: OK\nredis: OK\nworkers: failed\n"


def test_with_a_worker_running_every_check_passes() -> None:
    needs_services()
    with celery_worker():
        wait_for(lambda: _get("/health/workers/")[0] == 200, timeout=120, interval=1)
        assert _get("/health/") == (200, "web: OK\ndatabase: OK\nredis: OK\nworkers: OK\n")


def test_redis_stopped_fails_the_redis_check_and_the_whole() -> None:
    needs_services()
    if not os.environ.get("BT_REDIS_PORT"):
        pytest.skip("needs the suite's own Redis (scripts/services.sh) to stop it")
    _redis("shutdown", "nosave")
    try:
        wait_for(lambda: _get("/health/redis/") == (503, "redis: failed\n"), timeout=60, interval=0.5)
        status, body = _get("/health/")
        assert status == 503 and "redis: failed\n" in body
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "services.sh"), "up"], check=True, capture_output=True,
                       env=os.environ, timeout=120)
    wait_for(lambda: _get("/health/redis/")[0] == 200, timeout=60, interval=0.5)


def test_the_database_stopped_fails_the_database_check_and_the_whole() -> None:
    needs_services()
    with postgresql_stopped():
        assert _get("/health/database/") == (503, "database: failed\n")
        status, body = _get("/health/")
        assert status == 503 and "database: failed\n" in body and "web: OK\n" in body
    wait_for(lambda: _get("/health/database/")[0] == 200, timeout=60, interval=0.5)


def test_an_unknown_check_is_404_and_a_post_is_refused() -> None:
    assert Client().get("/health/mail/").status_code == 404
    assert Client().post("/health/").status_code == 405
