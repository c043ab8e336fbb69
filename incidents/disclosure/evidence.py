"""Keeping the file that leaked as evidence: encrypted on the way in, decrypted on the way out."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from breachtracker import crypto
from breachtracker.records import attribute_to

from ..models import Evidence, Incident


def display_name(name: str) -> str:
    """The uploaded name without any folder part (shown only; never used as a path)."""
    return Path((name or "upload").replace("\\", "/")).name[-255:] or "upload"


@transaction.atomic
def evidence_attach(*, incident: Incident, actor: Any, data: bytes, file_name: str, verdict: str) -> Evidence:
    """Encrypt the file and keep it with the incident; the history names who attached it."""
    stored_name = Evidence.new_stored_name()
    evidence = Evidence(
        incident=incident, file_name=display_name(file_name), size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), verdict=verdict, attached_by=actor, stored_name=stored_name,
    )
    saved = default_storage.save(stored_name, ContentFile(crypto.fernet().encrypt(data)))
    # If the row cannot be written, the encrypted file must not stay behind.
    try:
        evidence.stored_name = saved
        attribute_to(evidence, actor)
        evidence.save()
    except Exception:
        default_storage.delete(saved)
        raise
    return evidence


def evidence_bytes(evidence: Evidence) -> bytes:
    with default_storage.open(evidence.stored_name, "rb") as handle:
        data = crypto.fernet().decrypt(handle.read())
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise ValueError(f"Evidence {evidence.pk} does not match its SHA-256: the stored file was changed")
    return data
