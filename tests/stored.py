"""Where the local storage keeps a stored file, for tests that look at (or tamper with) the
bytes on disk. App code never does this: it goes through the storage API."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from incidents.imports.upload import upload_name
from incidents.models import SubjectImport


def stored_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def upload_path(subject_import: SubjectImport) -> Path | None:
    name = upload_name(subject_import)
    return stored_path(name) if name else None
