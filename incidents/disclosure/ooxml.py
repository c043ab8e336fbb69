"""What Excel and Word packages share: document properties, macros, embedded objects."""

from __future__ import annotations

import re

from breachtracker.words import plural

from .detect import EMAIL, FIRST_NAMES, KINDS, PERSON_NAME, SURNAME_FIRST, find_in_text, mask_text
from .package import Package, descendants, local
from .report import CategoryMatch, Finding, Location, Report, Severity

CORE = "docProps/core.xml"
APP = "docProps/app.xml"
CUSTOM = "docProps/custom.xml"

_PEOPLE_PROPS = {"creator": "Author", "lastModifiedBy": "Last modified by"}
_TEXT_PROPS = {"title": "Title", "subject": "Subject", "description": "Comments", "keywords": "Keywords"}
_NAME = (CategoryMatch(KINDS["name"].category, 0.6),)

# What Office, libraries and shared machines write when nobody typed a name.
GENERIC_AUTHORS = frozenset({
    "microsoft office user", "windows user", "user", "admin", "administrator", "author", "unknown", "owner",
    "office", "microsoft", "microsoft corporation", "openpyxl", "python-docx", "apache poi", "guest", "default",
    "test", "staff", "pc", "home", "the author", "n/a", "none",
})
ORGANISATION_WORDS = re.compile(
    r"\b(?:ltd|limited|plc|llp|inc|council|police|constabulary|service|services|trust|nhs|department|dept|"
    r"office|university|college|school|authority|group|team|unit|force|borough|county|ministry|agency|board|"
    r"commission|government|gov|court|tribunal|centre|center|foundation|association|partnership|company|"
    r"corporation|corp|hospital|practice|academy|directorate|division|section|records|information|foi|"
    r"admin|enquiries|info)\b",
    re.I,
)
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|PC|DC|Sgt|Insp)\.? "
_INITIAL_SURNAME = re.compile(r"^[A-Z]\.? ?[A-Z][a-z'’-]+$|^[A-Z][a-z]+ [A-Z]\.?$")  # J.Bloggs, J Bloggs, Jane D
_SURNAME_COMMA = re.compile(r"^[A-Z][a-z'’-]+, [A-Z][a-z]+(?: [A-Z][a-z]+)?$")  # Doe, Jane
_DOTTED = re.compile(r"^([A-Za-z]+)[._]([A-Za-z]+)$")  # jane.doe, Jane_Doe


def names_a_person(value: str) -> bool:
    """Whether a metadata value (an author, a manager) looks like a person's name or address,
    rather than a generic value ("Microsoft Office User") or an organisation."""
    v = " ".join(value.split())
    if EMAIL.match(v):
        # jane.doe@… names her; foi@… and jsmith@… do not say who.
        pieces = [p for p in re.split(r"[._-]", v.partition("@")[0].lower()) if p.isalpha()]
        return len(pieces) >= 2 and pieces[0] in FIRST_NAMES and not ORGANISATION_WORDS.search(" ".join(pieces))
    if not v or v.lower() in GENERIC_AUTHORS or ORGANISATION_WORDS.search(re.sub(r"[._]", " ", v)):
        return False
    if SURNAME_FIRST.match(v) or _SURNAME_COMMA.match(v) or _INITIAL_SURNAME.match(v):
        return True
    if (m := _DOTTED.match(v)) and m.group(1).lower() in FIRST_NAMES:
        return True
    if PERSON_NAME.match(v):
        titled = re.match(_TITLE, v)
        first = re.sub(_TITLE, "", v).split()[0].lower()
        return bool(titled) or first in FIRST_NAMES
    return False


def _metadata_severity(value: str, *, accept_metadata: bool) -> Severity:
    if not names_a_person(value):
        return Severity.INFO if not value.strip() or value.strip().lower() in GENERIC_AUTHORS else Severity.LOW
    return Severity.LOW if accept_metadata else Severity.MEDIUM


_ACCEPTED = " The person checking the file chose to release it with this metadata."
_CLEAR = " Clear it with File › Info › Inspect Document (or Check for Issues) before release."


def properties(package: Package, report: Report, *, accept_metadata: bool = False) -> None:
    """Document properties. Author, last-modified-by and manager fail the check when they name
    a person, unless `accept_metadata` (the user has seen them and releases them knowingly)."""
    core = package.xml(CORE)
    if core is not None:
        for node in core:
            name = local(node.tag)
            value = (node.text or "").strip()
            if not value:
                continue
            if name in _PEOPLE_PROPS:
                severity = _metadata_severity(value, accept_metadata=accept_metadata)
                person = names_a_person(value)
                report.add(Finding(
                    "author", f"Document property “{_PEOPLE_PROPS[name]}” names "
                    + ("a person" if person else "an account or organisation"),
                    severity, Location(CORE, range=name),
                    detail="Office records who created and last saved the file."
                    + (_ACCEPTED if person and accept_metadata else _CLEAR),
                    evidence=(mask_text(value),), categories=_NAME if person else (),
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
            tag = local(node.tag)
            value = (node.text or "").strip()
            if tag not in ("Company", "Manager") or not value:
                continue
            person = names_a_person(value)
            if person:
                severity = _metadata_severity(value, accept_metadata=accept_metadata)
            else:
                severity = Severity.LOW if tag == "Manager" else Severity.INFO
            report.add(Finding(
                "document_property", f"Document property “{tag}” " + ("names a person" if person else "is filled in"),
                severity, Location(APP, range=tag),
                detail=(_ACCEPTED if accept_metadata else _CLEAR).strip() if person else "",
                evidence=(mask_text(value),), categories=_NAME if person else (),
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


_CUSTOM_XML_ITEM = re.compile(r"^customXml/item\d+\.xml$", re.I)


def custom_xml_parts(package: Package, report: Report) -> None:
    """Custom XML parts (customXml/itemN.xml): data a program or SharePoint stored in the package.
    Office shows none of it, and Inspect Document does not always remove it."""
    for part in sorted(n for n in package.names if _CUSTOM_XML_ITEM.match(n)):
        root = package.xml(part)
        if root is None:
            continue
        values = [t.strip() for node in root.iter() for t in (node.text, node.tail) if t and t.strip()]
        if not values:
            continue
        text = "\n".join(values)
        found = find_in_text(text)
        report.add(Finding(
            "custom_xml", "A custom XML part holds " + plural(len(values), "value", "values")
            + (" with personal data" if found else ""),
            Severity.HIGH if found else Severity.MEDIUM, Location(part, range=local(root.tag)[:60]),
            detail="Custom XML is stored in the package but never shown in Excel or Word. Anyone who unzips "
            "the file can read it.",
            evidence=tuple(dict.fromkeys(m for _, m in found))[:3] or tuple(mask_text(v) for v in values[:3]),
            categories=tuple(CategoryMatch(c, 0.6) for c in sorted({k.category for k, _ in found})),
            count=len(values),
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
