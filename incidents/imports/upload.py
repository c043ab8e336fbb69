"""Where an upload waits for its import: in storage under `imports-tmp/`, encrypted like every
stored file, so the web server that received it and the worker that reads it need not share a
disk. The readers (csv, the sheet reader's child process) get a decrypted copy in a private
temporary folder for as long as they read, deleted afterwards."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.files.storage import default_storage

from breachtracker import files

from ..models import SubjectImport

UPLOAD_DIR = "imports-tmp"


def upload_name(subject_import: SubjectImport) -> str:
    """The stored upload's name, or "" once it is gone."""
    return f"{UPLOAD_DIR}/{subject_import.tmp_name}" if subject_import.tmp_name else ""


def upload_exists(subject_import: SubjectImport) -> bool:
    name = upload_name(subject_import)
    return bool(name) and default_storage.exists(name)


@contextlib.contextmanager
def upload_copy(subject_import: SubjectImport) -> Iterator[Path | None]:
    """A readable copy of the upload for the block, or None if it is no longer stored."""
    name = upload_name(subject_import)
    if not name:
        yield None
        return
    with contextlib.ExitStack() as stack:
        try:
            path = stack.enter_context(files.local_copy(name, suffix=".upload"))
        except FileNotFoundError:
            path = None
        yield path


@contextlib.contextmanager
def private_file() -> Iterator[Path]:
    """A new empty file (0600) in a private temporary folder, removed with it afterwards."""
    with files.private_folder(prefix="breachtracker-upload-") as folder:
        path = folder / "upload"
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        yield path


def store(tmp_name: str, path: Path) -> None:
    """Keep the file at `path` as the upload named `tmp_name` (encrypted on the way)."""
    with open(path, "rb") as handle:
        files.write(f"{UPLOAD_DIR}/{tmp_name}", handle)


def delete(names: Iterable[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def stored_names() -> list[str]:
    """Every file waiting under UPLOAD_DIR (names without the folder)."""
    try:
        return list(default_storage.listdir(UPLOAD_DIR)[1])
    except FileNotFoundError:
        return []
