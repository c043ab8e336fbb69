"""Reading an uploaded spreadsheet: what it is, and its rows one at a time (no database).

`inspect_upload` streams the uploaded bytes once: SHA-256, file kind (CSV or XLSX, by
content, not name), text encoding (UTF-8, UTF-8 with BOM, or Windows-1252) and a row estimate
for the progress bar. `open_table` yields the header row and then the data rows, streaming
(csv.reader over the file, or `xlsx.Book.rows` streaming the sheet's XML within the
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
from ..disclosure.xlsx import SheetInfo
from .xlsx import Book, SheetError

CSV_FIELD_LIMIT = 32_768  # characters in one cell; a longer one is hostile or broken input


class ImportFileError(Exception):
    """The file as a whole cannot be read: a clear message for the person who uploaded it."""


# ---------------------------------------------------------------------------------------
# The file: kind, encoding, streaming rows

XLSX_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: encrypted OOXML or a legacy .xls
# Stream names in an OLE2 directory (UTF-16): an encrypted .xlsx holds "EncryptionInfo"; a
# legacy .xls holds its sheets in "Workbook" (Excel 97 and later) or "Book" (Excel 5).
CFB_STREAMS = {"encrypted": "EncryptionInfo".encode("utf-16-le"), "xls": "Workbook".encode("utf-16-le"),
               "xls5": "Book\x00".encode("utf-16-le")}


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
    newlines = returns = 0
    cfb_markers: set[str] = set()
    tail = b""
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
        returns += chunk.count(b"\r")
        if head.startswith(CFB_MAGIC):
            # The compound file's directory names its streams in UTF-16: look for the ones that
            # say what it is (across chunk boundaries too).
            window = tail + chunk
            for name, marker in CFB_STREAMS.items():
                if marker in window:
                    cfb_markers.add(name)
            tail = window[-64:]
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
        if "encrypted" not in cfb_markers and cfb_markers & {"xls", "xls5"}:
            raise ImportFileError(
                "This is an old Excel .xls file (Excel 97–2003), even if its name ends in .xlsx or .csv. "
                "Open it in Excel, save it as .xlsx or CSV (File › Save As), then upload it again."
            )
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
    # A file saved with old Mac line endings (CR only) has no \n at all.
    info.rows_estimate = max(newlines or returns, 1)
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


# How far down a sheet the header row is looked for (title rows, instructions, merged group
# headers and blank rows may come first), and how much of it the mapping screen shows.
HEADER_SEARCH_ROWS = 20
PREVIEW_ROWS = 12
PREVIEW_COLUMNS = 12
PREVIEW_CELL = 40
PREVIEW_SHEETS = 10
# Beside each column's drop-down: its first few non-empty values from the preview's rows.
SAMPLE_VALUES = 3
# A header row names at least this many of our columns; fewer, and the user is asked.
HEADER_SURE_SCORE = 2
Scorer = Callable[[list[str]], int]


@dataclass
class SheetPreview:
    """The first rows of a sheet (or of a CSV file), and where its header row seems to be."""

    name: str
    rows: list[tuple[int, list[str]]]
    header_row: int = 0  # the spreadsheet row number of the likeliest header; 0 when none
    score: int = 0  # how many of that row's cells are column names we know
    unsure: bool = True  # no row scores well, or two score alike: the user should say
    problem: str = ""  # why the sheet cannot be read, when it cannot

    def shown(self, width: int = PREVIEW_COLUMNS) -> list[tuple[int, list[str]]]:
        """The rows as the mapping screen shows them: a few columns, cells cut short."""
        return [(number, [c[:PREVIEW_CELL] for c in cells[:width]]) for number, cells in self.rows[:PREVIEW_ROWS]]

    def column_samples(self, header_row: int, columns: int, count: int = SAMPLE_VALUES) -> list[list[str]]:
        """Each of the first `columns` columns' first `count` non-empty values in the rows below
        `header_row`, cut to PREVIEW_CELL characters. Only the rows this preview read: never
        more of the file (an empty list: no value in those rows)."""
        samples: list[list[str]] = [[] for _ in range(columns)]
        for number, cells in self.rows:
            if number <= header_row:
                continue
            for index, cell in enumerate(cells[:columns]):
                value = " ".join(cell.split())  # a cell's line breaks and runs of spaces, as one space
                if value and len(samples[index]) < count:
                    samples[index].append(_cut(value, PREVIEW_CELL))
        return samples


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[:width - 1] + "…"


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    delimiter: str = ","
    sheet: str = ""
    other_sheets: list[str] = field(default_factory=list)
    rows_estimate: int = 0
    header_row: int = 0
    header_unsure: bool = False
    date1904: bool = False  # XLSX: the workbook counts dates from 1904 (old Excel for Mac)
    previews: list[SheetPreview] = field(default_factory=list)  # XLSX at upload: every visible sheet
    _close: Any = None

    def close(self) -> None:
        if self._close is not None:
            self._close()




def import_limits() -> Limits:
    """The disclosure check's limits, sized for an import: the upload limit, and up to 1 GiB
    unpacked (a sheet of a few hundred thousand people) at a real spreadsheet's compression."""
    return Limits(max_file_bytes=settings.BREACHTRACKER_MAX_UPLOAD_MB * 1024 * 1024,
                  max_uncompressed_bytes=1024 * 1024 * 1024)


