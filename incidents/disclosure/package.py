"""Opening an uploaded file safely: size, type, zip-bomb and encryption checks before anything
is extracted, and bounded reads and XML parsing after.

Nothing in a file is ever executed: macros are reported, never run, and every XML part goes
through defusedxml (no entities, no external references).
"""

from __future__ import annotations

import re
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

from .report import Refused

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_OOXML_MARK = "EncryptionInfo".encode("utf-16-le")


# What a damaged member raises while it is read: a bad deflate stream is zlib.error, an
# unknown compression method NotImplementedError; either way the file is corrupt, not a crash.
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError)


@dataclass(frozen=True)
class Limits:
    """Bounds on what one check may cost. The defaults suit a web request on a small server."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_members: int = 5_000
    max_uncompressed_bytes: int = 300 * 1024 * 1024
    # Real spreadsheets compress 10–50× (a very repetitive pivot cache 300×); deflate tops out
    # near 1,030×, which is what a zip bomb's layer of zeros reaches.
    max_ratio: int = 500
    # Parts parsed whole (not streamed): workbook, styles, comments, pivot definitions.
    max_tree_part_bytes: int = 32 * 1024 * 1024
    # Below this uncompressed size a member's ratio is not checked (tiny XML parts vary).
    ratio_floor_bytes: int = 1024 * 1024
    max_seconds: float = 60.0
    # Cells kept in memory for the "create affected people" step, per file.
    max_kept_cells: int = 2_000_000


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise Refused(
                "too_slow",
                f"The check took longer than {self.seconds:g} seconds and was stopped. The file is "
                "too large or too complex to check here; split it and check the parts.",
            )


def sniff(path: Path, limits: Limits) -> bytes:
    """Refuse empty, enormous and encrypted files; return the first bytes for type detection."""
    size = path.stat().st_size
    if size == 0:
        raise Refused("empty", "The file is empty.")
    if size > limits.max_file_bytes:
        raise Refused(
            "too_large",
            f"The file is {size / 1024 / 1024:.1f} MB; files over "
            f"{limits.max_file_bytes / 1024 / 1024:.0f} MB are not checked.",
        )
    with path.open("rb") as handle:
        head = handle.read(8)
        if head == OLE_MAGIC:
            # An OLE compound file is either an encrypted OOXML package or an old binary
            # .xls/.doc. Neither can be read here; say which it looks like.
            body = handle.read(min(size, 4 * 1024 * 1024))
            if ENCRYPTED_OOXML_MARK in body:
                raise Refused(
                    "encrypted",
                    "The file is encrypted (password-protected). It cannot be checked: remove "
                    "the password in Excel or Word, save a copy, and check that copy.",
                )
            raise Refused(
                "legacy_binary",
                "The file is an old binary Office file (.xls or .doc) or is encrypted. Save it as "
                ".xlsx or .docx and check that copy.",
            )
    return head


def open_zip(path: Path, limits: Limits) -> zipfile.ZipFile:
    """Open an OOXML package after checking its directory: member count, sizes, ratio."""
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise Refused("corrupt", f"The file is damaged: it is not a readable Office package ({exc}).") from None
    try:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise Refused(
                "too_many_parts",
                f"The package has {len(members):,} parts (the limit is {limits.max_members:,}); "
                "it looks built to exhaust the checker and was not opened.",
            )
        total = 0
        for info in members:
            if info.flag_bits & 0x1:
                raise Refused("encrypted", f"The package part {info.filename!r} is encrypted; it cannot be checked.")
            total += info.file_size
            refuse_zip_bomb(info, limits, f"The part {info.filename!r}")
        if total > limits.max_uncompressed_bytes:
            raise Refused(
                "zip_bomb",
                f"The package would expand to {total / 1024 / 1024:,.0f} MB (the limit is "
                f"{limits.max_uncompressed_bytes / 1024 / 1024:,.0f} MB). Nothing was extracted.",
            )
    except Refused:
        archive.close()
        raise
    return archive


def refuse_zip_bomb(info: zipfile.ZipInfo, limits: Limits, what: str) -> None:
    """Refuse a member (`what`: how the message names it) that would expand past the ratio limit,
    from the directory alone: nothing is decompressed."""
    if info.file_size >= limits.ratio_floor_bytes:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise Refused("zip_bomb", f"{what} would expand {ratio:,.0f} times (to "
                          f"{info.file_size / 1024 / 1024:,.0f} MB): a zip bomb. Nothing was extracted.")


class Package:
    """Read access to the parts of an opened OOXML package, bounded and defused."""

    def __init__(self, archive: zipfile.ZipFile, deadline: Deadline, limits: Limits | None = None) -> None:
        self.archive = archive
        self.deadline = deadline
        self.limits = limits or Limits()
        self.names = {info.filename for info in archive.infolist() if not info.is_dir()}

    def has(self, name: str) -> bool:
        return name in self.names

    def matching(self, prefix: str, suffix: str = ".xml") -> list[str]:
        return sorted(
            (n for n in self.names if n.startswith(prefix) and n.endswith(suffix)),
            key=_natural,
        )

    def read(self, name: str) -> bytes:
        self.deadline.check()
        try:
            # ZipExtFile never returns more than the size the directory declared (checked
            # against the limits already), whatever the compressed stream claims.
            with self.archive.open(name) as handle:
                return handle.read()
        except ZIP_ERRORS as exc:
            raise Refused("corrupt", f"The part {name!r} is damaged ({exc}).") from None

    def xml(self, name: str) -> Element | None:
        if name not in self.names:
            return None
        size = self.archive.getinfo(name).file_size
        if size > self.limits.max_tree_part_bytes:
            raise Refused(
                "too_large",
                f"The part {name!r} is {size / 1024 / 1024:,.0f} MB; parts of this kind over "
                f"{self.limits.max_tree_part_bytes / 1024 / 1024:,.0f} MB are not read.",
            )
        data = self.read(name)
        try:
            return fromstring(data, forbid_dtd=True)
        except DefusedXmlException:
            raise Refused("unsafe_xml", f"The part {name!r} uses XML entities or a DTD, which are refused.") from None
        except Exception as exc:  # ParseError and friends from a malformed part
            raise Refused("corrupt", f"The part {name!r} is not well-formed XML ({exc}).") from None

    def iterparse(self, name: str, events: tuple[str, ...] = ("start", "end")) -> Iterator[tuple[str, Element]]:
        """Stream a large part (a worksheet, a pivot cache) without building the whole tree."""
        try:
            with self.archive.open(name) as handle:
                yield from _iterparse(handle, name, self.deadline, events)
        except ZIP_ERRORS as exc:
            raise Refused("corrupt", f"The part {name!r} is damaged ({exc}).") from None


def _iterparse(handle: IO[bytes], name: str, deadline: Deadline,
               events: tuple[str, ...]) -> Iterator[tuple[str, Element]]:
    count = 0
    try:
        for event, element in iterparse(handle, events=events, forbid_dtd=True):
            count += 1
            if count % 20_000 == 0:
                deadline.check()
            yield event, element
    except DefusedXmlException:
        raise Refused("unsafe_xml", f"The part {name!r} uses XML entities or a DTD, which are refused.") from None
    except Refused:
        raise
    except Exception as exc:  # ParseError from a malformed part
        raise Refused("corrupt", f"The part {name!r} is not well-formed XML ({exc}).") from None


def _natural(name: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def local(tag: str) -> str:
    """The tag without its namespace: OOXML files use both strict and transitional ones."""
    return tag.rsplit("}", 1)[-1]


def attr(element: Element, name: str, default: str = "") -> str:
    """An attribute by local name, whatever its namespace prefix (r:id, x14:...)."""
    if name in element.attrib:
        return element.attrib[name]
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1] == name:
            return value
    return default


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def descendants(element: Element, name: str) -> Iterator[Element]:
    for node in element.iter():
        if local(node.tag) == name:
            yield node


def text_of(element: Element, name: str = "t") -> str:
    return "".join(node.text or "" for node in descendants(element, name))


def rels(package: Package, part: str) -> dict[str, tuple[str, str, str]]:
    """The relationships of a part: id → (type suffix, resolved target, target mode)."""
    folder, _, filename = part.rpartition("/")
    rels_name = f"{folder}/_rels/{filename}.rels" if folder else f"_rels/{filename}.rels"
    root = package.xml(rels_name)
    found: dict[str, tuple[str, str, str]] = {}
    if root is None:
        return found
    for rel in descendants(root, "Relationship"):
        mode = rel.get("TargetMode", "")
        target = rel.get("Target", "")
        rel_type = rel.get("Type", "").rsplit("/", 1)[-1]
        found[rel.get("Id", "")] = (rel_type, target if mode == "External" else resolve(folder, target), mode)
    return found


def resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)
