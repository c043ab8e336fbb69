"""What every benchmark shares: a throwaway database, its child processes, their peak memory,
and a fresh incident to measure against.

The throwaway database: with DATABASE_URL on PostgreSQL, a new database on the same server
(created, migrated, then dropped); otherwise a temporary SQLite file. Each measured step runs
in its own process against it (`manage.py benchmark … --child …`), so the peak memory it
reports is that step's own.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.register import services

ROOT = Path(settings.BASE_DIR)
THROWAWAY = "BREACHTRACKER_BENCHMARK_THROWAWAY_DB"  # set only by the parent, for its children


@contextmanager
def throwaway_database() -> Iterator[dict[str, str]]:
    """Environment for child processes pointing at a fresh, migrated database; dropped afterwards."""
    db = settings.DATABASES["default"]
    media = tempfile.mkdtemp(prefix="bt-bench-media-")
    env = {**os.environ, "DJANGO_MEDIA_ROOT": media, "CELERY_TASK_ALWAYS_EAGER": "true", THROWAWAY: "1"}
    env.pop("REDIS_URL", None)
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
        else:
            sqlite_dir = tempfile.mkdtemp(prefix="bt-bench-db-")
            env["DATABASE_URL"] = f"sqlite:///{sqlite_dir}/bench.sqlite3"
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
    done = subprocess.run([sys.executable, "manage.py", "benchmark", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def fresh_incident(actor: Any) -> Any:
    now = timezone.now()
    return services.incident_create(actor=actor, fields={
        "title": "Benchmark", "description": "Synthetic.", "cause": "hidden_data", "regime": "dpa_part3",
        "breach_confidentiality": True, "discovered_at": now - timedelta(hours=2), "aware_at": now - timedelta(hours=1)})


def benchmark_user() -> Any:
    user, _ = get_user_model().objects.get_or_create(username="benchmark")
    return user
