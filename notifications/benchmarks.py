"""Letters benchmark: our generation path against bare WeasyPrint, plus the print pack.

    python manage.py benchmark letters --letters 1000 [--workers K] [--chunk-experiment]
                                       [--pack 10000]

Runs in a throwaway database (Django's test database: `test_<name>` on PostgreSQL, a
temporary SQLite file otherwise) and a temporary media folder, both removed at the end.

- ours: `tasks.generate_chunk` (the real task body) in K forked worker processes taking
  chunks from a queue: template → HTML → WeasyPrint → stored file → status update.
- baseline: the same letters' HTML rendered with bare `HTML(string=...).write_pdf()` calls
  (a new default URL fetcher each call) in K processes, output discarded.
- the print pack of the batch, built in its own process.
Peak memory is the largest max-RSS of any process (each includes the ~interpreter and Django
it was forked with). The last line is
`letters: ratio=<ours/baseline> ours=<letters/s> baseline=<letters/s> peak_mb=<MB>`.
"""

from __future__ import annotations

import multiprocessing as mp
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
from breachtracker.pdf import render_pdf_parts, static_base_url
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


def _pool(k: int, work: list[Any], handle: Callable[[Any], None]) -> tuple[float, float]:
    """K forked processes take items from a queue; returns (seconds, max peak RSS MB)."""
    connections.close_all()
    ctx = mp.get_context("fork")
    todo: Any = ctx.Queue()
    for item in work:
        todo.put(item)
    for _ in range(k):
        todo.put(None)
    peaks: Any = ctx.Queue()

    def run() -> None:
        while (item := todo.get()) is not None:
            handle(item)
        peaks.put(_maxrss_mb())

    started = time.perf_counter()
    processes = [ctx.Process(target=run) for _ in range(k)]
    for p in processes:
        p.start()
    found: list[float] = []
    while len(found) < k:
        try:
            found.append(peaks.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                for p in processes:
                    p.kill()
                raise RuntimeError("a benchmark worker died; see its traceback above") from None
    peak = max(found)
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


def _chunk_experiment(html: list[str], sizes: list[int]) -> None:
    """Render the letters as documents of `size` letters each and split them per letter."""
    for size in sizes:
        def run(size: int = size) -> float:
            started = time.perf_counter()
            for start in range(0, len(html), size):
                group = html[start:start + size]
                bodies = [h.split("<body>", 1)[1].split("</body>", 1)[0] for h in group]
                head = group[0].split("<body>", 1)[0]
                joined = head + "<body>" + "".join(
                    f'<div id="letter-{i}" class="letter-break">{b}</div>' for i, b in enumerate(bodies)) + "</body></html>"
                joined = joined.replace("</head>", "<style>.letter-break { break-before: page; }</style></head>")
                render_pdf_parts(joined, anchors=[f"letter-{i}" for i in range(len(bodies))])
            return time.perf_counter() - started

        seconds, peak = _in_child(run)
        print(f"chunk experiment: {size:>4} letters/document: {len(html) / seconds:6.1f} letters/s, peak {peak:.0f} MB")


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


def letters(n: int = 1000, workers: int = 1, *, chunk_experiment: bool = False,
            chunk_sizes: tuple[int, ...] = (1, 10, 25, 50, 100), pack: int = 0) -> dict[str, float]:
    """The benchmark. Prints figures; returns them. Django must be set up (see main())."""
    workdir = Path(tempfile.mkdtemp(prefix="bt-bench-"))
    settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
        connection.settings_dict["TEST"] = settings.DATABASES["default"]["TEST"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results: dict[str, float] = {}
    try:
        with override_settings(MEDIA_ROOT=str(workdir / "media")):
            incident, batch = _make_people(n)
            ids = list(batch.notifications.order_by("pk").values_list("pk", flat=True))
            size = tasks.chunk_size()
            chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
            # Warm WeasyPrint (fontconfig, CSS parsing) in the parent, so both forked pools
            # start equally warm.
            html = _html_for(batch)
            _bare(html[0])
            ours_s, ours_peak = _pool(workers, chunks, tasks.generate_chunk)
            done = Notification.objects.filter(batch=batch, status=Notification.Status.GENERATED).count()
            assert done == n, f"only {done} of {n} letters generated"
            base_s, base_peak = _pool(workers, html, _bare)
            pack_row = PrintPack.objects.create(batch=batch)

            def build() -> int:
                return delivery.print_pack_build(pack_id=pack_row.pk).pages

            started = time.perf_counter()
            pages, pack_peak = _in_child(build)
            pack_s = time.perf_counter() - started
            results = {"ours": n / ours_s, "baseline": n / base_s, "ours_peak_mb": ours_peak,
                       "baseline_peak_mb": base_peak, "pack_seconds": pack_s, "pack_peak_mb": pack_peak}
            print(f"letters: {n} letters, {workers} worker(s), chunk size {size}")
            print(f"ours:     {results['ours']:7.1f} letters/s ({ours_s:.1f} s), peak {ours_peak:.0f} MB per process")
            print(f"baseline: {results['baseline']:7.1f} letters/s ({base_s:.1f} s), peak {base_peak:.0f} MB per process")
            print(f"print pack: {pages} pages in {pack_s:.1f} s, peak {pack_peak:.0f} MB")
            if chunk_experiment:
                _chunk_experiment(html[:min(n, 200)], list(chunk_sizes))
            if pack:
                seconds, peak, pages = _fake_pack(batch, pack)
                results.update(big_pack_seconds=seconds, big_pack_peak_mb=peak)
                print(f"print pack of {pack} letters: {pages} pages in {seconds:.1f} s, peak {peak:.0f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(workdir, ignore_errors=True)
    peak = max(results.get("ours_peak_mb", 0), results.get("pack_peak_mb", 0))
    ratio = results["ours"] / results["baseline"]
    print(f"letters: ratio={ratio:.2f} ours={results['ours']:.1f} baseline={results['baseline']:.1f} peak_mb={peak:.0f}")
    return results
