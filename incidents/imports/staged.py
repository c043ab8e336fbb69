"""The check's result, kept for the import pass, so confirming an import does not read and
validate the whole file a second time (about half of an import's time; issue 15).

When a check passes, the people it found (the de-duplicated groups of rows), its counts and
where its report ended are stored beside the upload as `<upload>.checked`: in chunks of
people, each chunk pickled and Fernet-encrypted with the field keys (authenticated, so only
what this process wrote is ever unpickled; the storage encrypts the whole file again, as it
does every file). It is written to a private temporary file first, then stored; memory stays
at one chunk while writing and reading.

The import pass uses the kept result only if it was made from this very file with the same
answers (sheet, header row, mapping, date order and system, roles and categories for the
whole file) on the same day (a child's age depends on it); otherwise it checks the file
again. Matching against the incident's existing people is always done again, under the
incident's lock: the database may have changed since the check.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from operator import attrgetter
import pickle  # noqa: S403 - only our own Fernet-authenticated output is ever loaded
from typing import IO, Any

from cryptography.fernet import InvalidToken
from django.core.files.storage import default_storage
from django.utils import timezone

from breachtracker import crypto, files

from ..models import SubjectImport
from .reader import CleanRow, Deduplicator, Group
from .upload import private_file, upload_name

log = logging.getLogger(__name__)

SUFFIX = ".checked"
CHUNK = 5000
FORMAT = 2
_RECORD = attrgetter(*(f.name for f in fields(CleanRow)))


def stage_name(subject_import: SubjectImport) -> str:
    upload = upload_name(subject_import)
    return upload + SUFFIX if upload else ""


def discard(subject_import: SubjectImport) -> None:
    name = stage_name(subject_import)
    if name:
        default_storage.delete(name)


def fingerprint(subject_import: SubjectImport) -> dict[str, Any]:
    """Everything the check's result depends on, besides the database."""
    return {
        "format": FORMAT, "sha256": subject_import.file_sha256, "kind": subject_import.file_kind,
        "encoding": subject_import.encoding, "sheet": subject_import.sheet, "header_row": subject_import.header_row,
        "headers": list(subject_import.headers), "mapping": list(subject_import.mapping),
        "date_order": subject_import.date_order, "date_system": subject_import.date_system,
        "file_roles": subject_import.file_roles, "file_categories": subject_import.file_categories,
        "today": timezone.localdate().isoformat(),
        # The people's matching keys are keyed with the first field key: a rotation since the
        # check makes them stale.
        "index_key": crypto.blind_key("staged import"),
    }


def _put(out: IO[bytes], value: Any) -> None:
    token = crypto.fernet().encrypt(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    out.write(len(token).to_bytes(8, "big"))
    out.write(token)


def _get(handle: IO[bytes]) -> Any:
    size = handle.read(8)
    if not size:
        raise EOFError
    token = handle.read(int.from_bytes(size, "big"))
    return pickle.loads(crypto.fernet().decrypt(token))  # noqa: S301 - authenticated, our own


def stage(subject_import: SubjectImport, dedup: Deduplicator, counts: dict[str, int], issues_upto: int) -> None:
    """Keep the check's result for the import pass; a failure to keep it only costs time."""
    name = stage_name(subject_import)
    if not name:
        return
    try:
        with private_file() as partial, open(partial, "wb") as out:
            _put(out, {"fingerprint": fingerprint(subject_import), "counts": counts,
                       "merged_rows": dedup.merged_rows, "issues_upto": issues_upto, "groups": len(dedup.groups)})
            groups = list(dedup.groups.values())
            for start in range(0, len(groups), CHUNK):
                # Plain tuples: pickled in C, where a slotted dataclass costs a Python call each.
                _put(out, [(_RECORD(g.record), g.keys, g.merged) for g in groups[start:start + CHUNK]])
            out.flush()
            with open(partial, "rb") as written:
                files.write(name, written)
    except OSError:
        log.warning("import %s: the check's result could not be kept; the import will check the file again",
                    subject_import.pk, exc_info=True)


def staged(subject_import: SubjectImport) -> tuple[Deduplicator, dict[str, int], int] | None:
    """(people, counts, last report line of the file's check) kept by the check, or None when
    there is nothing usable: then the file is checked again."""
    name = stage_name(subject_import)
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            header = _get(handle)
            if header["fingerprint"] != fingerprint(subject_import):
                return None
            dedup = Deduplicator()
            while True:
                try:
                    groups = _get(handle)
                except EOFError:
                    break
                for values, keys, merged in groups:
                    record = CleanRow(*values)
                    dedup.groups[record.row] = Group(record, keys, merged)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, InvalidToken, files.DamagedFile, pickle.UnpicklingError, KeyError, TypeError, ValueError):
        log.warning("import %s: the check's kept result is unreadable; checking the file again", subject_import.pk,
                    exc_info=True)
        return None
    if len(dedup.groups) != header["groups"]:
        log.warning("import %s: the check's kept result is incomplete; checking the file again", subject_import.pk)
        return None
    dedup.merged_rows = header["merged_rows"]
    return dedup, header["counts"], header["issues_upto"]
