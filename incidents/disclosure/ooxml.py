"""What Excel and Word packages share: document properties, macros, embedded objects."""

from __future__ import annotations

from .detect import KINDS, find_in_text, mask_text
from .package import Package, descendants, local
from .report import CategoryMatch, Finding, Location, Report, Severity, plural

CORE = "docProps/core.xml"
APP = "docProps/app.xml"
CUSTOM = "docProps/custom.xml"

_PEOPLE_PROPS = {"creator": "Author", "lastModifiedBy": "Last modified by"}
_TEXT_PROPS = {"title": "Title", "subject": "Subject", "description": "Comments", "keywords": "Keywords"}
_NAME = (CategoryMatch(KINDS["name"].category, 0.6),)


def properties(package: Package, report: Report) -> None:
    core = package.xml(CORE)
    if core is not None:
        for node in core:
            name = local(node.tag)
            value = (node.text or "").strip()
            if not value:
                continue
            if name in _PEOPLE_PROPS:
                report.add(Finding(
                    "author", f"Document property “{_PEOPLE_PROPS[name]}” names a person or account",
                    Severity.LOW, Location(CORE, range=name),
                    detail="Office records who created and last saved the file. Clear it with "
                    "File › Info › Inspect Document before release.",
                    evidence=(mask_text(value),), categories=_NAME,
                ))
            elif name in _TEXT_PROPS:
                found = find_in_text(value)
                report.add(Finding(
                    "document_property", f"Document property “{_TEXT_PROPS[name]}” is filled in",
                    Severity.MEDIUM if found else Severity.INFO, Location(CORE, range=name),
                    evidence=(mask_text(value),),
                    categories=tuple(CategoryMatch(k.category, 0.6) for k, _ in found[:1]),
                ))
    app = package.xml(APP)
    if app is not None:
        for node in app:
            if local(node.tag) in ("Company", "Manager") and (node.text or "").strip():
                severity = Severity.LOW if local(node.tag) == "Manager" else Severity.INFO
                report.add(Finding(
                    "document_property", f"Document property “{local(node.tag)}” is filled in", severity,
                    Location(APP, range=local(node.tag)), evidence=(mask_text(node.text or ""),),
                ))
    custom = package.xml(CUSTOM)
    if custom is not None:
        props = list(descendants(custom, "property"))
        if props:
            report.add(Finding(
                "custom_property", plural(len(props), "custom document property", "custom document properties"), Severity.LOW, Location(CUSTOM),
                detail="Names: " + ", ".join(p.get("name", "?")[:40] for p in props[:10]),
                count=len(props),
            ))


def macros_and_embeddings(package: Package, report: Report, prefix: str) -> None:
    """prefix is "xl/" or "word/"."""
    for name in sorted(package.names):
        lowered = name.lower()
        if lowered.endswith("vbaproject.bin") or lowered.endswith("vbadata.xml"):
            report.add(Finding(
                "macro", "The file carries macros (VBA project)", Severity.HIGH, Location(name),
                detail="Macros were not run. A macro-enabled file should not be released: save it "
                "as .xlsx or .docx without macros.",
            ))
        elif lowered.startswith(f"{prefix}embeddings/"):
            size = package.archive.getinfo(name).file_size
            report.add(Finding(
                "embedded_object", "An embedded object or file", Severity.MEDIUM, Location(name),
                detail=f"{size:,} bytes. Embedded files are not opened by this check: open and check "
                "it separately, or remove it.",
            ))
        elif lowered.startswith(f"{prefix}activex/") and lowered.endswith(".bin"):
            report.add(Finding(
                "embedded_object", "An ActiveX control", Severity.MEDIUM, Location(name),
                detail="Controls were not run.",
            ))
    media = [n for n in package.names if n.startswith(f"{prefix}media/")]
    if media:
        report.add(Finding(
            "image", plural(len(media), "image or media file", "images or media files"), Severity.INFO, Location(f"{prefix}media/"),
            detail="Images are not read: look at them, they may show people or documents.", count=len(media),
        ))
