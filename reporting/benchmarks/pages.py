"""`python manage.py benchmark pages`: the incident page, the subjects list and the regulator
report at 100 and 100,000 people, on the benchmark's throwaway database.

Each size runs in its own child process: it creates one incident with N synthetic people
(half of them with a notification in a spread of states), signs a DPO in with Django's test
client, warms each page once, then times each page `--repeat` times and counts its queries.
The summary line compares the p50 of one round (all three pages) at the large size with the
small one: a ratio near 1 means the pages do not grow with the number of people.
"""

from __future__ import annotations

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
from incidents.models import DataCategory, DataSubject
from incidents.register import services
from notifications.models import Notification
from reporting import services as report_services

from .common import run_child, throwaway_database

PAGES = ("incident_detail", "subject_list", "report_preview")


def child_pages(size: int, repeat: int) -> dict[str, Any]:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
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
    states = [("sent", ""), ("delivered", ""), ("pending", ""), ("withheld", "restricted"), ("failed", "")]
    ids = list(DataSubject.objects.filter(incident=incident).values_list("pk", flat=True)[: size // 2])
    for start in range(0, len(ids), 5000):
        Notification.objects.bulk_create([
            Notification(incident=incident, subject_id=pk, status=states[i % 5][0], withheld_code=states[i % 5][1])
            for i, pk in enumerate(ids[start:start + 5000], start=start)])
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
    urls = {name: reverse(name, args=[incident.reference]) for name in PAGES}
    times: dict[str, list[float]] = {name: [] for name in PAGES}
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
            total += spent
        rounds.append(total)
    return {"size": size, "setup_seconds": setup_seconds, "round_p50": statistics.median(rounds),
            "p50": {name: statistics.median(values) for name, values in times.items()},
            "queries": queries, "query_total": sum(queries.values())}


def run_pages(command: Any, options: dict[str, Any]) -> str:
    small, large = options["pages_small"], options["pages_large"]
    with throwaway_database() as env:
        engine = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
        command.stdout.write(f"pages benchmark on a throwaway {engine} database; people: {small:,} and {large:,}")
        results = {}
        for size in (small, large):
            result = run_child(env, "pages", "--child", "pages", "--file", str(size), "--repeat", str(options["repeat"]))
            results[size] = result
            per_page = ", ".join(f"{name} {result['p50'][name] * 1000:.1f} ms ({result['queries'][name]} queries)"
                                 for name in PAGES)
            command.stdout.write(f"  {size:>7,} people (set up in {result['setup_seconds']:.1f} s): {per_page}; "
                                 f"round p50 {result['round_p50'] * 1000:.1f} ms")
    ratio = results[large]["round_p50"] / results[small]["round_p50"]
    return (f"pages: ratio={ratio:.2f} queries_100={results[small]['query_total']} "
            f"queries_100k={results[large]['query_total']}")
