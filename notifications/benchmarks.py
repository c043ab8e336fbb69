"""Letters benchmark: our generation path against bare WeasyPrint, plus the print pack.

    python manage.py benchmark letters --letters 1000 [--workers K] [--chunk-experiment]
                                       [--pack 5000]
    python manage.py benchmark letters --pack-only --pack 20000 [--workers K] [--no-pack-baseline]

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
- the print pack of `--pack` letters (5,000 by default; the batch's real letters, topped up
  with copies of them): today's path (parts merged by qpdf in 1 and in K processes, then
  joined in one) against the pypdf path it replaced (`_pypdf_pack`, one process), in the
  same run, with bytes per letter and peak memory. `--pack-only` renders only 200 letters
  for real (made-up people with different names, so different font subsets), copies them up
  to `--pack` and measures only the pack.
Each worker process starts cold (its own stylesheet parse and fonts), as a Celery pool child
does. Peak memory is the largest max-RSS of any process (each includes the interpreter and
Django it was forked with). The last line is
`letters: ratio=<ours/baseline> ours=<letters/s> baseline=<letters/s> peak_mb=<MB>`.
"""

from __future__ import annotations

import csv
import io
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
from faker import Faker
from weasyprint import HTML

from breachtracker import files
from breachtracker.csvsafe import neutralise
from breachtracker.memory import peak_mb, rss_mb
from breachtracker.pdf import StreamingPdfMerger, static_base_url
from incidents.models import DataCategory, DataSubject, Organisation
from incidents.register.services import incident_create
from incidents.vocab import Channel, roles_to_mask

from . import delivery, postroom, tasks
from .cache import LetterCache
from .letters import letter_context, render_letter_html
from .models import Batch, Notification, PrintPack, audience_for, letter_reference
from .withholding import withhold_reason


def _in_child(target: Callable[..., Any], *args: Any) -> Any:
    """Run target(*args) in a forked process; return (result, its peak RSS in MB)."""
    connections.close_all()
    ctx = mp.get_context("fork")
    out: Any = ctx.Queue()

    def run() -> None:
        try:
            result = target(*args)
        except BaseException as exc:  # said in the parent, which would otherwise wait forever
            out.put((None, f"{type(exc).__name__}: {exc}"))
            raise
        out.put((result, peak_mb()))

    process = ctx.Process(target=run)
    process.start()
    while True:
        try:
            result = out.get(timeout=1)
            break
        except queue.Empty:
            if process.exitcode is not None:
                raise RuntimeError(f"a benchmark step died (exit code {process.exitcode})") from None
    process.join()
    if isinstance(result[1], str):
        raise RuntimeError(f"a benchmark step failed: {result[1]}")
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pool(k: int, work: list[Any], handle: Callable[[Any], None], cpu: list[float] | None = None) -> tuple[float, float]:
    """K forked processes take items from a queue; returns (seconds, max peak RSS MB). Like a
    Celery pool child (CELERY_WORKER_MAX_TASKS_PER_CHILD), each process takes at most that
    many items and is then replaced by a fresh fork, which starts cold (its own stylesheet
    and fonts): the figures include that cost, and memory is what production's would be.
    The CPU seconds of every process, added up, are appended to `cpu` when given."""
    per_process = int(getattr(settings, "CELERY_WORKER_MAX_TASKS_PER_CHILD", 0) or 0) or None
    connections.close_all()
    ctx = mp.get_context("fork")
    todo: Any = ctx.Queue()
    for item in work:
        todo.put(item)
    for _ in range(k):
        todo.put(None)  # one end mark per slot: a process that takes one ends its slot
    results: Any = ctx.Queue()

    def run() -> None:
        started_cpu = _cpu_seconds()
        done, ended = 0, False
        while per_process is None or done < per_process:
            item = todo.get()
            if item is None:
                ended = True
                break
            handle(item)
            done += 1
        results.put((peak_mb(), _cpu_seconds() - started_cpu, ended))

    def start() -> Any:
        process = ctx.Process(target=run)
        process.start()
        return process

    started = time.perf_counter()
    processes = [start() for _ in range(k)]
    found: list[tuple[float, float]] = []
    slots_ended = 0
    while slots_ended < k:
        try:
            mb, spent, ended = results.get(timeout=1)
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                for p in processes:
                    p.kill()
                raise RuntimeError("a benchmark worker died; see its traceback above") from None
            continue
        found.append((mb, spent))
        if ended:
            slots_ended += 1
        else:
            processes.append(start())  # its items done: replaced, as Celery replaces a child
    peak = max(mb for mb, _cpu in found)
    if cpu is not None:
        cpu.append(sum(spent for _mb, spent in found))
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
        "cause": "hidden_data", "regime": "dpa_part3", "breach_confidentiality": True, "data_role": "controller",
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
    """Our path over a fresh batch of n people: (batch, letters/s, peak MB per process). With
    `cpu`, the workers' CPU seconds (added up) are appended, then the run's wall-clock seconds."""
    _incident, batch = _make_people(n)
    ids = list(batch.notifications.order_by("pk").values_list("pk", flat=True))
    size = tasks.chunk_size()
    seconds, peak = _pool(workers, [ids[i:i + size] for i in range(0, len(ids), size)], tasks.generate_chunk, cpu)
    if cpu is not None:
        cpu.append(seconds)
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


