"""The “Make a release-safe copy” form: what to leave out, offered from what the check found."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from . import DOCUMENT_TYPES, TEXT_TYPES
from .cells import col_letters, parse_ref
from .clean import CleanOptions
from .report import Report, Severity

_CSV_COLUMN = re.compile(r"column (\d+)")


def copy_choices(report: Report) -> dict[str, Any]:
    """What the copy form offers for this file, as plain data (it is kept with the upload).

    Sheets: every sheet, since the page lists them all; only visible ones can be ticked, the
    others are always left out. Columns: those of the visible sheets' tables (a CSV's “sheet”
    is ""), each flagged when the check found personal data in it.
    """
    suffixes = {s.lstrip(".") for s in TEXT_TYPES}
    kind = ("document" if f".{report.file_type}" in DOCUMENT_TYPES
            else "csv" if report.file_type in suffixes else "workbook")
    visible = {s.name for s in report.sheets if s.state == "visible"}
    personal = _personal_columns(report, kind)
    columns = []
    for table in report.tables:
        sheet = table.location.sheet
        if (kind == "csv" and table.source != "CSV rows") or (kind == "workbook" and sheet not in visible):
            continue  # pivot caches, hidden sheets: the copy never carries them
        for index, header in enumerate(table.headers):
            number = table.column_number(index)
            where = f"{sheet}: column {col_letters(number)}" if kind == "workbook" else f"Column {number}"
            label = where + (f" “{header[:40]}”" if header else "")
            columns.append({"sheet": sheet, "column": number, "label": label,
                            "personal": (sheet, number) in personal})
    return {
        "kind": kind,
        "sheets": [{"name": s.name, "state": s.state_label} for s in report.sheets],
        "columns": columns,
        "tracked": "tracked_changes" in report.kinds(),
    }


def _personal_columns(report: Report, kind: str) -> set[tuple[str, int]]:
    found = set()
    for finding in report.of_kind("personal_data"):
        if finding.severity < Severity.MEDIUM:
            continue
        if kind == "csv":
            match = _CSV_COLUMN.match(finding.location.range)
            if match:
                found.add(("", int(match.group(1))))
        else:
            ref = parse_ref(finding.location.range.partition(":")[0])
            if ref:
                found.add((finding.location.sheet, ref[0]))
    return found


def _column_value(sheet: str, column: int) -> str:
    return f"{sheet}!{column}"


class CopyForm(forms.Form):
    drop_sheets = forms.MultipleChoiceField(
        label="Leave out these sheets", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Hidden sheets are always left out.",
    )
    drop_columns = forms.MultipleChoiceField(
        label="Leave out these columns", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Hidden rows and columns are always left out. “Personal data found” marks the columns the "
        "check flagged.",
    )
    tracked = forms.ChoiceField(
        label="Tracked changes", initial="accept", widget=forms.RadioSelect,
        choices=[("accept", "Accept them: the copy reads as if every change was made"),
                 ("reject", "Reject them: the copy reads as the text before the changes")],
    )

    def __init__(self, *args: Any, choices: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = choices["kind"]
        self.visible_sheets = [s["name"] for s in choices["sheets"] if s["state"] == "visible"]
        self._columns = {_column_value(c["sheet"], c["column"]): (c["sheet"], c["column"]) for c in choices["columns"]}
        if self.kind == "workbook" and self.visible_sheets:
            self._choose("drop_sheets", [(name, name) for name in self.visible_sheets])
        else:
            del self.fields["drop_sheets"]
        if self._columns:
            self._choose("drop_columns", [
                (_column_value(c["sheet"], c["column"]), c["label"] + (" — personal data found" if c["personal"] else ""))
                for c in choices["columns"]
            ])
        else:
            del self.fields["drop_columns"]
        if self.kind != "document":
            del self.fields["tracked"]
        elif not choices["tracked"]:
            self.fields["tracked"].help_text = "The check found none; this makes no difference."

    def _choose(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dropped = set(data.get("drop_sheets") or ())
        if self.kind == "workbook" and self.visible_sheets and dropped >= set(self.visible_sheets):
            self.add_error("drop_sheets", "Keep at least one sheet: a copy with every sheet left out would be empty.")
        return data

    def options(self) -> CleanOptions:
        data = self.cleaned_data
        return CleanOptions(
            drop_sheets=frozenset(data.get("drop_sheets") or ()),
            drop_columns=frozenset(self._columns[v] for v in data.get("drop_columns") or ()),
            tracked=data.get("tracked") or "accept",
        )
