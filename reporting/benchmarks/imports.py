"""`python manage.py benchmark import`: a synthetic file of N people, imported as a user
imports it (ours) versus a bare `bulk_create` of the same rows (baseline), each in its own
process on the throwaway database.

`--format xlsx` imports the same rows from a workbook (dates as real date cells); the baseline
still reads the CSV, so the ratio is against the bare database write. `--existing N` puts N
people in the incident first (one in ten of them also in the file, so de-duplication against
existing people is measured); the baseline's incident holds the same N people.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from openpyxl import Workbook

from breachtracker.crypto import blind_index
from breachtracker.memory import peak_mb

from incidents.imports import services as import_services
from incidents.imports.xlsx import READER_PEAKS
from incidents.models import DataCategory, DataSubject, Incident, SubjectImport
from incidents.people import tally
from incidents.vocab import ROLES

from .common import benchmark_user, fresh_incident, run_child, throwaway_database


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


def write_xlsx(path: Path, count: int) -> None:
    """The same rows as a workbook, streamed out (openpyxl's write-only mode), dates as dates."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("People")
    sheet.append(IMPORT_HEADERS)
    for row in synthetic_rows(count):
        sheet.append([*row[:2], date.fromisoformat(row[2]), *row[3:]])
    book.save(path)


def _subjects(rows: Iterator[list[str]], incident_id: int) -> Iterator[DataSubject]:
    roles = {r.label: 1 << r.bit for r in ROLES.values()}
    cats = {c.name: c.mask for c in DataCategory.objects.all()}
    for ref, name, dob, role, child, line1, town, postcode, email, channel, dnw, categories in rows:
        mask = 0
        for word in role.split("; "):
            mask |= roles[word]
        cmask = 0
        for word in categories.split("; ") if categories else ():
            cmask |= cats[word]
        yield DataSubject(
            incident_id=incident_id, reference=ref, full_name=name, date_of_birth=date.fromisoformat(dob),
            roles=mask, categories_mask=cmask, is_child=child == "yes", address_line_1=line1, town=town,
            postcode=postcode, email=email, preferred_channel=channel.replace(" ", "_"), do_not_write=dnw == "yes")


def _bulk_create(subjects: Iterator[DataSubject], *, index: bool = False) -> int:
    batch: list[DataSubject] = []
    count = 0
    for subject in subjects:
        if index:
            subject.name_index = blind_index(subject.full_name)
        batch.append(subject)
        count += 1
        if len(batch) >= 2000:
            DataSubject.objects.bulk_create(batch, batch_size=2000)
            batch = []
    DataSubject.objects.bulk_create(batch, batch_size=2000)
    return count


def existing_rows(count: int, file_rows: int) -> Iterator[list[str]]:
    """The people already in the incident: one in ten of them also in the file (the same row),
    the rest other people (another seed)."""
    shared = min(count // 10, file_rows)
    for n, row in enumerate(synthetic_rows(shared)):
        row[0] = f"EX{n:07d}"
        yield row
    for n, row in enumerate(synthetic_rows(count - shared, seed=7)):
        row[0] = f"EY{n:07d}"
        yield row


def incident_with_people(existing: int, file_rows: int) -> Any:
    """A fresh incident already holding `existing` people (not timed)."""
    incident = fresh_incident(benchmark_user())
    if existing:
        _bulk_create(_subjects(existing_rows(existing, file_rows), incident.pk), index=True)
        tally.recount(incident)  # as the services would have kept it
    return incident


def child_setup(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """The incident a measured child imports into, made in a process of its own, so the
    children's peak memory is the import's and not the setup's."""
    return {"incident": incident_with_people(options.get("existing") or 0, options["rows"]).pk}


def _incident(options: dict[str, Any]) -> Any:
    if options.get("incident"):
        return Incident.objects.get(pk=options["incident"])
    return incident_with_people(options.get("existing") or 0, options["rows"])


def child_baseline(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Bare bulk_create of the same rows: csv.reader → DataSubject(...) → bulk_create, no validation."""
    csv_path = path.with_suffix(".csv")
    incident = _incident(options)
    started = time.perf_counter()
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        count = _bulk_create(_subjects(reader, incident.pk))
    seconds = time.perf_counter() - started
    return {"rows": count, "seconds": seconds, "peak_mb": peak_mb()}


def child_ours(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Our import as a user runs it: upload (scan + SHA-256), check pass, confirm, import pass.

    Tasks run eagerly here (CELERY_TASK_ALWAYS_EAGER=true), right after each commit.
    """
    actor = benchmark_user()
    incident = _incident(options)
    started = time.perf_counter()
    with open(path, "rb") as handle:
        subject_import = import_services.subject_import_create(incident=incident, actor=actor,
                                                        upload=File(handle, name=f"synthetic{path.suffix}"))  # type: ignore[arg-type]
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
    # An XLSX sheet is read by a process of its own during the check: the peak counts both
    # (this process's peak when the reader ended, plus the reader's), if that is more.
    together = max((own + reader for own, reader in READER_PEAKS), default=0) / 1024
    return {"rows": subject_import.rows_read, "seconds": finished - started, "check_seconds": checked - started,
            "import_seconds": finished - checked, "created": subject_import.subjects_created,
            "merged": subject_import.rows_merged, "merged_existing": subject_import.rows_merged_existing,
            "history": history, "peak_mb": max(peak_mb(), together),
            "reader_mb": max((reader for _own, reader in READER_PEAKS), default=0) / 1024}


def run_import(command: BaseCommand, options: dict[str, Any]) -> str:
    rows = options["rows"]
    kind = options.get("format") or "csv"
    existing = options.get("existing") or 0
    sizes = sorted({max(rows // 10, 1), max(rows // 2, 1), rows}) if options["scaling"] else [rows]
    with throwaway_database() as env, tempfile.TemporaryDirectory(prefix="bt-bench-") as folder:
        command.stdout.write(f"import benchmark on {env['BT_BENCH_DATABASE']}: {kind.upper()} into an incident "
                             f"holding {existing:,} people; sizes: {', '.join(map(str, sizes))}")
        line = ""
        for size in sizes:
            path = Path(folder) / f"people-{size}.csv"
            write_file(path, size)
            if kind == "xlsx":
                path = path.with_suffix(".xlsx")
                write_xlsx(path, size)
            flags = ["--rows", str(size), "--existing", str(existing)]
            incidents = [run_child(env, "import", "--child", "setup", "--file", str(path), *flags)["incident"]
                         for _ in range(2)]
            base = run_child(env, "import", "--child", "baseline", "--file", str(path), *flags,
                             "--incident", str(incidents[0]))
            ours = run_child(env, "import", "--child", "ours", "--file", str(path), *flags,
                             "--incident", str(incidents[1]))
            ours_rate = ours["rows"] / ours["seconds"]
            base_rate = base["rows"] / base["seconds"]
            command.stdout.write(
                f"  {size:>7,} rows: ours {ours_rate:,.0f} rows/s ({ours['seconds']:.1f} s: check "
                f"{ours['check_seconds']:.1f} s + import {ours['import_seconds']:.1f} s; {ours['created']:,} people, "
                f"{ours['merged']:,} merged of which {ours['merged_existing']:,} into existing people, "
                f"{ours['history']:,} history rows), peak {ours['peak_mb']:.0f} MB"
                + (f" (counting the sheet reader's {ours['reader_mb']:.0f} MB while it ran)" if ours["reader_mb"] else "")
                + " | "
                f"baseline bulk_create {base_rate:,.0f} rows/s ({base['seconds']:.1f} s) | "
                f"ratio {ours_rate / base_rate:.2f}")
            line = (f"import: format={kind} existing={existing} ratio={ours_rate / base_rate:.2f} ours={ours_rate:.0f} "
                    f"baseline={base_rate:.0f} peak_mb={ours['peak_mb']:.0f} rows={size}")
        return line