def open_table(path: Path, *, kind: str, encoding: str = "utf-8", sheet: str = "",
               score: Scorer | None = None, seconds: float = 60.0, header_row: int = 0,
               parallel: bool = False) -> Table:
    """The header row and a streaming iterator over the data rows. Fully blank rows are skipped.

    The header is row `header_row` when given (the user chose it); otherwise the first
    non-blank row, or, given `score` (how many of a row's cells are column names we know),
    the best-scoring of the first HEADER_SEARCH_ROWS non-blank rows: rows above it (a title,
    a date, merged group headers) are not data. A workbook read with no `sheet` named is read
    from its visible sheet whose header scores best (an instructions sheet first does not win).
    `parallel`: a workbook's sheet is read in a process of its own (for a read of every row).
    """
    if kind == "xlsx":
        return _open_xlsx(path, sheet, score, seconds, header_row, parallel)
    return _open_csv(path, encoding, score, header_row)


def _preview(name: str, seen: list[tuple[int, list[str]]], score: Scorer | None) -> SheetPreview:
    if not seen:
        return SheetPreview(name, [], problem="This sheet is empty.")
    if score is None:
        return SheetPreview(name, seen, seen[0][0], 0, False)
    scores = [score(cells) for _number, cells in seen]
    best = max(range(len(seen)), key=lambda i: (scores[i], -i))
    top = scores[best]
    unsure = top < HEADER_SURE_SCORE or scores.count(top) > 1
    return SheetPreview(name, seen, seen[best][0] if top > 0 else seen[0][0], top, unsure)


def _first_rows(rows: Iterator[tuple[int, list[str]]], *, until: int = 0) -> list[tuple[int, list[str]]]:
    """The first HEADER_SEARCH_ROWS non-blank rows (or, with `until`, the non-blank rows up to
    and including row number `until`)."""
    seen: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        blank = not any(str(c).strip() for c in cells)
        if until and number > until:
            if not blank:
                seen.append((number, cells))
            break
        if not blank:
            seen.append((number, cells))
            if until and number == until:
                break
            if not until and len(seen) >= HEADER_SEARCH_ROWS:
                break
    return seen


def _find_header(rows: Iterator[tuple[int, list[str]]], score: Scorer | None, header_row: int = 0,
                 ) -> tuple[tuple[int, list[str]] | None, list[tuple[int, list[str]]], SheetPreview]:
    """(the header row, the non-blank rows read after it, the preview) from a sheet's first rows."""
    if header_row:
        seen = _first_rows(rows, until=header_row)
        found = next(((n, c) for n, c in seen if n == header_row), None)
        if found is None:
            raise ImportFileError(f"Row {header_row} is blank or missing: it cannot hold the column names. "
                                  "Choose another row.")
        index = seen.index(found)
        return found, seen[index + 1:], SheetPreview("", seen, header_row, score(found[1]) if score else 0, False)
    seen = _first_rows(rows)
    preview = _preview("", seen, score)
    if not seen:
        return None, [], preview
    index = next(i for i, (n, _c) in enumerate(seen) if n == preview.header_row)
    return seen[index], seen[index + 1:], preview


def _csv_error(position: dict[str, int], exc: csv.Error) -> ImportFileError:
    return ImportFileError(
        f"Row {position['row'] + 1} cannot be read ({exc}). Cells are limited to {CSV_FIELD_LIMIT:,} characters.")


