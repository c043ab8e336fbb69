"""A release-safe copy: a new file holding only what a reader of the original sees.

- Workbook: the visible cells of the visible sheets, as values. Nothing else is carried over:
  no formulas (their last results are kept as values), pivot caches, hidden rows, columns or
  sheets, cells formatted to show nothing, comments, defined names, external links,
  connections, macros, embedded objects, drawings and charts, custom XML, metadata.
- Word document: the visible text of the body, paragraph by paragraph and table by table, with
  tracked changes accepted or rejected as the user chooses. Nothing else: no hidden text
  (direct, through a style, or by default), field codes, comments, headers and footers,
  drawings and text boxes, metadata.
- CSV: the same rows, without the columns the user drops.

The user may also drop whole sheets and columns that hold personal data. The copy is written
next to its destination under a temporary name, checked again with `check_file`, and moved
into place only when that check passes: a copy that still carries hidden or personal data, a
refused original and a crash all leave no output file. Pure Python over files, like the check.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from openpyxl import Workbook as OutWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import DOCUMENT_TYPES, TEXT_TYPES, WORKBOOK_TYPES, check_file
from .cells import col_index, parse_ref
from .csv import decode_csv
from .docx import Styles
from .package import ZIP_MAGIC, Deadline, Limits, Package, attr, children, local, open_zip, sniff
from .report import Refused, Report
from .xlsx import Workbook, hidden_columns, row_hidden

OUTPUT_SUFFIX = {**{s: ".xlsx" for s in WORKBOOK_TYPES}, **{s: ".docx" for s in DOCUMENT_TYPES},
                 **{s: ".csv" for s in TEXT_TYPES}}
CSV_SAMPLE_CHARS = 64 * 1024


@dataclass(frozen=True)
class CleanOptions:
    """What the user chose to leave out on top of everything hidden, and how to settle
    tracked changes. Columns are (sheet name, 1-based column); a CSV's sheet name is ""."""

    drop_sheets: frozenset[str] = frozenset()
    drop_columns: frozenset[tuple[str, int]] = frozenset()
    tracked: str = "accept"  # or "reject"

    def __post_init__(self) -> None:
        if self.tracked not in ("accept", "reject"):
            raise ValueError("tracked changes are either accepted or rejected")


@dataclass
class CleanResult:
    """The copy's own check. `written` is True only when it passed and is at its destination."""

    report: Report
    written: bool
    kept_sheets: list[str] = field(default_factory=list)
    cells: int = 0


def parse_column(text: str) -> tuple[str, int]:
    """“Sheet1!C”, “C” or “3” → (sheet, column number); raises ValueError with the reason."""
    sheet, _, column = text.rpartition("!")
    column = column.strip().upper()
    if column.isdigit() and int(column) > 0:
        return sheet.strip("'"), int(column)
    if column.isalpha() and len(column) <= 3:
        return sheet.strip("'"), col_index(column)
    raise ValueError(f"“{text}” is not a column: write it like C, Sheet1!C or 3.")


def output_suffix(filename: str) -> str:
    suffix = OUTPUT_SUFFIX.get(Path(filename).suffix.lower())
    if suffix is None:
        raise Refused("unsupported", "Only Excel, Word and CSV files can be copied safely.")
    return suffix


def clean_file(path: Path | str, out: Path | str, *, filename: str | None = None,
               options: CleanOptions | None = None, limits: Limits | None = None) -> CleanResult:
    """Write the release-safe copy of `path` to `out` if, checked again, it passes."""
    path, out = Path(path), Path(out)
    options = options or CleanOptions()
    limits = limits or Limits()
    name = filename or path.name
    suffix = Path(name).suffix.lower()
    expected = output_suffix(name)
    if out.suffix.lower() != expected:
        raise ValueError(f"The release-safe copy of a {suffix} file is a {expected} file: give it a name "
                         f"ending in {expected}.")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with open(tmp, "wb") as handle:
            kept, cells = _write_copy(path, suffix, handle, options, limits)
        report = check_file(tmp, filename=out.name, limits=limits)
        if report.passed:
            os.replace(tmp, out)
            return CleanResult(report, True, kept, cells)
        return CleanResult(report, False, kept, cells)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _write_copy(path: Path, suffix: str, handle: io.BufferedWriter, options: CleanOptions,
                limits: Limits) -> tuple[list[str], int]:
    deadline = Deadline(limits.max_seconds)
    head = sniff(path, limits)
    if suffix in TEXT_TYPES:
        if head.startswith(ZIP_MAGIC):
            raise Refused("wrong_type", "The file is named .csv but is a zip package (an Office file?).")
        return [], _copy_csv(path, handle, options, deadline)
    if not head.startswith(ZIP_MAGIC):
        raise Refused("corrupt", "The file is damaged or not what its name says: an Office file is a zip package.")
    with open_zip(path, limits) as archive:
        package = Package(archive, deadline, limits)
        if suffix in WORKBOOK_TYPES:
            if not package.has("xl/workbook.xml"):
                raise Refused("corrupt", "The package has no workbook part: it is not a readable Excel workbook.")
            return _copy_workbook(package, handle, options, limits)
        if not package.has("word/document.xml"):
            raise Refused("corrupt", "The package has no document part: it is not a readable Word document.")
        return [], _copy_document(package, handle, options)


