from __future__ import annotations

import os

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if os.environ.get("BREACHTRACKER_REQUIRE_SERVICES"):
        # CI: the suite must run against the real servers, never fall back silently.
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine or not os.environ.get("REDIS_URL"):
            raise pytest.UsageError(f"CI needs PostgreSQL and Redis; got {engine} and REDIS_URL={os.environ.get('REDIS_URL')!r}")


def pytest_report_header(config: pytest.Config) -> str:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"breachtracker: database={engine} redis={'yes' if os.environ.get('REDIS_URL') else 'no'}"

