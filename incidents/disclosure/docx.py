"""Word documents: tracked changes, comments, hidden text (direct or through styles), field
codes, and personal data in the text of the body, headers, footers, notes and text boxes."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from breachtracker.words import plural

from .detect import detect_table, find_in_text, mask_text
from .ooxml import custom_xml_parts
from .package import Package, attr, children, descendants, local, rels
from .report import CategoryMatch, Finding, Location, Refused, Report, Severity

DOCUMENT = "word/document.xml"
_HIDING = ("vanish", "specVanish")


def _texts(element: Element) -> str:
    """The text, paragraph by paragraph, so words of different paragraphs never run together.

    A text box's paragraphs sit inside a paragraph of the body: each keeps its own line, and
    the copy Word saves for older readers (mc:Fallback) is not read twice.
    """
    lines: list[list[str]] = [[]]

    def walk(node: Element, line: list[str]) -> None:
        tag = local(node.tag)
        if tag == "Fallback":
            return
        if tag == "p":
            line = []
            lines.append(line)
        elif tag in ("t", "delText"):
            line.append(node.text or "")
        for child in node:
            walk(child, line)

    walk(element, lines[0])
    return "\n".join("".join(line) for line in lines if line)


def _categories(text: str, *, offences: bool = True) -> tuple[CategoryMatch, ...]:
    found: dict[str, float] = {}
    for kind, _masked in find_in_text(text, offences=offences):
        found[kind.category] = 0.6
    return tuple(CategoryMatch(c, v) for c, v in found.items())


def _child(element: Element | None, name: str) -> Element | None:
    return next((c for c in element if local(c.tag) == name), None) if element is not None else None


def _vanish_in(props: Element | None) -> bool | None:
    """True or False when these run properties say whether text is hidden, None when silent."""
    for prop in props if props is not None else ():
        if local(prop.tag) in _HIDING:
            return attr(prop, "val", "true") not in ("0", "false", "off")
    return None


class Styles:
    """Whether a paragraph or character style hides its text, through its `basedOn` chain, the
    default paragraph style and the document defaults.

    `vanish` is a toggle property: Word flips it back when a paragraph style and a character
    style both set it. Here the nearest explicit setting wins (direct formatting, then the
    character style, then the paragraph style, then the defaults), which can report more
    hidden text than Word hides, never less.
    """

    def __init__(self, root: Element | None) -> None:
        self.own: dict[str, bool | None] = {}
        self.based_on: dict[str, str] = {}
        self.default_paragraph = ""
        self.defaults: bool | None = None
        if root is None:
            return
        for style in descendants(root, "style"):
            sid = attr(style, "styleId")
            self.own[sid] = _vanish_in(_child(style, "rPr"))
            if (base := _child(style, "basedOn")) is not None:
                self.based_on[sid] = attr(base, "val")
            if attr(style, "type") == "paragraph" and attr(style, "default") in ("1", "true"):
                self.default_paragraph = sid
        if (defaults := next(descendants(root, "rPrDefault"), None)) is not None:
            self.defaults = _vanish_in(_child(defaults, "rPr"))

    def vanish(self, style_id: str) -> bool | None:
        seen: set[str] = set()
        while style_id and style_id not in seen:  # a basedOn loop ends here
            seen.add(style_id)
            if (value := self.own.get(style_id)) is not None:
                return value
            style_id = self.based_on.get(style_id, "")
        return None

    def hides(self, run: Element, paragraph_style: str) -> bool:
        props = _child(run, "rPr")
        char_style = _child(props, "rStyle")
        for value in (
            _vanish_in(props),
            self.vanish(attr(char_style, "val")) if char_style is not None else None,
            self.vanish(paragraph_style or self.default_paragraph),
            self.defaults,
        ):
            if value is not None:
                return value
        return False


def _hidden_runs(tree: Element, styles: Styles) -> list[Element]:
    """Runs whose text does not show, each judged with the style of its own paragraph."""
    found: list[Element] = []

    def walk(node: Element, paragraph_style: str) -> None:
        tag = local(node.tag)
        if tag == "Fallback":
            return
        if tag == "p":
            style = _child(_child(node, "pPr"), "pStyle")
            paragraph_style = attr(style, "val") if style is not None else ""
        elif tag == "r" and styles.hides(node, paragraph_style):
            found.append(node)
            return
        for child in node:
            walk(child, paragraph_style)

    walk(tree, "")
    return found


def analyse_document(package: Package, report: Report) -> None:
    root = package.xml(DOCUMENT)
    if root is None:
        raise Refused("corrupt", "The file has no document part: it is not a readable Word document.")
    related = rels(package, DOCUMENT)
    styles_part = next((t for k, t, _ in related.values() if k == "styles"), "word/styles.xml")
    styles = Styles(package.xml(styles_part))
    parts = [DOCUMENT] + [t for k, t, _ in related.values() if k in ("header", "footer", "footnotes", "endnotes")]
    for part in parts:
        tree = root if part == DOCUMENT else package.xml(part)
        if tree is None:
            continue
        _tracked(tree, part, report)
        _hidden(tree, part, report, styles)
        _fields(tree, part, report)
        text = _texts(tree)
        # Running prose: offence words in a notice are not a record about a person. Tables are
        # judged column by column (below), as a sheet is.
        found = find_in_text(text, offences=False)
        if found:
            kinds = sorted({k.label for k, _ in found})
            report.add(Finding(
                "personal_data", "The text contains " + ", ".join(kinds), Severity.MEDIUM, Location(part),
                detail="Found by the shape of the values in the text; names are recognised only when they "
                "start with a common first name.",
                evidence=tuple(dict.fromkeys(m for _, m in found))[:5],
                categories=_categories(text, offences=False), count=len(found),
            ))
        _tables(tree, part, report)
    _comments(package, report)
    custom_xml_parts(package, report)


def _tables(tree: Element, part: str, report: Report) -> None:
    """Offence descriptions in a table about people (the check of the prose leaves them out)."""
    for number, table in enumerate(descendants(tree, "tbl"), start=1):
        rows = [[_texts(cell).strip() for cell in children(row, "tc")] for row in children(table, "tr")]
        if len(rows) < 2:
            continue
        for m in detect_table(rows[0], rows[1:]):
            if m.kind.code == "offence" and m.confidence >= 0.45:
                report.add(Finding(
                    "personal_data", f"A table column that looks like {m.kind.label}"
                    + (f": “{m.header[:40]}”" if m.header else ""), Severity.MEDIUM,
                    Location(part, range=f"table {number}, column {m.index + 1}"),
                    detail=f"{m.hits:,} of {m.values:,} values match, next to columns that identify people.",
                    evidence=m.samples, categories=(m.category,), count=m.hits,
                ))


def _fields(tree: Element, part: str, report: Report) -> None:
    """Field instructions are kept but not shown (only their results are), and index (XE) and
    table-of-contents (TC) entries show nothing at all: personal data there is hidden."""
    codes = [node.text or "" for node in descendants(tree, "instrText")]
    codes += [attr(node, "instr") for node in descendants(tree, "fldSimple")]
    text = "\n".join(c.strip() for c in codes if c.strip())
    found = find_in_text(text, offences=False)
    if found:
        report.add(Finding(
            "field_codes", "Field codes holding personal data", Severity.HIGH, Location(part),
            detail="Field instructions (mail-merge fields, index entries, links) are stored in the file but "
            "show only when field codes are displayed (Alt+F9).",
            evidence=tuple(dict.fromkeys(m for _, m in found))[:5], categories=_categories(text, offences=False),
            count=len(found),
        ))


def _tracked(tree: Element, part: str, report: Report) -> None:
    for tag, label in (("ins", "insertions"), ("del", "deletions")):
        changes = list(descendants(tree, tag))
        if not changes:
            continue
        authors = sorted({c.get(next((k for k in c.attrib if k.endswith("author")), ""), "") for c in changes} - {""})
        text = " ".join(_texts(c) for c in changes)
        report.add(Finding(
            "tracked_changes", plural(len(changes), "tracked " + label[:-1], "tracked " + label), Severity.HIGH if tag == "del" else Severity.MEDIUM,
            Location(part),
            detail=("Deleted text is still in the file and shows when changes are displayed. " if tag == "del" else "")
            + "Accept or reject every change before release." + (f" By {len(authors)} authors." if authors else ""),
            evidence=tuple(mask_text(a) for a in authors[:3]) + ((mask_text(text),) if text.strip() else ()),
            categories=_categories(text), count=len(changes),
        ))


def _hidden(tree: Element, part: str, report: Report, styles: Styles) -> None:
    runs = _hidden_runs(tree, styles)
    text = " ".join(_texts(r) for r in runs).strip()
    if text:
        by_style = sum(1 for r in runs if _vanish_in(_child(r, "rPr")) is None)
        report.add(Finding(
            "hidden_text", plural(len(runs), "run", "runs") + " of hidden text", Severity.HIGH, Location(part),
            detail="Text formatted as hidden does not show or print, but it is in the file."
            + (" Some of it is hidden by a style, so the font settings of the text itself show nothing "
               "unusual." if by_style else ""),
            evidence=(mask_text(text),), categories=_categories(text), count=len(runs),
        ))


def _comments(package: Package, report: Report) -> None:
    for part in ("word/comments.xml", "word/commentsExtended.xml"):
        root = package.xml(part)
        if root is None:
            continue
        comments = list(descendants(root, "comment"))
        if not comments:
            continue
        authors = sorted({attr(c, "author") for c in comments} - {""})
        text = " ".join(_texts(c) for c in comments)
        report.add(Finding(
            "comments", plural(len(comments), "comment", "comments"), Severity.MEDIUM, Location(part),
            detail=f"Written by {len(authors)} people or accounts." if authors else "",
            evidence=tuple(mask_text(a) for a in authors[:3]) + tuple(mask_text(_texts(c)) for c in comments[:3]),
            categories=_categories(text) or ((CategoryMatch("basic_identifiers", 0.6),) if authors else ()),
            count=len(comments),
        ))
