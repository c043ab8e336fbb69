"""Excel workbooks (.xlsx, .xlsm) read part by part: what a reader could recover.

openpyxl hides what matters here (very hidden sheets load like any other, pivot caches and
threaded comments are dropped), so the package parts are read directly, streamed where they
can be large.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from xml.etree.ElementTree import Element

from breachtracker.words import plural

from .cells import col_letters, parse_range, parse_ref, spans
from .cells import describe as _describe
from .detect import KINDS, ColumnMatch, detect_column, detect_table, find_in_text, mask_text
from .ooxml import custom_xml_parts
from .package import Limits, Package, attr, children, descendants, local, rels, text_of
from .report import CategoryMatch, Finding, Location, Refused, Report, SheetSummary, Severity, Table, merge_categories

WORKBOOK = "xl/workbook.xml"
BUILTIN_DATE_FORMATS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57})
MAX_TABLE_COLUMNS = 500
HEADER_FOOTER_TAGS = {"oddHeader": "header", "oddFooter": "footer", "evenHeader": "even-page header",
                      "evenFooter": "even-page footer", "firstHeader": "first-page header",
                      "firstFooter": "first-page footer"}
# Header and footer codes: &L &C &R (sections), &P &N &D &T &F &A &Z &G (fields), &B &I &U &S &E
# &X &Y &O &H (formatting), &"font,style", &12 (size), &KFF0000 or &K01+000 (colour).
_HF_CODE = re.compile(r'&(?:"[^"]*"|K[0-9A-Fa-f]{6}|K\d{2}[+-]\d{3}|\d+|[LCRPNDTFAZGBIUESXYOH])')
_HF_BOILERPLATE = re.compile(r"^(?:\W|\d|page|of|sheet|printed|on|at|date|time|file|name)*$", re.I)
# Sheet!A1:B2 or 'My sheet'!$A$1:$A$9 inside a chart series formula.
_SHEET_REF = re.compile(
    r"(?:'((?:[^']|'')+)'|([^'!(),\s]+))!(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?|"
    r"\$?[A-Z]{1,3}:\$?[A-Z]{1,3}|\$?\d+:\$?\d+)"
)
@dataclass
class SheetInfo:
    name: str
    state: str
    part: str
    index: int
    print_area: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class Hidden:
    """What of a sheet a reader does not see: for charts that plot from there."""

    state: str
    rows: set[int]
    cols: set[int]


@dataclass
class SheetScan:
    dimension: tuple[int, int, int, int] | None = None
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: set[int] = field(default_factory=set)
    all_rows_hidden: bool = False
    cells: dict[int, dict[int, str]] = field(default_factory=dict)
    cell_count: int = 0
    outside_dimension: list[str] = field(default_factory=list)
    outside_print: list[str] = field(default_factory=list)
    invisible: list[tuple[str, str]] = field(default_factory=list)  # (ref, value) of cells that show nothing
    headers_footers: list[tuple[str, str]] = field(default_factory=list)  # (oddHeader…, text with & codes)
    truncated: bool = False


class Workbook:
    def __init__(self, package: Package, report: Report, limits: Limits) -> None:
        self.p = package
        self.report = report
        self.limits = limits
        self.kept = 0
        root = package.xml(WORKBOOK)
        if root is None:
            raise Refused("corrupt", "The file has no workbook part: it is not a readable Excel workbook.")
        self.root = root
        self.rels = rels(package, WORKBOOK)
        pr = next(descendants(root, "workbookPr"), None)
        self.epoch = datetime(1904, 1, 1) if pr is not None and attr(pr, "date1904") in ("1", "true") else datetime(1899, 12, 30)
        self.sheets = self._sheets()
        self.strings = self._shared_strings()
        self.date_styles, self.blank_styles = self._styles()
        self.hidden: dict[str, Hidden] = {}

    # --- workbook-level parts -------------------------------------------------------------

    def _sheets(self) -> list[SheetInfo]:
        sheets = []
        for i, node in enumerate(descendants(self.root, "sheet")):
            target = self.rels.get(attr(node, "id"), ("", "", ""))[1]
            sheets.append(SheetInfo(node.get("name", f"Sheet {i + 1}"), node.get("state", "visible"), target, i))
        return sheets

    def _shared_strings(self) -> list[str]:
        part = next((t for kind, t, _ in self.rels.values() if kind == "sharedStrings"), "xl/sharedStrings.xml")
        strings: list[str] = []
        if not self.p.has(part):
            return strings
        root: Element | None = None
        for event, node in self.p.iterparse(part):
            if event == "start":
                root = node if root is None else root
                continue
            if local(node.tag) == "si":
                strings.append("".join(t.text or "" for t in node.iter() if local(t.tag) == "t"
                                       and not _inside_phonetic(node, t))[:2000])
                if root is not None:
                    # Always the only child by now, so removing it is cheap and keeps memory flat.
                    try:
                        root.remove(node)
                    except ValueError:
                        node.clear()
        return strings

    def _styles(self) -> tuple[set[int], set[int]]:
        """Cell styles (cellXfs indices) that show dates, and those that show nothing.

        A value shows nothing under the number format ";;;" or in white text without a fill:
        the cell looks empty on screen and in print, but its value is in the file.
        """
        part = next((t for kind, t, _ in self.rels.values() if kind == "styles"), "xl/styles.xml")
        root = self.p.xml(part)
        if root is None:
            return set(), set()
        codes = {int(n.get("numFmtId", "0")): n.get("formatCode", "") for n in descendants(root, "numFmt")}
        custom = {i for i, code in codes.items()
                  if re.search(r"[dy]", re.sub(r'"[^"]*"|\[[^]]*]', "", code), re.I)}
        blank_formats = {i for i, code in codes.items() if re.fullmatch(r"\s*;\s*;\s*;?\s*", code)}
        date_ids = BUILTIN_DATE_FORMATS | custom
        fonts = next(descendants(root, "fonts"), None)
        white_fonts = set()
        for i, font in enumerate(children(fonts, "font") if fonts is not None else []):
            color = next((c for c in font if local(c.tag) == "color"), None)
            if color is not None and color.get("rgb", "").upper().endswith("FFFFFF"):
                white_fonts.add(i)
        fills = next(descendants(root, "fills"), None)
        filled = set()
        for i, fill in enumerate(children(fills, "fill") if fills is not None else []):
            pattern = next(descendants(fill, "patternFill"), None)
            if next(descendants(fill, "gradientFill"), None) is not None or (
                    pattern is not None and pattern.get("patternType", "none") not in ("none", "")):
                filled.add(i)
        xfs = next(descendants(root, "cellXfs"), None)
        dates: set[int] = set()
        blank: set[int] = set()
        for i, xf in enumerate(children(xfs, "xf") if xfs is not None else []):
            fmt = int(xf.get("numFmtId", "0") or 0)
            if fmt in date_ids:
                dates.add(i)
            font_id, fill_id = int(xf.get("fontId", "0") or 0), int(xf.get("fillId", "0") or 0)
            if fmt in blank_formats or (font_id in white_fonts and fill_id not in filled):
                blank.add(i)
        return dates, blank

    # --- the whole check ------------------------------------------------------------------

    def analyse(self) -> None:
        self._defined_names()
        for sheet in self.sheets:
            self._sheet(sheet)
        self._pivot_caches()
        self._charts()
        self._connections()
        custom_xml_parts(self.p, self.report)

    def _defined_names(self) -> None:
        for node in descendants(self.root, "definedName"):
            name = node.get("name", "")
            value = (node.text or "").strip()
            scope = node.get("localSheetId")
            sheet = self.sheets[int(scope)] if scope and scope.isdigit() and int(scope) < len(self.sheets) else None
            if name == "_xlnm.Print_Area" and sheet is not None:
                for piece in value.split(","):
                    box = parse_range(piece.rpartition("!")[2])
                    if box:
                        sheet.print_area.append(box)
                continue
            if name.startswith("_xlnm."):
                continue
            hidden = node.get("hidden") in ("1", "true")
            points_hidden = [s.name for s in self.sheets if s.state != "visible" and s.name in value]
            external = bool(re.search(r"\[\d+\]", value))
            severity = Severity.MEDIUM if hidden or points_hidden or external else Severity.INFO
            title = ("A hidden defined name" if hidden else "A defined name") + (
                " pointing at a hidden sheet" if points_hidden else "") + (" pointing at another file" if external else "")
            self.report.add(Finding(
                "hidden_name" if hidden else "defined_name", title, severity,
                Location(WORKBOOK, sheet=sheet.name if sheet else "", range=name[:80]),
                detail=f"Refers to {value[:120]}",
            ))

    def _sheet(self, sheet: SheetInfo) -> None:
        loc = Location(sheet.part or WORKBOOK, sheet=sheet.name)
        readable = bool(sheet.part) and self.p.has(sheet.part)
        scan = self._scan(sheet) if readable else SheetScan()
        hidden_sheet = sheet.state != "visible"
        if hidden_sheet:
            very = sheet.state == "veryHidden"
            self.report.add(Finding(
                "very_hidden_sheet" if very else "hidden_sheet",
                f"A {'very hidden' if very else 'hidden'} sheet" + ("" if scan.cell_count else " (empty)"),
                Severity.HIGH if scan.cell_count else Severity.LOW, loc,
                detail=(f"{scan.cell_count:,} cells with data. " if scan.cell_count else "")
                + ("Very hidden sheets do not appear in Excel's Unhide list; anyone can reveal "
                   "them with the VBA editor or by unzipping the file." if very else
                   "Anyone can show it with right-click › Unhide."),
                count=scan.cell_count,
            ))
        used_cols = {c for row in scan.cells.values() for c in row}
        self.report.sheets.append(SheetSummary(
            sheet.name, sheet.state, sheet.part, scan.cell_count, len(set(scan.hidden_rows)),
            len(scan.hidden_cols & used_cols) if len(scan.hidden_cols) > 1000 else len(scan.hidden_cols),
        ))
        self.hidden[sheet.name] = Hidden(sheet.state, set(scan.hidden_rows), scan.hidden_cols)
        if not readable:
            return
        table = self._table(sheet, scan, hidden_sheet)
        matches = detect_table(table.headers, table.rows) if table else []
        rows_hidden = sorted(set(scan.hidden_rows))
        if rows_hidden:
            data_rows = [r for r in rows_hidden if r in scan.cells]
            categories = self._categories_of(scan, rows=set(data_rows))
            self.report.add(Finding(
                "hidden_rows", plural(len(rows_hidden), "hidden row", "hidden rows") + (f", {len(data_rows):,} with data" if data_rows else ""),
                Severity.HIGH if data_rows else Severity.LOW,
                Location(sheet.part, sheet.name, "rows " + _describe(spans(rows_hidden))),
                detail="Rows are hidden by default on this sheet (zero height)." if scan.all_rows_hidden else "",
                evidence=tuple(mask_text(" ".join(scan.cells[r].values())) for r in data_rows[:3]),
                categories=categories, count=len(data_rows),
            ))
        if scan.hidden_cols:
            used = {c for row in scan.cells.values() for c in row}
            data_cols = sorted(scan.hidden_cols & used)
            if data_cols or len(scan.hidden_cols) < 16_000:
                col_matches = [m for m in matches if table and table.column_number(m.index) in scan.hidden_cols]
                self.report.add(Finding(
                    "hidden_columns",
                    plural(len(data_cols), "hidden column", "hidden columns") + " with data" if data_cols else "Hidden columns (empty)",
                    Severity.HIGH if data_cols else Severity.LOW,
                    Location(sheet.part, sheet.name, "columns " + _describe(spans(data_cols or sorted(scan.hidden_cols)[:50]), letters=True)),
                    evidence=tuple(f"{col_letters(table.column_number(m.index)) if table else ''} “{m.header[:40]}”: {', '.join(m.samples)}" for m in col_matches[:4]),
                    categories=merge_categories([m.category for m in col_matches]), count=len(data_cols),
                ))
        if scan.outside_dimension:
            self.report.add(Finding(
                "outside_used_area", "Cells outside the sheet's declared used range", Severity.MEDIUM,
                Location(sheet.part, sheet.name, ", ".join(scan.outside_dimension[:5])),
                detail="Programs that trust the declared range (and people scrolling) will miss these cells.",
                count=len(scan.outside_dimension),
            ))
        if scan.invisible:
            found: dict[str, float] = {}
            for _ref, value in scan.invisible:
                for kind, _masked in find_in_text(value):
                    found[kind.category] = 0.6
            self.report.add(Finding(
                "invisible_cells", plural(len(scan.invisible), "cell", "cells") + " formatted so the content does not show",
                Severity.HIGH, Location(sheet.part, sheet.name, ", ".join(r for r, _ in scan.invisible[:5])),
                detail="White text without a fill, or the number format “;;;”: the cells look empty on "
                "screen and in print, but anyone who selects them or changes the format sees the value.",
                evidence=tuple(mask_text(v) for _, v in scan.invisible[:3]),
                categories=tuple(CategoryMatch(c, v) for c, v in found.items()), count=len(scan.invisible),
            ))
        if scan.outside_print:
            self.report.add(Finding(
                "outside_print_area", plural(len(scan.outside_print), "cell", "cells") + " with data outside the print area",
                Severity.MEDIUM, Location(sheet.part, sheet.name, ", ".join(scan.outside_print[:5])),
                detail="A printed or PDF copy will not show them; the file does.", count=len(scan.outside_print),
            ))
        for m in matches:
            where = ("hidden column" if table and table.column_number(m.index) in scan.hidden_cols
                     else f"column on a {'very ' if sheet.state == 'veryHidden' else ''}hidden sheet" if hidden_sheet else "")
            self.report.add(_column_finding(m, Location(sheet.part, sheet.name, _column_range(m, table)), where))
        if table is not None:
            self.report.tables.append(table)
        self._headers_footers(sheet, scan)
        self._comments(sheet)
        self._sheet_objects(sheet)

    def _scan(self, sheet: SheetInfo) -> SheetScan:
        # End events only (half the work of start+end): a cell's row comes from its reference,
        # a row's attributes are read when it closes.
        scan = SheetScan()
        last_row = 0
        col_number = 0
        for _event, node in self.p.iterparse(sheet.part, events=("end",)):
            tag = local(node.tag)
            if tag == "c":
                ref = parse_ref(node.get("r", ""))
                row_number, col_number = (ref[1], ref[0]) if ref else (last_row + 1, col_number + 1)
                value = self._value(node)
                if value:
                    self._keep(scan, sheet, row_number, col_number, value)
                    style = node.get("s", "0")
                    if style.isdigit() and int(style) in self.blank_styles and len(scan.invisible) < 1000:
                        scan.invisible.append((f"{col_letters(col_number)}{row_number}", value[:200]))
            elif tag == "row":
                row_number = int(node.get("r") or last_row + 1)
                last_row, col_number = row_number, 0
                if row_hidden(node, hidden_by_default=scan.all_rows_hidden):
                    scan.hidden_rows.append(row_number)
                node.clear()  # drops its cells; the empty row element itself is small
            elif tag == "sheetFormatPr" and node.get("zeroHeight") in ("1", "true"):
                scan.all_rows_hidden = True
            elif tag == "dimension":
                scan.dimension = parse_range(node.get("ref", ""))
            elif tag in HEADER_FOOTER_TAGS and (node.text or "").strip():
                scan.headers_footers.append((tag, node.text or ""))
            elif tag == "col":
                scan.hidden_cols.update(hidden_columns(node))
        return scan

    def _keep(self, scan: SheetScan, sheet: SheetInfo, row: int, col: int, value: str) -> None:
        scan.cell_count += 1
        ref = f"{col_letters(col)}{row}"
        d = scan.dimension
        if d and not (d[0] <= col <= d[2] and d[1] <= row <= d[3]) and len(scan.outside_dimension) < 1000:
            scan.outside_dimension.append(ref)
        if sheet.print_area and not any(a <= col <= c and b <= row <= e for a, b, c, e in sheet.print_area):
            scan.outside_print.append(ref)
        if self.kept >= self.limits.max_kept_cells:
            scan.truncated = True
            return
        self.kept += 1
        scan.cells.setdefault(row, {})[col] = value[:500]

    def cell_value(self, c: Element) -> str:
        """A cell as a reader sees it: shared and inline strings, cached formula results, dates
        (by their style, in the workbook's 1900 or 1904 system) as ISO dates."""
        return self._value(c)

    def _value(self, c: Element) -> str:
        kind = c.get("t", "n")
        if kind == "inlineStr":
            return text_of(c).strip()
        v = next((ch.text or "" for ch in c if local(ch.tag) == "v"), "")
        return self.typed_value(v, kind, c.get("s"))

    def typed_value(self, v: str, kind: str, style: str | None) -> str:
        """The text of a cell's <v> as a reader sees it, by the cell's type and style."""
        if not v:
            return ""
        if kind == "s":
            try:
                return self.strings[int(v)].strip()
            except (ValueError, IndexError):
                return ""
        if kind in ("str", "e", "b", "d"):
            return v.strip()
        if style and style.isdigit() and int(style) in self.date_styles:
            try:
                serial = float(v)
                if 0 < serial < 2_958_466:
                    return (self.epoch + timedelta(days=serial)).date().isoformat()
            except ValueError:
                pass
        return v.strip()

    def _table(self, sheet: SheetInfo, scan: SheetScan, hidden: bool) -> Table | None:
        if not scan.cells:
            return None
        numbers = sorted(scan.cells)
        # Only the columns that hold something: a lone cell in column XFD must not make every
        # row 16,384 wide.
        columns = sorted({c for row in scan.cells.values() for c in row})
        truncated = scan.truncated or len(columns) > MAX_TABLE_COLUMNS
        columns = columns[:MAX_TABLE_COLUMNS]
        header_row = next(
            (r for r in numbers[:10] if sum(1 for v in scan.cells[r].values() if not _numeric(v)) >= 2), numbers[0]
        )
        headers = [scan.cells[header_row].get(c, "") for c in columns]
        rows = [[scan.cells[r].get(c, "") for c in columns] for r in numbers if r > header_row]
        return Table(f"Sheet “{sheet.name}”", Location(sheet.part, sheet.name), headers, rows, hidden=hidden,
                     truncated=truncated, first_row=header_row + 1, last_row=numbers[-1], columns=columns)

    def _categories_of(self, scan: SheetScan, rows: set[int]) -> tuple[CategoryMatch, ...]:
        if not rows:
            return ()
        found: dict[str, float] = {}
        header_row = min(scan.cells)
        for col in sorted({c for r in rows for c in scan.cells[r]})[:MAX_TABLE_COLUMNS]:
            values = [scan.cells[r].get(col, "") for r in sorted(rows)]
            m = detect_column(col - 1, scan.cells[header_row].get(col, ""), values)
            if m and m.confidence >= 0.45:
                found[m.kind.category] = max(found.get(m.kind.category, 0), m.confidence)
        return tuple(CategoryMatch(code, conf) for code, conf in found.items())

    # --- headers, footers, comments, objects, pivots, connections ---------------------------

    def _headers_footers(self, sheet: SheetInfo, scan: SheetScan) -> None:
        """Headers and footers show only in print and page layout view, not on the sheet."""
        texts = [(HEADER_FOOTER_TAGS[tag], header_footer_text(raw)) for tag, raw in scan.headers_footers]
        texts = [(where, text) for where, text in texts if not _HF_BOILERPLATE.match(text)]
        if not texts:
            return
        found = find_in_text("\n".join(t for _, t in texts))
        self.report.add(Finding(
            "header_footer", "Text in the " + " and ".join(dict.fromkeys(w for w, _ in texts))
            + (" with personal data" if found else ""),
            Severity.HIGH if found else Severity.MEDIUM, Location(sheet.part, sheet.name, ", ".join(w for w, _ in texts)),
            detail="Page headers and footers do not show on the sheet, only in print, PDF and page layout "
            "view: check what they say before release.",
            evidence=tuple(dict.fromkeys(m for _, m in found))[:3] or tuple(mask_text(t) for _, t in texts[:3]),
            categories=tuple(CategoryMatch(c, 0.6) for c in sorted({k.category for k, _ in found})),
            count=len(texts),
        ))

    def _drawing(self, part: str, sheet: SheetInfo) -> None:
        """Text boxes and shapes: text that sits over the cells, outside any cell."""
        root = self.p.xml(part)
        if root is None:
            return
        shapes = []
        for shape in descendants(root, "sp"):
            text = shape_text(shape)
            if text:
                props = next(descendants(shape, "cNvPr"), None)
                shapes.append((props.get("name", "") if props is not None else "", text,
                               props is not None and props.get("hidden") in ("1", "true")))
        if shapes:
            self._shape_finding(part, sheet, shapes)

    def _shape_finding(self, part: str, sheet: SheetInfo, shapes: list[tuple[str, str, bool]]) -> None:
        """One finding for a drawing's shapes with text: (name, text, hidden) each."""
        found = find_in_text("\n".join(t for _, t, _ in shapes))
        hidden = sum(1 for *_, h in shapes if h)
        self.report.add(Finding(
            "shape_text", plural(len(shapes), "text box or shape", "text boxes or shapes") + " with text"
            + (f", {hidden:,} hidden" if hidden else "") + (" with personal data" if found else ""),
            Severity.HIGH if hidden or found else Severity.MEDIUM,
            Location(part, sheet.name, ", ".join(n for n, _, _ in shapes[:5] if n)),
            detail="Text in shapes is not in any cell: searching, filtering or copying the cells misses it, and "
            "a shape can be hidden (Selection Pane) or placed over other content.",
            evidence=tuple(dict.fromkeys(m for _, m in found))[:3] or tuple(mask_text(t) for _, t, _ in shapes[:3]),
            categories=tuple(CategoryMatch(c, 0.6) for c in sorted({k.category for k, _ in found})),
            count=len(shapes),
        ))

    def _vml(self, part: str, sheet: SheetInfo) -> None:
        """Legacy (VML) text boxes and form controls: text over the cells, outside any cell.
        VML is often not well-formed XML, so its shapes are read by pattern; a comment's box
        (ObjectType "Note") is the comment itself, reported with the comments."""
        markup = self.p.read(part).decode("utf-8", errors="replace")
        shapes = []
        for shape in _VML_SHAPE.finditer(markup):
            body = shape.group(0)
            kind = _VML_OBJECT.search(body)
            if kind is not None and kind.group(1).lower() == "note":
                continue
            box = _VML_TEXTBOX.search(body)
            text = html.unescape(" ".join(_TAG.sub(" ", box.group(1)).split())) if box else ""
            if text:
                name = _VML_ID.search(shape.group(1))
                shapes.append((name.group(1) if name else "", text, "visibility:hidden" in shape.group(1).replace(" ", "")))
        if shapes:
            self._shape_finding(part, sheet, shapes)

    def _comments(self, sheet: SheetInfo) -> None:
        for kind, target, _ in rels(self.p, sheet.part).values():
            if kind == "comments" and self.p.has(target):
                root = self.p.xml(target)
                if root is None:
                    continue
                authors = [a.text or "" for a in descendants(root, "author")]
                notes = list(descendants(root, "comment"))
                texts = [text_of(n) for n in notes]
                self._comment_finding("comments", ("note (comment)", "notes (comments)"), target, sheet, notes, texts, authors)
            elif kind == "threadedComment" and self.p.has(target):
                root = self.p.xml(target)
                if root is None:
                    continue
                people = self._persons()
                notes = list(descendants(root, "threadedComment"))
                texts = [text_of(n, "text") for n in notes]
                authors = [people.get(n.get("personId", ""), "") for n in notes]
                self._comment_finding("threaded_comments", ("threaded comment", "threaded comments"), target, sheet, notes, texts, authors)

    def _persons(self) -> dict[str, str]:
        part = next((t for k, t, _ in self.rels.values() if k == "person"), "xl/persons/person.xml")
        root = self.p.xml(part)
        if root is None:
            return {}
        return {n.get("id", ""): n.get("displayName", "") for n in descendants(root, "person")}

    def _comment_finding(self, kind: str, label: tuple[str, str], part: str, sheet: SheetInfo, notes: list[Element],
                         texts: list[str], authors: list[str]) -> None:
        if not notes:
            return
        found: dict[str, float] = {}
        for text in texts:
            for k, _masked in find_in_text(text):
                found[k.category] = 0.6
        names = sorted({a.strip() for a in authors if a.strip()})
        if names:
            found.setdefault(KINDS["name"].category, 0.6)
        refs = [n.get("ref", "") for n in notes]
        self.report.add(Finding(
            kind, plural(len(notes), *label), Severity.MEDIUM, Location(part, sheet.name, ", ".join(refs[:8])),
            detail=f"Written by {len(names)} people or accounts." if names else "",
            evidence=tuple(mask_text(a) for a in names[:3]) + tuple(mask_text(t) for t in texts[:3]),
            categories=tuple(CategoryMatch(c, v) for c, v in found.items()), count=len(notes),
        ))

    def _sheet_objects(self, sheet: SheetInfo) -> None:
        for kind, target, mode in rels(self.p, sheet.part).values():
            if kind == "pivotTable" and self.p.has(target):
                root = self.p.xml(target)
                if root is None:
                    continue
                where = next(descendants(root, "location"), None)
                self.report.add(Finding(
                    "pivot_table", f"Pivot table “{root.get('name', '')[:60]}”", Severity.LOW,
                    Location(target, sheet.name, where.get("ref", "") if where is not None else ""),
                    detail="Its cache is reported separately: a pivot table can be drilled into to "
                    "show the records behind each number.",
                ))
            elif kind in ("oleObject", "package") :
                self.report.add(Finding(
                    "embedded_object", "An embedded object on the sheet", Severity.MEDIUM,
                    Location(target, sheet.name), detail="Linked to another file." if mode == "External" else "",
                ))
            elif kind == "drawing" and self.p.has(target):
                self._drawing(target, sheet)
            elif kind == "vmlDrawing" and self.p.has(target):
                self._vml(target, sheet)
            elif kind == "hyperlink" and mode == "External":
                continue
            elif kind == "queryTable":
                self.report.add(Finding(
                    "external_connection", "A query table (data pulled from an external source)",
                    Severity.MEDIUM, Location(target, sheet.name),
                ))

    def _pivot_caches(self) -> None:
        for part in self.p.matching("xl/pivotCache/pivotCacheDefinition"):
            root = self.p.xml(part)
            if root is None:
                continue
            fields = list(descendants(root, "cacheField"))
            names = [f.get("name", f"Field {i + 1}") for i, f in enumerate(fields)]
            shared = [[_item(x) for x in next(descendants(f, "sharedItems"), Element("x"))] for f in fields]
            source = next(descendants(root, "worksheetSource"), None)
            source_text = (
                f"{source.get('sheet', source.get('name', ''))}!{source.get('ref', '')}" if source is not None else ""
            )
            records_part = next((t for k, t, _ in rels(self.p, part).values() if k == "pivotCacheRecords"), "")
            declared = root.get("recordCount", "")
            if records_part and self.p.has(records_part):
                rows, truncated = self._records(records_part, shared, len(fields))
                table = Table(f"Pivot cache {part.rsplit('/', 1)[-1]}", Location(records_part), names, rows,
                              hidden=True, truncated=truncated)
                matches = detect_table(names, rows)
                pd = [m for m in matches if m.confidence >= 0.45]
                self.report.add(Finding(
                    "pivot_cache_records",
                    "A pivot cache holds " + plural(len(rows), "raw record", "raw records") + (" with personal data" if pd else ""),
                    Severity.HIGH, Location(records_part, range=source_text),
                    detail=(
                        f"Fields: {', '.join(n[:30] for n in names[:20])}. "
                        + (f"Personal data in: {', '.join(f'{m.header} ({m.kind.label})' for m in pd)}. " if pd else "")
                        + "Anyone can recover every record by double-clicking the pivot table or "
                        "unzipping the file, whatever the visible sheets show."
                        + (f" The cache declares {declared} records." if declared and declared != str(len(rows)) else "")
                    ),
                    evidence=tuple(f"{m.header[:30]}: {', '.join(m.samples)}" for m in pd[:5]),
                    categories=merge_categories([m.category for m in pd]), count=len(rows),
                ))
                for m in matches:
                    self.report.add(_column_finding(m, Location(records_part, range=f"field “{m.header[:40]}”"),
                                                    "pivot cache field"))
                self.report.tables.append(table)
            elif any(shared):
                columns = [(n, s) for n, s in zip(names, shared, strict=False) if s]
                pd = [found for i, (n, s) in enumerate(columns)
                      if (found := detect_column(i, n, s)) and found.confidence >= 0.45]
                self.report.add(Finding(
                    "pivot_cache", "A pivot cache keeps the distinct values of its fields",
                    Severity.HIGH if pd else Severity.MEDIUM, Location(part, range=source_text),
                    detail="No raw records are saved, but each field's distinct values are."
                    + (f" Personal data in: {', '.join(f'{m.header} ({m.kind.label})' for m in pd)}." if pd else ""),
                    evidence=tuple(f"{m.header[:30]}: {', '.join(m.samples)}" for m in pd[:5]),
                    categories=merge_categories([m.category for m in pd]),
                ))

    def _records(self, part: str, shared: list[list[str]], width: int) -> tuple[list[list[str]], bool]:
        rows: list[list[str]] = []
        current: list[str] = []
        truncated = False
        parent: Element | None = None
        for event, node in self.p.iterparse(part):
            tag = local(node.tag)
            if event == "start":
                if tag == "pivotCacheRecords":
                    parent = node
                elif tag == "r":
                    current = []
                continue
            if tag == "r":
                if self.kept + width <= self.limits.max_kept_cells:
                    rows.append(current + [""] * (width - len(current)))
                    self.kept += width
                else:
                    truncated = True
                if parent is not None:
                    parent.remove(node)
            elif tag == "x":
                i = len(current)
                try:
                    current.append(shared[i][int(node.get("v", "0"))] if i < len(shared) else "")
                except (ValueError, IndexError):
                    current.append("")
            elif tag in ("s", "n", "d", "b", "e", "m"):
                current.append(_item(node))
        return rows, truncated

    def _charts(self) -> None:
        """Charts keep a copy of the values they plot, even from hidden cells or a hidden or
        deleted sheet."""
        for part in self.p.matching("xl/charts/chart"):
            root = self.p.xml(part)
            if root is None:
                continue
            formulas = [f.text or "" for f in descendants(root, "f")]
            texts = [v.text or "" for cache in descendants(root, "strCache") for v in descendants(cache, "v")]
            numbers = sum(1 for cache in descendants(root, "numCache") for _ in descendants(cache, "v"))
            found = find_in_text("\n".join(texts))
            hidden_refs = {}
            for formula in formulas:
                for quoted, plain, ref in _SHEET_REF.findall(formula):
                    name = quoted.replace("''", "'") if quoted else plain
                    if why := self._hidden_part_of(name, ref):
                        hidden_refs[f"{name}!{ref.replace('$', '')}"] = (name, why)
            if not found and not hidden_refs:
                continue
            sheets = sorted({name for name, _ in hidden_refs.values()})
            self.report.add(Finding(
                "chart_cache", "A chart keeps a copy of its data" + (" from hidden cells" if hidden_refs else ""),
                Severity.HIGH if hidden_refs else Severity.MEDIUM,
                Location(part, sheet=", ".join(sheets), range=", ".join(list(hidden_refs)[:5])),
                detail=(f"Its series read {'; '.join(f'{r} ({why})' for r, (_, why) in list(hidden_refs.items())[:3])}. "
                        if hidden_refs else "")
                + f"{len(texts):,} cached labels and {numbers:,} cached values stay in the file even if the "
                "source is hidden or deleted.",
                evidence=tuple(dict.fromkeys(masked for _, masked in found))[:3],
                categories=tuple(CategoryMatch(c, 0.6) for c in sorted({k.category for k, _ in found})),
                count=len(texts) + numbers,
            ))

    def _hidden_part_of(self, sheet_name: str, ref: str) -> str:
        """Why a range is out of sight ("hidden sheet", "hidden rows 3–4"), or ""."""
        hidden = self.hidden.get(sheet_name)
        box = parse_range(ref)
        if hidden is None or box is None:
            return ""
        if hidden.state != "visible":
            return "very hidden sheet" if hidden.state == "veryHidden" else "hidden sheet"
        low_col, low_row, high_col, high_row = box
        rows = sorted(r for r in hidden.rows if low_row <= r <= high_row)
        cols = sorted(c for c in hidden.cols if low_col <= c <= high_col)
        reasons = ([f"hidden rows {_describe(spans(rows))}"] if rows else []) + (
            [f"hidden columns {_describe(spans(cols), letters=True)}"] if cols else [])
        return ", ".join(reasons)

    def _connections(self) -> None:
        root = self.p.xml("xl/connections.xml")
        if root is not None:
            for node in descendants(root, "connection"):
                db = next(descendants(node, "dbPr"), None)
                web = next(descendants(node, "webPr"), None)
                target = ""
                if db is not None:
                    source = re.search(r"(?:Data Source|Server|DSN)=([^;]*)", db.get("connection", ""), re.I)
                    target = f"data source {source.group(1)[:80]}" if source else "a database"
                elif web is not None:
                    target = web.get("url", "")[:120]
                self.report.add(Finding(
                    "external_connection", f"External data connection “{node.get('name', '')[:60]}”",
                    Severity.MEDIUM, Location("xl/connections.xml"),
                    detail=f"Refreshing the file pulls data from {target or 'an external source'}. The "
                    "connection can reveal server names and, sometimes, credentials.",
                ))
        for part in self.p.matching("xl/externalLinks/externalLink"):
            targets = [t for k, t, mode in rels(self.p, part).values() if mode == "External"]
            self.report.add(Finding(
                "external_link", "A link to another workbook", Severity.MEDIUM, Location(part),
                detail=f"Linked file: {targets[0][:160]}" if targets else "",
            ))


def header_footer_text(raw: str) -> str:
    """A header or footer as printed, without its & codes (&& is a literal ampersand)."""
    parts = raw.split("&&")
    return " & ".join(" ".join(_HF_CODE.sub(" ", p).split()) for p in parts).strip(" &")


_VML_SHAPE = re.compile(r"<v:shape\b([^>]*)>(.*?)</v:shape>", re.S | re.I)
_VML_OBJECT = re.compile(r"ObjectType\s*=\s*[\"']([A-Za-z]+)", re.I)
_VML_TEXTBOX = re.compile(r"<v:textbox\b[^>]*>(.*?)</v:textbox>", re.S | re.I)
_VML_ID = re.compile(r"\bid\s*=\s*[\"']([^\"']{1,60})", re.I)
_TAG = re.compile(r"<[^>]*>")


def shape_text(shape: Element) -> str:
    """The text of a DrawingML shape, paragraph by paragraph."""
    lines = ["".join(t.text or "" for t in descendants(p, "t")) for p in descendants(shape, "p")]
    return "\n".join(line for line in lines if line.strip())


def row_hidden(row: Element, *, hidden_by_default: bool) -> bool:
    """Whether Excel hides this row: hidden, zero height, or hidden by the sheet's default
    (`sheetFormatPr zeroHeight`) without a height of its own (Excel shows a row that sets one)."""
    if row.get("hidden") in ("1", "true") or row.get("ht") in ("0", "0.0"):
        return True
    return hidden_by_default and not _explicit_height(row)


def hidden_columns(col: Element) -> range:
    """The columns (1-based) a `<col>` element hides: hidden or zero width; empty otherwise."""
    if col.get("hidden") in ("1", "true") or col.get("width") in ("0", "0.0"):
        low, high = int(col.get("min", "1")), int(col.get("max", "1"))
        return range(low, min(high, 16_384) + 1)
    return range(0)


def _explicit_height(row: Element) -> bool:
    if row.get("customHeight") in ("1", "true"):
        return True
    try:
        return float(row.get("ht", "0")) > 0
    except ValueError:
        return False


def _inside_phonetic(si: Element, t: Element) -> bool:
    return any(local(r.tag) == "rPh" and t in list(r.iter()) for r in si)


def _item(node: Element) -> str:
    tag = local(node.tag)
    if tag == "m":
        return ""
    value = node.get("v", "")
    if tag == "d":
        return value[:10]
    return value.strip()


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
    return True


def _column_range(m: ColumnMatch, table: Table | None) -> str:
    if table is None:
        return col_letters(m.index + 1)
    letters = col_letters(table.column_number(m.index))
    return f"{letters}{table.first_row}:{letters}{max(table.last_row, table.first_row)}"


def _column_finding(m: ColumnMatch, location: Location, where: str) -> Finding:
    """where: "" for a visible column, else what hides it ("hidden column", "pivot cache field")."""
    if m.confidence < 0.45:
        severity = Severity.LOW
    else:
        severity = Severity.HIGH if where else Severity.MEDIUM
    return Finding(
        "personal_data",
        f"A {where or 'column'} that looks like {m.kind.label}" + (f": “{m.header[:40]}”" if m.header else ""),
        severity, location,
        detail=f"{m.hits:,} of {m.values:,} values looked at match; confidence {m.confidence:.0%}.",
        evidence=m.samples, categories=(m.category,), count=m.hits,
    )


def analyse_workbook(package: Package, report: Report, limits: Limits) -> None:
    Workbook(package, report, limits).analyse()