# --- workbooks ---------------------------------------------------------------------------------

def _copy_workbook(package: Package, handle: io.BufferedWriter, options: CleanOptions,
                   limits: Limits) -> tuple[list[str], int]:
    source = Workbook(package, Report(filename="", file_type="xlsx", size=0), limits)
    book = OutWorkbook(write_only=True)
    book.properties.creator = ""  # openpyxl would name itself; the copy names no one
    kept: list[str] = []
    cells = 0
    for sheet in source.sheets:
        if sheet.state != "visible" or sheet.name in options.drop_sheets or not package.has(sheet.part):
            continue
        out = book.create_sheet(title=sheet.name[:31])
        kept.append(sheet.name)
        dropped = {column for name, column in options.drop_columns if name == sheet.name}
        for values in _visible_rows(source, package, sheet.part, dropped):
            row = []
            for value in values:
                cell = WriteOnlyCell(out, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text that starts with "=" stays text, never a formula
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            out.append(row)
            cells += sum(1 for v in values if v not in ("", None))
    if not kept:
        raise ValueError("Nothing is left to copy: every sheet is hidden or dropped.")
    book.save(handle)
    return kept, cells


def _visible_rows(source: Workbook, package: Package, part: str, dropped: set[int]) -> Iterator[list[object]]:
    """The sheet's rows as a reader sees them: visible rows and columns, visible cells only,
    compacted (no gaps where hidden rows and columns were)."""
    hidden_cols: set[int] = set()
    rows_hidden_by_default = False
    last_row = 0
    for _event, node in package.iterparse(part, events=("end",)):
        tag = local(node.tag)
        if tag == "sheetFormatPr":
            rows_hidden_by_default = node.get("zeroHeight") in ("1", "true")
        elif tag == "col":
            hidden_cols.update(hidden_columns(node))
        elif tag == "row":
            number = int(node.get("r") or last_row + 1)
            last_row = number
            values: dict[int, object] = {}
            if not row_hidden(node, hidden_by_default=rows_hidden_by_default):
                column = 0
                for c in children(node, "c"):
                    ref = parse_ref(c.get("r", ""))
                    column = ref[0] if ref else column + 1
                    if column in hidden_cols or column in dropped:
                        continue
                    style = c.get("s", "0")
                    if style.isdigit() and int(style) in source.blank_styles:
                        continue  # formatted to show nothing: a reader sees an empty cell
                    value = _typed(source, c)
                    if value not in ("", None):
                        values[column] = value
            node.clear()
            if values:
                shown = sorted(c for c in range(1, max(values) + 1) if c not in hidden_cols and c not in dropped)
                yield [values.get(c, None) for c in shown]


def _typed(source: Workbook, c: Element) -> object:
    text = source.cell_value(c)
    if not text:
        return ""
    kind = c.get("t", "n")
    if kind == "b":
        return text in ("1", "true")
    if kind == "n":
        style = c.get("s", "0")
        if style.isdigit() and int(style) in source.date_styles:
            with contextlib.suppress(ValueError):
                return date.fromisoformat(text)
        with contextlib.suppress(ValueError):
            number = float(text)
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return ILLEGAL_CHARACTERS_RE.sub("", text)


# --- Word documents ----------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_SKIP_IN_PARAGRAPH = {"pPr", "rPr", "bookmarkStart", "bookmarkEnd", "commentRangeStart", "commentRangeEnd",
                      "commentReference", "proofErr", "permStart", "permEnd", "lastRenderedPageBreak"}


