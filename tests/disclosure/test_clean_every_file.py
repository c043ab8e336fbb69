"""Every workbook the disclosure tests build (tests/disclosure/files.py), made into a release-safe
copy: the copy is either written and checks clean, or, where the visible cells themselves hold
personal data, not written — and what stops it is then only that visible personal data, never
anything hidden that the copy kept. Issue 16: "every clean copy of the test files re-checks clean"."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from incidents.disclosure import Refused, check_file
from incidents.disclosure.clean import clean_file
from tests.disclosure import files

# The builders that need no arguments, and the suffix of what they build.
BUILT = {
    "clean_xlsx": ".xlsx", "hidden_sheet_xlsx": ".xlsx", "hidden_columns_xlsx": ".xlsx", "hidden_rows_xlsx": ".xlsx",
    "print_area_xlsx": ".xlsx", "comments_xlsx": ".xlsx", "author_xlsx": ".xlsx", "hidden_name_xlsx": ".xlsx",
    "pivot_xlsx": ".xlsx", "threaded_comments_xlsx": ".xlsx", "connection_xlsx": ".xlsx", "macro_xlsm": ".xlsm",
    "chart_xlsx": ".xlsx",
}
# What may still stop a copy: personal data a reader sees in the visible cells (drop its column).
VISIBLE = {"personal_data"}


class EveryTestFileTests(SimpleTestCase):
    def copy(self, name: str, data: bytes, suffix: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / f"original{suffix}"
            source.write_bytes(data)
            out = Path(folder) / ("copy" + (".xlsx" if suffix in (".xlsx", ".xlsm") else suffix))
            try:
                result = clean_file(source, out)
            except Refused:
                self.assertFalse(out.exists(), f"{name}: a refused file leaves no copy")
                return
            kinds = {f.kind for f in result.report.findings if f.severity > 0}
            if result.written:
                self.assertTrue(check_file(out).passed, f"{name}: the written copy checks clean")
            else:
                self.assertFalse(out.exists())
                self.assertLessEqual(kinds, VISIBLE, f"{name}: only visible personal data stops the copy")

    def test_every_workbook_builder(self) -> None:
        for name, suffix in BUILT.items():
            with self.subTest(name):
                self.copy(name, getattr(files, name)(), suffix)

    def test_every_invisible_cell_kind(self) -> None:
        for how in ("white", "format"):
            with self.subTest(how):
                self.copy(f"invisible_cells_xlsx({how})", files.invisible_cells_xlsx(how), ".xlsx")

    def test_word_documents(self) -> None:
        documents = {
            "hidden text": files.docx(files.para("Victim: Jane Smith", props="<w:vanish/>") + files.para("Summary")),
            "comments and author": files.docx(files.para("Summary"), comments="Call Jane Smith on 07700 900123",
                                              creator="Jane Smith"),
        }
        for name, data in documents.items():
            with self.subTest(name):
                self.copy(name, data, ".docx")
