"""`python manage.py benchmark journey --people N [--workers K]`: a user's whole wait, on the
benchmark's throwaway database: import N people from a CSV file (upload, check, import) →
generate their letters with K worker processes → build the print pack (its parts in K worker
processes, then the join, as the tasks do) → mark the pack posted (the post room's one click:
every letter ticked sent, with history) → make the regulator's report PDF. Each stage runs in a
process of its own; the summary gives each stage's time, its share of the total, and its peak
memory.

The letters stage makes the batch's rows as `batch_start` would once telling people is decided
and the letters approved (those steps are a DPO's clicks, not a wait), then runs the real task
body (`tasks.generate_chunk`) over every chunk, as the letters benchmark does.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count

from breachtracker.memory import peak_mb
from incidents.models import Incident
from notifications import tasks
from notifications.benchmarks import (
    _ours_pack, _pool, ensure_organisation, make_batch, mark_posted, pack_memory_line, posted_line,
)
from notifications.models import Batch, Notification, PrintPack
from reporting import services as report_services
from reporting.models import ReportPdf

from .common import benchmark_user, fresh_incident, run_child, throwaway_database
from .imports import write_file

STAGES = ("import", "letters", "pack", "posted", "report")


def child_journey_setup(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    ensure_organisation()
    return {"incident": fresh_incident(benchmark_user()).pk}


def child_journey_letters(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    incident = Incident.objects.get(pk=options["incident"])
    started = time.perf_counter()
    batch = make_batch(incident)
    rows = list(batch.notifications.order_by("pk").values_list("pk", flat=True))
    size = tasks.chunk_size()
    seconds, worker_peak = _pool(options["workers"], [rows[i:i + size] for i in range(0, len(rows), size)],
                                 tasks.generate_chunk)
    S = Notification.Status
    # Every row dealt with: a letter made (and, for an email, sent), or withheld as the rules
    # say (someone not to be written to, for one); none left waiting or failed.
    statuses = dict(batch.notifications.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    left = {s: n for s, n in statuses.items() if s in (S.PENDING, S.GENERATING, S.FAILED)}
    if left:
        raise RuntimeError(f"letters not made: {left}")
    return {"seconds": time.perf_counter() - started, "letters": sum(statuses.values()) - statuses.get(S.WITHHELD, 0),
            "withheld": statuses.get(S.WITHHELD, 0), "peak_mb": max(peak_mb(), worker_peak)}


def child_journey_pack(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """The pack as the tasks build it: its parts in K worker processes, then the join."""
    batch = Batch.objects.get(incident_id=options["incident"])
    ours = _ours_pack(batch, options["workers"])
    return {"seconds": ours["seconds"], "pages": ours["pages"], "peak_mb": max(peak_mb(), ours["peak_mb"]),
            "memory": pack_memory_line(ours)}


def child_journey_posted(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """The post room marks the pack posted: every letter in it ticked sent, with history."""
    pack = PrintPack.objects.filter(batch__incident_id=options["incident"], status=PrintPack.Status.READY).latest("pk")
    posted = mark_posted(pack.pk)
    return {"seconds": posted["seconds"], "sent": posted["sent"], "peak_mb": max(peak_mb(), posted["peak_mb"]),
            "line": posted_line(posted)}


def child_journey_report(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    incident = Incident.objects.get(pk=options["incident"])
    started = time.perf_counter()
    # Tasks run eagerly here: the PDF is made when the request commits, as a worker would.
    requested = report_services.report_pdf_request(incident=incident, actor=benchmark_user())
    pdf = ReportPdf.objects.get(pk=requested.pk)
    if not pdf.pdf:
        raise RuntimeError(f"the report PDF was not made: {pdf.status}")
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb()}


def run_journey(command: BaseCommand, options: dict[str, Any]) -> str:
    people, workers = options["people"], options["workers"]
    with throwaway_database() as env, tempfile.TemporaryDirectory(prefix="bt-bench-") as folder:
        command.stdout.write(f"journey benchmark on {env['BT_BENCH_DATABASE']}: {people:,} people, "
                             f"{workers} letter worker(s)")
        path = Path(folder) / "people.csv"
        write_file(path, people)
        incident = str(run_child(env, "journey", "--child", "journey_setup", "--file", str(path))["incident"])
        flags = ["--file", str(path), "--incident", incident, "--rows", str(people), "--workers", str(workers)]
        results = {stage: run_child(env, "journey", "--child", f"journey_{stage}", *flags) for stage in STAGES}
    total = sum(r["seconds"] for r in results.values())
    details = {"import": f"{results['import']['rows']:,} rows, {results['import']['created']:,} people",
               "letters": f"{results['letters']['letters']:,} letters, {results['letters']['withheld']:,} withheld",
               "pack": f"{results['pack']['pages']:,} pages; {results['pack']['memory']}",
               "posted": results["posted"]["line"],
               "report": "regulator's report PDF"}
    for stage in STAGES:
        r = results[stage]
        command.stdout.write(f"  {stage:<8} {r['seconds']:8.1f} s  {100 * r['seconds'] / total:5.1f} %  "
                             f"peak {r['peak_mb']:.0f} MB  ({details[stage]})")
    command.stdout.write(f"  total    {total:8.1f} s")
    shares = " ".join(f"{stage}={results[stage]['seconds']:.1f}" for stage in STAGES)
    return f"journey: people={people} workers={workers} total_s={total:.1f} {shares}"
