"""The disclosure check over a whole FOI response: a folder, or a .zip, of files at once.

`check_batch(path)` returns a BatchReport with one verdict per file and one overall, or raises
Refused when the folder or zip as a whole cannot be opened safely (damaged, empty, a zip bomb,
too many entries). Pure functions, no Django, like the rest of the package.

- Each file is checked by `check_file`. A file that cannot be checked (a refused or
  unsupported file, an unsafe name, a link, a system file, over the file limit, past the time
  limit, or one that crashes the checker) is listed as "not checked" with a reason, and the
  batch goes on. The batch passes only when every file in it was checked and passed.
- A zip's directory is checked before anything is decompressed (entries, total size, ratio).
  Members are extracted one at a time, under generated names, into a private temporary
  folder, and deleted once checked; a member's own name is never used as a path.
- A zip inside the folder or zip is opened one level deep (its files are checked); a zip
  inside that is listed as not checked, so nesting is never unbounded.
- Hidden files (a name starting with a dot) are checked like any other: the requester gets
  them too. macOS and Windows system files (__MACOSX/, ._*, .DS_Store, Thumbs.db,
  desktop.ini, Office's ~$ lock files) are listed as not checked, to be removed before release:
  they can carry file names and the name of whoever had a file open.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import stat
import struct
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breachtracker.words import plural

from . import DOCUMENT_TYPES, TEXT_TYPES, WORKBOOK_TYPES, check_file
from .package import ZIP_ERRORS, Limits, refuse_zip_bomb
from .report import FAIL_AT, Refused, Report

logger = logging.getLogger(__name__)

CHECKED_TYPES = WORKBOOK_TYPES | DOCUMENT_TYPES | TEXT_TYPES
PASS, FAIL, NOT_CHECKED = "pass", "fail", "not checked"
# Zips opened inside one another, the outermost included: a zip in a zip is opened, a zip in
# that is not.
MAX_ZIP_DEPTH = 2
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BatchLimits:
    """Bounds on what one batch may cost. `file` bounds each file's own check."""

    max_files: int = 500
    # A folder or zip listing more entries than this is refused before anything is read.
    max_entries: int = 10_000
    # What all the zip members together would expand to (nested zips included).
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_seconds: float = 600.0
    file: Limits = field(default_factory=Limits)


@dataclass
class FileResult:
    """One file of the batch: its verdict, its report if it was checked, why not if it was not."""

    name: str
    verdict: str  # pass, fail, not checked
    report: Report | None = None
    code: str = ""  # why it was not checked, for machines: unsupported, over_limit, time_limit...
    reason: str = ""

    @property
    def serious(self) -> int:
        """Findings severe enough to fail the file."""
        return sum(1 for f in self.report.findings if f.severity >= FAIL_AT) if self.report else 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "verdict": self.verdict}
        if self.verdict == NOT_CHECKED:
            data |= {"code": self.code, "reason": self.reason}
        data["findings"] = [f.to_dict() for f in self.report.sorted_findings()] if self.report else []
        return data


@dataclass
class BatchReport:
    name: str
    files: list[FileResult] = field(default_factory=list)

    def of_verdict(self, verdict: str) -> list[FileResult]:
        return [f for f in self.files if f.verdict == verdict]

    @property
    def overall(self) -> str:
        """Fail if any file failed; pass only if every file was checked and passed."""
        if self.of_verdict(FAIL):
            return FAIL
        if self.files and not self.of_verdict(NOT_CHECKED):
            return PASS
        return NOT_CHECKED

    @property
    def counts(self) -> dict[str, int]:
        return {verdict: len(self.of_verdict(verdict)) for verdict in (PASS, FAIL, NOT_CHECKED)}

    def summary(self) -> str:
        counts = self.counts
        return (f"{plural(len(self.files), 'file', 'files')}: {counts[PASS]:,} passed, {counts[FAIL]:,} failed, "
                f"{counts[NOT_CHECKED]:,} not checked")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "overall": self.overall, "counts": self.counts,
                "files": [f.to_dict() for f in self.files]}


def is_batch(path: Path | str) -> bool:
    """A folder, or a file named .zip (an .xlsx or .docx is a zip too, but is one file)."""
    path = Path(path)
    return path.is_dir() or path.suffix.lower() == ".zip"


def display_name(name: str) -> str:
    """A name as it may be shown: control and bidi characters replaced (they could rewrite a
    terminal line or reorder the text), Windows separators as /, and at most 300 characters."""
    shown = _CONTROL.sub("?", name.replace("\\", "/"))
    return shown if len(shown) <= 300 else shown[:150] + "…" + shown[-149:]


def check_batch(path: Path | str, *, filename: str | None = None, limits: BatchLimits | None = None,
                accept_metadata: bool = False, clock: Callable[[], float] = time.monotonic) -> BatchReport:
    """Check every file in a folder or .zip. `filename` is the name the user gave the zip (an
    upload lives at a temporary path). `clock` is for tests of the time limit."""
    path = Path(path)
    batch = _Batch(limits or BatchLimits(), accept_metadata, clock)
    report = BatchReport(name=display_name(filename or path.name))
    batch.report = report
    with tempfile.TemporaryDirectory(prefix="bt-batch-") as scratch:
        batch.scratch = Path(scratch)
        if path.is_dir():
            batch.folder(path)
        else:
            batch.zip(path, prefix="", depth=1)
    if not report.files:
        raise Refused("empty", f"The {'folder' if path.is_dir() else 'zip'} holds no files.")
    return report


class _Batch:
    def __init__(self, limits: BatchLimits, accept_metadata: bool, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.accept_metadata = accept_metadata
        self.clock = clock
        self.ends = clock() + limits.max_seconds
        self.report = BatchReport(name="")
        self.scratch = Path()
        self.checked = 0
        self.entries = 0
        self.budget = limits.max_total_bytes
        self.extracted = 0

    # --- results ------------------------------------------------------------------------------

    def not_checked(self, name: str, code: str, reason: str) -> None:
        self.report.files.append(FileResult(name=name, verdict=NOT_CHECKED, code=code, reason=reason))

    def count_entry(self, where: str) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise Refused("too_many_files", f"The {where} holds more than {self.limits.max_entries:,} entries; "
                          "split it into smaller batches. Nothing was checked.")

    def skipped(self, name: str) -> bool:
        """List a file that is not checked for what its name says; True if it was."""
        parts = name.replace("\\", "/").split("/")
        base = parts[-1].lower()
        if "__MACOSX" in parts or base.startswith("._") or base in SYSTEM_FILES or base.startswith("~$"):
            self.not_checked(name, "system_file", "a system file (macOS, Windows or an Office lock file), not a "
                             "document: remove it before release (it can hold file names or a person's name)")
            return True
        suffix = Path(base).suffix
        if suffix != ".zip" and suffix not in CHECKED_TYPES:
            self.not_checked(name, "unsupported", "type not supported")
            return True
        return False

    def may_check(self, name: str) -> bool:
        if self.checked >= self.limits.max_files:
            self.not_checked(name, "over_limit", f"over the {self.limits.max_files:,}-file limit")
            return False
        if self.clock() >= self.ends:
            self.not_checked(name, "time_limit", "time limit reached")
            return False
        return True

    def check(self, path: Path, name: str) -> None:
        """Check one file on disk, whatever happens to it; the batch always goes on."""
        self.checked += 1
        remaining = max(self.ends - self.clock(), 0.0)
        limits = dataclasses.replace(self.limits.file, max_seconds=min(self.limits.file.max_seconds, remaining))
        try:
            report = check_file(path, filename=name, limits=limits, accept_metadata=self.accept_metadata)
        except Refused as refusal:
            if refusal.code == "too_slow" and self.clock() >= self.ends:
                self.not_checked(name, "time_limit", "time limit reached")
            else:
                self.not_checked(name, refusal.code, refusal.message)
            return
        except Exception:
            # A crash is not a verdict on the file: say so, log the traceback, check the rest.
            logger.exception("The disclosure check crashed on %r in a batch", name)
            self.not_checked(name, "internal_error", "internal error")
            return
        self.report.files.append(FileResult(name=name, verdict=report.verdict, report=report))

    # --- a folder -----------------------------------------------------------------------------

    def folder(self, root: Path) -> None:
        real_root = Path(os.path.realpath(root))
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            here = Path(dirpath)
            for dirname in list(dirnames):
                if (here / dirname).is_symlink():
                    self.count_entry("folder")
                    dirnames.remove(dirname)
                    self.not_checked(display_name(_relative(here / dirname, root)), "link",
                                     "a link to a folder: not followed")
            for filename in sorted(filenames):
                self.count_entry("folder")
                self.folder_file(here / filename, display_name(_relative(here / filename, root)), real_root)

    def folder_file(self, path: Path, name: str, real_root: Path) -> None:
        if path.is_symlink():
            target = Path(os.path.realpath(path))
            if real_root not in target.parents:
                self.not_checked(name, "link", "a link to a file outside the folder: not followed")
                return
            path = target
        try:
            mode = path.stat().st_mode
        except OSError:
            self.not_checked(name, "unreadable", "the file could not be read (a broken link?)")
            return
        if not stat.S_ISREG(mode):
            self.not_checked(name, "not_a_file", "not a regular file (a device, a pipe or a socket)")
            return
        if self.skipped(name) or not self.may_check(name):
            return
        if name.lower().endswith(".zip"):
            self.nested_zip(path, name, depth=1)
        else:
            self.check(path, name)

    # --- a zip --------------------------------------------------------------------------------

    def nested_zip(self, path: Path, name: str, depth: int) -> None:
        """A zip found in the batch, `depth` zips deep counting itself: its files are checked,
        listed under its name."""
        if depth > MAX_ZIP_DEPTH:
            self.not_checked(name, "zip_too_deep", "a zip inside a zip inside a zip: not opened (a zip inside a "
                             "zip is opened one level deep, no further)")
            return
        try:
            self.zip(path, prefix=name + "/", depth=depth)
        except Refused as refusal:
            self.not_checked(name, refusal.code, refusal.message)

    def zip(self, path: Path, *, prefix: str, depth: int) -> None:
        archive = _open_zip(path, self.limits, self.entries, self.budget)
        with archive:
            members = sorted((m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename)
            self.budget -= sum(m.file_size for m in members)
            for info in members:
                self.count_entry("zip")
                self.member(archive, info, prefix, depth)

    def member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, prefix: str, depth: int) -> None:
        name = prefix + display_name(info.filename)
        if _unsafe(info.filename):
            self.not_checked(name, "unsafe_name", "an unsafe name: unzipping it would write outside the folder "
                             "(an absolute path, a drive letter or ..)")
            return
        if stat.S_ISLNK(info.external_attr >> 16):
            self.not_checked(name, "link", "a symbolic link: not followed")
            return
        if self.skipped(name):
            return
        if info.flag_bits & 0x1:
            self.not_checked(name, "encrypted", "encrypted in the zip (password-protected): it cannot be checked")
            return
        if info.file_size > self.limits.file.max_file_bytes:
            self.not_checked(name, "too_large", f"{info.file_size / 1024 / 1024:,.1f} MB; files over "
                             f"{self.limits.file.max_file_bytes / 1024 / 1024:,.0f} MB are not checked")
            return
        if not self.may_check(name):
            return
        is_zip = name.lower().endswith(".zip")
        if is_zip and depth + 1 > MAX_ZIP_DEPTH:  # listed without extracting it
            self.nested_zip(Path(), name, depth + 1)
            return
        self.extracted += 1
        # A generated name, keeping only a short suffix: the member's own name is never a path.
        target = self.scratch / f"member-{self.extracted}{Path(name).suffix.lower()[:8]}"
        try:
            _extract(archive, info, target)
        except Refused as refusal:
            self.not_checked(name, refusal.code, refusal.message)
            target.unlink(missing_ok=True)
            return
        try:
            if is_zip:
                self.nested_zip(target, name, depth + 1)
            else:
                self.check(target, name)
        finally:
            target.unlink(missing_ok=True)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _unsafe(name: str) -> bool:
    """True if unzipping would write the member outside the folder it is unzipped into."""
    name = name.replace("\\", "/")
    return name.startswith("/") or bool(_DRIVE.match(name)) or ".." in name.split("/") or "\x00" in name


def _open_zip(path: Path, limits: BatchLimits, entries_so_far: int, budget: int) -> zipfile.ZipFile:
    """Open a zip after checking its directory, before anything is decompressed."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise Refused("empty", "The zip is empty.")
        declared = _declared_entries(path)
        if declared is not None and entries_so_far + declared > limits.max_entries:
            # Refused from the end record, before zipfile reads the whole directory into memory.
            raise Refused("too_many_files", f"The zip holds {declared:,} entries (the limit is "
                          f"{limits.max_entries:,}); split it into smaller batches. Nothing was checked.")
        archive = zipfile.ZipFile(path)
    except Refused:
        raise
    except ZIP_ERRORS as exc:
        raise Refused("corrupt", f"The zip is damaged or is not a zip ({exc}). Nothing was checked.") from None
    try:
        members = [m for m in archive.infolist() if not m.is_dir()]
        total = 0
        for info in members:
            total += info.file_size
            refuse_zip_bomb(info, limits.file, f"The member {display_name(info.filename)!r}")
        if total > budget:
            raise Refused("zip_bomb", f"The zip would expand to {total / 1024 / 1024:,.0f} MB (the limit is "
                          f"{limits.max_total_bytes / 1024 / 1024:,.0f} MB for a batch). Nothing was extracted.")
    except Refused:
        archive.close()
        raise
    return archive


def _declared_entries(path: Path) -> int | None:
    """The entry count a zip's end-of-central-directory record declares (None if not found)."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        start = max(size - 22 - 65_535, 0)
        handle.seek(start)
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    count = int(struct.unpack("<H", tail[at + 10:at + 12])[0])
    locator = tail.rfind(b"PK\x06\x07", 0, at)
    if count == 0xFFFF and locator >= 0 and len(tail) >= locator + 20:
        # Zip64: the real count is in the zip64 end record the locator points to.
        offset = int(struct.unpack("<Q", tail[locator + 8:locator + 16])[0])
        with path.open("rb") as handle:
            handle.seek(offset)
            record = handle.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) >= 40:
            count = int(struct.unpack("<Q", record[32:40])[0])
    return count


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy one member to `target`, never more than the size its directory entry declared."""
    try:
        with archive.open(info) as source, target.open("xb") as out:
            # ZipExtFile stops at the declared size (checked against the limits already).
            shutil.copyfileobj(source, out, _COPY_CHUNK)
    except ZIP_ERRORS as exc:
        raise Refused("corrupt", f"damaged in the zip: it could not be extracted ({exc})") from None
