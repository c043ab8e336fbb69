"""`python manage.py benchmark pages`: the pages a user waits for, at 100 and 100,000 people,
on the benchmark's throwaway database.

Pages: the dashboard, the register (first and last page), the incident, its people (first and
last page), its notifications (first and last page) and the regulator report.

Each size runs in its own child process: it creates one incident with N synthetic people
(half of them with a notification in a spread of states) among OTHER_INCIDENTS small ones (so
the register has a last page), signs a DPO in with Django's test client, warms each page once,
then times each page `--repeat` times and counts its queries. Each page's figures at the small
size are its baseline: the summary gives, per page, p50 and p95 at both sizes, the ratio of
the p50s (near 1: the page does not grow with the number of people) and the query counts
(equal: no query per person).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import roles
from incidents.models import DataCategory, DataSubject, Incident
from incidents.people import tally
from incidents.register import services
from incidents.register.views import INCIDENTS_PER_PAGE
from notifications import progress as notification_progress
from notifications.models import Notification
from reporting import services as report_services

from .common import run_child, throwaway_database

PAGES = ("dashboard", "register", "register_last", "incident_detail", "subject_list", "subject_list_last",
         "notification_list", "notification_list_last", "report_preview")
OTHER_INCIDENTS = 60


def _urls(incident: Any, size: int) -> dict[str, str]:
    def last(count: int, per_page: int) -> int:
        return max(1, -(-count // per_page))

    ref = [incident.reference]
    register = reverse("incident_list")
    subjects = reverse("subject_list", args=ref)
    notifications = reverse("notification_list", args=ref)
    return {
        "dashboard": reverse("dashboard"),
        "register": register,
        "register_last": f"{register}?page={last(OTHER_INCIDENTS + 1, INCIDENTS_PER_PAGE)}",
        "incident_detail": reverse("incident_detail", args=ref),
        "subject_list": subjects,
        # The people's and notifications' lists are paged by key (breachtracker/keyset.py): their
        # deep page is the last, read backwards from the index as the first is read forwards.
        "subject_list_last": f"{subjects}?cursor=last",
        "notification_list": notifications,
        "notification_list_last": f"{notifications}?cursor=last",
        "report_preview": reverse("report_preview", args=ref),
    }


def _percentile(values: list[float], q: int) -> float:
    """The q-th percentile (nearest rank) of a handful of timings."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-q * len(ordered) // 100) - 1))]


