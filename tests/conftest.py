from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from django.conf import settings


_MEDIA_ROOT = tempfile.mkdtemp(prefix="bt-test-media-")


def pytest_configure(config: pytest.Config) -> None:
    # Uploads and generated files go to a private folder (workers started by tests inherit it
    # through the environment), removed after the run.
    os.environ["DJANGO_MEDIA_ROOT"] = _MEDIA_ROOT
    settings.MEDIA_ROOT = _MEDIA_ROOT
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



def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests import hostile

    if hostile.count():
        terminalreporter.write_line(f"hostile inputs tried: {hostile.count()}")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_MEDIA_ROOT, ignore_errors=True)
