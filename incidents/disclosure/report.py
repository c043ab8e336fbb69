"""What a disclosure check found: findings with a location, a severity and masked evidence.

Plain dataclasses with no Django in them, so the command, the web page and the tests all
read the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from incidents.vocab import DATA_CATEGORY_SEEDS

CATEGORY_NAMES: dict[str, str] = {seed.code: seed.name for seed in DATA_CATEGORY_SEEDS}


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()


# A file fails the pre-release check when any finding is at least this severe.
FAIL_AT = Severity.MEDIUM


class Refused(Exception):
    """The file cannot be checked safely; `message` says why in plain words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Location:
    part: str
    sheet: str = ""
    range: str = ""

    def __str__(self) -> str:
        where = [self.part]
        if self.sheet:
            where.append(f"sheet “{self.sheet}”")
        if self.range:
            where.append(self.range)
        return ", ".join(where)


@dataclass(frozen=True)
class CategoryMatch:
    """An ICO data category a finding points to, with how sure the detector is (0–1)."""

    code: str
    confidence: float

    @property
    def name(self) -> str:
        return CATEGORY_NAMES[self.code]

    @property
    def confidence_label(self) -> str:
        if self.confidence >= 0.75:
            return "high"
        if self.confidence >= 0.45:
            return "medium"
        return "low"


def merge_categories(matches: list[CategoryMatch] | tuple[CategoryMatch, ...]) -> tuple[CategoryMatch, ...]:
    """One entry per category, at the highest confidence seen."""
    best: dict[str, float] = {}
    for m in matches:
        best[m.code] = max(best.get(m.code, 0.0), m.confidence)
    return tuple(CategoryMatch(code, conf) for code, conf in sorted(best.items(), key=lambda kv: -kv[1]))


@dataclass(frozen=True)
class Finding:
    kind: str
    title: str
    severity: Severity
    location: Location
    detail: str = ""
    evidence: tuple[str, ...] = ()  # always masked
    categories: tuple[CategoryMatch, ...] = ()
    count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "severity": self.severity.label,
            "location": {"part": self.location.part, "sheet": self.location.sheet, "range": self.location.range},
            "detail": self.detail,
            "evidence": list(self.evidence),
            "categories": [
                {"code": c.code, "name": c.name, "confidence": round(c.confidence, 2)} for c in self.categories
            ],
            "count": self.count,
        }


@dataclass
class Table:
    """Rows a reader can recover from the file (a sheet, a pivot cache, a CSV).

    Kept in memory for the "create affected people" step; never serialised into the report.
    """

    source: str
    location: Location
    headers: list[str]
    rows: list[list[str]]
    hidden: bool = False
    truncated: bool = False
    # Sheet row numbers of the first and last data rows, for ranges like C2:C125.
    first_row: int = 2
    last_row: int = 0
    # The sheet column number (1 = A) of each table column: empty columns are left out.
    columns: list[int] = field(default_factory=list)

    def column_number(self, index: int) -> int:
        return self.columns[index] if index < len(self.columns) else index + 1


_KIND_ORDER = {kind: i for i, kind in enumerate((
    "macro", "very_hidden_sheet", "hidden_sheet", "pivot_cache_records", "pivot_cache", "hidden_columns",
    "hidden_rows", "tracked_changes", "hidden_text", "invisible_cells", "shape_text", "header_footer",
    "chart_cache", "custom_xml", "field_codes", "outside_used_area", "outside_print_area", "author",
))}


@dataclass(frozen=True)
class SheetSummary:
    """Every sheet of a workbook, whatever it holds: the inventory a reviewer reads first."""

    name: str
    state: str  # visible, hidden, veryHidden
    part: str
    cells: int
    hidden_rows: int
    hidden_columns: int

    @property
    def state_label(self) -> str:
        return {"veryHidden": "very hidden"}.get(self.state, self.state)


@dataclass
class Report:
    filename: str
    file_type: str
    size: int
    findings: list[Finding] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sheets: list[SheetSummary] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    @property
    def passed(self) -> bool:
        return not any(f.severity >= FAIL_AT for f in self.findings)

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "fail"

    def sorted_findings(self) -> list[Finding]:
        """Most severe first; within a severity, the containers (a hidden sheet, a pivot cache)
        before the columns found inside them."""
        return sorted(self.findings, key=lambda f: (-f.severity, _KIND_ORDER.get(f.kind, 50), f.location.part,
                                                    f.location.sheet, f.location.range))

    def kinds(self) -> set[str]:
        return {f.kind for f in self.findings}

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "file_type": self.file_type,
            "size": self.size,
            "verdict": self.verdict,
            "sheets": [
                {"name": s.name, "state": s.state, "part": s.part, "cells": s.cells,
                 "hidden_rows": s.hidden_rows, "hidden_columns": s.hidden_columns}
                for s in self.sheets
            ],
            "findings": [f.to_dict() for f in self.sorted_findings()],
        }
