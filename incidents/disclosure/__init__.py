"""The disclosure check: what a released file really contains.

`check_file(path)` returns a Report of findings, or raises Refused with a plain-words reason
(corrupt, encrypted, too large, a zip bomb, too slow). Pure functions over files: no Django
needed, nothing in the file executed.
"""

from __future__ import annotations

from pathlib import Path

from .csv import analyse_csv
from .docx import analyse_document
from .ooxml import macros_and_embeddings, properties
from .package import ZIP_MAGIC, Deadline, Limits, Package, open_zip, sniff
from .report import Finding, Location, Refused, Report, Severity, Table
from .xlsx import analyse_workbook

__all__ = ["ACCEPTED", "Finding", "Limits", "Location", "Refused", "Report", "Severity", "Table", "check_file"]

WORKBOOK_TYPES = {".xlsx", ".xlsm", ".xltx", ".xltm"}
DOCUMENT_TYPES = {".docx", ".docm", ".dotx", ".dotm"}
TEXT_TYPES = {".csv", ".txt", ".tsv"}
ACCEPTED = ", ".join(sorted(WORKBOOK_TYPES | DOCUMENT_TYPES | TEXT_TYPES))


def check_file(path: Path | str, *, filename: str | None = None, limits: Limits | None = None,
               accept_metadata: bool = False) -> Report:
    """Check one file. `filename` is the name the user gave it (an upload lives at a temp path).
    `accept_metadata`: the user accepts author metadata that names a person (it no longer fails)."""
    path = Path(path)
    limits = limits or Limits()
    name = filename or path.name
    suffix = Path(name).suffix.lower()
    deadline = Deadline(limits.max_seconds)
    head = sniff(path, limits)
    report = Report(filename=name, file_type=suffix.lstrip(".") or "unknown", size=path.stat().st_size)
    if suffix in TEXT_TYPES:
        if head.startswith(ZIP_MAGIC):
            raise Refused("wrong_type", "The file is named .csv but is a zip package (an Office file?).")
        analyse_csv(path, report, deadline, limits.max_kept_cells)
        return report
    if suffix not in WORKBOOK_TYPES | DOCUMENT_TYPES:
        raise Refused("unsupported", f"Only these file types can be checked: {ACCEPTED}.")
    if not head.startswith(ZIP_MAGIC):
        raise Refused("corrupt", "The file is damaged or not what its name says: an Office file is a zip package.")
    with open_zip(path, limits) as archive:
        package = Package(archive, deadline, limits)
        is_workbook = package.has("xl/workbook.xml")
        if suffix in WORKBOOK_TYPES and not is_workbook and not package.has("word/document.xml"):
            raise Refused("corrupt", "The package has no workbook part: it is not a readable Excel workbook.")
        if is_workbook:
            report.file_type = "xlsx" if suffix not in (".xlsm", ".xltm") else "xlsm"
            macros_and_embeddings(package, report, "xl/")
            analyse_workbook(package, report, limits)
        else:
            report.file_type = "docx" if suffix not in (".docm", ".dotm") else "docm"
            macros_and_embeddings(package, report, "word/")
            analyse_document(package, report)
        properties(package, report, accept_metadata=accept_metadata)
    return report