def _open_csv(path: Path, encoding: str, score: Scorer | None = None, header_row: int = 0) -> Table:
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
        found, ahead, preview = _find_header(source, score, header_row)
    except csv.Error as exc:
        handle.close()
        raise _csv_error(position, exc) from None
    except BaseException:
        handle.close()
        raise
    if found is None:
        handle.close()
        raise ImportFileError("The file is empty: there is no header row.")
    headers = found[1]

    max_rows = settings.BREACHTRACKER_IMPORT_MAX_ROWS

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from ahead
            for number, cells in source:
                if number > max_rows:
                    # The same limit as a workbook's, met while reading: the file is never counted first.
                    raise ImportFileError(f"The file has more than {max_rows:,} rows, the most one import reads. "
                                          "Split the file, or remove the empty rows below the list.")
                if any(c.strip() for c in cells):
                    yield number, cells
        except csv.Error as exc:
            raise _csv_error(position, exc) from None
        finally:
            handle.close()

    return Table([h.strip() for h in headers], rows(), delimiter=delimiter, header_row=found[0],
                 header_unsure=preview.unsure, previews=[preview], _close=handle.close)


def _book(path: Path, seconds: float) -> Book:
    return Book(path, max_rows=settings.BREACHTRACKER_IMPORT_MAX_ROWS, seconds=seconds, limits=import_limits())


def _sheet_previews(book: Book, score: Scorer | None, extra: SheetInfo | None = None) -> list[SheetPreview]:
    """The first rows of each visible sheet (and of `extra`, a hidden sheet asked for by name)."""
    previews = []
    sheets = book.visible[:PREVIEW_SHEETS]
    if extra is not None and extra not in sheets:
        sheets.append(extra)
    for info in sheets:
        try:
            rows = book.rows(info) if info.part and book.package.has(info.part) else iter(())
            seen = _first_rows(rows)
            rows.close()  # type: ignore[attr-defined]
        except SheetError as error:
            previews.append(SheetPreview(info.name, [], problem=str(error)))
            continue
        preview = _preview(info.name, seen, score)
        previews.append(preview)
    return previews


def preview_sheets(path: Path, *, kind: str, encoding: str = "utf-8", sheet: str = "",
                   score: Scorer | None = None, seconds: float = 60.0) -> list[SheetPreview]:
    """The mapping screen's previews: every visible sheet of a workbook, or the CSV file."""
    if kind != "xlsx":
        table = _open_csv(path, encoding, score)
        table.close()
        return table.previews
    try:
        book = _book(path, seconds)
    except SheetError as error:
        raise ImportFileError(str(error)) from None
    try:
        extra = next((s for s in book.sheets if s.name == sheet), None)
        return _sheet_previews(book, score, extra)
    except SheetError as error:
        raise ImportFileError(str(error)) from None
    finally:
        book.close()


def _open_xlsx(path: Path, sheet: str, score: Scorer | None = None, seconds: float = 60.0,
               header_row: int = 0, parallel: bool = False) -> Table:
    try:
        book = _book(path, seconds)
    except SheetError as error:
        raise ImportFileError(str(error)) from None
    try:
        previews: list[SheetPreview] = []
        if not sheet and len(book.visible) > 1:
            # Several sheets: read the one that looks most like a list of people (ties: the first).
            previews = _sheet_previews(book, score)
            readable = [p for p in previews if not p.problem]
            if readable:
                sheet = max(readable, key=lambda p: (p.score, -previews.index(p))).name
        chosen = book.sheet(sheet)
        estimate = book.dimension_rows(chosen)
        iterator = book.rows(chosen, parallel=parallel)
        found, ahead, preview = _find_header(iterator, score, header_row)
    except SheetError as error:
        book.close()
        raise ImportFileError(str(error)) from None
    except BaseException:
        book.close()
        raise
    headers = [cell.strip() for cell in (found[1] if found else [])]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        book.close()
        raise ImportFileError(f"The sheet “{chosen.name}” is empty: there is no header row.")
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

    assert found is not None
    preview.name = chosen.name
    return Table(headers, rows(), sheet=chosen.name, other_sheets=book.others(chosen), rows_estimate=estimate,
                 header_row=found[0], header_unsure=preview.unsure, date1904=book.date1904,
                 previews=previews or [preview], _close=book.close)
