"""Letters benchmark: our generation path against bare WeasyPrint, plus the print pack.

    python manage.py benchmark letters --letters 1000 [--workers K] [--chunk-experiment]
                                       [--pack 10000]

Runs in a throwaway database (Django's test database: `test_<name>` on the benchmark's own
durable PostgreSQL when DATABASE_URL is PostgreSQL, a temporary SQLite file otherwise) and a
temporary media folder, both removed at the end.

- ours: `tasks.generate_chunk` (the real task body: claim, withhold checks, template → HTML,
  the chunk laid out as one WeasyPrint document and split per person, stored files, the rows
  finished with their history) in forked worker processes taking chunks from a queue, with
  1 worker and with K (at least 2), each over its own batch of the same N people.
- baseline: the same letters' HTML rendered with bare `HTML(string=...).write_pdf()` calls,
  one letter at a time, in 1 process, output discarded.
- `--chunk-experiment`: our path (1 worker) at several chunk sizes, 200 letters each.
- the print pack of the batch, built in its own process.
Each worker process starts cold (its own stylesheet parse and fonts), as a Celery pool child
does. Peak memory is the largest max-RSS of any process (each includes the interpreter and
Django it was forked with). The last line is
`letters: ratio=<ours/baseline> ours=<letters/s> baseline=<letters/s> peak_mb=<MB>`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.test.utils import override_settings
from django.utils import timezone
from weasyprint import HTML

from breachtracker import files
from breachtracker.pdf import static_base_url
from incidents.models import DataCategory, DataSubject, Organisation
from incidents.register.services import incident_create
from incidents.vocab import roles_to_mask

from . import delivery, tasks
from .cache import LetterCache
from .letters import letter_context, render_letter_html
from .models import Batch, Notification, PrintPack, audience_for


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(target: Callable[..., Any], *args: Any) -> Any:
    """Run target(*args) in a forked process; return (result, its peak RSS in MB)."""
    connections.close_all()
    ctx = mp.get_context("fork")
    out: Any = ctx.Queue()

    def run() -> None:
        result = target(*args)
        out.put((result, _maxrss_mb()))

    process = ctx.Process(target=run)
    process.start()
    result = out.get()
    process.join()
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pool(k: int, work: list[Any], handle: Callable[[Any], None], cpu: list[float] | None = None) -> tuple[float, float]:
    """K forked processes take items from a queue; returns (seconds, max peak RSS MB). The
    CPU seconds each worker spent on its items are appended to `cpu` when given."""
    connections.close_all()
    ctx = mp.get_context("fork")
    todo: Any = ctx.Queue()
    for item in work:
        todo.put(item)
    for _ in range(k):
        todo.put(None)
    peaks: Any = ctx.Queue()

    def run() -> None:
        started_cpu = _cpu_seconds()
        while (item := todo.get()) is not None:
            handle(item)
        peaks.put((_maxrss_mb(), _cpu_seconds() - started_cpu))

    started = time.perf_counter()
    processes = [ctx.Process(target=run) for _ in range(k)]
    for p in processes:
        p.start()
    found: list[tuple[float, float]] = []
    while len(found) < k:
        try:
            found.append(peaks.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                for p in processes:
                    p.kill()
                raise RuntimeError("a benchmark worker died; see its traceback above") from None
    peak = max(mb for mb, _cpu in found)
    if cpu is not None:
        cpu.extend(spent for _mb, spent in found)
    for p in processes:
        p.join()
    return time.perf_counter() - started, peak


def ensure_organisation() -> None:
    """The controller the letters are from (a benchmark's database starts empty)."""
    if not Organisation.objects.exists():
        Organisation.objects.create(controller_name="Benchmark Constabulary", registered_address="HQ\n1 High St\nNN1 1AA",
                                    dpo_name="Dana Okafor", dpo_email="dpo@example.org", dpo_phone="01234 567890")


def make_batch(incident: Any) -> Any:
    """The rows batch_start would make for everyone in the incident, without enqueueing a
    Celery task: the benchmarks drive the task bodies themselves."""
    ids = list(incident.subjects.order_by("pk").values_list("pk", flat=True))
    batch = Batch.objects.create(incident=incident, total=len(ids))
    for start in range(0, len(ids), 5000):  # 100,000 people never held as 100,000 rows at once
        Notification.objects.bulk_create([Notification(incident=incident, subject_id=pk, batch=batch)
                                          for pk in ids[start:start + 5000]], batch_size=1000)
    return batch


def _make_people(n: int) -> Any:
    ensure_organisation()
    now = timezone.now()
    incident = incident_create(actor=None, fields={
        "title": "Benchmark", "description": "An FOI response carried hidden crime-report data.",
        "cause": "hidden_data", "regime": "dpa_part3", "breach_confidentiality": True,
        "discovered_at": now, "aware_at": now})
    masks = [c.mask for c in DataCategory.objects.all()]
    roles = [roles_to_mask([r]) for r in ("victim", "witness", "suspect", "officer_staff", "customer")]
    DataSubject.objects.bulk_create([
        DataSubject(incident=incident, full_name=f"Person {i:05d} Example", roles=roles[i % 5],
                    categories_mask=masks[8] | masks[i % len(masks)], address_line_1=f"{i} Example Street",
                    town="Northtown", postcode=f"N{i % 20 + 1} {i % 9 + 1}AB") for i in range(n)], batch_size=1000)
    return incident, make_batch(incident)


def _html_for(batch: Any) -> list[str]:
    cache = LetterCache()
    html = []
    for n in batch.notifications.select_related("subject", "incident").order_by("pk"):
        letter = cache.templates[audience_for(n.subject)]
        context = letter_context(subject=n.subject, incident=n.incident, plan=None,
                                 organisation=cache.organisation, categories=cache.categories)
        html.append(render_letter_html(letter=letter, context=context, compiled=cache.compiled[letter.audience]))
    return html


def _bare(html: str) -> None:
    HTML(string=html, base_url=static_base_url()).write_pdf()


def _ours(workers: int, n: int, cpu: list[float] | None = None) -> tuple[Any, float, float]:
    """Our path over a fresh batch of n people: (batch, letters/s, peak MB per process)."""
    _incident, batch = _make_people(n)
    ids = list(batch.notifications.order_by("pk").values_list("pk", flat=True))
    size = tasks.chunk_size()
    seconds, peak = _pool(workers, [ids[i:i + size] for i in range(0, len(ids), size)], tasks.generate_chunk, cpu)
    done = Notification.objects.filter(batch=batch, status=Notification.Status.GENERATED).count()
    assert done == n, f"only {done} of {n} letters generated"
    return batch, n / seconds, peak


def _chunk_experiment(sizes: list[int], n: int = 200) -> None:
    """Our path, 1 worker, at each chunk size (NOTIFICATIONS_CHUNK_SIZE)."""
    for size in sizes:
        cpu: list[float] = []
        with override_settings(NOTIFICATIONS_CHUNK_SIZE=size):
            _batch, rate, peak = _ours(1, n, cpu)
        print(f"chunk experiment: {size:>4} letters/chunk: {rate:6.1f} letters/s, {n / cpu[0]:6.1f} per CPU-second, "
              f"peak {peak:.0f} MB")


def _fake_pack(batch: Any, count: int) -> tuple[float, float, int]:
    """Give `count` rows copies of the batch's real PDFs, then build a print pack of them."""
    real = [n.pdf.name for n in batch.notifications.exclude(pdf="")[:50]]
    have = batch.notifications.count()
    if count > have:
        incident = batch.incident
        subjects = DataSubject.objects.bulk_create([
            DataSubject(incident=incident, full_name=f"Copy {i:05d}", postcode=f"S{i % 20 + 1} {i % 9 + 1}CD",
                        address_line_1=f"{i} Copy Road") for i in range(count - have)], batch_size=1000)
        rows = Notification.objects.bulk_create([
            Notification(incident=incident, subject=s, batch=batch, status=Notification.Status.GENERATED,
                         pdf=f"letters/copies/{s.pk}.pdf") for s in subjects], batch_size=1000)
        for i, row in enumerate(rows):
            files.copy(real[i % len(real)], row.pdf.name)
    pack = PrintPack.objects.create(batch=batch)

    def build() -> int:
        return delivery.print_pack_build(pack_id=pack.pk).pages

    started = time.perf_counter()
    pages, peak = _in_child(build)
    return time.perf_counter() - started, peak, pages


def letters(n: int = 1000, workers: int = 2, *, chunk_experiment: bool = False,
            chunk_sizes: tuple[int, ...] = (1, 5, 10, 25, 50), pack: int = 0) -> dict[str, float]:
    """The benchmark. Prints figures; returns them. Django must be set up (see main())."""
    workers = max(2, workers)
    workdir = Path(tempfile.mkdtemp(prefix="bt-bench-"))
    settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
        connection.settings_dict["TEST"] = settings.DATABASES["default"]["TEST"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results: dict[str, float] = {}
    try:
        with override_settings(MEDIA_ROOT=str(workdir / "media")):
            print(f"letters: {n} letters, chunk size {tasks.chunk_size()}, database {connection.vendor} "
                  f"{connection.settings_dict['HOST'] or ''}:{connection.settings_dict['PORT'] or ''}, "
                  f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            # Warm fontconfig's caches in the parent (both sides gain); our stylesheet and
            # fonts are loaded by each worker, as a Celery pool child loads them.
            html = _html_for(_make_people(1)[1])
            _bare(html[0])
            ours_cpu: list[float] = []
            batch, ours, ours_peak = _ours(1, n, ours_cpu)
            _batch_k, ours_k, ours_k_peak = _ours(workers, n)
            html = _html_for(batch)
            started, started_cpu = time.perf_counter(), _cpu_seconds()
            for one in html:
                _bare(one)
            base_s, base_cpu = time.perf_counter() - started, _cpu_seconds() - started_cpu
            base_peak = _maxrss_mb()
            pack_row = PrintPack.objects.create(batch=batch)

            def build() -> int:
                return delivery.print_pack_build(pack_id=pack_row.pk).pages

            started = time.perf_counter()
            pages, pack_peak = _in_child(build)
            pack_s = time.perf_counter() - started
            results = {"ours": ours, "baseline": n / base_s, "ours_peak_mb": max(ours_peak, ours_k_peak),
                       f"ours_{workers}_workers": ours_k, "scaling": ours_k / ours, "workers": workers,
                       "baseline_peak_mb": base_peak, "pack_seconds": pack_s, "pack_peak_mb": pack_peak}
            print(f"ours, 1 worker:   {ours:7.1f} letters/s, peak {ours_peak:.0f} MB per process")
            print(f"ours, {workers} workers:  {ours_k:7.1f} letters/s, peak {ours_k_peak:.0f} MB per process")
            print(f"baseline (bare WeasyPrint, one letter at a time, 1 process): {results['baseline']:7.1f} letters/s")
            print(f"ratio ours/bare, 1 worker: {ours / results['baseline']:.2f} (goal >= 1.3); "
                  f"{workers} workers / 1 worker: {ours_k / ours:.2f} (goal >= 1.7)")
            # CPU time is what a busy machine disturbs least: letters per CPU-second of the
            # worker process against the bare loop's (PostgreSQL's own CPU and the waits for
            # its commits are not counted: the wall-clock figures above include them).
            print(f"per CPU-second: ours {n / ours_cpu[0]:.1f}, bare {n / base_cpu:.1f} letters, "
                  f"ratio {base_cpu / ours_cpu[0]:.2f}")
            results.update(ours_per_cpu_second=n / ours_cpu[0], baseline_per_cpu_second=n / base_cpu)
            print(f"print pack: {pages} pages in {pack_s:.1f} s, peak {pack_peak:.0f} MB")
            if chunk_experiment:
                _chunk_experiment(list(chunk_sizes))
            if pack:
                seconds, peak, pages = _fake_pack(batch, pack)
                results.update(big_pack_seconds=seconds, big_pack_peak_mb=peak)
                print(f"print pack of {pack} letters: {pages} pages in {seconds:.1f} s, peak {peak:.0f} MB")
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(workdir, ignore_errors=True)
    peak = max(results.get("ours_peak_mb", 0), results.get("pack_peak_mb", 0))
    ratio = results["ours"] / results["baseline"]
    print(f"letters: ratio={ratio:.2f} ours={results['ours']:.1f} baseline={results['baseline']:.1f} peak_mb={peak:.0f}")
    return results