def _pypdf_pack(pack_id: int) -> int:
    """Benchmark-only baseline: the print pack as it was built before issue 18, in one process
    with pypdf (each letter parsed and cloned by StreamingPdfMerger), with its manifest, stored
    encrypted. Returns its pages."""
    pack = PrintPack.objects.select_related("batch__incident").get(pk=pack_id)
    reference = pack.batch.incident.reference
    letters = pages = 0
    with files.private_folder(prefix="bt-bench-pypdf-") as folder:
        with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as manifest, \
                open(folder / "pack.pdf", "wb") as out:
            rows = csv.writer(manifest)
            rows.writerow(delivery.MANIFEST_HEADER)
            merger = StreamingPdfMerger(out)
            for notification in delivery.pack_letters(pack):
                if withhold_reason(notification.subject, Channel.LETTER):
                    continue
                first = pages + 1
                pages += merger.append(io.BytesIO(files.read(notification.pdf.name)))
                letters += 1
                s = notification.subject
                rows.writerow([neutralise(v) for v in (letters, first, pages - first + 1, notification.pk, s.reference,
                                                      *delivery._envelope(s), letter_reference(reference, notification.pk))])
            merger.close()
        for name in ("pack.pdf", "manifest.csv"):
            with open(folder / name, "rb") as done:
                files.write(f"bench/baseline-{pack_id}-{name}", done)
    return pages


