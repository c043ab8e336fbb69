"""Benchmarks, run on a throwaway database (never the data of the installation).

    python manage.py benchmark import --rows 100000
    python manage.py benchmark all

Each benchmark is a function in BENCHMARKS taking the command and its options and returning
its summary line, printed last. To add one (`letters`, `pages`...), write the function and
register it; `all` runs every registered benchmark.

The throwaway database: with DATABASE_URL on PostgreSQL, a new database on the same server
(created, migrated, then dropped); otherwise a temporary SQLite file. Each measured step runs
in its own process against it, so the peak memory it reports is that step's own.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

ROOT = Path(settings.BASE_DIR)
THROWAWAY = "BREACHTRACKER_BENCHMARK_THROWAWAY_DB"  # set only by the parent, for its children

# ---------------------------------------------------------------------------------------
# The throwaway database


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
            import psycopg

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
            import psycopg

            with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "manage.py", "benchmark", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# ---------------------------------------------------------------------------------------
# import: a synthetic file of N people, imported (ours) versus a bare bulk_create (baseline)

FIRST = ("Aisha Alex Amir Ben Carys Chloe Dafydd Daniel Ella Emma Farah Finn Grace Harri Imran Isla Jack Jade "
         "Kai Leah Liam Maya Mohammed Nia Noah Olivia Oscar Priya Rhys Ruby Sam Sian Sofia Tom Zara").split()
LAST = ("Ahmed Bailey Brown Clarke Davies Edwards Evans Green Hall Hughes Jones Khan Lewis Morgan Murphy O'Brien "
        "Patel Price Roberts Smith Taylor Thomas Walker White Williams Wilson Wright Young").split()
AREAS = ("LS1", "M1", "B33", "CF10", "SW1A", "EH1", "BS1", "NE1", "L1", "G2", "NW1", "OX1")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
ROLE_WORDS = ("Victim", "Witness", "Suspect", "Victim; Witness", "Complainant")
CATEGORY_WORDS = ("Criminal convictions, offences", "Health data; Criminal convictions, offences",
                  "Location data", "", "Basic personal identifiers, eg name, contact details")
IMPORT_HEADERS = ["Reference", "Full name", "Date of birth", "Role", "Child", "Address line 1", "Town", "Postcode",
                  "Email", "Preferred channel", "Do not write", "Data categories"]


def synthetic_rows(count: int, seed: int = 2026) -> Iterator[list[str]]:
    """Made-up people; about 1 in 50 rows repeats an earlier person with another role."""
    rnd = random.Random(seed)
    earlier: list[list[str]] = []
    for n in range(count):
        if earlier and rnd.random() < 0.02:
            row = list(rnd.choice(earlier))
            row[0] = f"CR{n:07d}"
            row[3] = rnd.choice(ROLE_WORDS)
            yield row
            continue
        name = f"{rnd.choice(FIRST)} {chr(65 + rnd.randrange(26))}. {rnd.choice(LAST)}"
        dob = date(1940, 1, 1) + timedelta(days=rnd.randrange(25_000))
        postcode = f"{rnd.choice(AREAS)} {rnd.randrange(10)}{rnd.choice(INWARD_LETTERS)}{rnd.choice(INWARD_LETTERS)}"
        email = f"person{n}@example.org" if rnd.random() < 0.3 else ""
        unsafe = rnd.random() < 0.05
        row = [f"CR{n:07d}", name, dob.isoformat(), rnd.choice(ROLE_WORDS), "yes" if dob.year > 2008 else "no",
               f"{rnd.randrange(1, 300)} High Street", "Leeds", postcode, email,
               "phone" if unsafe else "letter", "yes" if unsafe else "no", rnd.choice(CATEGORY_WORDS)]
        if unsafe:
            row[9] = "in person"
        if len(earlier) < 5000:
            earlier.append(row)
        yield row


def write_file(path: Path, count: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(IMPORT_HEADERS)
        writer.writerows(synthetic_rows(count))


def _fresh_incident(actor: Any) -> Any:
    from django.utils import timezone

    from incidents import services

    now = timezone.now()
    return services.incident_create(actor=actor, fields={
        "title": "Benchmark", "description": "Synthetic.", "cause": "hidden_data", "regime": "dpa_part3",
        "breach_confidentiality": True, "discovered_at": now - timedelta(hours=2), "aware_at": now - timedelta(hours=1)})


def _actor() -> Any:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="benchmark")
    return user


def child_baseline(path: Path) -> dict[str, Any]:
    """Bare bulk_create of the same rows: csv.reader → DataSubject(...) → bulk_create, no validation."""
    from incidents.models import DataCategory, DataSubject
    from incidents.vocab import ROLES

    roles = {r.label: 1 << r.bit for r in ROLES.values()}
    cats = {c.name: c.mask for c in DataCategory.objects.all()}
    incident = _fresh_incident(_actor())
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch: list[DataSubject] = []
        count = 0
        for ref, name, dob, role, child, line1, town, postcode, email, channel, dnw, categories in reader:
            mask = 0
            for word in role.split("; "):
                mask |= roles[word]
            cmask = 0
            for word in categories.split("; ") if categories else ():
                cmask |= cats[word]
            batch.append(DataSubject(
                incident_id=incident.pk, reference=ref, full_name=name, date_of_birth=date.fromisoformat(dob),
                roles=mask, categories_mask=cmask, is_child=child == "yes", address_line_1=line1, town=town,
                postcode=postcode, email=email, preferred_channel=channel.replace(" ", "_"), do_not_write=dnw == "yes"))
            count += 1
            if len(batch) >= 2000:
                DataSubject.objects.bulk_create(batch, batch_size=2000)
                batch = []
        DataSubject.objects.bulk_create(batch, batch_size=2000)
    seconds = time.perf_counter() - started
    return {"rows": count, "seconds": seconds, "peak_mb": _peak_mb()}


def child_ours(path: Path) -> dict[str, Any]:
    """Our import as a user runs it: upload (scan + SHA-256), check pass, confirm, import pass.

    Tasks run eagerly here (CELERY_TASK_ALWAYS_EAGER=true), right after each commit.
    """
    from django.core.files import File

    from incidents.imports import services as import_services
    from incidents.models import DataSubject, SubjectImport

    actor = _actor()
    incident = _fresh_incident(actor)
    started = time.perf_counter()
    with open(path, "rb") as handle:
        subject_import = import_services.subject_import_create(incident=incident, actor=actor,
                                                        upload=File(handle, name="synthetic.csv"))  # type: ignore[arg-type]
    checked = time.perf_counter()
    subject_import.refresh_from_db()
    if subject_import.status != SubjectImport.Status.VALIDATED:
        raise CommandError(f"the check did not pass: {subject_import.status} {subject_import.message}")
    import_services.subject_import_confirm(subject_import=subject_import, actor=actor, only_valid=False)
    finished = time.perf_counter()
    subject_import.refresh_from_db()
    if subject_import.status != SubjectImport.Status.DONE:
        raise CommandError(f"the import did not finish: {subject_import.status} {subject_import.message}")
    history = DataSubject.history.filter(incident_id=incident.pk).count()
    return {"rows": subject_import.rows_read, "seconds": finished - started, "check_seconds": checked - started,
            "import_seconds": finished - checked, "created": subject_import.subjects_created,
            "merged": subject_import.rows_merged, "history": history, "peak_mb": _peak_mb()}


def run_import(command: BaseCommand, options: dict[str, Any]) -> str:
    rows = options["rows"]
    sizes = sorted({max(rows // 10, 1), max(rows // 2, 1), rows}) if options["scaling"] else [rows]
    with throwaway_database() as env, tempfile.TemporaryDirectory(prefix="bt-bench-") as folder:
        engine = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
        command.stdout.write(f"import benchmark on a throwaway {engine} database; sizes: {', '.join(map(str, sizes))}")
        line = ""
        for size in sizes:
            path = Path(folder) / f"people-{size}.csv"
            write_file(path, size)
            base = _child(env, "import", "--child", "baseline", "--file", str(path))
            ours = _child(env, "import", "--child", "ours", "--file", str(path))
            ours_rate = ours["rows"] / ours["seconds"]
            base_rate = base["rows"] / base["seconds"]
            command.stdout.write(
                f"  {size:>7,} rows: ours {ours_rate:,.0f} rows/s ({ours['seconds']:.1f} s: check "
                f"{ours['check_seconds']:.1f} s + import {ours['import_seconds']:.1f} s; {ours['created']:,} people, "
                f"{ours['merged']:,} merged, {ours['history']:,} history rows), peak {ours['peak_mb']:.0f} MB | "
                f"baseline bulk_create {base_rate:,.0f} rows/s ({base['seconds']:.1f} s) | "
                f"ratio {ours_rate / base_rate:.2f}")
            line = (f"import: ratio={ours_rate / base_rate:.2f} ours={ours_rate:.0f} baseline={base_rate:.0f} "
                    f"peak_mb={ours['peak_mb']:.0f} rows={size}")
        return line


def run_letters(command: BaseCommand, options: dict[str, Any]) -> str:
    """Letters through the real path vs bare WeasyPrint (notifications/benchmarks.py)."""
    from notifications.benchmarks import letters

    results = letters(options["letters"], options["workers"], chunk_experiment=options["chunk_experiment"],
                      pack=options["pack"])
    peak = max(results.get("ours_peak_mb", 0), results.get("pack_peak_mb", 0))
    return (f"letters: ratio={results['ours'] / results['baseline']:.2f} ours={results['ours']:.1f} "
            f"baseline={results['baseline']:.1f} peak_mb={peak:.0f}")


def run_pages(command: BaseCommand, options: dict[str, Any]) -> str:
    """Incident page, subjects list and regulator report at 100 and 100,000 people."""
    from reporting.benchmarks_pages import run_pages as pages

    return pages(command, options)


BENCHMARKS: dict[str, Callable[[BaseCommand, dict[str, Any]], str]] = {
    "import": run_import,
    "letters": run_letters,
    "pages": run_pages,
}
CHILDREN: dict[str, Callable[[Path], dict[str, Any]]] = {"baseline": child_baseline, "ours": child_ours}


class Command(BaseCommand):
    help = "Run a benchmark on a throwaway database: " + ", ".join(BENCHMARKS) + ", or all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", choices=[*BENCHMARKS, "all"])
        parser.add_argument("--rows", type=int, default=100_000, help="rows in the synthetic file (import)")
        parser.add_argument("--no-scaling", dest="scaling", action="store_false",
                            help="only the given size, not also a tenth and a half of it")
        parser.add_argument("--letters", type=int, default=1000, help="letters to generate (letters)")
        parser.add_argument("--workers", type=int, default=1, help="worker processes (letters)")
        parser.add_argument("--chunk-experiment", action="store_true",
                            help="also time rendering N letters per WeasyPrint document (letters)")
        parser.add_argument("--pack", type=int, default=0, help="also build a print pack of N letters (letters)")
        parser.add_argument("--pages-small", type=int, default=100, help="people in the small incident (pages)")
        parser.add_argument("--pages-large", type=int, default=100_000, help="people in the large incident (pages)")
        parser.add_argument("--repeat", type=int, default=15, help="timed requests per page and size (pages)")
        parser.add_argument("--child", choices=[*CHILDREN, "pages"], help=argparse_suppress())
        parser.add_argument("--file", help=argparse_suppress())

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("child"):
            if os.environ.get(THROWAWAY) != "1":
                raise CommandError("--child runs only inside the benchmark's own throwaway database")
            # Inside a measured child process: DATABASE_URL is the throwaway database.
            if options["child"] == "pages":
                from reporting.benchmarks_pages import child_pages

                self.stdout.write(json.dumps(child_pages(int(options["file"]), options["repeat"])))
                return
            self.stdout.write(json.dumps(CHILDREN[options["child"]](Path(options["file"]))))
            return
        if options["rows"] < 1:
            raise CommandError("--rows must be at least 1")
        names = list(BENCHMARKS) if options["name"] == "all" else [options["name"]]
        lines = [BENCHMARKS[name](self, options) for name in names]
        for line in lines:
            self.stdout.write(line)


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS
