"""Reading an uploaded spreadsheet: what it is, and its rows one at a time (no database).

`inspect_upload` streams the uploaded bytes once: SHA-256, file kind (CSV or XLSX, by
content, not name), text encoding (UTF-8, UTF-8 with BOM, or Windows-1252) and a row estimate
for the progress bar. `open_table` yields the header row and then the data rows, streaming
(csv.reader over the file, or `xlsx.open_sheet` streaming the sheet's XML within the
disclosure check's limits), never holding the whole file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from ..disclosure.package import Limits
from .xlsx import SheetError, open_sheet

CSV_FIELD_LIMIT = 32_768  # characters in one cell; a longer one is hostile or broken input


class ImportFileError(Exception):
    """The file as a whole cannot be read: a clear message for the person who uploaded it."""


# ---------------------------------------------------------------------------------------
# The file: kind, encoding, streaming rows

XLSX_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: encrypted OOXML or a legacy .xls


@dataclass
class UploadInfo:
    sha256: str
    size: int
    kind: str  # "csv" or "xlsx"
    encoding: str = ""  # CSV only: "utf-8-sig", "utf-8" or "cp1252"
    rows_estimate: int = 0


def inspect_upload(chunks: Iterable[bytes], out: BinaryIO) -> UploadInfo:
    """Copy the upload to `out` chunk by chunk, learning what it is on the way.

    Raises ImportFileError for what can be refused from the bytes alone: an empty file, a
    password-protected workbook, a text file in an encoding we do not read.
    """
    digest = hashlib.sha256()
    size = 0
    head = b""
    newlines = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8_ok = cp1252_ok = True
    has_nul = False
    for chunk in chunks:
        if not chunk:
            continue
        out.write(chunk)
        digest.update(chunk)
        size += len(chunk)
        if len(head) < 8:
            head = (head + chunk)[:8]
        newlines += chunk.count(b"\n")
        has_nul = has_nul or b"\x00" in chunk
        if utf8_ok:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if cp1252_ok and not utf8_ok:
            try:
                cp1252.decode(chunk)
            except UnicodeDecodeError:
                cp1252_ok = False
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    info = UploadInfo(sha256=digest.hexdigest(), size=size, kind="csv")
    if size == 0 or not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ImportFileError("The file is empty.")
    if head.startswith(XLSX_MAGIC):
        info.kind = "xlsx"
        return info
    if head.startswith(CFB_MAGIC):
        raise ImportFileError(
            "This workbook is password-protected (or is an old .xls file). Remove the password "
            "and save it as .xlsx or CSV, then upload it again."
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or has_nul:
        raise ImportFileError(
            "The file is not in an encoding we can read (it looks like UTF-16 or a binary file). "
            "Save it as “CSV UTF-8” and upload it again."
        )
    if head.startswith(b"\xef\xbb\xbf"):
        if not utf8_ok:
            raise ImportFileError("The file starts with a UTF-8 marker but is not valid UTF-8. Save it as “CSV UTF-8”.")
        info.encoding = "utf-8-sig"
    elif utf8_ok:
        info.encoding = "utf-8"
    elif cp1252_ok:
        info.encoding = "cp1252"
    else:
        raise ImportFileError(
            "The file is in neither UTF-8 nor Windows-1252 encoding. Save it as “CSV UTF-8” and upload it again."
        )
    info.rows_estimate = max(newlines, 1)
    return info


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def sniff_delimiter(first_line: str) -> str:
    return ";" if _count_outside_quotes(first_line, ";") > _count_outside_quotes(first_line, ",") else ","


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    delimiter: str = ","
    sheet: str = ""
    other_sheets: list[str] = field(default_factory=list)
    rows_estimate: int = 0
    _close: Any = None

    def close(self) -> None:
        if self._close is not None:
            self._close()


# How far down a sheet the header row is looked for (title rows, instructions, merged group
# headers and blank rows may come first).
HEADER_SEARCH_ROWS = 20
Scorer = Callable[[list[str]], int]


def import_limits() -> Limits:
    """The disclosure check's limits, sized for an import: the upload limit, and up to 1 GiB
    unpacked (a sheet of a few hundred thousand people) at a real spreadsheet's compression."""
    return Limits(max_file_bytes=settings.BREACHTRACKER_MAX_UPLOAD_MB * 1024 * 1024,
                  max_uncompressed_bytes=1024 * 1024 * 1024)


def open_table(path: Path, *, kind: str, encoding: str = "utf-8", sheet: str = "",
               score: Scorer | None = None, seconds: float = 60.0) -> Table:
    """The header row and a streaming iterator over the data rows. Fully blank rows are skipped.

    The header is the first non-blank row, or, given `score` (how many of a row's cells are
    column names we know), the best-scoring of the first HEADER_SEARCH_ROWS non-blank rows:
    rows above it (a title, a date, merged group headers) are not data.
    """
    if kind == "xlsx":
        return _open_xlsx(path, sheet, score, seconds)
    return _open_csv(path, encoding, score)


def _find_header(rows: Iterator[tuple[int, list[str]]], score: Scorer | None,
                 ) -> tuple[tuple[int, list[str]] | None, list[tuple[int, list[str]]]]:
    """(the header row, the non-blank rows read after it) from the first rows of a sheet."""
    seen: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        if any(str(c).strip() for c in cells):
            seen.append((number, cells))
            if score is None or len(seen) >= HEADER_SEARCH_ROWS:
                break
    if not seen:
        return None, []
    best = 0
    if score is not None:
        scores = [score(cells) for _number, cells in seen]
        best = max(range(len(seen)), key=lambda i: (scores[i], -i)) if max(scores) > 0 else 0
    return seen[best], seen[best + 1:]


def _open_csv(path: Path, encoding: str, score: Scorer | None = None) -> Table:
    handle = open(path, encoding=encoding, newline="")
    first = handle.readline()
    handle.seek(0)
    delimiter = sniff_delimiter(first)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(handle, delimiter=delimiter)
    position = {"row": 0}

    def numbered() -> Iterator[tuple[int, list[str]]]:
        for cells in reader:
            position["row"] += 1
            yield position["row"], cells

    source = numbered()
    try:
        found, ahead = _find_header(source, score)
    except csv.Error as exc:
        handle.close()
        raise ImportFileError(
            f"Row {position['row'] + 1} cannot be read ({exc}). Cells are limited to {CSV_FIELD_LIMIT:,} characters."
        ) from None
    if found is None:
        handle.close()
        raise ImportFileError("The file is empty: there is no header row.")
    headers = found[1]

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from ahead
            for number, cells in source:
                if any(c.strip() for c in cells):
                    yield number, cells
        except csv.Error as exc:
            raise ImportFileError(
                f"Row {position['row'] + 1} cannot be read ({exc}). Cells are limited to {CSV_FIELD_LIMIT:,} characters."
            ) from None
        finally:
            handle.close()

    return Table([h.strip() for h in headers], rows(), delimiter=delimiter, _close=handle.close)


def _open_xlsx(path: Path, sheet: str, score: Scorer | None = None, seconds: float = 60.0) -> Table:
    try:
        book = open_sheet(path, sheet, max_rows=settings.BREACHTRACKER_IMPORT_MAX_ROWS, seconds=seconds,
                          limits=import_limits())
    except SheetError as error:
        raise ImportFileError(str(error)) from None
    iterator = book.rows
    try:
        found, ahead = _find_header(iterator, score)
    except SheetError as error:
        book.close()
        raise ImportFileError(str(error)) from None
    headers = [cell.strip() for cell in (found[1] if found else [])]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        book.close()
        raise ImportFileError(f"The sheet “{book.title}” is empty: there is no header row.")
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in chain(ahead, iterator):
                # A spreadsheet row has no "cell count": trailing blanks are not written.
                if len(cells) > width and not any(c.strip() for c in cells[width:]):
                    cells = cells[:width]
                elif len(cells) < width:
                    cells += [""] * (width - len(cells))
                if any(c.strip() for c in cells):
                    yield number, cells
        except SheetError as error:
            raise ImportFileError(str(error)) from None
        finally:
            book.close()

    return Table(headers, rows(), sheet=book.title, other_sheets=book.other_sheets, rows_estimate=book.estimate,
                 _close=book.close)
