"""Streaming the rows of the sheets of an .xlsx for the import, within the disclosure check's
limits (one place for them: `disclosure.package`): the package directory is checked before
anything is decompressed (size, parts, compression ratio: a zip bomb is refused at once),
every XML part goes through defusedxml (no entities, no DTD), a deadline bounds the time,
and the rows are read as they come — the sheet is never scanned ahead for its size (openpyxl
does, and a sheet without a dimension tag held an upload for two minutes).

A formula is never evaluated: a cell shows the result Excel saved with it, or, when the file
holds no result, the formula's own text (“=A1+B1”) as plain text.
"""

from __future__ import annotations

import json
import pickle  # noqa: S403 - only from our own child process
import pyexpat
import queue
import subprocess  # noqa: S404 - our own module, our own interpreter
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..disclosure.cells import parse_ref
from ..disclosure.package import ZIP_ERRORS, Deadline, Limits, Package, local, open_zip
from ..disclosure.report import Refused, Report
from ..disclosure.xlsx import SheetInfo, Workbook

# Cells past this column are never read into a row: a real list of people is far narrower,
# and a row "16,384 cells wide" must not cost 16,384 strings.
MAX_COLUMN = 500


class SheetError(Exception):
    """The workbook cannot be read safely or within the limits; the message says why."""


