"""A real Celery worker process for integration tests, pointed at the test database and Redis."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def needs_services() -> None:
    """Skip locally without PostgreSQL and Redis; in CI conftest makes their absence a failure."""
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        if os.environ.get("BREACHTRACKER_REQUIRE_SERVICES"):
            pytest.fail("CI must run integration tests against PostgreSQL and Redis")
        pytest.skip("needs PostgreSQL and Redis (run `make test` where they are installed)")


def test_database_url() -> str:
    s = connection.settings_dict
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    return f"postgres://{quote(s['USER'])}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@contextmanager
def celery_worker(*, concurrency: int = 1, extra_env: dict[str, str] | None = None,
                  args: tuple[str, ...] = ()) -> Iterator[subprocess.Popen[bytes]]:
    """Start `celery worker` against the test database; stop it (TERM, then KILL) afterwards."""
    env = {**os.environ, "DATABASE_URL": test_database_url(), "CELERY_TASK_ALWAYS_EAGER": "false",
           "DJANGO_SETTINGS_MODULE": "breachtracker.settings", **(extra_env or {})}
    log_path = ROOT / "var" / f"test-worker-{os.getpid()}.log"
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "breachtracker", "worker", "--loglevel", "info",
         "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", *args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill_worker() ends its pool and beat too
    )
    process.log_path = log_path  # type: ignore[attr-defined] - tests wait on what the worker logs
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        kill_worker(process)  # what the main process left behind (a pool child, an embedded beat)
        log.close()


def kill_worker(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker's whole process group, pool children and embedded beat included, as
    a machine losing power or the OOM killer taking everything would: nothing cleans up."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def forget_unacked() -> None:
    """Drop the messages a killed worker took and never acknowledged. Redis would deliver them
    again after its visibility timeout (an hour), to whatever test's worker runs then; the
    tests here show the work is finished without them, as it must be within that hour."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete("unacked", "unacked_index")


def pool_children(process: subprocess.Popen[bytes]) -> list[int]:
    """Pids of the worker's prefork pool children (its direct children), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == process.pid and fields[0] != "Z":
            children.append(int(stat.parent.name))
    return children


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
    """Poll until predicate() is truthy; fail the test with a clear message after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout}s waiting for {predicate}")


def claims_stale(seconds: float) -> bool:
    """True once no notification is held by a claim younger than `seconds` (a dead worker's
    claims can then be taken over): a condition to wait on, instead of sleeping."""
    from django.utils import timezone

    from notifications.models import Notification

    fresh = timezone.now() - timedelta(seconds=seconds)
    return not Notification.objects.filter(status__in=(Notification.Status.GENERATING,),
                                           claimed_at__gt=fresh).exists()
