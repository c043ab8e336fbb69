"""Health endpoints for a load balancer and monitoring (issue 17), with django-health-check's
checks: the database (`SELECT 1` on a connection of its own), Redis (PING) and the workers
(Celery's ping control command, and a worker consuming each queue).

Reachable without signing in, so they say nothing but "OK" or "failed" per check (no error
text, host, version or timing: those go to the log), as plain text, with 200 when every check
passes and 503 otherwise, never cached. All live under /health/ so sign-in requirements
(two-factor included) can exempt that prefix.

    /health/           every check          /health/web/       the web process only (liveness)
    /health/database/  /health/redis/       /health/workers/   one check each
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from redis.asyncio import Redis as RedisClient

from .celery import app as celery_app

# Seconds a check may take before it counts as failed (a load balancer polls every few seconds).
TIMEOUT = 3


def _redis_client() -> RedisClient:
    return RedisClient.from_url(settings.REDIS_URL, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)


def checks() -> dict[str, HealthCheck]:
    """The checks by name, built per request (settings may change). Without REDIS_URL (the
    embedded, development mode) there is no Redis, and workers cannot be pinged."""
    found: dict[str, HealthCheck] = {"database": Database()}
    if settings.REDIS_URL:
        found["redis"] = Redis(client_factory=_redis_client)
        found["workers"] = Ping(app=celery_app, timeout=timedelta(seconds=TIMEOUT))
    return found


async def _results(selected: dict[str, HealthCheck]) -> dict[str, bool]:
    results = await asyncio.gather(*(check.get_result() for check in selected.values()))
    return {name: result.error is None for name, result in zip(selected, results, strict=True)}


@require_GET
def health(request: HttpRequest, check: str = "") -> HttpResponse:
    """Plain text, one line per check ("database: OK"), 200 if all pass, else 503."""
    available = checks()
    if check == "web":
        passed = {"web": True}
    elif check:
        if check not in available:
            raise Http404("No such check")
        passed = asyncio.run(_results({check: available[check]}))
    else:
        passed = {"web": True, **asyncio.run(_results(available))}
    body = "".join(f"{name}: {'OK' if ok else 'failed'}\n" for name, ok in passed.items())
    response = HttpResponse(body, content_type="text/plain; charset=utf-8", status=200 if all(passed.values()) else 503)
    add_never_cache_headers(response)
    return response


def url_names() -> list[tuple[str, dict[str, Any]]]:
    """The routes' checks (for urls.py): "" is every check."""
    return [("", {}), ("web/", {"check": "web"}), ("database/", {"check": "database"}),
            ("redis/", {"check": "redis"}), ("workers/", {"check": "workers"})]
