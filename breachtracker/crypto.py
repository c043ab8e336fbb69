"""Encryption at rest for people's personal data, and keyed blind indexes to find them.

Keys come from `settings.FIELD_KEYS` (env `BREACHTRACKER_FIELD_KEYS`: Fernet keys,
comma-separated). The first key encrypts; every key decrypts (MultiFernet), so a key is
rotated by putting a new one first, running `manage.py rotate_field_keys`, then dropping the
old one. Fernet is AES-128-CBC + HMAC-SHA256 from the `cryptography` library: a value cannot be
read or altered without the key.

The fields store a Fernet token as text; an empty value stays an empty string (so a blank
field does not need NULL) and a value that is not a token is refused loudly, never shown.

A blind index is an HMAC-SHA256 of the normalised value under a key derived from the first
field key: equal names give equal digests, so exact-match search works in SQL, while a dump
shows neither names nor their order.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import unicodedata
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80 then a timestamp


def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("BREACHTRACKER_FIELD_KEYS is empty: no key to encrypt personal data with")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError:
        raise ImproperlyConfigured("BREACHTRACKER_FIELD_KEYS holds a value that is not a Fernet key "
                                   "(generate one with `manage.py rotate_field_keys --new-key`)") from None


# The keys in use, looked up once rather than through the settings on every value (a
# 100,000-person import encrypts a million of them); forgotten when FIELD_KEYS changes.
_current: dict[str, Any] = {}


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting == "FIELD_KEYS":
        _current.clear()


def fernet() -> MultiFernet:
    current = _current.get("fernet")
    if current is None:
        current = _current["fernet"] = _fernet(tuple(settings.FIELD_KEYS))
    return current


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("A stored personal-data value cannot be decrypted with any key in "
                                   "BREACHTRACKER_FIELD_KEYS (a key was removed too early?)") from None


def rotate(token: str) -> str:
    """The token re-encrypted under the first key (unchanged plaintext)."""
    return fernet().rotate(token.encode()).decode() if token else ""


def _index_key(first: str) -> bytes:
    return hmac.new(first.encode(), b"breachtracker blind index v1", hashlib.sha256).digest()


def normalise_name(text: str) -> str:
    """Case, accents' composed forms and runs of spaces do not matter when searching for a name."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def blind_index(text: str) -> str:
    """HMAC of the normalised text: 64 hex characters, or "" for an empty value."""
    text = normalise_name(text)
    if not text:
        return ""
    return hmac.digest(_first_index_key(), text.encode(), "sha256").hex()


def blind_key(text: str) -> str:
    """HMAC of `text` exactly as given (a matching key built by the caller): 32 hex characters."""
    return hmac.digest(_first_index_key(), text.encode(), "sha256").hex()[:32]


def _first_index_key() -> bytes:
    key = _current.get("index")
    if key is None:
        key = _current["index"] = _index_key(settings.FIELD_KEYS[0])
    return key


class EncryptedMixin:
    """Stores `str(value)` encrypted; the column is text whatever the field's max_length."""

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return self.to_python(decrypt(value))  # type: ignore[attr-defined]

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        return encrypt(self.plain(value))

    def plain(self, value: Any) -> str:
        return str(value)

    def get_lookup(self, lookup_name: str) -> Any:
        # Equality against a ciphertext can never match (each encryption is different), so
        # only "is it null" is allowed; search goes through a blind index.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)  # type: ignore[misc]


class EncryptedCharField(EncryptedMixin, models.CharField):
    pass


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedEmailField(EncryptedMixin, models.EmailField):
    pass


class EncryptedDateField(EncryptedMixin, models.DateField):
    def plain(self, value: Any) -> str:
        value = self.to_python(value)
        return value.isoformat() if isinstance(value, datetime.date) else ""

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or value == "":
            return None
        return encrypt(self.plain(value))
