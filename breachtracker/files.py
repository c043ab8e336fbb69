"""Every stored file encrypted at rest, streamed: the format, and the helpers app code uses.

A stored file is `MAGIC` then a run of records, each a 4-byte big-endian length and a Fernet
token (the field keys of `breachtracker.crypto`, stored as raw bytes rather than base64). Each
token holds up to `CHUNK` bytes of the file behind an 8-byte chunk number and a last-chunk
flag, so chunks cannot be reordered, dropped or cut off the end without the read failing.
Neither side ever holds more than one chunk: a print pack of 10,000 letters is encrypted and
decrypted 1 MiB at a time, never whole in memory.

App code never sees this: the storages of `breachtracker.storage` encrypt in `save()` and
decrypt in `open()`, so `default_storage` and every FileField read and write plain bytes, and
nothing can reach the disk or the bucket unencrypted. What a library can only read from a real
file (pypdf, the import's sheet reader) gets `local_copy()`: a decrypted copy in a private
temporary folder, deleted when the block ends.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse

from . import crypto

MAGIC = b"BTENC1\n"
CHUNK = 1 << 20
_LENGTH = 4
_NUMBER = 8


class DamagedFile(ValueError):
    """The stored file is not one we wrote whole: cut short, altered, or encrypted with a key
    no longer in BREACHTRACKER_FIELD_KEYS."""


def _seal(number: int, last: bool, data: bytes) -> bytes:
    token = crypto.fernet().encrypt(number.to_bytes(_NUMBER, "big") + (b"\x01" if last else b"\x00") + data)
    raw = base64.urlsafe_b64decode(token)
    return len(raw).to_bytes(_LENGTH, "big") + raw


def _open_record(raw: bytes, number: int) -> tuple[bool, bytes]:
    try:
        plain = crypto.fernet().decrypt(base64.urlsafe_b64encode(raw))
    except InvalidToken:
        raise DamagedFile("A stored file cannot be decrypted with any key in BREACHTRACKER_FIELD_KEYS, "
                          "or it was altered") from None
    if int.from_bytes(plain[:_NUMBER], "big") != number:
        raise DamagedFile("A stored file's parts are out of order")
    return plain[_NUMBER] == 1, plain[_NUMBER + 1:]


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    parts, left = [], size
    while left:
        block = source.read(left)
        if not block:
            break
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


class EncryptingReader(io.RawIOBase):
    """Reads as the encrypted form of `source` (a binary file object), one chunk at a time.

    Seekable back to the start only (an S3 upload rewinds before sending)."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self._start()

    def _start(self) -> None:
        self._pending = MAGIC
        self._number = 0
        self._done = False
        self._position = 0
        self._next = _read_exactly(self.source, CHUNK)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR and offset == 0:
            return self._position
        if (offset, whence) != (0, io.SEEK_SET):
            raise io.UnsupportedOperation("an encrypting reader can only go back to the start")
        self.source.seek(0)
        self._start()
        return 0

    def tell(self) -> int:
        return self._position

    def _fill(self) -> None:
        while not self._pending and not self._done:
            data, self._next = self._next, _read_exactly(self.source, CHUNK)
            last = not self._next
            self._pending = _seal(self._number, last, data)
            self._number += 1
            self._done = last

    def readinto(self, buffer: Any) -> int:
        self._fill()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self._position += size
        return size


class DecryptingReader(io.RawIOBase):
    """Reads as the plain content of an encrypted stored file (`source`), chunk by chunk."""

    def __init__(self, source: IO[bytes], name: str = "") -> None:
        self.source = source
        self.name = name
        head = _read_exactly(source, len(MAGIC))
        if head != MAGIC:
            raise DamagedFile(f"{name or 'A stored file'} is not encrypted (written before encryption at rest? "
                              "run `manage.py rotate_field_keys`)")
        self._number = 0
        self._pending = b""
        self._last = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while not self._pending and not self._last:
            size = _read_exactly(self.source, _LENGTH)
            if len(size) < _LENGTH:
                raise DamagedFile(f"{self.name or 'A stored file'} is cut short")
            raw = _read_exactly(self.source, int.from_bytes(size, "big"))
            self._last, self._pending = _open_record(raw, self._number)
            self._number += 1
            if self._last and self.source.read(1):
                raise DamagedFile(f"{self.name or 'A stored file'} has data after its end")

    def readinto(self, buffer: Any) -> int:
        self._fill()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.source.close()
        super().close()


def encrypting(content: Any) -> File:
    """`content` (a Django File or a binary file object) as a File of its encrypted form."""
    source = content.file if isinstance(content, File) and content.file is not None else content
    if hasattr(source, "seek"):
        with contextlib.suppress(OSError, io.UnsupportedOperation, ValueError):
            source.seek(0)
    if hasattr(source, "read") and isinstance(source.read(0), str):
        raise TypeError("stored files are bytes: open text in binary mode or encode it first")
    return File(io.BufferedReader(EncryptingReader(source), buffer_size=CHUNK))


