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

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..disclosure.cells import parse_ref
from ..disclosure.package import Deadline, Limits, Package, local, open_zip
from ..disclosure.report import Refused, Report
from ..disclosure.xlsx import SheetInfo, Workbook

# Cells past this column are never read into a row: a real list of people is far narrower,
# and a row "16,384 cells wide" must not cost 16,384 strings.
MAX_COLUMN = 500


class SheetError(Exception):
    """The workbook cannot be read safely or within the limits; the message says why."""


@dataclass
class SheetRows:
    title: str
    other_sheets: list[str]
    rows: Iterator[tuple[int, list[str]]]
    close: Any
    estimate: int = 0
    date1904: bool = False


class Book:
    """An open workbook: its sheets, and the rows of any of them, streaming. One package and
    one table of shared strings for every sheet read (the previews read several)."""

    def __init__(self, path: Path, *, max_rows: int, seconds: float, limits: Limits) -> None:
        self.max_rows = max_rows
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

    def rows(self, chosen: SheetInfo) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of a sheet's non-empty rows; stops with SheetError past the row
        limit, counted by the rows' own numbers as they stream (blank rows count too)."""
        book, max_rows = self.book, self.max_rows
        cells: dict[int, str] = {}
        last_row = 0
        try:
            for _event, node in self.package.iterparse(chosen.part, events=("end",)):
                tag = local(node.tag)
                if tag == "c":
                    ref = parse_ref(node.get("r", ""))
                    column = ref[0] if ref else len(cells) + 1
                    if column <= MAX_COLUMN:
                        value = book.cell_value(node) or _formula_text(node)
                        if value:
                            cells[column] = value
                elif tag == "row":
                    number = int(node.get("r") or last_row + 1)
                    last_row = number
                    node.clear()
                    if number > max_rows:
                        raise SheetError(f"The sheet “{chosen.name}” has more than {max_rows:,} rows, the most one "
                                         "import reads. Split the file, or remove the empty rows below the list.")
                    if cells:
                        yield number, [cells.get(i, "") for i in range(1, max(cells) + 1)]
                    cells = {}
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


def _formula_text(c: Any) -> str:
    """A formula saved without its result, as text: never evaluated."""
    f = next((ch for ch in c if local(ch.tag) == "f"), None)
    return f"={f.text.strip()}" if f is not None and f.text and f.text.strip() else ""


def open_sheet(path: Path, sheet: str, *, max_rows: int, seconds: float, limits: Limits) -> SheetRows:
    """The chosen (or first visible) sheet's rows as (row number, cells), streaming."""
    book = Book(path, max_rows=max_rows, seconds=seconds, limits=limits)
    try:
        chosen = book.sheet(sheet)
        estimate = book.dimension_rows(chosen)
    except BaseException:
        book.close()
        raise

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from book.rows(chosen)
        finally:
            book.close()

    return SheetRows(chosen.name, book.others(chosen), rows(), book.close, estimate, book.date1904)
