"""Forms of the import screens."""

from __future__ import annotations

from typing import Any

from django import forms

from ..models import DataCategory
from .files import SheetPreview
from .models import DateOrder, DateSystem
from ..vocab import ROLE_CHOICES, roles_to_mask
from .reader import CATEGORY_PREFIX, FIELDS, IGNORE, mapping_problems


class WholeFileForm(forms.Form):
    """What is true of everyone in the file: added to what each row says (issues 13 and 15)."""

    file_roles = forms.MultipleChoiceField(
        label="Everyone in this file is a…", choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Optional. Added to any role a row gives; needed when the file has no role column.",
    )
    file_categories = forms.MultipleChoiceField(
        label="Data of theirs exposed, for everyone in this file", required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional. Added to what a row says (the incident's exposed categories apply anyway to "
                  "anyone whose own are not recorded).",
    )

    def __init__(self, *args: Any, categories: list[DataCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {c.code: c for c in categories}
        self.fields["file_categories"].choices = [(c.code, c.name) for c in categories]  # type: ignore[attr-defined]

    def roles_mask(self) -> int:
        return roles_to_mask(self.cleaned_data.get("file_roles") or [])

    def categories_mask(self) -> int:
        mask = 0
        for code in self.cleaned_data.get("file_categories") or []:
            mask |= self.categories[code].mask
        return mask


class SubjectImportUploadForm(WholeFileForm):
    file = forms.FileField(
        label="Spreadsheet of affected people",
        help_text="CSV (UTF-8 or Windows-1252, comma or semicolon) or Excel .xlsx. The first row holds the column names.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv"}),
    )
    sheet = forms.CharField(
        label="Sheet (workbooks only)", required=False, max_length=100,
        help_text="Leave blank to read the visible sheet that looks most like a list of people (you can choose "
                  "another on the next page). Hidden sheets are never read unless named here.",
    )


class SubjectImportMappingForm(WholeFileForm):
    """One drop-down per column of the file: which of our fields it holds, or none; and what is
    true of everyone in the file."""

    def __init__(self, *args: Any, headers: list[str], mapping: list[str], categories: list[DataCategory],
                 **kwargs: Any) -> None:
        super().__init__(*args, categories=categories, **kwargs)
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
            # The template shows the column's first values beside its drop-down, under this id.
            self.fields[f"col_{index}"].widget.attrs.update(
                {"class": "form-select", "aria-describedby": f"{self[f'col_{index}'].auto_id}_sample"})

    def column_fields(self) -> list[forms.BoundField]:
        """The drop-downs, one per column of the file, in the file's order."""
        return [self[f"col_{i}"] for i in range(len(self.headers))]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"col_{i}") or IGNORE for i in range(len(self.headers))]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for problem in mapping_problems(self.mapping(), file_role=bool(cleaned.get("file_roles"))):
            self.add_error(None, problem)
        return cleaned


class SubjectImportConfirmForm(forms.Form):
    only_valid = forms.BooleanField(
        label="Import only the valid rows; leave out the rows with problems", required=False,
    )


class SubjectImportTableForm(forms.Form):
    """Which sheet of a workbook to read, and which of its rows holds the column names."""

    sheet = forms.ChoiceField(label="Sheet to read", required=False)
    header_row = forms.TypedChoiceField(label="The column names are in row", coerce=int)

    def __init__(self, *args: Any, previews: list[SheetPreview], sheet: str, header_row: int, **kwargs: Any) -> None:
        kwargs["initial"] = {"sheet": sheet, "header_row": header_row}
        super().__init__(*args, **kwargs)
        names = [p.name for p in previews if p.name]
        if names:
            self.fields["sheet"].choices = [(name, name) for name in names]  # type: ignore[attr-defined]
        else:
            del self.fields["sheet"]
        current = next((p for p in previews if p.name == sheet), previews[0] if previews else None)
        rows = [number for number, _cells in current.rows] if current is not None else []
        if header_row and header_row not in rows:
            rows.insert(0, header_row)
        self.fields["header_row"].choices = [(n, f"Row {n}") for n in rows]  # type: ignore[attr-defined]
        self.fields["header_row"].help_text = ("Rows above it (a title, notes, grouped headings) are not read. "
                                               "Choosing another sheet finds its own header row first.")


class SubjectImportDatesForm(forms.Form):
    """How the file writes its dates: asked once per file, with no answer chosen for the user."""

    date_order = forms.ChoiceField(
        label="In this file, a date like 02/03/1980 is written", choices=DateOrder.choices,
        widget=forms.RadioSelect,
    )
    date_system = forms.ChoiceField(
        label="The dates written as numbers (like 29282) were made by Excel counting from",
        choices=DateSystem.choices, widget=forms.RadioSelect,
        help_text="Open the original workbook in Excel: File › Options › Advanced › “Use 1904 date system” "
                  "ticked means 1904. Not sure? Ask whoever sent the file.",
    )

    def __init__(self, *args: Any, ask_order: bool, ask_system: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not ask_order:
            del self.fields["date_order"]
        if not ask_system:
            del self.fields["date_system"]
