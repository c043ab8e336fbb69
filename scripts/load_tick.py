"""Concurrent load: N users ticking notifications for S seconds against a real server.

    .venv/bin/python scripts/load_tick.py --seconds 60 --users 20

On a throwaway PostgreSQL database (created on the DATABASE_URL server, migrated, dropped
afterwards; see `manage.py benchmark`), it seeds an incident with people and generated
letters, starts the app (`manage.py runserver`, threaded, DEBUG off) on 127.0.0.1, and runs
`--users` threads that each sign in through the real login form and then, until the time is
up (counted from each user's own sign-in, and at least three ticks each whatever the machine's
load), load a notification's page and tick it (sent ↔ returned, with the version the page
showed: the optimistic lock). All users share the same notifications, so they collide.

It then checks, from the database, that no tick was lost or doubled: every tick the app
confirmed is exactly one history row, each notification's version moved by exactly its number
of ticks and its status matches the last one, and the notification progress counters
(moved by every tick) still match a full recount. It prints a JSON summary (requests, p95 latency,
5xx, lost updates) and exits non-zero if anything is wrong. A small threaded client (stdlib
only) rather than locust: one dependency fewer, and it checks the outcome of each tick.
"""
from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django_otp.oath import totp

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load test password 2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
MESSAGE = re.compile(r'role="status">([^<]*)</div>')


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachtracker.settings")
    import django

    django.setup()


# --- in the throwaway database (child processes) -----------------------------------------

def seed(users: int, people: int) -> dict[str, Any]:
    _django()
    from django.contrib.auth.models import Group

    from incidents import roles
    from incidents.models import DataSubject
    from notifications import progress
    from notifications.models import Batch, Notification
    from tests.base import make_incident, make_user
    from tests.notifications.helpers import ensure_letter_templates

    ensure_letter_templates()
    Group.objects.get(name=roles.HANDLER)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    names = [f"load{i:02d}" for i in range(users)]
    keys = {}
    for name in names:
        user = make_user(name, roles.HANDLER)
        user.set_password(PASSWORD)
        user.save()
        # Case handlers sign in with a code from an authenticator app too (issue 17).
        keys[name] = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True).key
    incident = make_incident(title="Load test")
    subjects = DataSubject.objects.bulk_create(
        [DataSubject(incident=incident, full_name=f"Person {i:04d}", postcode="LS1 4AP", roles=1)
         for i in range(people)])
    batch = Batch.objects.create(incident=incident)
    # Letters as if generated (no PDF needed to tick them off).
    Notification.objects.bulk_create(
        [Notification(incident=incident, batch=batch, subject=s, status=Notification.Status.GENERATED)
         for s in subjects])
    progress.recount(incident)  # written in bulk: counted once, then kept by every tick
    rows = dict(Notification.objects.filter(incident=incident).values_list("pk", "version"))
    return {"reference": incident.reference, "users": names, "keys": keys, "versions": rows}


def verify() -> dict[str, Any]:
    _django()
    from notifications import progress
    from notifications.models import Notification

    history = Notification.history.model  # type: ignore[attr-defined]
    ticks: dict[int, list[str]] = {}
    for pk, reason in (history.objects.filter(history_change_reason__startswith="Marked ")
                       .order_by("history_date", "history_id").values_list("id", "history_change_reason")):
        ticks.setdefault(pk, []).append(reason.removeprefix("Marked "))
    rows = {pk: (version, status) for pk, version, status in Notification.objects.values_list("pk", "version", "status")}
    # The progress counters, moved by every concurrent tick, against a full recount.
    return {"ticks": ticks, "rows": rows, "counter_drift": progress.check(repair=False)}


# --- the load (parent) ---------------------------------------------------------------------

