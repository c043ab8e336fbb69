"""Forms of the import screens."""

from __future__ import annotations

from typing import Any

from django import forms

from ..models import DataCategory
from .reader import CATEGORY_PREFIX, FIELDS, IGNORE, mapping_problems


class SubjectImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet of affected people",
        help_text="CSV (UTF-8 or Windows-1252, comma or semicolon) or Excel .xlsx. The first row holds the column names.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv"}),
    )
    sheet = forms.CharField(
        label="Sheet (workbooks only)", required=False, max_length=100,
        help_text="Leave blank to read the first visible sheet. Hidden sheets are never read unless named here.",
    )


class SubjectImportMappingForm(forms.Form):
    """One drop-down per column of the file: which of our fields it holds, or none."""

    def __init__(self, *args: Any, headers: list[str], mapping: list[str], categories: list[DataCategory],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(IGNORE, "— do not import —")] + [(f.key, f.label) for f in FIELDS] + [
            (CATEGORY_PREFIX + c.code, f"Exposed (yes/no): {c.name}") for c in categories
        ]
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=f"Column {index + 1}: “{header}”" if header else f"Column {index + 1} (no header)",
                choices=choices, required=False,
                initial=mapping[index] if index < len(mapping) else IGNORE,
            )

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"col_{i}") or IGNORE for i in range(len(self.headers))]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for problem in mapping_problems(self.mapping()):
            self.add_error(None, problem)
        return cleaned


class SubjectImportConfirmForm(forms.Form):
    only_valid = forms.BooleanField(
        label="Import only the valid rows; leave out the rows with problems", required=False,
    )
