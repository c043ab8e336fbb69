"""The column matching screen shows, beside each column's drop-down, the first values under its name."""

from __future__ import annotations

import io
import logging
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from openpyxl import Workbook

from incidents.models import SubjectImport
from tests.base import BaseTestCase, make_incident
from tests.incidents.imports import csv_bytes, upload
from tests.stored import upload_path

TITLE = "Victims extract, Q3 2026"
# One header we know ("Full name") and no role column: the import stops at the column matching.
HEADERS = ["Full name", "Kind", "Notes", "Born"]
HOSTILE = ["<script>alert(1)</script>", "=cmd|' /C calc'!A0"]


class _Samples(HTMLParser):
    """The text of each sample cell (`id_col_<n>_sample`): its listed values, or its message."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, dict[str, Any]] = {}
        self.cell: dict[str, Any] | None = None
        self.item: list[str] | None = None
        self.hidden = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.links += [v or "" for k, v in attrs if k in ("href", "action", "src")]
        if tag == "td" and (values.get("id") or "").endswith("_sample"):
            self.cell = self.cells[values["id"] or ""] = {"values": [], "text": ""}
        elif tag == "li" and self.cell is not None:
            self.item = []
        elif tag == "span" and "visually-hidden" in (values.get("class") or ""):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.cell = None
        elif tag == "li" and self.cell is not None and self.item is not None:
            self.cell["values"].append("".join(self.item))
            self.item = None
        elif tag == "span" and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is None:
            return
        self.cell["text"] += data
        if self.item is not None and not self.hidden:
            self.item.append(data)


class _Lines(logging.Handler):
    """Every log line, at any level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def parse(page: HttpResponse) -> _Samples:
    parser = _Samples()
    parser.feed(page.content.decode())
    return parser


def samples(page: HttpResponse) -> list[list[str]]:
    """Each column's sample values, in the file's column order."""
    cells = parse(page).cells
    return [cells[f"id_col_{i}_sample"]["values"] for i in range(len(cells))]


