"""The storages every file goes through: local disk (the default) or an S3 bucket, both
encrypting on save and decrypting on open (the format: `breachtracker.files`).

Chosen in settings: `BREACHTRACKER_S3_BUCKET` set selects `EncryptedS3Storage`, otherwise
`EncryptedFileSystemStorage` under MEDIA_ROOT (files 0600, folders 0700). Both also offer
`replace(name, content)`: store under exactly that name, replacing what was there in one step
(a fixed name per letter, so a re-run overwrites rather than adds a file).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.files.utils import validate_file_name

from . import files


class EncryptingMixin:
    """Encrypts what `_save` receives and decrypts what `_open` returns."""

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("stored files are written with save() or files.write(), never opened for writing")
        return files.decrypting(super()._open(name, "rb"), name)  # type: ignore[misc]

    def _save(self, name: str, content: Any) -> str:
        return super()._save(name, files.encrypting(content))  # type: ignore[misc]

    def open_raw(self, name: str) -> Any:
        """The stored (encrypted) bytes, for key rotation and tests."""
        return super()._open(name, "rb")  # type: ignore[misc]

    def raw_tail(self, name: str, offset: int) -> bytes:
        """The stored (encrypted) bytes from `offset` to the end: the last record of a file,
        whose plain length gives the file's size without reading the rest."""
        with super()._open(name, "rb") as handle:  # type: ignore[misc]
            handle.seek(offset)
            return bytes(handle.read())

    def save_raw(self, name: str, content: Any) -> str:
        """Store already-encrypted bytes under exactly `name` (key rotation)."""
        return self._replace(name, content)

    def replace(self, name: str, content: Any) -> str:
        validate_file_name(name, allow_relative_path=True)
        return self._replace(name, files.encrypting(content))

    def _replace(self, name: str, content: Any) -> str:
        raise NotImplementedError


class EncryptedFileSystemStorage(EncryptingMixin, FileSystemStorage):
    """Local disk. Every write goes to a private temporary file in the target folder and is
    then linked (new name) or renamed (replace) into place, so a file is never seen half
    written and nothing is ever world-readable."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    def _write_temporary(self, full_path: str, content: Any) -> str:
        directory = os.path.dirname(full_path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")  # 0600
        if not isinstance(content, File):
            content = File(content)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return tmp

    def _save(self, name: str, content: Any) -> str:
        content = files.encrypting(content)
        full_path = self.path(name)
        tmp = self._write_temporary(full_path, content)
        try:
            while True:
                try:
                    os.link(tmp, full_path)  # fails if the name is taken: then another name
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            os.unlink(tmp)
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _replace(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        tmp = self._write_temporary(full_path, content)
        try:
            os.replace(tmp, full_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return name


def _s3_storage() -> type:
    """The S3 storage class, made on first use: django-storages' S3 backend brings boto3
    (about 37 MB in every process), which the local-disk default never needs."""
    from storages.backends.s3 import S3Storage
    from storages.utils import clean_name

    class EncryptedS3Storage(EncryptingMixin, S3Storage):
        """An S3 (or compatible) bucket; an object is replaced whole by one PUT."""

        def _replace(self, name: str, content: Any) -> str:
            return str(S3Storage._save(self, name, content))

        def raw_tail(self, name: str, offset: int) -> bytes:
            # One ranged GET: S3Storage's file object would fetch the whole object first.
            key = self._normalize_name(clean_name(name))
            return bytes(self.bucket.Object(key).get(Range=f"bytes={offset}-")["Body"].read())

        def get_available_name(self, name: str, max_length: int | None = None) -> str:
            # Like local disk: save() never overwrites, replace() does.
            return str(super(S3Storage, self).get_available_name(name, max_length))

    EncryptedS3Storage.__module__ = __name__
    EncryptedS3Storage.__qualname__ = "EncryptedS3Storage"
    return EncryptedS3Storage


def __getattr__(name: str) -> Any:
    # `breachtracker.storage.EncryptedS3Storage`, as settings name it, imported only when chosen.
    if name == "EncryptedS3Storage":
        cls = globals()["EncryptedS3Storage"] = _s3_storage()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
