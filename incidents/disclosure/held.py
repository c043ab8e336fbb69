"""A checked upload, kept for an hour so a release-safe copy can be made from the findings.

The findings page offers a copy once the user has read what was found and ticked what to
leave out, so the file must outlive the request that checked it. It is kept the way evidence
is: Fernet-encrypted with the field keys (`breachtracker.crypto`), under a random name in
disclosure-held/ in the storage (which encrypts every file again), never as plain bytes. Inside the encryption, with the
bytes, go the user and incident it belongs to and the choices the copy form offers; a token
names it in URLs and opens it only for that user on that page. Fernet's own timestamp makes
it unreadable after `HOLD_SECONDS`; `held_sweep` (beat, every five minutes) deletes what is
left, and the copy's download deletes both files at once.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.fernet import InvalidToken
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from breachtracker import crypto

HELD_DIR = "disclosure-held"
HOLD_SECONDS = 60 * 60
_TOKEN = re.compile(r"[0-9a-f]{32}")
_HEADER_BYTES = 4


class Gone(Exception):
    """No such file for this user: never kept, expired, downloaded, deleted, or someone else's.
    One answer for all of them, so a token says nothing about another user's files."""


@dataclass(frozen=True)
class Held:
    token: str
    user_id: int
    incident_id: int | None
    file_name: str  # the uploaded name, for display only: never a path
    choices: dict[str, Any]
    data: bytes


def _name(token: str, copy: bool) -> str:
    if not _TOKEN.fullmatch(token):
        raise Gone
    return f"{HELD_DIR}/{token}{'-copy' if copy else ''}.fernet"


def _write(name: str, meta: dict[str, Any], data: bytes) -> None:
    header = json.dumps(meta).encode()
    blob = len(header).to_bytes(_HEADER_BYTES, "big") + header + data
    default_storage.delete(name)  # a copy made again replaces the last one under the same name
    saved = default_storage.save(name, ContentFile(crypto.fernet().encrypt(blob)))
    if saved != name:  # storage picked another name: it must not stay behind unreadable
        default_storage.delete(saved)
        raise OSError(f"Could not keep the file under {name}")


def _open(name: str) -> tuple[dict[str, Any], bytes]:
    try:
        with default_storage.open(name, "rb") as handle:
            blob = crypto.fernet().decrypt(handle.read(), ttl=HOLD_SECONDS)
    except (FileNotFoundError, InvalidToken):  # never kept, deleted, swept, or past the hour
        raise Gone from None
    size = int.from_bytes(blob[:_HEADER_BYTES], "big")
    return json.loads(blob[_HEADER_BYTES:_HEADER_BYTES + size]), blob[_HEADER_BYTES + size:]


def hold(*, user: Any, incident_id: int | None, data: bytes, file_name: str, choices: dict[str, Any]) -> str:
    """Keep an upload, encrypted, for `user` on this page; returns the token that names it."""
    token = uuid.uuid4().hex
    _write(_name(token, copy=False),
           {"user": user.pk, "incident": incident_id, "file_name": file_name, "choices": choices}, data)
    return token


def held(token: str, *, user: Any, incident_id: int | None) -> Held:
    """The kept upload, if it is this user's, on this page, and still within the hour."""
    meta, data = _open(_name(token, copy=False))
    if meta["user"] != user.pk or meta["incident"] != incident_id:
        raise Gone
    return Held(token, meta["user"], meta["incident"], meta["file_name"], meta["choices"], data)


def hold_copy(original: Held, *, data: bytes, file_name: str) -> None:
    """Keep the release-safe copy of `original` until it is downloaded (or the hour is up)."""
    _write(_name(original.token, copy=True), {"user": original.user_id, "incident": original.incident_id,
                                              "file_name": file_name, "choices": {}}, data)


def held_copy(token: str, *, user: Any) -> Held:
    """The copy, if it is this user's; `incident_id` says where it was made (None: stand-alone)."""
    meta, data = _open(_name(token, copy=True))
    if meta["user"] != user.pk:
        raise Gone
    return Held(token, meta["user"], meta["incident"], meta["file_name"], {}, data)


def discard(token: str) -> None:
    """Delete the upload and its copy (whichever exist)."""
    for copy in (False, True):
        default_storage.delete(_name(token, copy))


def held_sweep() -> int:
    """Delete every kept file older than the hour; returns how many went."""
    try:
        _folders, names = default_storage.listdir(HELD_DIR)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - timedelta(seconds=HOLD_SECONDS)
    deleted = 0
    for name in names:
        path = f"{HELD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except FileNotFoundError:  # deleted by a download meanwhile
            continue
    return deleted
