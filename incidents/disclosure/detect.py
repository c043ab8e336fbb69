"""Which columns hold personal data, judged by header and by content, with masked samples.

Each kind of data maps to the ICO report form's category (codes of DATA_CATEGORY_SEEDS in
incidents/vocab.py). Confidence is 0–1: a matching header alone gives a medium score, content
that matches the shape gives more, both together are near certain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from faker.providers.person.en_GB import Provider as _NamesGB

from .report import CategoryMatch

# The Royal Mail shape, as incidents.models.UK_POSTCODE_RE (kept here so the checker needs
# no Django); `POSTCODE_IN_TEXT` finds one inside an address line.
_PC = (
    r"(?:GIR ?0AA|[A-PR-UWYZ][0-9][0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][0-9][A-HJKPSTUW] ?[0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY] ?[0-9][ABD-HJLNP-UW-Z]{2})"
)
POSTCODE = re.compile(rf"^{_PC}$")
POSTCODE_IN_TEXT = re.compile(rf"\b{_PC}\b")
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"^(?:\+?44|0)(?:1|2|3|7|8)\d{8,9}$")
PHONE_IN_TEXT = re.compile(r"(?<![\d+])(?:\+44\s?|0)(?:\d[\s-]?){9,10}(?!\d)")
# National Insurance number: two prefix letters (not D, F, I, Q, U, V; second not O; not the
# administrative pairs), six digits, a suffix A–D.
NINO = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]$")
NINO_IN_TEXT = re.compile(r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
# Crime, incident and occurrence numbers as forces write them: CR/012345/21, 12/34567/22,
# INC-2021-004512, 4100123456.
CRIME_REF = re.compile(r"^(?:[A-Z]{1,5}[ /-]?)?\d{2,}(?:[/-]\d{2,}){1,2}$|^(?:CR|INC|OCC|CAD|URN)[ /-]?\d{4,}$", re.I)
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})$")
# Latin-1 letters too: Zoë, Siân, Séamus.
NAME_WORD = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+|[A-Z]'[A-Z][a-z]+|Mc[A-Z][a-z]+|Mac[A-Z][a-z]+"
PERSON_NAME = re.compile(rf"^(?:(?:Mr|Mrs|Ms|Miss|Dr|PC|DC|Sgt|Insp)\.? )?(?:{NAME_WORD})(?:[ -](?:{NAME_WORD})){{1,3}}$")
SURNAME_FIRST = re.compile(rf"^[A-Z][A-Z'’-]+, (?:{NAME_WORD})(?: (?:{NAME_WORD}))?$")
STREET = re.compile(
    r"\b\d+[A-Za-z]?,? [A-Za-z' ]+ (?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Court|Crescent|"
    r"Place|Gardens|Terrace|Grove|Hill|Park|Row|Walk|Square|Mews|View|Rise)\b",
    re.I,
)
OFFENCE_WORDS = re.compile(
    r"\b(?:assault|domestic|sexual|rape|theft|burglary|robbery|harassment|stalking|criminal damage|"
    r"hate crime|arson|fraud|abuse|threat|weapon|knife|drugs?|offence|suspect|victim|arrested|"
    r"injur(?:y|ies|ed)|violence|indecent|exposure|coercive|breach of)\b",
    re.I,
)
# Headers that say what a column is when it is not about a person: its dates and numbers are
# not dates of birth or crime references, whatever their shape.
NOT_PERSONAL_HEADER = re.compile(
    r"\b(?:date|dated|time|year|month|week|period|quarter|document|doc|invoice|order|version|file|page|"
    r"item|product|account|budget|cost|total|count|amount|batch|policy|contract|purchase|ticket)s?\b",
    re.I,
)
# What a form puts where a value is not known: not evidence for or against a column's kind.
PLACEHOLDER = re.compile(r"^(?:n/?a|none|unknown|not known|nk|tbc|tba|nil|null|withheld|redacted|-+|\?+|x+|0)$", re.I)
# Kinds whose values have a precise shape: a column headed as one of these whose values have
# some other shape is not that kind (a US "Zip" of 5-digit numbers is not UK postcodes).
SHAPED_KINDS = frozenset({"postcode", "email", "nino", "phone", "dob", "crime_ref"})
FIRST_NAMES = frozenset(n.lower() for n in (*_NamesGB.first_names_male, *_NamesGB.first_names_female))


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    category: str  # ICO data category code
    header: re.Pattern[str]


def _h(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("name", "names", "basic_identifiers",
             _h(r"^(?:full ?name|name|names|forenames?|first ?names?|given ?names?|surnames?|last ?name|family ?name|"
                r"(?:victim|suspect|witness|offender|officer|staff|employee|person|complainant|subject|"
                r"applicant|client|patient|pupil|student|customer|contact)s?'?s? ?(?:full ?)?names?|"
                r"officer|employee|nominal|author|created by|modified by|reported by)$")),
        Kind("dob", "dates of birth", "basic_identifiers", _h(r"^(?:d\.?o\.?b\.?|date of birth|birth ?date|born|birthday)$")),
        Kind("address", "addresses", "basic_identifiers",
             _h(r"(?:^|\b)(?:home |postal |street |victim |suspect |incident )?address(?: ?line ?\d*)?\b|^street$|^house$|^town$|^city$")),
        Kind("postcode", "UK postcodes", "basic_identifiers", _h(r"^(?:post ?code|postal code|zip|pc|home postcode)$")),
        Kind("email", "email addresses", "basic_identifiers", _h(r"e-?mail")),
        Kind("phone", "phone numbers", "basic_identifiers",
             _h(r"phone|^tel\b|telephone|mobile|contact (?:no|number)")),
        Kind("nino", "National Insurance numbers", "official_documents",
             _h(r"^(?:ni ?(?:no|number)|nino|national insurance(?: number| no)?)$")),
        Kind("crime_ref", "crime or incident reference numbers", "criminal",
             _h(r"crime ?(?:ref|reference|no|number)|incident ?(?:ref|reference|no|number)|occurrence|"
                r"^urn$|case ?(?:ref|reference|no|number)|^crn$")),
        Kind("offence", "offence descriptions", "criminal",
             _h(r"offence|crime type|circumstances|^mo$|modus|narrative|incident (?:details|description|summary)|"
                r"^details$|^description$|allegation|outcome|disposal|conviction")),
        Kind("ethnicity", "ethnicity", "racial_ethnic", _h(r"ethnic|^race$|self.defined ethnicity")),
        Kind("religion", "religion or belief", "religious", _h(r"religio|^faith$|^belief$")),
        Kind("health", "health data", "health", _h(r"health|medical|disabilit|injur|mental|diagnos|condition")),
        Kind("sexuality", "sexual orientation", "sexual_orientation", _h(r"sexual orientation|sexuality")),
    )
}


@dataclass(frozen=True)
class ColumnMatch:
    index: int
    header: str
    kind: Kind
    confidence: float
    hits: int  # values that look like the kind
    values: int  # non-empty values looked at
    samples: tuple[str, ...]  # masked

    @property
    def category(self) -> CategoryMatch:
        return CategoryMatch(self.kind.category, self.confidence)


def normalise_header(header: str) -> str:
    return re.sub(r"[\s_.:#]+", " ", header).strip()


def _is_date(value: str) -> bool:
    """A calendar date as spreadsheets write it: 2021-03-12 (with or without a time), 12/03/21."""
    if m := ISO_DATE.match(value):
        year, month, day = (int(g) for g in m.groups())
    elif m := UK_DATE.match(value):
        day, month, year = (int(g) for g in m.groups())
        if month > 12 and day <= 12:
            day, month = month, day  # US order
    else:
        return False
    return 1 <= month <= 12 and 1 <= day <= 31 and year >= 0


def _is_prose(value: str) -> bool:
    """Running text (a paragraph of a notice), not a value in a column about a person."""
    return len(value) > 200 or len(re.findall(r"[.!?](?:\s+[A-Z]|$)", value.strip())) >= 2


def _is_dob_like(value: str, today: date) -> bool:
    year = None
    if m := ISO_DATE.match(value):
        year = int(m.group(1))
    elif m := UK_DATE.match(value):
        year = int(m.group(3))
        if year < 100:
            return False
    return year is not None and 1900 <= year <= today.year


def _looks_like(kind: str, value: str, today: date, *, strict: bool = False) -> bool:
    v = value.strip()
    if kind == "name":
        if SURNAME_FIRST.match(v):
            return True
        if not PERSON_NAME.match(v):
            return False
        words = re.sub(r"^(?:Mr|Mrs|Ms|Miss|Dr|PC|DC|Sgt|Insp)\.? ", "", v).split()
        # Without a header saying "name", two capitalised words could be a place ("North
        # Yorkshire"): then the first word must be a known first name.
        return words[0].lower() in FIRST_NAMES or (not strict and len(words) >= 2)
    if kind == "dob":
        return _is_dob_like(v, today)
    if kind == "address":
        return bool(STREET.search(v) or POSTCODE_IN_TEXT.search(v.upper()))
    if kind == "postcode":
        return bool(POSTCODE.match(v.upper()))
    if kind == "email":
        return bool(EMAIL.match(v))
    if kind == "phone":
        return bool(PHONE.match(re.sub(r"[\s()-]", "", v)))
    if kind == "nino":
        return bool(NINO.match(v.upper()))
    if kind == "crime_ref":
        return bool(CRIME_REF.match(v)) and not _is_date(v)
    if kind == "offence":
        if strict:
            # Without an offence header, only short descriptions count: a notice that mentions
            # "domestic violence" in a paragraph is not a record about a person.
            return len(v) >= 12 and " " in v and bool(OFFENCE_WORDS.search(v)) and not _is_prose(v)
        return len(v) >= 12 and " " in v and bool(OFFENCE_WORDS.search(v))
    return bool(v)  # special categories: judged by header only


# Kinds recognisable from content alone, and the share of values that must match.
CONTENT_KINDS = ("email", "postcode", "nino", "phone", "dob", "address", "crime_ref", "offence", "name")
_CONTENT_ALONE_CONFIDENCE = {
    "email": 0.9, "postcode": 0.85, "nino": 0.9, "phone": 0.75, "address": 0.75, "offence": 0.6,
    "crime_ref": 0.5, "name": 0.6, "dob": 0.35,
}


def detect_column(
    index: int, header: str, values: Sequence[str], *, today: date | None = None, sample: int = 500
) -> ColumnMatch | None:
    """The most likely kind of personal data in one column, or None."""
    today = today or date.today()
    head = normalise_header(header)
    looked = [v for v in values[:sample] if v and v.strip()]
    header_kind = next((k for k in KINDS.values() if head and k.header.search(head)), None)
    best: ColumnMatch | None = None
    if header_kind is not None:
        hits = [v for v in looked if _looks_like(header_kind.code, v, today)]
        share = len(hits) / len(looked) if looked else 0.0
        substantive = [v for v in looked if not PLACEHOLDER.match(v.strip())]
        wrong_shape = (header_kind.code in SHAPED_KINDS and len(substantive) >= 2
                       and len(hits) < 0.2 * len(substantive))
        if wrong_shape:
            header_kind = None  # the header says so, the values say otherwise
        elif looked or header_kind.code not in ("name",):
            confidence = 0.6 + 0.4 * share if looked else 0.5
            if looked and share < 0.2 and header_kind.code in CONTENT_KINDS:
                confidence = 0.3  # the header says so but the values do not look like it
            elif looked and share < 0.5 and header_kind.code in SHAPED_KINDS:
                confidence = 0.4  # only some values have the shape: worth a look, not a failure
            best = _match(index, header, header_kind, confidence, hits or looked, len(looked), hits_count=len(hits))
    if len(looked) >= 1:
        for code in CONTENT_KINDS:
            if header_kind is not None and code == header_kind.code:
                continue
            if code in ("dob", "crime_ref") and head and NOT_PERSONAL_HEADER.search(head):
                continue
            hits = [v for v in looked if _looks_like(code, v, today, strict=True)]
            share = len(hits) / len(looked)
            threshold = 0.6 if code in ("name", "dob", "crime_ref") else 0.4
            if share < threshold or (code in ("name", "crime_ref", "offence") and len(hits) < 2):
                continue
            confidence = _CONTENT_ALONE_CONFIDENCE[code] * share
            if best is None or confidence > best.confidence:
                best = _match(index, header, KINDS[code], confidence, hits, len(looked), hits_count=len(hits))
            break
    return best


def _match(index: int, header: str, kind: Kind, confidence: float, examples: Sequence[str], values: int,
           *, hits_count: int) -> ColumnMatch:
    samples = tuple(dict.fromkeys(mask(kind.code, v) for v in examples[:20]))[:3]
    return ColumnMatch(index, header, kind, round(min(confidence, 0.99), 2), hits_count, values, samples)


def detect_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, today: date | None = None) -> list[ColumnMatch]:
    matches = []
    width = max([len(headers), *(len(r) for r in rows[:500])], default=0)
    for index in range(width):
        header = headers[index] if index < len(headers) else ""
        values = [row[index] if index < len(row) else "" for row in rows[:500]]
        found = detect_column(index, header, values, today=today)
        if found is not None:
            matches.append(found)
    if not any(m.kind.code in IDENTIFYING and m.confidence >= 0.45 for m in matches):
        # Ethnicity or offence type next to counts is statistics; next to a name, an address
        # or a crime number it is about a person.
        matches = [
            replace(m, confidence=min(m.confidence, 0.3)) if m.kind.code not in IDENTIFYING else m
            for m in matches
        ]
    return matches


IDENTIFYING = frozenset({"name", "dob", "address", "postcode", "email", "phone", "nino", "crime_ref"})


def find_in_text(text: str, *, offences: bool = True) -> list[tuple[Kind, str]]:
    """Personal data recognisable inside free text (a comment, a paragraph): kind and masked value.

    Offence words count only next to something that identifies a person in the same text, and
    not at all with `offences=False` (running prose such as a Word notice: an offence is data
    about a person only in a record about that person).
    """
    found: list[tuple[Kind, str]] = []
    for kind, pattern in (("email", EMAIL_IN_TEXT), ("postcode", POSTCODE_IN_TEXT), ("nino", NINO_IN_TEXT),
                          ("phone", PHONE_IN_TEXT)):
        for hit in pattern.findall(text if kind != "postcode" else text.upper()):
            found.append((KINDS[kind], mask(kind, hit)))
    # Overlapping pairs of capitalised words ("Ring John Smith" holds "John Smith").
    for hit in re.findall(rf"(?=\b((?:{NAME_WORD}) (?:{NAME_WORD}))\b)", text):
        if hit.split()[0].lower() in FIRST_NAMES:
            found.append((KINDS["name"], mask("name", hit)))
    if offences and found and OFFENCE_WORDS.search(text) and len(text) >= 12:
        found.append((KINDS["offence"], mask("offence", text)))
    return found


def _stars(word: str, keep: int = 1) -> str:
    return word[:keep] + "*" * max(len(word) - keep, 3)


def mask(kind: str, value: str) -> str:
    """A sample that shows the shape of the data, not the data: “J*** S****”, “SW1A ***”."""
    v = value.strip()
    if kind == "postcode" or (kind == "address" and POSTCODE.match(v.upper())):
        compact = re.sub(r"\s+", "", v.upper())
        return f"{compact[:-3]} ***" if len(compact) > 3 else "***"
    if kind == "email":
        local_part, _, domain = v.partition("@")
        tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
        return f"{local_part[:1]}***@***.{tld}"
    if kind == "phone":
        digits = re.sub(r"\D", "", v)
        return f"{digits[:2]}*** ***{digits[-2:]}" if len(digits) > 4 else "***"
    if kind == "nino":
        return f"{v[:2].upper()} ** ** ** *"
    if kind == "dob":
        if m := ISO_DATE.match(v):
            return f"**/**/{m.group(1)[:2]}**"
        return "**/**/****"
    if kind == "crime_ref":
        return v[:2] + re.sub(r"[A-Za-z0-9]", "*", v[2:])
    words = v.split()
    masked = " ".join(_stars(w) for w in words[:6])
    return masked + (" …" if len(words) > 6 else "")


def mask_text(value: str, limit: int = 60) -> str:
    """Free text (a comment, an author) masked word by word."""
    return mask("text", value)[:limit]
