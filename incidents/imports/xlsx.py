"""Streaming the rows of one sheet of an .xlsx for the import, within the disclosure check's
limits (one place for them: `disclosure.package`): the package directory is checked before
anything is decompressed (size, parts, compression ratio: a zip bomb is refused at once),
every XML part goes through defusedxml (no entities, no DTD), a deadline bounds the time,
and the rows are read as they come — the sheet is never scanned ahead for its size (openpyxl
does, and a sheet without a dimension tag held an upload for two minutes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..disclosure.cells import parse_ref
from ..disclosure.package import Deadline, Limits, Package, local, open_zip
from ..disclosure.report import Refused, Report
from ..disclosure.xlsx import Workbook

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


def open_sheet(path: Path, sheet: str, *, max_rows: int, seconds: float, limits: Limits) -> SheetRows:
    """The chosen (or first visible) sheet's rows as (row number, cells), streaming."""
    deadline = Deadline(seconds)
    try:
        archive = open_zip(path, limits)
    except Refused as refused:
        raise SheetError(refused.message) from None
    try:
        package = Package(archive, deadline, limits)
        book = Workbook(package, Report(path.name, "xlsx", path.stat().st_size), limits)
    except Refused as refused:
        archive.close()
        raise SheetError(refused.message) from None
    except Exception as exc:  # a broken workbook part
        archive.close()
        raise SheetError(f"The workbook cannot be read ({type(exc).__name__}).") from None
    if sheet:
        chosen = next((s for s in book.sheets if s.name == sheet), None)
        if chosen is None:
            archive.close()
            raise SheetError(f"The workbook has no sheet called “{sheet}”.")
    else:
        chosen = next((s for s in book.sheets if s.state == "visible"), None)
        if chosen is None:
            archive.close()
            raise SheetError("The workbook has no visible sheet.")
    if not chosen.part or not package.has(chosen.part):
        archive.close()
        raise SheetError(f"The sheet “{chosen.name}” is missing from the workbook.")
    others = [f"{s.name} (hidden)" if s.state != "visible" else s.name for s in book.sheets if s is not chosen]
    estimate = _dimension_rows(package, chosen.part)

    def rows() -> Iterator[tuple[int, list[str]]]:
        cells: dict[int, str] = {}
        last_row = 0
        try:
            for _event, node in package.iterparse(chosen.part, events=("end",)):
                tag = local(node.tag)
                if tag == "c":
                    ref = parse_ref(node.get("r", ""))
                    column = ref[0] if ref else len(cells) + 1
                    if column <= MAX_COLUMN:
                        value = book.cell_value(node)
                        if value:
                            cells[column] = value
                elif tag == "row":
                    number = int(node.get("r") or last_row + 1)
                    last_row = number
                    node.clear()
                    if number > max_rows:
                        raise SheetError(f"The sheet has more than {max_rows:,} rows, the most one import reads. "
                                         "Split the file, or remove the empty rows below the list.")
                    if cells:
                        yield number, [cells.get(i, "") for i in range(1, max(cells) + 1)]
                    cells = {}
        except Refused as refused:
            raise SheetError(refused.message) from None
        finally:
            archive.close()

    return SheetRows(chosen.name, others, rows(), archive.close, estimate)


def _dimension_rows(package: Package, part: str) -> int:
    """The row count the sheet declares in its dimension tag, read from the part's first
    elements only (0 when there is none: never counted by reading the sheet)."""
    elements = package.iterparse(part, events=("start",))
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
