"""CSV files: which columns hold personal data, and cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv as _csv
import io
import re
from pathlib import Path

from breachtracker.words import plural

from .detect import detect_table
from .package import Deadline
from .report import Finding, Location, Refused, Report, Severity, Table

FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?\d[\d,.]*$")


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode_csv(raw: bytes) -> str:
    """The text of a CSV in the encodings Excel saves: UTF-8 (with or without its marker),
    UTF-16 with its marker ("Unicode text"), Windows-1252."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                raise Refused(
                    "not_text", "The file starts with a Unicode marker but its text is damaged. Save it as "
                    "“CSV UTF-8” and check it again.",
                ) from None
    if b"\x00" in raw[:4096]:
        raise Refused("not_text", "The file is not a text CSV (it contains binary data).")
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _why(exc: _csv.Error) -> str:
    """Python's csv message in plain words."""
    message = str(exc)
    if "field larger than field limit" in message:
        return "one cell is longer than the 131,072 characters a CSV cell may hold"
    if "NUL" in message or "null byte" in message:
        return "it contains binary data"
    if "EOF" in message or "quote" in message:
        return "a quoted value is never closed"
    return "its rows are not in a CSV layout"


def analyse_csv(path: Path, report: Report, deadline: Deadline, max_kept_cells: int) -> None:
    text = decode_csv(path.read_bytes())
    try:
        dialect: type[_csv.Dialect] | _csv.Dialect = _csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except _csv.Error:
        dialect = _csv.excel
    # newline="": rows may end in CR LF, LF or a lone CR (old Mac files), as with open(newline="").
    reader = _csv.reader(io.StringIO(text, newline=""), dialect)
    headers: list[str] = []
    rows: list[list[str]] = []
    formulas: list[str] = []
    kept = 0
    truncated = False
    try:
        for number, row in enumerate(reader, start=1):
            if number % 10_000 == 0:
                deadline.check()
            if not headers:
                if any(cell.strip() for cell in row):
                    headers = [cell.strip() for cell in row]
                continue
            for col, cell in enumerate(row):
                if FORMULA_START.match(cell) and not _NUMBER.match(cell) and len(formulas) < 1000:
                    formulas.append(f"row {number}, column {col + 1}")
            if kept + len(row) > max_kept_cells:
                truncated = True
                continue
            kept += len(row)
            rows.append([cell.strip()[:500] for cell in row])
    except _csv.Error as exc:
        raise Refused("corrupt", f"The CSV cannot be read: {_why(exc)}.") from None
    if not headers:
        return
    location = Location(path.name if report.filename == "" else report.filename)
    for m in detect_table(headers, rows):
        report.add(Finding(
            "personal_data", f"A column that looks like {m.kind.label}" + (f": “{m.header[:40]}”" if m.header else ""),
            Severity.MEDIUM if m.confidence >= 0.45 else Severity.LOW,
            Location(location.part, range=f"column {m.index + 1}" + (f" “{m.header[:40]}”" if m.header else "")),
            detail=f"{m.hits:,} of {m.values:,} values looked at match; confidence {m.confidence:.0%}.",
            evidence=m.samples, categories=(m.category,), count=m.hits,
        ))
    if formulas:
        report.add(Finding(
            "formula_cells", plural(len(formulas), "cell", "cells") + " a spreadsheet would treat as formulas", Severity.MEDIUM,
            Location(location.part, range=", ".join(formulas[:5])),
            detail="Cells starting with =, +, - or @ run as formulas when the CSV is opened in Excel "
            "(CSV injection). They were not run here.", count=len(formulas),
        ))
    report.tables.append(Table("CSV rows", location, headers, rows, truncated=truncated))