class _Paragraph:
    def __init__(self, styles: Styles, tracked: str, paragraph_style: str) -> None:
        self.styles, self.tracked, self.paragraph_style = styles, tracked, paragraph_style
        self.text: list[str] = []
        self.field_depth = 0
        self.in_code: list[bool] = []

    def walk(self, element: Element) -> None:
        for child in element:
            tag = local(child.tag)
            if tag in _SKIP_IN_PARAGRAPH:
                continue
            if tag == "r":
                self.run(child)
            elif tag in ("ins", "moveTo"):
                if self.tracked == "accept":
                    self.walk(child)
            elif tag in ("del", "moveFrom"):
                if self.tracked == "reject":
                    self.walk(child)
            elif tag in ("hyperlink", "smartTag", "sdt", "sdtContent", "fldSimple", "customXml", "dir", "bdo"):
                self.walk(child)

    def run(self, run: Element) -> None:
        hidden = self.styles.hides(run, self.paragraph_style)  # the checker's rule, to the letter
        for child in run:
            tag = local(child.tag)
            if tag == "fldChar":
                kind = attr(child, "fldCharType")
                if kind == "begin":
                    self.in_code.append(True)
                elif kind == "separate" and self.in_code:
                    self.in_code[-1] = False
                elif kind == "end" and self.in_code:
                    self.in_code.pop()
                continue
            if hidden or (self.in_code and self.in_code[-1]):
                continue  # hidden text, or a field's code (only its result shows)
            if tag == "t" or (tag == "delText" and self.tracked == "reject"):
                self.text.append(child.text or "")
            elif tag in ("tab", "ptab"):
                self.text.append("\t")
            elif tag in ("br", "cr"):
                self.text.append("\n")
            elif tag == "noBreakHyphen":
                self.text.append("-")


def _paragraph_text(p: Element, styles: Styles, tracked: str) -> str:
    props = next((c for c in p if local(c.tag) == "pPr"), None)
    style = next((c for c in props if local(c.tag) == "pStyle"), None) if props is not None else None
    paragraph = _Paragraph(styles, tracked, attr(style, "val") if style is not None else "")
    paragraph.walk(p)
    return "".join(paragraph.text)


def _blocks(container: Element, styles: Styles, tracked: str) -> Iterator[str]:
    """The body as WordprocessingML of plain paragraphs and tables, in order."""
    for child in container:
        tag = local(child.tag)
        if tag == "p":
            yield _paragraph_xml(_paragraph_text(child, styles, tracked))
        elif tag == "tbl":
            yield _table_xml(child, styles, tracked)
        elif tag in ("sdt", "sdtContent", "customXml"):
            yield from _blocks(child, styles, tracked)
        elif tag in ("ins", "moveTo") and tracked == "accept" or tag in ("del", "moveFrom") and tracked == "reject":
            yield from _blocks(child, styles, tracked)


def _table_xml(table: Element, styles: Styles, tracked: str) -> str:
    rows = []
    width = 1
    for tr in (n for n in table if local(n.tag) == "tr"):
        cells = []
        for tc in (n for n in tr if local(n.tag) == "tc"):
            inner = "".join(_blocks(tc, styles, tracked)) or _paragraph_xml("")
            if not inner.rstrip().endswith("</w:p>"):
                inner += _paragraph_xml("")  # Word requires a cell to end with a paragraph
            cells.append(f"<w:tc>{inner}</w:tc>")
        width = max(width, len(cells))
        rows.append("<w:tr>" + "".join(cells) + "</w:tr>")
    grid = "".join('<w:gridCol w:w="2000"/>' for _ in range(width))
    return ('<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>")


def _paragraph_xml(text: str) -> str:
    runs = []
    for i, line in enumerate(text.split("\n")):
        parts = []
        if i:
            parts.append("<w:br/>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{escape(_xml_safe(piece))}</w:t>')
        runs.append("<w:r>" + "".join(parts) + "</w:r>")
    return "<w:p>" + "".join(runs) + "</w:p>"


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20 and ch not in "\ufffe\uffff")


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>')


def _copy_document(package: Package, handle: io.BufferedWriter, options: CleanOptions) -> int:
    root = package.xml("word/document.xml")
    body = next((c for c in root if local(c.tag) == "body"), None) if root is not None else None
    if body is None:
        raise Refused("corrupt", "The document has no body: it is not a readable Word document.")
    styles = Styles(package.xml("word/styles.xml"))
    blocks = list(_blocks(body, styles, options.tracked))
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>'
                + "".join(blocks) + "<w:sectPr/></w:body></w:document>")
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", _CONTENT_TYPES)
        out.writestr("_rels/.rels", _ROOT_RELS)
        out.writestr("word/document.xml", document)
    return len(blocks)


# --- CSV ---------------------------------------------------------------------------------------

def _copy_csv(path: Path, handle: io.BufferedWriter, options: CleanOptions, deadline: Deadline) -> int:
    # Read as the check reads it (sniff() has already bounded the size): the same encodings
    # accepted, the same refusals.
    text = decode_csv(path.read_bytes())
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:CSV_SAMPLE_CHARS], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    dropped = {column - 1 for sheet, column in options.drop_columns if sheet == ""}
    cells = 0
    out = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    writer = csv.writer(out, delimiter=dialect.delimiter, lineterminator="\r\n")
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect)):
            if n % 1000 == 0:
                deadline.check()
            kept = [value for i, value in enumerate(row) if i not in dropped]
            cells += sum(1 for v in kept if v)
            writer.writerow(kept)
    except csv.Error as exc:
        raise Refused("corrupt", f"The CSV could not be read: {exc}.") from None
    finally:
        out.flush()
        out.detach()
    return cells
