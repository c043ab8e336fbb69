"""Word documents: tracked changes, comments, hidden text, and personal data in the text."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from .detect import find_in_text, mask_text
from .package import Package, attr, descendants, local, rels
from .report import CategoryMatch, Finding, Location, Refused, Report, Severity, plural

DOCUMENT = "word/document.xml"


def _texts(element: Element) -> str:
    """The text, paragraph by paragraph, so words of different paragraphs never run together."""
    paragraphs = [p for p in element.iter() if local(p.tag) == "p"] or [element]
    return "\n".join(
        "".join(node.text or "" for node in p.iter() if local(node.tag) in ("t", "delText")) for p in paragraphs
    )


def _categories(text: str) -> tuple[CategoryMatch, ...]:
    found: dict[str, float] = {}
    for kind, _masked in find_in_text(text):
        found[kind.category] = 0.6
    return tuple(CategoryMatch(c, v) for c, v in found.items())


def _is_vanished(run: Element) -> bool:
    for props in (child for child in run if local(child.tag) == "rPr"):
        for prop in props:
            if local(prop.tag) in ("vanish", "specVanish") and attr(prop, "val", "true") not in ("0", "false"):
                return True
    return False


def analyse_document(package: Package, report: Report) -> None:
    root = package.xml(DOCUMENT)
    if root is None:
        raise Refused("corrupt", "The file has no document part: it is not a readable Word document.")
    parts = [DOCUMENT] + [
        t for k, t, _ in rels(package, DOCUMENT).values() if k in ("header", "footer", "footnotes", "endnotes")
    ]
    for part in parts:
        tree = root if part == DOCUMENT else package.xml(part)
        if tree is None:
            continue
        _tracked(tree, part, report)
        _hidden(tree, part, report)
        text = _texts(tree)
        found = find_in_text(text)
        if found:
            kinds = sorted({k.label for k, _ in found})
            report.add(Finding(
                "personal_data", "The text contains " + ", ".join(kinds), Severity.MEDIUM, Location(part),
                detail="Found by the shape of the values in the text; names are recognised only when they "
                "start with a common first name.",
                evidence=tuple(dict.fromkeys(m for _, m in found))[:5],
                categories=_categories(text), count=len(found),
            ))
    _comments(package, report)


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


def _hidden(tree: Element, part: str, report: Report) -> None:
    runs = [r for r in descendants(tree, "r") if _is_vanished(r)]
    text = " ".join(_texts(r) for r in runs).strip()
    if text:
        report.add(Finding(
            "hidden_text", plural(len(runs), "run", "runs") + " of hidden text", Severity.HIGH, Location(part),
            detail="Text formatted as hidden does not show or print, but it is in the file.",
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