def sample_text(page: HttpResponse, column: int) -> str:
    return " ".join(parse(page).cells[f"id_col_{column}_sample"]["text"].split())


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class MappingSamplesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def _upload(self, content: bytes, name: str = "people.csv") -> SubjectImport:
        subject_import = upload(self.incident, self.handler, content, name=name)
        self.assertEqual(subject_import.status, SubjectImport.Status.MAPPING, subject_import.message)
        return subject_import

    def _csv(self, rows: list[list[str]], headers: list[str] = HEADERS) -> SubjectImport:
        # A title row above the column names: they are in row 2, and the data starts in row 3.
        subject_import = self._upload(csv_bytes([headers, *rows], headers=[TITLE] + [""] * (len(headers) - 1)))
        self.assertEqual(subject_import.header_row, 2)
        return subject_import

    def _url(self, subject_import: SubjectImport) -> str:
        return reverse("subject_import_mapping", args=[self.incident.reference, subject_import.pk])

    def _page(self, subject_import: SubjectImport) -> HttpResponse:
        self.login(self.handler)
        page = self.client.get(self._url(subject_import))
        self.assertEqual(page.status_code, 200)
        return page

    def test_each_column_shows_its_first_three_values_below_the_column_names(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "Called 999", "1980-03-02"],
                                    ["John Roe", "Witness", "", "1975-11-30"],
                                    ["Ann Poe", "Victim", "Moved away", "1990-01-15"],
                                    ["Bob Loe", "Witness", "Deaf", "1962-07-04"]])
        self.assertEqual(samples(self._page(subject_import)), [
            ["Jane Doe", "John Roe", "Ann Poe"],
            ["Victim", "Witness", "Victim"],
            ["Called 999", "Moved away", "Deaf"],  # the empty cell is skipped, not shown
            ["1980-03-02", "1975-11-30", "1990-01-15"],
        ])

    def test_the_title_and_the_column_names_are_not_taken_as_values(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "", ""]])
        values = samples(self._page(subject_import))
        self.assertEqual(values[0], ["Jane Doe"])
        self.assertNotIn(TITLE, values[0])

    def test_each_drop_down_is_described_by_its_column_values(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "", "1980-03-02"]])
        page = self._page(subject_import)
        for index in range(len(HEADERS)):
            self.assertContains(page, f'aria-describedby="id_col_{index}_sample"', count=1)
            self.assertContains(page, f'<td id="id_col_{index}_sample"', count=1)

    def test_a_column_empty_in_the_first_rows_says_so(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "", ""], ["John Roe", "Witness", " ", ""]])
        page = self._page(subject_import)
        self.assertEqual(sample_text(page, 2), "no values in the first rows")
        self.assertEqual(sample_text(page, 3), "no values in the first rows")
        self.assertEqual(samples(page)[0], ["Jane Doe", "John Roe"])

    def test_a_file_with_no_rows_below_the_column_names_says_so_for_every_column(self) -> None:
        subject_import = self._csv([])
        page = self._page(subject_import)
        for index in range(len(HEADERS)):
            self.assertEqual(sample_text(page, index), "no values in the first rows")

    def test_hostile_values_are_shown_as_text(self) -> None:
        subject_import = self._csv([[HOSTILE[0], "Victim", HOSTILE[1], ""]])
        page = self._page(subject_import)
        self.assertEqual(samples(page)[0], [HOSTILE[0]])
        self.assertEqual(samples(page)[2], [HOSTILE[1]])
        self.assertNotContains(page, "<script>alert(1)")
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")
        self.assertContains(page, "=cmd|&#x27; /C calc&#x27;!A0")

    def test_a_long_value_is_cut_to_40_characters_with_an_ellipsis(self) -> None:
        long_name = "Alexandra " + "Montgomery-" * 10 + "Smith"
        subject_import = self._csv([[long_name, "Victim", "short", ""]])
        page = self._page(subject_import)
        shown = samples(page)[0][0]
        self.assertEqual(len(shown), 40)
        self.assertEqual(shown, long_name[:39] + "…")
        self.assertNotContains(page, long_name)
        self.assertEqual(samples(page)[2], ["short"])

    def test_a_cell_over_several_lines_is_shown_on_one(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "Flat 2\n1 Example Street", ""]])
        self.assertEqual(samples(self._page(subject_import))[2], ["Flat 2 1 Example Street"])

    def test_the_values_follow_the_header_row_the_user_chooses(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "", ""], ["John Roe", "Witness", "", ""]])
        self.login(self.handler)
        self.client.post(self._url(subject_import), {"action": "table", "header_row": 3})
        subject_import.refresh_from_db()
        self.assertEqual((subject_import.header_row, subject_import.headers[0]), (3, "Jane Doe"))
        page = self._page(subject_import)
        self.assertContains(page, "Column 1: “Jane Doe”")
        self.assertEqual(samples(page)[0], ["John Roe"])

    def test_an_xlsx_shows_the_values_of_the_sheet_read_under_its_header_row(self) -> None:
        content = xlsx_bytes({
            "Instructions": [["Fill in one person per row"], ["Do not change the headings"]],
            "People": [[TITLE], HEADERS, ["Jane Doe", "Victim", None, "1980-03-02"],
                       [None, "Witness", None, None], ["Ann Poe", None, "<b>bold</b>", None]],
        })
        subject_import = self._upload(content, name="people.xlsx")
        self.assertEqual((subject_import.sheet, subject_import.header_row), ("People", 2))
        page = self._page(subject_import)
        self.assertEqual(samples(page)[:3], [["Jane Doe", "Ann Poe"], ["Victim", "Witness"], ["<b>bold</b>"]])
        self.assertEqual(sample_text(page, 3).split()[0], samples(page)[3][0])
        self.assertNotContains(page, "<b>bold</b>")
        self.assertNotIn("Fill in one person per row", str(samples(page)))

    def test_an_xlsx_row_shorter_than_the_header_leaves_its_last_columns_empty(self) -> None:
        content = xlsx_bytes({"People": [[TITLE], HEADERS, ["Jane Doe"]]})
        subject_import = self._upload(content, name="people.xlsx")
        page = self._page(subject_import)
        self.assertEqual(samples(page)[0], ["Jane Doe"])
        self.assertEqual(sample_text(page, 3), "no values in the first rows")

    def test_a_file_gone_shows_no_values_and_says_why(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "", ""]])
        path = upload_path(subject_import)
        assert path is not None
        path.unlink()
        page = self._page(subject_import)
        self.assertContains(page, "The uploaded file is no longer here")
        self.assertEqual(sample_text(page, 0), "not shown: the file's first rows could not be read")

    def test_it_requires_login(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "", ""]])
        url = self._url(subject_import)
        response = self.client.get(url)
        self.assertRedirects(response, f"{reverse(settings.LOGIN_URL)}?next={url}", fetch_redirect_response=False)
        self.assertNotIn(b"Jane Doe", response.content)

    def test_it_is_refused_to_roles_that_cannot_edit_the_case(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "", ""]])
        for user in (self.auditor, self.outsider):
            self.login(user)
            response = self.client.get(self._url(subject_import))
            self.assertEqual(response.status_code, 403, user)
            self.assertNotContains(response, "Jane Doe", status_code=403)

    def test_a_dpo_sees_the_values_too(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "", ""]])
        self.login(self.dpo)
        self.assertEqual(samples(self.client.get(self._url(subject_import)))[0], ["Jane Doe"])

    def test_the_values_are_in_no_link_and_no_log_line(self) -> None:
        subject_import = self._csv([["Jane Doe", "Victim", "Called 999", ""]])
        handler = _Lines()
        root = logging.getLogger()
        level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        try:
            page = self._page(subject_import)
        finally:
            root.removeHandler(handler)
            root.setLevel(level)
        self.assertEqual(samples(page)[0], ["Jane Doe"])
        for value in ("Jane Doe", "Called 999"):
            self.assertFalse([line for line in handler.lines if value in line], value)
            self.assertFalse([link for link in parse(page).links if value in unquote_plus(link)], value)

    def test_the_page_has_a_constant_number_of_queries(self) -> None:
        small = self._csv([["Jane Doe", "Victim", "", ""]])
        wide = [f"Column {n}" for n in range(30)]
        big = self._csv([[f"value {r}-{c}" for c in range(30)] for r in range(40)], headers=["Full name", *wide[1:]])
        self.login(self.handler)
        self.client.get(reverse("subject_import_template", args=[self.incident.reference]))  # records last-seen
        # session + user + two-factor device + groups; incident; import with its uploader and
        # confirmer; data categories.
        for subject_import in (small, big):
            with self.assertNumQueries(7):
                page = self.client.get(self._url(subject_import))
            self.assertEqual(page.status_code, 200)
        self.assertEqual(samples(page)[29], ["value 0-29", "value 1-29", "value 2-29"])