def child_pages(size: int, repeat: int) -> dict[str, Any]:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Each size starts from the same world (one incident of its size among the others): the
    # sizes share the throwaway database, and the dashboard lists every open incident, so the
    # second size measured the first one's incidents too (twice as many rows, not more people).
    Incident.objects.all().delete()
    user, _ = get_user_model().objects.get_or_create(username="benchmark-dpo")
    user.groups.add(Group.objects.get(name=roles.DPO))
    now = timezone.now()
    incident = services.incident_create(actor=user, fields={
        "title": "Benchmark", "description": "Synthetic.", "cause": "hidden_data", "regime": "dpa_part3",
        "breach_confidentiality": True, "discovered_at": now - timedelta(hours=2), "aware_at": now - timedelta(hours=1),
        "approx_records": size})
    services.incident_set_categories(incident=incident, actor=user, exposed={
        c: {"approx_records": size, "detail": ""} for c in DataCategory.objects.filter(code__in=["criminal", "health"])})
    report_services.report_details_save(incident=incident, actor=user, fields={"consequences": "Distress.",
                                                                               "likelihood": "likely"})
    started = time.perf_counter()
    batch: list[DataSubject] = []
    for n in range(size):
        batch.append(DataSubject(incident=incident, full_name=f"Person {n:06d}", roles=1 << (n % 10),
                                 categories_mask=(1 << 14) | ((1 << 7) if n % 9 == 0 else 0),
                                 is_child=n % 13 == 0, is_vulnerable=n % 17 == 0, postcode="LS1 1AA"))
        if len(batch) == 5000:
            DataSubject.objects.bulk_create(batch)
            batch = []
    DataSubject.objects.bulk_create(batch)
    tally.recount(incident)  # written in bulk: counted once, as the import's services would keep it
    for n in range(OTHER_INCIDENTS):
        other = services.incident_create(actor=user, fields={
            "title": f"Other incident {n}", "description": "Synthetic.", "cause": "wrong_recipient",
            "regime": "uk_gdpr", "breach_confidentiality": True, "discovered_at": now - timedelta(days=n + 2),
            "aware_at": now - timedelta(days=n + 1)})
        DataSubject.objects.bulk_create([DataSubject(incident=other, full_name=f"Other {n}-{k}", roles=1,
                                                     postcode="LS1 1AA") for k in range(3)])
        tally.recount(other)
    states = [("sent", ""), ("delivered", ""), ("pending", ""), ("withheld", "restricted"), ("failed", "")]
    ids = list(DataSubject.objects.filter(incident=incident).values_list("pk", flat=True)[: size // 2])
    for start in range(0, len(ids), 5000):
        Notification.objects.bulk_create([
            Notification(incident=incident, subject_id=pk, status=states[i % 5][0], withheld_code=states[i % 5][1])
            for i, pk in enumerate(ids[start:start + 5000], start=start)])
    notification_progress.recount(incident)  # written in bulk: counted once, as the services would keep it
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    setup_seconds = time.perf_counter() - started

    client = Client()
    client.force_login(user)
    # A DPO's session counts only after the second sign-in step (issue 17): marked as django-otp's
    # own login() does, with the benchmark user's authenticator app.
    device, _ = TOTPDevice.objects.get_or_create(user=user, defaults={"name": "Authenticator app", "confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    urls = _urls(incident, size)
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    sql_times: dict[str, list[float]] = {name: [] for name in PAGES}
    slowest: dict[str, tuple[float, str]] = {}
    rounds: list[float] = []
    queries: dict[str, int] = {}
    for name, url in urls.items():  # warm-up: the session's first write, template caches
        if client.get(url, secure=True).status_code != 200:
            raise RuntimeError(f"{name} did not answer 200")
    for _ in range(repeat):
        total = 0.0
        for name, url in urls.items():
            with CaptureQueriesContext(connection) as captured:
                begin = time.perf_counter()
                response = client.get(url, secure=True)
                spent = time.perf_counter() - begin
            if response.status_code != 200:
                raise RuntimeError(f"{name} answered {response.status_code}")
            times[name].append(spent)
            queries[name] = len(captured)
            # Django's debug cursor times each query on the client side: enough to say which
            # query a page's growth is in (the diagnosis the summary prints for a page > 1.2x).
            timed = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
            sql_times[name].append(sum(t for t, _ in timed))
            top = max(timed, default=(0.0, ""))
            if name not in slowest or top[0] > slowest[name][0]:
                slowest[name] = top
            total += spent
        rounds.append(total)
    return {"size": size, "setup_seconds": setup_seconds, "round_p50": statistics.median(rounds),
            "p50": {name: statistics.median(values) for name, values in times.items()},
            "p95": {name: _percentile(values, 95) for name, values in times.items()},
            "sql_p50": {name: statistics.median(values) for name, values in sql_times.items()},
            "slowest": {name: [round(t * 1000, 1), " ".join(sql.split())[:300]] for name, (t, sql) in slowest.items()},
            "queries": queries, "query_total": sum(queries.values())}


def run_pages(command: Any, options: dict[str, Any]) -> str:
    small, large = options["pages_small"], options["pages_large"]
    with throwaway_database() as env:
        command.stdout.write(f"pages benchmark on {env['BT_BENCH_DATABASE']}; people: {small:,} and {large:,}; "
                             f"{options['repeat']} timed requests per page; load average before: {_load()}")
        results = {}
        for size in (small, large):
            result = run_child(env, "pages", "--child", "pages", "--file", str(size), "--repeat", str(options["repeat"]))
            results[size] = result
            command.stdout.write(f"  {size:>7,} people set up in {result['setup_seconds']:.1f} s; "
                                 f"round p50 {result['round_p50'] * 1000:.1f} ms")
        command.stdout.write(f"  {'page':<24} {'p50 / p95 at ' + format(small, ','):>24} "
                             f"{'p50 / p95 at ' + format(large, ','):>26} {'ratio':>6} {'queries':>9} {'SQL ms':>13}")
        worst = 0.0
        grown: list[str] = []
        for name in PAGES:
            a, b = results[small], results[large]
            ratio = b["p50"][name] / a["p50"][name]
            worst = max(worst, ratio)
            command.stdout.write(
                f"  {name:<24} {a['p50'][name] * 1000:>11.1f} / {a['p95'][name] * 1000:>6.1f} ms "
                f"{b['p50'][name] * 1000:>13.1f} / {b['p95'][name] * 1000:>6.1f} ms {ratio:>6.2f} "
                f"{a['queries'][name]:>4}/{b['queries'][name]:<4} "
                f"{a['sql_p50'][name] * 1000:>5.1f} / {b['sql_p50'][name] * 1000:<5.1f}")
            if ratio > 1.2:
                spent, sql = b["slowest"].get(name, [0.0, ""])
                grown.append(f"  {name}: slowest query at {large:,} people, {spent} ms: {sql}")
        for line in grown:
            command.stdout.write(line)
        command.stdout.write(f"  load average after: {_load()}")
    ratio = results[large]["round_p50"] / results[small]["round_p50"]
    same = all(results[small]["queries"][n] == results[large]["queries"][n] for n in PAGES)
    return (f"pages: ratio={ratio:.2f} worst_page_ratio={worst:.2f} queries_100={results[small]['query_total']} "
            f"queries_100k={results[large]['query_total']} same_queries={'yes' if same else 'no'}")


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())