def decrypting(source: IO[bytes], name: str) -> File:
    return File(io.BufferedReader(DecryptingReader(source, name), buffer_size=CHUNK), name=name)


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


# --- what app code uses ---------------------------------------------------------------------

def storage() -> Storage:
    return default_storage


def write(name: str, content: Any) -> str:
    """Store `content` (bytes, or a binary file object read from the start) under exactly
    `name`, replacing what was there, as one step: a reader sees the old file or the new one.
    Returns the name."""
    if isinstance(content, bytes):
        content = io.BytesIO(content)
    store = storage()
    replace = getattr(store, "replace", None)
    if replace is None:
        raise ImproperlyConfigured("The default storage must be one of breachtracker.storage's "
                                   "(it encrypts files at rest)")
    return str(replace(name, content))


def _full_record() -> int:
    """Stored bytes of one full chunk's record: its length field and a Fernet token's raw
    bytes (version, time, IV, the padded chunk with its number and last-flag, HMAC)."""
    return _LENGTH + 1 + 8 + 16 + ((_NUMBER + 1 + CHUNK) // 16 + 1) * 16 + 32


def plain_size(name: str) -> int:
    """The plain size of a stored file, for a download's Content-Length, from its stored size
    and its last record alone (every record before the last holds a full chunk)."""
    store = storage()
    body = store.size(name) - len(MAGIC)
    if body <= _LENGTH:
        raise DamagedFile(f"{name} is cut short")
    records = -(-body // _full_record())
    tail = store.raw_tail(name, len(MAGIC) + (records - 1) * _full_record())  # type: ignore[attr-defined]
    if len(tail) != _LENGTH + int.from_bytes(tail[:_LENGTH], "big"):
        raise DamagedFile(f"{name} is cut short, or has data after its end")
    last, data = _open_record(tail[_LENGTH:], records - 1)
    if not last:
        raise DamagedFile(f"{name} is cut short")
    return (records - 1) * CHUNK + len(data)


def download(name: str, *, filename: str, content_type: str) -> FileResponse:
    """A stored file as an attachment, decrypted as it streams, with its plain Content-Length
    (so a browser shows how much is left)."""
    size = plain_size(name)
    response = FileResponse(storage().open(name, "rb"), as_attachment=True, filename=filename,
                            content_type=content_type)
    response["Content-Length"] = str(size)
    return response


def read(name: str) -> bytes:
    with storage().open(name, "rb") as handle:
        return handle.read()


def sha256(name: str) -> str:
    digest = hashlib.sha256()
    with storage().open(name, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def private_folder(prefix: str = "breachtracker-") -> Iterator[Path]:
    """A temporary folder only this user can open (0700), removed with all it holds."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def local_copy(name: str, *, suffix: str = "") -> Iterator[Path]:
    """A decrypted copy of stored file `name` in a private temporary folder, for a library that
    only reads real files; deleted when the block ends, whatever happens in it."""
    with private_folder() as folder:
        path = folder / f"copy{suffix}"
        with storage().open(name, "rb") as source, open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                                                         "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        yield path


def copy(source: str, target: str) -> str:
    """Stored file `source` copied to `target` as it is stored (no decryption on the way)."""
    store: Any = storage()
    with store.open_raw(source) as handle:
        return str(store.save_raw(target, File(handle)))


# --- key rotation ---------------------------------------------------------------------------

def walk(folder: str = "") -> Iterator[str]:
    """Every stored file's name (half-written temporary files left out)."""
    store = storage()
    try:
        folders, names = store.listdir(folder)
    except FileNotFoundError:
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(names):
        if not name.startswith(".tmp-"):
            yield prefix + name
    for sub in sorted(folders):
        yield from walk(prefix + sub)


def rotate_stored(name: str, *, inner_token: bool = False) -> str:
    """Re-encrypt stored file `name` under the first field key, streamed, replacing it whole.

    A file written before encryption at rest (no MAGIC) is encrypted now. With `inner_token`
    the content is itself one Fernet token (kept evidence, held uploads): it is rotated too,
    its timestamp kept. Returns "rotated" or "encrypted"."""
    store: Any = storage()
    with store.open_raw(name) as raw:
        encrypted = is_encrypted(_read_exactly(raw, len(MAGIC)))
    if encrypted:
        with store.open(name, "rb") as plain:
            if inner_token:
                write(name, crypto.fernet().rotate(plain.read()))
            else:
                write(name, plain)
        return "rotated"
    with store.open_raw(name) as raw:
        if inner_token:
            write(name, crypto.fernet().rotate(raw.read()))
        else:
            write(name, raw)
    return "encrypted"
