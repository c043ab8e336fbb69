"""Through the real PostgreSQL: the database going away gives a clean 503 page, background
work waits for it and finishes, and nothing is left half-written."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from incidents import roles
from incidents.models import Incident
from notifications import services
from notifications.models import Notification
from tests.base import make_user, sign_in
from tests.notifications.test_worker_faults import PEOPLE, _assert_one_letter_each, _finished, _setup
from tests.worker import ROOT, celery_worker, needs_services, wait_for

# The suite's own server, as scripts/services.sh started it (scripts/test.sh exports this).
PGDATA = Path(os.environ.get("BT_PGDATA", "/nonexistent"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # released on close: nothing listens there


@contextmanager
def database_unreachable() -> Iterator[None]:
    """This process's connection points at a port where nothing listens, then back."""
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(_closed_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved


def _pg(*args: str) -> None:
    if not (PGDATA / "PG_VERSION").exists():
        pytest.fail("BT_PGDATA must name the suite's own PostgreSQL data folder (run the tests with make test)")
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    command = [str(pg_bin / "pg_ctl"), "-D", str(PGDATA), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@contextmanager
def postgresql_stopped() -> Iterator[None]:
    """Stop the suite's own PostgreSQL (fast: sessions are cut), and always start it again."""
    connection.close()
    _pg("-m", "fast", "-w", "stop")
    try:
        yield
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "services.sh"), "up"], check=True, capture_output=True,
                       env=os.environ, timeout=120)
        connection.close()


def _worker_met_outage_or_finished(log_path: Path, started: int, stopped: int) -> bool:
    """The worker's log (from its start) shows a chunk failing on the stopped database (it is
    retried), or, on a fast machine, every chunk already done before the stop."""
    with open(log_path, "rb") as log:
        log.seek(started)
        data = log.read()
    text, since_stop = data.decode(errors="replace"), data[stopped - started:].decode(errors="replace")
    chunks_done = sum(1 for line in text.splitlines() if "generate_chunk[" in line and " succeeded in " in line)
    return "OperationalError" in since_stop or chunks_done >= -(-PEOPLE // 3)  # chunks of 3 (_setup)


def _page_while_down(client: Client, path: str, method: str = "get") -> tuple[int, str, str]:
    response = getattr(client, method)(path)
    return response.status_code, response.get("Retry-After", ""), response.content.decode()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_pages_answer_a_clean_503_while_the_database_cannot_be_reached() -> None:
    needs_services()
    dpo = make_user("outage-dpo", roles.DPO)
    client = Client(raise_request_exception=False)
    sign_in(client, dpo)
    assert client.get(reverse("incident_list")).status_code == 200
    with database_unreachable():
        status, retry, body = _page_while_down(client, reverse("incident_list"))
        post_status, _, _ = _page_while_down(client, reverse("incident_create"), "post")
    assert (status, retry, post_status) == (503, "30", 503)
    assert "temporarily unavailable" in body
    assert "Traceback" not in body
    assert client.get(reverse("incident_list")).status_code == 200  # and back once it returns
    assert Incident.objects.count() == 0


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_letters_survive_postgresql_stopping_mid_batch(tmp_path: Path) -> None:
    needs_services()
    if not PGDATA.joinpath("PG_VERSION").exists() or not os.environ.get("BT_REDIS_PORT"):
        pytest.skip("needs the suite's own PostgreSQL (scripts/services.sh) to stop it")
    incident, env = _setup(tmp_path)
    dpo = make_user("outage-dpo", roles.DPO)
    client = Client(raise_request_exception=False)
    sign_in(client, dpo)
    with override_settings(MEDIA_ROOT=str(tmp_path), NOTIFICATIONS_CLAIM_STALE_SECONDS=4):
        with celery_worker(extra_env=env, args=("--pool", "solo")) as worker:
            started = worker.log_path.stat().st_size
            services.batch_start(incident=incident, actor=None)
            wait_for(lambda: Notification.objects.filter(status=Notification.Status.GENERATED).count() >= 3,
                     timeout=90)
            logged_before = worker.log_path.stat().st_size
            with postgresql_stopped():
                # Wait until the worker has met the outage (a chunk failed on the database and
                # is retried), or, on a fast machine, had already finished every chunk.
                wait_for(lambda: _worker_met_outage_or_finished(worker.log_path, started, logged_before), timeout=90)
                status, retry, body = _page_while_down(client, reverse("incident_list"))
            assert (status, retry) == (503, "30")
            assert "temporarily unavailable" in body
            # Nobody clicks again: the retries alone finish the batch.
            wait_for(_finished, timeout=180)
        _assert_one_letter_each(incident, tmp_path)
    assert Notification.objects.count() == PEOPLE