class User(threading.Thread):
    # Every user ticks at least this often, however slow the machine: the run checks correctness
    # under concurrency, not how much a busy machine gets through.
    MIN_TICKS = 3

    def __init__(self, port: int, name: str, reference: str, versions: dict[int, int], seconds: float,
                 results: dict[str, Any], lock: threading.Lock, key: str = "") -> None:
        super().__init__(daemon=True)
        self.port, self.name, self.reference, self.v0 = port, name, reference, versions
        self.key = key
        self.seconds, self.results, self.lock = seconds, results, lock
        self.deadline = float("inf")
        self.ticks = 0
        self.cookies: dict[str, str] = {}
        self.signed_in = False
        self.latencies: list[float] = []
        self.statuses: list[int] = []
        self.confirmed: dict[int, int] = {}
        self.errors: list[str] = []
        self.rnd = random.Random(name)

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data = urlencode(body)
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Referer": f"http://127.0.0.1:{self.port}{path}"})
        start = time.perf_counter()
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        if self.signed_in:  # sign-in (a deliberately slow password hash) is not ticking
            self.latencies.append(time.perf_counter() - start)
        self.statuses.append(response.status)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.getheader("Location") or "", text

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - reported in the summary
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        _, _, page = self.request("GET", "/login/")
        token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        status, location, _ = self.request("POST", "/login/", {
            "csrfmiddlewaretoken": token, "username": self.name, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{self.name} could not sign in ({status})")
        # The second step: the code the user's authenticator app shows now.
        _, _, page = self.request("GET", "/account/two-factor/verify/")
        token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        code = f"{totp(bytes.fromhex(self.key)):06d}"
        status, _, _ = self.request("POST", "/account/two-factor/verify/", {"csrfmiddlewaretoken": token, "code": code})
        if status != 302:
            raise RuntimeError(f"{self.name} could not enter the code ({status})")
        self.signed_in = True
        # Each user's clock starts once it has signed in: a slow sign-in (a deliberately slow
        # password hash, on a busy machine) does not eat the ticking window.
        self.deadline = time.monotonic() + self.seconds
        pending: int | None = None
        ids = list(self.v0)
        while True:
            pk = self.rnd.choice(ids)
            path = f"/incidents/{quote(self.reference)}/notifications/{pk}/"
            _, _, page = self.request("GET", path)
            # The page shows the outcome of this user's previous tick (messages).
            if pending is not None:
                said = " ".join(html.unescape(m) for m in MESSAGE.findall(page))
                if "Marked" in said:
                    self.confirmed[pending] = self.confirmed.get(pending, 0) + 1
                pending = None
            if time.monotonic() >= self.deadline and self.ticks >= self.MIN_TICKS:
                return
            version = int(VERSION.search(page).group(1))  # type: ignore[union-attr]
            token = CSRF.search(page).group(1)  # type: ignore[union-attr]
            # Every tick goes generated → sent → returned → sent...: the status follows the version.
            action = "sent" if (version - self.v0[pk]) % 2 == 0 else "returned"
            status, _, _ = self.request("POST", f"{path}mark/", {
                "csrfmiddlewaretoken": token, "action": action, "version": str(version)})
            self.ticks += 1
            if status == 302:
                pending = pk


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def run(seconds: float, users: int, people: int) -> dict[str, Any]:
    _django()
    from django.conf import settings

    from cryptography.fernet import Fernet
    from reporting.benchmarks.common import throwaway_database

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("load_tick needs DATABASE_URL to point at a PostgreSQL server")
    with throwaway_database() as env:
        env = {**env, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
               "BREACHTRACKER_FIELD_KEYS": Fernet.generate_key().decode(), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
               "DJANGO_SECURE_COOKIES": "false", "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_HSTS_SECONDS": "0",
               "DB_CONN_MAX_AGE": "0", "AXES_FAILURE_LIMIT": "1000", "DJANGO_LOG_LEVEL": "ERROR",
               "PYTHONPATH": str(ROOT)}
        seeded = _child(env, "--seed", "--users", str(users), "--people", str(people))
        versions = {int(k): v for k, v in seeded["versions"].items()}
        port = _free_port()
        log = open(ROOT / "var" / "load-tick-server.log", "wb")
        server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload",
                                   "--skip-checks"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_listening(port, server)
            lock = threading.Lock()
            threads = [User(port, name, seeded["reference"], versions, seconds, {}, lock, seeded["keys"][name])
                       for name in seeded["users"]]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(seconds + 120)
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
        state = _child(env, "--verify")
    return summarise(threads, versions, state, elapsed)


def summarise(threads: list[User], versions: dict[int, int], state: dict[str, Any], elapsed: float) -> dict[str, Any]:
    latencies = sorted(x for t in threads for x in t.latencies)
    statuses = [s for t in threads for s in t.statuses]
    confirmed: dict[int, int] = {}
    for t in threads:
        for pk, n in t.confirmed.items():
            confirmed[pk] = confirmed.get(pk, 0) + n
    ticks = {int(k): v for k, v in state["ticks"].items()}
    rows = {int(k): v for k, v in state["rows"].items()}
    lost = doubled = inconsistent = 0
    for pk, v0 in versions.items():
        recorded = ticks.get(pk, [])
        said = confirmed.get(pk, 0)
        lost += max(0, said - len(recorded))
        doubled += max(0, len(recorded) - said)
        version, status = rows[pk]
        expected_status = recorded[-1] if recorded else "generated"
        if version - v0 != len(recorded) or status != expected_status:
            inconsistent += 1
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else (latencies[-1] if latencies else 0)
    return {
        "users": len(threads), "seconds": round(elapsed, 1), "requests": len(statuses),
        "ticks_confirmed": sum(confirmed.values()), "ticks_recorded": sum(len(v) for v in ticks.values()),
        "lost_updates": lost, "doubled_updates": doubled, "inconsistent_rows": inconsistent,
        "counter_drift": state["counter_drift"], "status_5xx": sum(1 for s in statuses if s >= 500),
        "p50_ms": round(statistics.median(latencies) * 1000) if latencies else 0, "p95_ms": round(p95 * 1000),
        "client_errors": [e for t in threads for e in t.errors][:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--people", type=int, default=200, help="notifications shared by the users")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        print(json.dumps(seed(args.users, args.people)))
        return
    if args.verify:
        print(json.dumps(verify()))
        return
    summary = run(args.seconds, args.users, args.people)
    print(json.dumps(summary))
    ok = (summary["lost_updates"] == summary["doubled_updates"] == summary["inconsistent_rows"]
          == summary["status_5xx"] == 0 and not summary["client_errors"] and summary["ticks_recorded"] > 0
          and not summary["counter_drift"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
