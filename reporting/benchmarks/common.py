"""What every benchmark shares: a throwaway database, its child processes, their peak memory,
and a fresh incident to measure against.

The throwaway database: with DATABASE_URL on PostgreSQL, a new database on a PostgreSQL of
the benchmark's own, started for the run with PostgreSQL's durable defaults (fsync,
synchronous_commit and full_page_writes on: a commit waits for the disk, as in production;
the test suite's server has all three off), then stopped and deleted. Where the PostgreSQL
programs are not on this machine, or with BREACHTRACKER_BENCHMARK_DB=given, the database is
made on DATABASE_URL's server instead, and the benchmark prints that server's settings.
Without PostgreSQL, a temporary SQLite file. Each measured step runs in its own process
against it (`manage.py benchmark … --child …`), so the peak memory it reports is that step's own.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connections
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.register import services

ROOT = Path(settings.BASE_DIR)
THROWAWAY = "BREACHTRACKER_BENCHMARK_THROWAWAY_DB"  # set only by the parent, for its children


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: its programs then run as the postgres system user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def durable_postgres() -> Iterator[dict[str, Any]]:
    """A PostgreSQL of the benchmark's own with the durable defaults, on a free loopback port."""
    pg_bin = _postgres_bin()
    if pg_bin is None:
        raise FileNotFoundError("no PostgreSQL programs under /usr/lib/postgresql")
    folder = Path(tempfile.mkdtemp(prefix="bt-bench-pg-"))
    data = folder / "data"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    started = False
    try:
        subprocess.run(_as_postgres([str(pg_bin / "initdb"), "-D", str(data), "-U", "breachtracker", "--auth=trust",
                                     "-E", "UTF8"]), check=True, capture_output=True)
        subprocess.run(_as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
                                     "-t", "120", "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1",
                                     "start"]), check=True, capture_output=True)
        started = True
        yield {"host": "127.0.0.1", "port": port, "user": "breachtracker", "password": None, "dbname": "postgres"}
    finally:
        if started:
            subprocess.run(_as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                           capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def server_settings(params: dict[str, Any]) -> str:
    """What a commit waits for on this server, as the benchmark's first line says it."""
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        values = {name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
                  for name in ("fsync", "synchronous_commit", "full_page_writes")}
    return ", ".join(f"{k}={v}" for k, v in values.items())


@contextmanager
def throwaway_database() -> Iterator[dict[str, str]]:
    """Environment for child processes pointing at a fresh, migrated database; dropped afterwards.

    `env["BT_BENCH_DATABASE"]` says which database it is, and how durable, for the report."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    media = tempfile.mkdtemp(prefix="bt-bench-media-")
    env = {**os.environ, "DJANGO_MEDIA_ROOT": media, "CELERY_TASK_ALWAYS_EAGER": "true", THROWAWAY: "1"}
    env.pop("REDIS_URL", None)
    with ExitStack() as stack:
        if db["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("BREACHTRACKER_BENCHMARK_DB") != "given" \
                and _postgres_bin() is not None:
            own = stack.enter_context(durable_postgres())
            db = {"ENGINE": db["ENGINE"], "USER": own["user"], "PASSWORD": "", "HOST": own["host"], "PORT": own["port"]}
            where = "its own PostgreSQL"
        else:
            where = "DATABASE_URL's PostgreSQL"
        yield from _throwaway(db, env, media, where)


@contextmanager
def durable_default_database() -> Iterator[str]:
    """Point Django's default connection at a PostgreSQL of the benchmark's own with the durable
    defaults, for a benchmark that makes its throwaway database with Django's test-database
    machinery in this process (the letters benchmark). Yields what the database is, for the
    report; leaves DATABASE_URL's server in place where throwaway_database would."""
    db: dict[str, Any] = settings.DATABASES["default"]  # type: ignore[assignment]  # changed in place
    if db["ENGINE"] != "django.db.backends.postgresql" or os.environ.get("BREACHTRACKER_BENCHMARK_DB") == "given" \
            or _postgres_bin() is None:
        yield f"{db['ENGINE'].rsplit('.', 1)[-1]} from DATABASE_URL"
        return
    names = ("HOST", "PORT", "USER", "PASSWORD", "NAME")
    saved = {name: db.get(name) for name in names}
    with durable_postgres() as own:
        connections.close_all()
        db.update(HOST=own["host"], PORT=own["port"], USER=own["user"], PASSWORD="", NAME="postgres")
        try:
            yield f"its own PostgreSQL ({server_settings(own)})"
        finally:
            connections.close_all()
            db.update(saved)


def _throwaway(db: dict[str, Any], env: dict[str, str], media: str, where: str) -> Iterator[dict[str, str]]:
    name = ""
    sqlite_dir = ""
    try:
        if db["ENGINE"] == "django.db.backends.postgresql":
            name = f"bt_bench_{uuid.uuid4().hex[:12]}"
            params: dict[str, Any] = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER") or None,
                      "password": db.get("PASSWORD") or None, "dbname": "postgres"}
            with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
            env["DATABASE_URL"] = (f"postgres://{quote(db['USER'] or '')}{password}@{db['HOST'] or 'localhost'}:"
                                   f"{db['PORT'] or 5432}/{name}")
            env["BT_BENCH_DATABASE"] = f"a throwaway database on {where} ({server_settings(params)})"
        else:
            sqlite_dir = tempfile.mkdtemp(prefix="bt-bench-db-")
            env["DATABASE_URL"] = f"sqlite:///{sqlite_dir}/bench.sqlite3"
            env["BT_BENCH_DATABASE"] = "a throwaway SQLite database"
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        yield env
    finally:
        shutil.rmtree(media, ignore_errors=True)
        if sqlite_dir:
            shutil.rmtree(sqlite_dir, ignore_errors=True)
        if name:
            with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "manage.py", "benchmark", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        # The child's own traceback, not just "exit status 1".
        raise RuntimeError(f"benchmark step {' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh_incident(actor: Any) -> Any:
    now = timezone.now()
    return services.incident_create(actor=actor, fields={
        "title": "Benchmark", "description": "Synthetic.", "cause": "hidden_data", "regime": "dpa_part3", "data_role": "controller",
        "breach_confidentiality": True, "discovered_at": now - timedelta(hours=2), "aware_at": now - timedelta(hours=1)})


def benchmark_user() -> Any:
    user, _ = get_user_model().objects.get_or_create(username="benchmark")
    return user
