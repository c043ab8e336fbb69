"""Re-encrypt people's personal data under the first key of BREACHTRACKER_FIELD_KEYS.

Rotation: generate a key (`--new-key`), put it FIRST in BREACHTRACKER_FIELD_KEYS keeping the
old one after it, restart, run this command, then remove the old key. Name blind indexes and
the import's matching keys are recomputed too (their key derives from the first field key).
History rows are re-encrypted in place: the values they hold do not change, so no history is
recorded for this. The import reports' raw values are re-encrypted too, and so is every stored
file (letters, packs, manifests, report PDFs, uploads waiting, kept evidence), a chunk at a
time; a file left unencrypted by an earlier version is encrypted now.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from breachtracker import files
from breachtracker.crypto import EncryptedMixin, blind_index, decrypt, rotate
from incidents.disclosure.held import HELD_DIR
from incidents.models import (
    DataSubject,
    Evidence,
    PersonRequest,
    RegulatorCase,
    RegulatorCorrespondence,
    RegulatorRequest,
    SubjectImportIssue,
)
from incidents.people.models import match_keys

BATCH = 2000


def _match_keys(tokens: dict[str, str | None]) -> str:
    """The import's matching keys from a row's encrypted columns (their key also derives from
    the first field key)."""
    def plain(column: str) -> str:
        return decrypt(tokens.get(column) or "")

    born = plain("date_of_birth")
    return " ".join(match_keys(plain("full_name"), date.fromisoformat(born) if born else None, plain("postcode"),
                               plain("email")))


class Command(BaseCommand):
    help = "Re-encrypt subjects' personal data (and history) under the first field key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--new-key", action="store_true", help="Print a new key and change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(Fernet.generate_key().decode())
            return
        total = 0
        for model, key in ((DataSubject, "id"), (DataSubject.history.model, "history_id")):  # type: ignore[attr-defined]
            total += self._rotate_table(model, key, indexes=True)
        total += self._rotate_table(SubjectImportIssue)
        for plain in (PersonRequest, RegulatorCase, RegulatorCorrespondence, RegulatorRequest):
            for model, key in ((plain, "id"), (plain.history.model, "history_id")):  # type: ignore[attr-defined]
                total += self._rotate_table(model, key)
        self.stdout.write(f"Re-encrypted {total} rows.")
        self._rotate_files()

    def _rotate_files(self) -> None:
        evidence = set(Evidence.objects.values_list("stored_name", flat=True))
        counts = {"rotated": 0, "encrypted": 0}
        unreadable: list[str] = []
        for name in files.walk():
            inner = name in evidence or name.startswith(f"{HELD_DIR}/")
            try:
                counts[files.rotate_stored(name, inner_token=inner)] += 1
            except FileNotFoundError:  # deleted meanwhile (a sweep, a download)
                continue
            except (files.DamagedFile, InvalidToken):
                unreadable.append(name)  # left as it is; the others are still rotated
        self.stdout.write(f"Re-encrypted {counts['rotated']} files"
                          + (f"; encrypted {counts['encrypted']} files stored before encryption at rest." if
                             counts["encrypted"] else "."))
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} stored file(s) could not be read with any key in BREACHTRACKER_FIELD_KEYS "
                f"(damaged, or encrypted with a key already removed), so they were left as they are: "
                f"{', '.join(unreadable[:10])}{' …' if len(unreadable) > 10 else ''}. "
                "Do not remove the old key until they are restored or deleted.")

    def _rotate_table(self, model: Any, key: str = "id", *, indexes: bool = False) -> int:
        """The table's encrypted columns re-encrypted, batch by batch; with `indexes`, a
        person's blind indexes (name, matching keys) worked out again under the new key."""
        q = connection.ops.quote_name
        table = model._meta.db_table
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]  # type: ignore[attr-defined]
        sets = ", ".join(f"{q(c)} = %s" for c in columns)
        if indexes:
            sets += f", {q('name_index')} = %s, {q('match_keys')} = %s"
        last, done = 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT {q(key)}, {', '.join(q(c) for c in columns)} FROM {q(table)} "  # noqa: S608
                               f"WHERE {q(key)} > %s ORDER BY {q(key)} LIMIT %s", [last, BATCH])
                rows = cursor.fetchall()
                if not rows:
                    return done
                updates = []
                for pk, *values in rows:
                    update = [rotate(v) if v else v for v in values]
                    if indexes:
                        stored = dict(zip(columns, values, strict=True))
                        update += [blind_index(decrypt(stored["full_name"] or "")), _match_keys(stored)]
                    updates.append([*update, pk])
                cursor.executemany(f"UPDATE {q(table)} SET {sets} WHERE {q(key)} = %s", updates)  # noqa: S608
                last, done = rows[-1][0], done + len(rows)