class Book:
    """An open workbook: its sheets, and the rows of any of them, streaming. One package and
    one table of shared strings for every sheet read (the previews read several)."""

    def __init__(self, path: Path, *, max_rows: int, seconds: float, limits: Limits) -> None:
        self.path, self.limits, self.max_rows = path, limits, max_rows
        deadline = Deadline(seconds)
        try:
            self.archive = open_zip(path, limits)
        except Refused as refused:
            raise SheetError(refused.message) from None
        try:
            self.package = Package(self.archive, deadline, limits)
            self.book = Workbook(self.package, Report(path.name, "xlsx", path.stat().st_size), limits)
        except Refused as refused:
            self.archive.close()
            raise SheetError(refused.message) from None
        except Exception as exc:  # a broken workbook part
            self.archive.close()
            raise SheetError(f"The workbook cannot be read ({type(exc).__name__}).") from None
        self.sheets: list[SheetInfo] = list(self.book.sheets)
        # Excel for Mac before 2011 counted days from 1 January 1904, not 30 December 1899.
        self.date1904 = self.book.epoch.year == 1904

    @property
    def visible(self) -> list[SheetInfo]:
        return [s for s in self.sheets if s.state == "visible"]

    def sheet(self, name: str) -> SheetInfo:
        """The sheet called `name`, or the first visible sheet when `name` is blank."""
        if name:
            chosen = next((s for s in self.sheets if s.name == name), None)
            if chosen is None:
                raise SheetError(f"The workbook has no sheet called “{name}”.")
        else:
            chosen = next(iter(self.visible), None)
            if chosen is None:
                raise SheetError("The workbook has no visible sheet.")
        if not chosen.part or not self.package.has(chosen.part):
            raise SheetError(f"The sheet “{chosen.name}” is missing from the workbook.")
        return chosen

    def others(self, chosen: SheetInfo) -> list[str]:
        return [f"{s.name} (hidden)" if s.state != "visible" else s.name for s in self.sheets if s is not chosen]

    def close(self) -> None:
        self.archive.close()

    def rows(self, chosen: SheetInfo, *, parallel: bool = False) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of a sheet's non-empty rows; stops with SheetError past the row
        limit, counted by the rows' own numbers as they stream (blank rows count too).

        `parallel`: read the XML in a process of its own (`sheet_child`), a batch ahead of the
        caller, for a whole sheet read once (the import's check); the same rows and errors."""
        try:
            if parallel:
                yield from _child_rows(self, chosen)
            else:
                yield from _SheetReader(self, chosen).rows()
        except Refused as refused:
            raise SheetError(refused.message) from None

    def dimension_rows(self, chosen: SheetInfo) -> int:
        """The row count the sheet declares in its dimension tag, read from the part's first
        elements only (0 when there is none: never counted by reading the sheet)."""
        elements = self.package.iterparse(chosen.part, events=("start",))
        try:
            for _event, node in elements:
                tag = local(node.tag)
                if tag == "dimension":
                    ref = node.get("ref", "")
                    last = parse_ref(ref.partition(":")[2] or ref)
                    return max(0, last[1] - 1) if last else 0
                if tag == "sheetData":
                    return 0
            return 0
        finally:
            elements.close()  # type: ignore[attr-defined]


class _SheetReader:
    """A worksheet's rows straight from expat's callbacks, as `Workbook.cell_value` reads a
    cell. ElementTree's iterparse built an element for each of a sheet's millions of tags and
    was most of an XLSX import's time (14 s a pass over 100,000 rows; this reads them in about
    4 s: the callbacks are closures over local state, the cheapest Python call there is). The
    same guards as `disclosure.package`: a DTD or an entity declaration is refused (as
    defusedxml refuses it), the part streams in chunks within the package's own limits, and
    the deadline and the row limit are checked as it goes."""

    CHUNK = 256 * 1024

    def __init__(self, book: Book, chosen: SheetInfo) -> None:
        self.book, self.chosen = book, chosen

    def refuse(self, *args: Any) -> int:
        raise Refused("unsafe_xml", f"The part {self.chosen.part!r} uses XML entities or a DTD, which are refused.")

    def rows(self) -> Iterator[tuple[int, list[str]]]:  # noqa: C901 - one parser's callbacks
        part, package, max_rows = self.chosen.part, self.book.package, self.book.max_rows
        typed = self.book.book.typed_value
        done: list[tuple[int, list[str]]] = []
        names: dict[str, str] = {}  # "x:c" → "c"
        columns: dict[str, int] = {}  # "AB" → 28
        cells: dict[int, str] = {}
        # The cell being read: reference, type, style, and the text of <v>, <is><t> and <f>.
        ref, kind, style = "", "n", None
        value: list[str] = []
        inline: list[str] = []
        formula: list[str] = []
        target: list[str] | None = None
        row_number = last_row = 0
        over = False

        def local(name: str) -> str:
            tag = names[name] = name.rpartition(":")[2]
            return tag

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal ref, kind, style, target, row_number
            tag = names.get(name) or local(name)
            if tag == "c":
                ref, kind, style = attrs.get("r", ""), attrs.get("t", "n"), attrs.get("s")
                value.clear()
                inline.clear()
                formula.clear()
            elif tag == "v":
                target = value
            elif tag == "t":
                target = inline
            elif tag == "f":
                target = formula
            elif tag == "row":
                number = attrs.get("r", "")
                row_number = int(number) if number.isdigit() else last_row + 1

        def text(data: str) -> None:
            if target is not None:
                target.append(data)

        def end(name: str) -> None:
            nonlocal target, cells, last_row, over
            tag = names.get(name) or local(name)
            if tag == "c":
                letters = ref.rstrip("0123456789")
                column = columns.get(letters)
                if column is None:
                    parsed = parse_ref(ref)
                    if parsed is None:
                        column = len(cells) + 1
                    else:
                        column = columns[letters] = parsed[0]
                if column <= MAX_COLUMN:
                    if kind == "inlineStr":
                        cell = "".join(inline).strip()
                    else:
                        cell = typed("".join(value), kind, style)
                    if not cell and formula:
                        cell = _formula_text("".join(formula))
                    if cell:
                        cells[column] = cell
            elif tag == "row":
                number = last_row = row_number
                if number > max_rows:
                    over = True  # said once the rows before it are given: a header is still read
                if cells and not over:
                    done.append((number, [cells.get(i, "") for i in range(1, max(cells) + 1)]))
                    cells = {}
            else:
                target = None  # the end of <v>, <t> or <f> (nothing else holds text we read)

        parser = pyexpat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        parser.StartDoctypeDeclHandler = self.refuse
        parser.EntityDeclHandler = self.refuse
        parser.ExternalEntityRefHandler = self.refuse
        parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        try:
            with package.archive.open(part) as handle:
                while True:
                    package.deadline.check()
                    chunk = handle.read(self.CHUNK)
                    parser.Parse(chunk, not chunk)
                    if done:
                        yield from done
                        done.clear()
                    if over:
                        raise SheetError(f"The sheet “{self.chosen.name}” has more than {max_rows:,} rows, the most "
                                         "one import reads. Split the file, or remove the empty rows below the list.")
                    if not chunk:
                        return
        except pyexpat.ExpatError as exc:
            raise Refused("corrupt", f"The part {part!r} is not well-formed XML ({exc}).") from None
        except ZIP_ERRORS as exc:
            raise Refused("corrupt", f"The part {part!r} is damaged ({exc}).") from None


# Batches of rows the reading process may be ahead of the import (1,000 rows each).
_AHEAD = 8
# (this process's peak, the reader's peak) in KiB, each time a sheet was read in a reader
# process: what `manage.py benchmark import` reports as the two processes' peak.
READER_PEAKS: list[tuple[int, int]] = []


def peak_kb() -> int:
    """This process's peak memory since it started (VmHWM; 0 where /proc is not there)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def _child_rows(book: Book, chosen: SheetInfo) -> Iterator[tuple[int, list[str]]]:
    """The rows of `chosen` from `python -m incidents.imports.sheet_child`, with its errors
    raised here as the reader in this process raises them. A thread moves its batches from the
    pipe to a bounded queue (it waits on the pipe without holding the interpreter), so the
    child is never more than `_AHEAD` batches ahead and memory stays flat; stopping early (a
    cancel, an error) kills it."""
    deadline = book.package.deadline
    child = subprocess.Popen([sys.executable, "-m", "incidents.imports.sheet_child"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, cwd=str(Path(__file__).resolve().parents[2]))
    assert child.stdin is not None and child.stdout is not None
    out = child.stdout
    batches: queue.Queue[Any] = queue.Queue(maxsize=_AHEAD)

    def pump() -> None:
        try:
            while True:
                head = out.read(4)
                if len(head) < 4:
                    break
                batches.put(pickle.loads(out.read(int.from_bytes(head, "big"))))  # noqa: S301 - our own child
        except (OSError, ValueError, pickle.UnpicklingError):
            pass
        batches.put(None)

    thread = threading.Thread(target=pump, name="sheet-reader", daemon=True)
    try:
        child.stdin.write(json.dumps({
            "path": str(book.path), "sheet": chosen.name, "part": chosen.part, "max_rows": book.max_rows,
            "seconds": max(1.0, deadline.ends - time.monotonic()), "limits": asdict(book.limits),
        }).encode() + b"\n")
        child.stdin.close()
        thread.start()
        while True:
            try:
                message = batches.get(timeout=1.0)
            except queue.Empty:
                deadline.check()
                continue
            if message is None:
                raise SheetError("The workbook could not be read: its reader stopped unexpectedly.")
            kind = message[0]
            if kind == "rows":
                yield from message[1]
            elif kind == "end":
                # For the benchmark: the most both processes can have held at once is this
                # process's peak so far plus the reader's.
                READER_PEAKS.append((peak_kb(), message[1]))
                return
            elif kind == "sheet_error":
                raise SheetError(message[1])
            elif kind == "refused":
                raise Refused(message[1], message[2])
            else:
                raise SheetError(f"The workbook cannot be read ({message[1]}).")
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        while thread.is_alive():  # let the thread finish a put it waits on, then see the end
            try:
                batches.get(timeout=0.1)
            except queue.Empty:
                pass
        out.close()


def _formula_text(formula: str) -> str:
    """A formula saved without its result, as text: never evaluated."""
    return f"={formula.strip()}" if formula.strip() else ""