def _varied_people(incident: Any, n: int, seed: int = 18) -> None:
    """People with made-up British names and addresses (Faker, en_GB): each letter's fonts are
    subset to the characters of its own name and address, as real letters' are."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    DataSubject.objects.bulk_create([
        DataSubject(incident=incident, full_name=fake.name(), roles=roles_to_mask(["victim"]),
                    address_line_1=fake.street_address().replace("\n", ", "), town=fake.city(),
                    postcode=fake.postcode()) for _ in range(n)], batch_size=1000)


def _fake_pack(batch: Any, count: int) -> None:
    """Top the batch up to `count` generated letters with copies of its real letters (each
    copy a new person, keeping the real letter's file and fonts; the real letters have
    different names, so their font subsets differ)."""
    real = list(batch.notifications.exclude(pdf="").values_list("pdf", "pdf_sha256"))
    have = batch.notifications.count()
    if count <= have:
        return
    incident = batch.incident
    for start in range(have, count, 5000):
        size = min(5000, count - start)
        subjects = DataSubject.objects.bulk_create([
            DataSubject(incident=incident, full_name=f"Copy {i:06d}", postcode=f"S{i % 20 + 1} {i % 9 + 1}CD",
                        address_line_1=f"{i} Copy Road") for i in range(start, start + size)], batch_size=1000)
        rows = Notification.objects.bulk_create([
            Notification(incident=incident, subject=s, batch=batch, status=Notification.Status.GENERATED,
                         pdf=f"letters/copies/{s.pk}.pdf", pdf_sha256=real[i % len(real)][1])
            for i, s in enumerate(subjects)], batch_size=1000)
        for i, row in enumerate(rows):
            files.copy(real[i % len(real)][0], row.pdf.name)


def _plain_size(name: str) -> int:
    size = 0
    with files.storage().open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            size += len(block)
    return size


def _ours_pack(batch: Any, workers: int) -> dict[str, Any]:
    """Our path as the tasks run it, each step in processes forked from this one (as Celery's
    pool children are from their parent): the plan in one, the parts in `workers`, the join in
    one. Returns seconds, pages, bytes, and each step's peak memory (the most any of its
    processes held, counting what it inherited: `forked_mb`)."""
    pack = PrintPack.objects.create(batch=batch)
    forked_mb = rss_mb()
    started = time.perf_counter()
    plan, plan_mb = _in_child(lambda: delivery.print_pack_start(pack_id=pack.pk))
    assert plan is not None
    attempt, parts = plan
    work = [(attempt, index, ids) for index, ids in enumerate(parts)]

    def part(item: tuple[int, int, list[int]]) -> None:
        delivery.print_pack_part_build(pack_id=pack.pk, attempt=item[0], index=item[1], notification_ids=item[2])

    _, parts_mb = _pool(min(workers, len(work)), work, part)

    def join() -> int:
        joined = delivery.print_pack_join(pack_id=pack.pk, attempt=attempt)
        assert joined is not None, "the pack was not joined"
        return joined.pages

    pages, join_mb = _in_child(join)
    seconds = time.perf_counter() - started
    return {"pack": pack.pk, "seconds": seconds, "pages": pages,
            "bytes": _plain_size(PrintPack.objects.get(pk=pack.pk).pdf.name),
            "peak_mb": max(plan_mb, parts_mb, join_mb), "plan_mb": plan_mb, "parts_mb": parts_mb,
            "join_mb": join_mb, "forked_mb": forked_mb}


def mark_posted(pack_id: int) -> dict[str, Any]:
    """"Mark posted" on a built pack, as the post room's button runs it, in a forked process:
    its letters ticked a block at a time (`postroom.BLOCK`), each with its history row."""
    started = time.perf_counter()

    def post() -> int:
        return int(postroom.print_pack_mark_posted(pack=PrintPack.objects.get(pk=pack_id), actor=None)["sent"])

    sent, peak = _in_child(post)
    return {"sent": sent, "seconds": time.perf_counter() - started, "peak_mb": peak}


def posted_line(posted: dict[str, Any]) -> str:
    return (f"{posted['sent']:,} letters ticked sent in {posted['seconds']:.1f} s, "
            f"peak {posted['peak_mb']:.0f} MB ({postroom.BLOCK:,} a block)")


def pack_memory_line(ours: dict[str, Any]) -> str:
    return (f"plan {ours['plan_mb']:.0f} MB, each part {ours['parts_mb']:.0f} MB, join {ours['join_mb']:.0f} MB "
            f"(peak of each process, forked from one of {ours['forked_mb']:.0f} MB)")


def pack_figures(batch: Any, count: int, workers: int = 1, *, baseline: bool = True) -> dict[str, float]:
    """The print pack of `count` letters: our path (with 1 and with `workers` processes for the
    parts) against the pypdf baseline (unless `baseline` is false), measured in the same run.
    Prints and returns figures."""
    # Made in a child: the pack's processes below fork from this one, which stays as small as
    # a Celery worker's parent.
    _in_child(_fake_pack, batch, count)
    letters = batch.notifications.exclude(pdf="").count()
    print(f"load average before the pack figures: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results: dict[str, float] = {"pack_letters": letters}
    if baseline:
        baseline_row = PrintPack.objects.create(batch=batch)
        started = time.perf_counter()
        base_pages, base_peak = _in_child(_pypdf_pack, baseline_row.pk)
        base_s = time.perf_counter() - started
        base_bytes = _plain_size(f"bench/baseline-{baseline_row.pk}-pack.pdf")
        print(f"print pack, pypdf baseline: {letters} letters ({base_pages} pages) in {base_s:.1f} s = "
              f"{letters / base_s:.1f} letters/s, {base_bytes / letters:,.0f} bytes/letter, peak {base_peak:.0f} MB")
        results.update(pack_baseline=letters / base_s, pack_baseline_peak_mb=base_peak,
                       pack_baseline_bytes_per_letter=base_bytes / letters)
    for k in sorted({1, workers}):
        ours = _ours_pack(batch, k)
        seconds, peak, pages, size = ours["seconds"], ours["peak_mb"], ours["pages"], ours["bytes"]
        if baseline:
            assert pages == base_pages, f"our pack has {pages} pages, the baseline's {base_pages}"
        versus = f" ({letters / seconds / results['pack_baseline']:.2f}x)" if baseline else ""
        print(f"print pack, ours ({k} process{'es' if k > 1 else ''} for the parts, {delivery.pack_part_size()} "
              f"letters a part): {letters} letters ({pages} pages) in {seconds:.1f} s = {letters / seconds:.1f} "
              f"letters/s{versus}, {size / letters:,.0f} bytes/letter, peak {peak:.0f} MB")
        print(f"  memory: {pack_memory_line(ours)}")
        results[f"pack_ours_{k}"] = letters / seconds
        results["pack_ours"], results["pack_peak_mb"] = letters / seconds, max(peak, results.get("pack_peak_mb", 0))
        results["pack_bytes_per_letter"] = size / letters
    posted = mark_posted(ours["pack"])
    print(f"mark posted (the last pack): {posted_line(posted)}")
    results.update(posted_seconds=posted["seconds"], posted_peak_mb=posted["peak_mb"])
    print(f"load average after the pack figures: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    versus = f" (baseline {results['pack_baseline_bytes_per_letter'] * 100_000 / 1e9:.2f} GB)" if baseline else ""
    print(f"print pack: 100,000 letters would be about {results['pack_bytes_per_letter'] * 100_000 / 1e9:.2f} GB{versus}")
    return results


def _test_database(workdir: Path) -> str:
    """Create the benchmark's database (migrated) in a forked child, so this process, which the
    workers are forked from, does not keep the migrations' memory (about 40 MB); point this
    process at it. Returns the old name for `destroy_test_db`."""
    settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
        connection.settings_dict["TEST"] = settings.DATABASES["default"]["TEST"]
    old_name = connection.settings_dict["NAME"]

    def create() -> str:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        return str(connection.settings_dict["NAME"])

    name, _mb = _in_child(create)
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = name
    return str(old_name)


def pack_only(count: int, workers: int = 1, distinct: int = 200, *, baseline: bool = True) -> dict[str, float]:
    """Only the pack figures, for `count` letters of which `distinct` are rendered for real
    (different people, so different font subsets) and the rest copies of them."""
    workdir = Path(tempfile.mkdtemp(prefix="bt-bench-"))
    old_name = _test_database(workdir)
    try:
        with override_settings(MEDIA_ROOT=str(workdir / "media")):
            def people() -> int:
                ensure_organisation()
                now = timezone.now()
                incident = incident_create(actor=None, fields={
                    "title": "Benchmark", "description": "An FOI response carried hidden crime-report data.",
                    "cause": "hidden_data", "regime": "dpa_part3", "breach_confidentiality": True,
                    "data_role": "controller", "discovered_at": now, "aware_at": now})
                _varied_people(incident, min(count, distinct))
                return int(make_batch(incident).pk)

            batch_pk, _mb = _in_child(people)  # Faker's memory stays in the child, too
            batch = Batch.objects.get(pk=batch_pk)
            ids = list(batch.notifications.order_by("pk").values_list("pk", flat=True))
            size = tasks.chunk_size()
            _pool(workers, [ids[i:i + size] for i in range(0, len(ids), size)], tasks.generate_chunk)
            results = pack_figures(batch, count, workers, baseline=baseline)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def pack_summary(results: dict[str, float]) -> str:
    if "pack_baseline" in results:
        versus = (f"pack_ratio={results['pack_ours'] / results['pack_baseline']:.2f} pack_ours={results['pack_ours']:.1f} "
                  f"pack_baseline={results['pack_baseline']:.1f}")
    else:
        versus = f"pack_ratio=- pack_ours={results['pack_ours']:.1f} pack_baseline=-"
    return (f"{versus} pack_bytes_per_letter={results['pack_bytes_per_letter']:.0f} "
            f"pack_peak_mb={results['pack_peak_mb']:.0f} pack_letters={results['pack_letters']:.0f}")


def letters(n: int = 1000, workers: int = 2, *, chunk_experiment: bool = False,
            chunk_sizes: tuple[int, ...] = (1, 5, 10, 25, 50), pack: int = 0) -> dict[str, float]:
    """The benchmark. Prints figures; returns them. Django must be set up (see main())."""
    workers = max(2, workers)
    workdir = Path(tempfile.mkdtemp(prefix="bt-bench-"))
    old_name = _test_database(workdir)
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
            k_cpu: list[float] = []
            _batch_k, ours_k, ours_k_peak = _ours(workers, n, k_cpu)
            # The pack is built before the bare loop below, in a process forked from this one
            # while it is still small: a pack task's worker holds no other render's memory.
            pack_row = PrintPack.objects.create(batch=batch)

            def build() -> int:
                return delivery.print_pack_build(pack_id=pack_row.pk).pages

            forked_mb = rss_mb()
            started = time.perf_counter()
            pages, pack_peak = _in_child(build)
            pack_s = time.perf_counter() - started
            html = _html_for(batch)
            started, started_cpu = time.perf_counter(), _cpu_seconds()
            for one in html:
                _bare(one)
            base_s, base_cpu = time.perf_counter() - started, _cpu_seconds() - started_cpu
            base_peak = peak_mb()
            results = {"ours": ours, "baseline": n / base_s, "ours_peak_mb": max(ours_peak, ours_k_peak),
                       f"ours_{workers}_workers": ours_k, "scaling": ours_k / ours, "workers": workers,
                       "baseline_peak_mb": base_peak, "pack_seconds": pack_s, "pack_peak_mb": pack_peak}
            print(f"ours, 1 worker:   {ours:7.1f} letters/s, peak {ours_peak:.0f} MB per process")
            print(f"ours, {workers} workers:  {ours_k:7.1f} letters/s, peak {ours_k_peak:.0f} MB per process")
            print(f"baseline (bare WeasyPrint, one letter at a time, 1 process): {results['baseline']:7.1f} letters/s")
            print(f"ratio ours/bare, 1 worker: {ours / results['baseline']:.2f} (goal >= 1.3); "
                  f"{workers} workers / 1 worker: {ours_k / ours:.2f} (goal >= 1.7)")
            # How busy each worker was: near 100% means the workers were CPU-bound (and a
            # scaling below K means the cores were shared); well below, they waited (locks, disk).
            print(f"worker CPU use: 1 worker {ours_cpu[0] / ours_cpu[1]:.0%}; {workers} workers "
                  f"{k_cpu[0] / (workers * k_cpu[1]):.0%} each on average")
            # CPU time is what a busy machine disturbs least: letters per CPU-second of the
            # worker process against the bare loop's (PostgreSQL's own CPU and the waits for
            # its commits are not counted: the wall-clock figures above include them).
            print(f"per CPU-second: ours {n / ours_cpu[0]:.1f}, bare {n / base_cpu:.1f} letters, "
                  f"ratio {base_cpu / ours_cpu[0]:.2f}")
            results.update(ours_per_cpu_second=n / ours_cpu[0], baseline_per_cpu_second=n / base_cpu)
            print(f"print pack: {pages} pages in {pack_s:.1f} s, peak {pack_peak:.0f} MB "
                  f"(forked from a process of {forked_mb:.0f} MB)")
            if chunk_experiment:
                _chunk_experiment(list(chunk_sizes))
            if pack:
                results.update(pack_figures(batch, pack, workers))
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(workdir, ignore_errors=True)
    peak = max(results.get("ours_peak_mb", 0), results.get("pack_peak_mb", 0))
    ratio = results["ours"] / results["baseline"]
    packs = f" {pack_summary(results)}" if pack else ""
    print(f"letters: ratio={ratio:.2f} ours={results['ours']:.1f} baseline={results['baseline']:.1f} peak_mb={peak:.0f}{packs}")
    return results
