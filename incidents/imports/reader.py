"""Reading a spreadsheet of affected people: pure functions, no database.

The pipeline, each step usable on its own:

1. `inspect_upload` (files.py) streams the uploaded bytes once: SHA-256, kind,
   encoding, a row estimate.
2. `open_table` (files.py) yields the header row, then the data rows, streaming.
3. `auto_mapping` matches headers case- and space-insensitively to our fields.
4. `RowValidator.validate` turns one row of cells into a `CleanRow`, or a list of problems.
5. `Deduplicator` merges rows that are the same person (normalised name + date of birth, or
   + postcode, or + email) into groups, remembering what was merged and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from breachtracker.csvsafe import neutralise  # noqa: F401 - the importer's public API

from ..models import UK_POSTCODE_RE, normalise_postcode
from ..people.models import KEY_REASONS, match_keys, normalise_name, person_keys  # noqa: F401 - re-exported
from ..vocab import ROLES, Channel
from .files import (  # noqa: F401 - re-exported: the importer's public API
    ImportFileError,
    Table,
    UploadInfo,
    inspect_upload,
    open_table,
    sniff_delimiter,
)


class DataCategoryLike(Protocol):
    code: str
    name: str
    bit: int


# ---------------------------------------------------------------------------------------
# Fields and header matching

@dataclass(frozen=True)
class Field:
    key: str
    label: str
    aliases: tuple[str, ...]
    max_length: int = 0
    required: bool = False
    help: str = ""


FIELDS: tuple[Field, ...] = (
    Field("reference", "Reference", ("reference", "ref", "sourcereference", "subjectreference"), 60,
          help="The person's reference in the source system, if any."),
    Field("full_name", "Full name", ("fullname", "name", "personname"), 300, required=True,
          help="Or split across Title, First name, Middle names and Surname columns."),
    # Split names: joined in this order into the full name when no full-name column is mapped.
    Field("title", "Title", ("title", "salutation", "honorific"), 40),
    Field("first_name", "First name", ("firstname", "forename", "forenames", "givenname", "givennames",
                                       "christianname"), 150),
    Field("middle_names", "Middle names", ("middlename", "middlenames", "othernames"), 150),
    Field("surname", "Surname", ("surname", "lastname", "familyname"), 150),
    Field("date_of_birth", "Date of birth", ("dateofbirth", "dob", "birthdate"),
          help="YYYY-MM-DD or DD/MM/YYYY."),
    Field("roles", "Role", ("role", "roles", "type", "persontype", "subjecttype", "involvement",
                            "involvementtype"), required=True,
          help="One or more of: " + ", ".join(r.label for r in ROLES.values()) + " (separate with ;)."),
    Field("is_child", "Child", ("child", "ischild"), help="yes or no"),
    Field("is_vulnerable", "Vulnerable", ("vulnerable", "vulnerableadult", "isvulnerable"), help="yes or no"),
    Field("address_line_1", "Address line 1", ("addressline1", "address1", "address"), 200),
    Field("address_line_2", "Address line 2", ("addressline2", "address2"), 200),
    Field("town", "Town", ("town", "city", "townorcity", "towncity"), 100),
    Field("postcode", "Postcode", ("postcode", "postalcode"), 10),
    Field("email", "Email", ("email", "emailaddress"), 254),
    Field("phone", "Phone", ("phone", "telephone", "phonenumber", "mobile"), 40),
    Field("preferred_channel", "Preferred channel", ("preferredchannel", "channel", "preferredsafechannel"),
          help="letter, email, phone or in person (blank: letter)."),
    Field("do_not_write", "Do not write", ("donotwrite", "donotwriteflag", "donotwritetothisaddress"),
          help="yes if a letter to this address may not be safe."),
    Field("language", "Language", ("language", "lang", "letterlanguage", "languageofletters"),
          help="English or Welsh (blank: English). Welsh speakers get a bilingual letter."),
    Field("large_print", "Large print", ("largeprint", "largeprintletter", "largetype"),
          help="yes if letters to this person must be in large print."),
    Field("categories", "Data categories", ("datacategories", "categories", "dataexposed", "categoriesexposed"),
          help="Exposed categories, separated with ; (or use one yes/no column per category)."),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
NAME_PARTS = ("title", "first_name", "middle_names", "surname")
CATEGORY_PREFIX = "cat:"
IGNORE = ""


def squash(text: str) -> str:
    """A header or vocabulary word compared case-, space- and punctuation-insensitively."""
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def header_targets(categories: Iterable[DataCategoryLike]) -> dict[str, str]:
    """Squashed header → target (a field key, or `cat:<code>` for a per-category column)."""
    targets: dict[str, str] = {}
    for f in FIELDS:
        for alias in (f.key, f.label, *f.aliases):
            targets.setdefault(squash(alias), f.key)
    for c in categories:
        targets.setdefault(squash(c.code), CATEGORY_PREFIX + c.code)
        targets.setdefault(squash(c.name), CATEGORY_PREFIX + c.code)
    return targets


def header_scorer(categories: Iterable[DataCategoryLike]) -> Callable[[list[str]], int]:
    """How many of a row's cells are column names we know: finds the header row under a title."""
    targets = header_targets(categories)
    return lambda cells: sum(1 for cell in cells if squash(cell) in targets)


def auto_mapping(headers: list[str], categories: Iterable[DataCategoryLike]) -> list[str]:
    """The target of each column; a header matched twice maps only its first column."""
    targets = header_targets(categories)
    mapping: list[str] = []
    used: set[str] = set()
    for header in headers:
        target = targets.get(squash(header), IGNORE)
        if target and target in used:
            target = IGNORE
        used.add(target)
        mapping.append(target)
    return mapping


def mapping_problems(mapping: list[str], *, file_role: bool = False) -> list[str]:
    """What stops a column mapping; `file_role`: a role is set for every row of the file."""
    mapped = [m for m in mapping if m]
    problems = []
    for f in FIELDS:
        if f.key == "full_name" and any(part in mapped for part in ("first_name", "surname")):
            continue  # the name is split across columns
        if f.key == "roles" and file_role:
            continue
        if f.required and f.key not in mapped:
            problems.append(f"No column is mapped to “{f.label}”, which every row needs."
                            + (" (A first name or surname column will also do.)" if f.key == "full_name" else ""))
    seen: set[str] = set()
    for m in mapped:
        if m in seen:
            problems.append(f"Two columns are mapped to the same field ({m}).")
        seen.add(m)
    return problems


def template_headers(categories: Iterable[DataCategoryLike]) -> list[str]:
    """The template's columns: one full-name column (split names are read, not asked for)."""
    return [f.label for f in FIELDS if f.key not in NAME_PARTS] + [c.name for c in categories]


# ---------------------------------------------------------------------------------------
# Validating one row

@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str
    # True: the field is left empty and the person is imported, flagged "to check" (issue 15:
    # a bad date of birth must never make a victim disappear). False: the row is left out,
    # because nothing in it identifies anyone (no usable name, or its cells cannot be read).
    keeps_row: bool = False

    def for_the_person(self) -> str:
        """The note kept (encrypted) on the person, with the raw value, for the handler."""
        shown = f" “{self.value}”" if self.value else ""
        return f"{self.column}{shown}: {self.message}"


@dataclass(slots=True)
class CleanRow:
    row: int
    reference: str
    full_name: str
    date_of_birth: date | None
    roles: int
    categories_mask: int
    is_child: bool
    is_vulnerable: bool
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    email: str
    phone: str
    preferred_channel: str
    do_not_write: bool
    large_print: bool = False
    language: str = "en"
    # What the import could not take from the row, with the raw values: "" when nothing.
    to_check: str = ""


LANGUAGE_WORDS = {"": "en", "en": "en", "english": "en", "saesneg": "en",
                  "cy": "cy", "welsh": "cy", "cymraeg": "cy"}
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x", "✓", "✔"})
FALSE_WORDS = frozenset({"", "no", "n", "false", "0", "-"})
LIST_SPLIT = re.compile(r"[;|\n]+")
# Dates with month names, and year first: never ambiguous. Dates written with numbers only
# (02/03/1980) are read by NUMERIC_DATE, in the order the file uses.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%B-%Y", "%d %b %y", "%d-%b-%y",
                "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y")
NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
DAY_FIRST, MONTH_FIRST = "dmy", "mdy"
# A spreadsheet's date-time with no time worth keeping: "03/02/1980 00:00", "1980-03-02 00:00:00".
TRAILING_MIDNIGHT = re.compile(r"[ T]00:00(:00(\.0+)?)?$")
# Excel's 1900 date system counts days from 30 December 1899 (its phantom 29 Feb 1900 included);
# its 1904 system (Excel for Mac before 2011) from 1 January 1904: 1,462 days later.
EXCEL_EPOCHS = {"1900": date(1899, 12, 30), "1904": date(1904, 1, 1)}
EXCEL_EPOCH = EXCEL_EPOCHS["1900"]
# Five digits only: 10000 is May 1927; "1980" alone is a year someone typed, not a serial.
EXCEL_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
# Two-digit years: 00–29 are this century, 30–99 the last (a date of birth is in the past).
TWO_DIGIT_PIVOT = 30

# What a date's form says about the file (`date_form`).
AMBIGUOUS = "ambiguous"  # 02/03/1980: day and month could be swapped
SAYS_DAY_FIRST = "day_first"  # 25/03/1980: only day first makes sense
SAYS_MONTH_FIRST = "month_first"  # 03/25/1980
SERIAL = "serial"  # 29282: a spreadsheet's day count, in the 1900 or 1904 system


def _clean_date_text(text: str) -> str:
    text = " ".join(text.split())
    if "T" in text and len(text) > 10 and text[4] == "-":  # an ISO date-time from a spreadsheet cell
        text = text.split("T", 1)[0]
    return TRAILING_MIDNIGHT.sub("", text)


def date_form(text: str) -> str:
    """What a date written this way says about the file's date order or system ("" for nothing)."""
    text = _clean_date_text(text)
    if EXCEL_SERIAL.match(text):
        return SERIAL
    match = NUMERIC_DATE.match(text)
    if match is None:
        return ""
    first, second = int(match.group(1)), int(match.group(3))
    if first == second or not (1 <= first <= 31 and 1 <= second <= 31):
        return ""  # 05/05/1980 reads the same either way
    if first <= 12 and second <= 12:
        return AMBIGUOUS
    if second <= 12:
        return SAYS_DAY_FIRST
    return SAYS_MONTH_FIRST if first <= 12 else ""


def parse_date(text: str, *, order: str = DAY_FIRST, system: str = "1900") -> date | None:
    """A date in one of the formats people type or spreadsheets write, or None when it is none
    of them: ISO; numbers with / - or . in the file's `order` (day first, the UK order, unless
    the file says otherwise); month names ("2 March 1980", "02-Mar-1980", "March 2, 1980");
    two-digit years (00–29 → 2000s, 30–99 → 1900s); a date-time at midnight; an Excel serial
    number in the file's date `system` (1900: 29282 = 1980-03-02; 1904: 29282 = 1984-03-03)."""
    text = _clean_date_text(text)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the usual case, without strptime
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if EXCEL_SERIAL.match(text):
        days = int(float(text))
        return EXCEL_EPOCHS[system] + timedelta(days=days) if 1 <= days <= 80_000 else None
    match = NUMERIC_DATE.match(text)
    if match is not None:
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        day, month = (second, first) if order == MONTH_FIRST else (first, second)
        if len(match.group(4)) == 2:
            year += 2000 if year < TWO_DIGIT_PIVOT else 1900
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt.endswith("%y"):
            # strptime's own pivot (69) would make 1950 into 2050: use ours.
            century = 2000 if parsed.year % 100 < TWO_DIGIT_PIVOT else 1900
            parsed = parsed.replace(year=century + parsed.year % 100)
        return parsed
    return None


@dataclass
class DateStats:
    """What a file's dates of birth say about how it writes dates: counted by the validator,
    read by the check to settle (or ask) the day/month order and the serial-number system."""

    ambiguous: int = 0
    day_first: int = 0
    month_first: int = 0
    serials: int = 0
    # The first row of each kind, with its value: (row, value).
    examples: dict[str, tuple[int, str]] = field(default_factory=dict)

    def add(self, form: str, row: int, value: str) -> None:
        if form == AMBIGUOUS:
            self.ambiguous += 1
        elif form == SAYS_DAY_FIRST:
            self.day_first += 1
        elif form == SAYS_MONTH_FIRST:
            self.month_first += 1
        elif form == SERIAL:
            self.serials += 1
        else:
            return
        self.examples.setdefault(form, (row, value[:40]))

    def settled_order(self) -> str:
        """The order the file's own unambiguous dates show ("" when they show none, or both)."""
        if self.day_first and not self.month_first:
            return DAY_FIRST
        if self.month_first and not self.day_first:
            return MONTH_FIRST
        return ""


PHONE_RE = re.compile(r"^[0-9+() .\-]{3,40}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_email_validator = EmailValidator()


class RowValidator:
    """Validates rows against a column mapping; built once per file, so no per-row lookups."""

    def __init__(self, mapping: list[str], headers: list[str], categories: Iterable[DataCategoryLike],
                 *, today: date, width: int, delimiter: str = ",", file_roles: int = 0,
                 file_categories: int = 0, date_order: str = DAY_FIRST, date_system: str = "1900") -> None:
        self.mapping = mapping
        # Until the file's order is known, 02/03/1980 is read day first for the counts only:
        # the check asks, and the import waits for the answer (process.py).
        self.date_order = date_order or DAY_FIRST
        self.date_system = date_system or "1900"
        self.dates = DateStats()
        self.file_roles = file_roles
        self.file_categories = file_categories
        self.headers = headers
        self.today = today
        self.width = width
        self.delimiter = delimiter
        self.columns = {target: i for i, target in enumerate(mapping) if target}
        by_code = {c.code: c for c in categories}
        self.category_columns = [(i, 1 << by_code[t[len(CATEGORY_PREFIX):]].bit)
                                 for i, t in enumerate(mapping) if t.startswith(CATEGORY_PREFIX)
                                 and t[len(CATEGORY_PREFIX):] in by_code]
        self.category_words: dict[str, int] = {}
        for c in by_code.values():
            self.category_words[squash(c.code)] = 1 << c.bit
            self.category_words[squash(c.name)] = 1 << c.bit
        self.role_words: dict[str, int] = {}
        for r in ROLES.values():
            self.role_words[squash(r.code)] = 1 << r.bit
            self.role_words[squash(r.label)] = 1 << r.bit
        self._cache: dict[tuple[int, str], int | None] = {}
        self.channel_words = {squash(code): code for code, _ in Channel.CHOICES}
        self.channel_words.update({squash(label): code for code, label in Channel.CHOICES})

    def label(self, key: str) -> str:
        index = self.columns.get(key)
        return self.headers[index] if index is not None and index < len(self.headers) else FIELDS_BY_KEY[key].label

    def validate(self, number: int, cells: list[str]) -> tuple[CleanRow | None, list[Problem]]:
        problems: list[Problem] = []
        if len(cells) != self.width:
            extra_blank = len(cells) > self.width and not any(c.strip() for c in cells[self.width:])
            if not extra_blank:
                message = f"This row has {len(cells)} cell{'s' if len(cells) != 1 else ''} but the header row has {self.width}."
                other = ";" if self.delimiter == "," else ","
                joined = self.delimiter.join(cells)
                if len(joined.split(other)) == self.width:
                    message += f" It seems to use “{other}” between cells where the file uses “{self.delimiter}”."
                return None, [Problem(number, "(whole row)", joined[:200], message)]
        get = self._getter(cells)
        left_out: list[Problem] = []

        def text(key: str) -> str:
            value = get(key)
            if not value:
                return ""
            if CONTROL_RE.search(value):
                problems.append(Problem(number, self.label(key), value[:200], "Contains control characters."))
                return ""
            value = " ".join(value.split()) if key not in ("address_line_1", "address_line_2") else value.strip()
            limit = FIELDS_BY_KEY[key].max_length
            if limit and len(value) > limit:
                problems.append(Problem(number, self.label(key), value[:200],
                                        f"Too long: {len(value)} characters, at most {limit}."))
                return ""
            return value

        def flag(key: str, *, unsure: bool = False) -> bool:
            value = get(key).strip().casefold()
            if value in TRUE_WORDS:
                return True
            if value not in FALSE_WORDS:
                said = "taken as yes, the safer answer" if unsure else "taken as no"
                problems.append(Problem(number, self.label(key), get(key)[:200], f"Write yes or no: {said}."))
                return unsure
            return False

        full_name = text("full_name") or self._split_name(text)
        if not full_name:
            # Nothing identifies anyone: the row is left out (every problem said with it).
            name_problems = [p for p in problems if p.column == self.label("full_name")]
            problems[:] = [p for p in problems if p not in name_problems]
            left_out.extend(name_problems or [Problem(number, self.label("full_name"), "", "A name is required.")])

        dob_text = get("date_of_birth").strip()
        dob = None
        if dob_text:
            self.dates.add(date_form(dob_text), number, dob_text)
            dob = parse_date(dob_text, order=self.date_order, system=self.date_system)
            if dob is None:
                written = "MM/DD/YYYY" if self.date_order == MONTH_FIRST else "DD/MM/YYYY"
                problems.append(Problem(number, self.label("date_of_birth"), dob_text[:200],
                                        f"Not a date we can read (write it as YYYY-MM-DD or {written}): "
                                        "left empty."))
            elif dob > self.today:
                problems.append(Problem(number, self.label("date_of_birth"), dob_text[:200],
                                        "The date of birth cannot be in the future."))
                dob = None
            elif dob.year < 1900:
                problems.append(Problem(number, self.label("date_of_birth"), dob_text[:200],
                                        "The date of birth is before 1900."))
                dob = None

        roles = self.file_roles
        role_text = get("roles")
        for word in LIST_SPLIT.split(role_text.replace(",", ";")):
            if not word.strip():
                continue
            bit = self._lookup(self.role_words, word)
            if bit is None:
                problems.append(Problem(number, self.label("roles"), word.strip()[:200],
                                        "Not a role we know. Use one of: "
                                        + ", ".join(r.label for r in ROLES.values()) + "."))
            else:
                roles |= bit
        if not roles and not role_text.strip():
            problems.append(Problem(number, self.label("roles"), "", "No role given: counted as “Not yet known”."))

        categories = self.file_categories
        for word in LIST_SPLIT.split(get("categories")):
            if not word.strip():
                continue
            bit = self._lookup(self.category_words, word)
            if bit is None:
                problems.append(Problem(number, self.label("categories"), word.strip()[:200],
                                        "Not a data category we know (use the ICO's wording or our code)."))
            else:
                categories |= bit
        for index, bit in self.category_columns:
            value = cells[index].strip().casefold() if index < len(cells) else ""
            if value in TRUE_WORDS:
                categories |= bit
            elif value not in FALSE_WORDS:
                problems.append(Problem(number, self.headers[index], cells[index][:200], "Write yes or no."))

        postcode = text("postcode")
        if postcode:
            postcode = normalise_postcode(postcode)
            if not UK_POSTCODE_RE.match(postcode):
                problems.append(Problem(number, self.label("postcode"), get("postcode")[:200],
                                        "Not a UK postcode (the format is like SW1A 1AA)."))
                postcode = ""
        email = text("email")
        if email:
            try:
                _email_validator(email)
            except ValidationError:
                problems.append(Problem(number, self.label("email"), email[:200], "Not an email address."))
                email = ""
        phone = text("phone")
        if phone and not PHONE_RE.match(phone):
            problems.append(Problem(number, self.label("phone"), phone[:200],
                                    "Not a phone number (digits, spaces, + ( ) - only)."))
            phone = ""
        channel_text = get("preferred_channel").strip()
        channel = Channel.LETTER
        if channel_text:
            found = self.channel_words.get(squash(channel_text))
            if found is None:
                problems.append(Problem(number, self.label("preferred_channel"), channel_text[:200],
                                        "Not a channel: use letter, email, phone or in person."))
            else:
                channel = found
        # An unreadable "do not write" is a yes: a letter must never reach an unsafe address.
        do_not_write = flag("do_not_write", unsure=True)
        if do_not_write and channel == Channel.LETTER:
            problems.append(Problem(number, self.label("preferred_channel"), channel_text[:200],
                                    "This person must not be written to at their address: give another channel."))
        if channel == Channel.EMAIL and not email and not get("email").strip():
            problems.append(Problem(number, self.label("email"), "", "Email is the preferred channel, so give an email address."))
        if channel == Channel.PHONE and not phone and not get("phone").strip():
            problems.append(Problem(number, self.label("phone"), "", "Phone is the preferred channel, so give a phone number."))
        language_text = get("language").strip()
        language = LANGUAGE_WORDS.get(language_text.casefold())
        if language is None:
            problems.append(Problem(number, self.label("language"), language_text[:200], "Write English or Welsh."))
            language = "en"
        row = CleanRow(
            row=number,
            reference=text("reference"),
            full_name=full_name,
            date_of_birth=dob,
            roles=roles,
            categories_mask=categories,
            is_child=flag("is_child"),
            is_vulnerable=flag("is_vulnerable"),
            address_line_1=text("address_line_1"),
            address_line_2=text("address_line_2"),
            town=text("town"),
            postcode=postcode,
            email=email,
            phone=phone,
            preferred_channel=channel,
            do_not_write=do_not_write,
            large_print=flag("large_print"),
            language=language,
        )
        if left_out:
            return None, left_out + problems
        for problem in problems:
            problem.keeps_row = True
        row.to_check = "\n".join(p.for_the_person() for p in problems)
        return row, problems

    def _split_name(self, text: Any) -> str:
        """Title, first name, middle names and surname joined, when the file splits the name."""
        name = " ".join(part for part in (text(k) for k in NAME_PARTS if k in self.columns) if part)
        return name[:FIELDS_BY_KEY["full_name"].max_length]

    def _lookup(self, words: dict[str, int], word: str) -> int | None:
        """A vocabulary word's bit; the same few words repeat on every row, so remember them."""
        key = (id(words), word)
        if key in self._cache:
            return self._cache[key]
        bit = words.get(squash(word))
        if len(self._cache) < 1000:  # a hostile file of distinct words must not grow this
            self._cache[key] = bit
        return bit

    def _getter(self, cells: list[str]):  # type: ignore[no-untyped-def]
        columns = self.columns
        size = len(cells)

        def get(key: str) -> str:
            index = columns.get(key)
            return cells[index] if index is not None and index < size else ""

        return get


# ---------------------------------------------------------------------------------------
# De-duplication

MERGED_SCALARS = ("reference", "date_of_birth", "address_line_1", "address_line_2", "town", "postcode",
                  "email", "phone")


@dataclass(slots=True)
class Group:
    """One person: the first row of theirs in the file, with later rows merged into it."""

    record: CleanRow
    keys: list[str]
    merged: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (row, reason, conflicts)


def merge_into(target: Any, row: Any) -> list[str]:
    """OR the masks and flags of `row` into `target`, fill its blanks; return the conflicts kept.

    Works on a CleanRow or a DataSubject alike. Safety wins: a do-not-write flag from any row
    sticks, together with that row's channel.
    """
    conflicts = []
    target.roles |= row.roles
    target.categories_mask |= row.categories_mask
    target.is_child = target.is_child or row.is_child
    target.is_vulnerable = target.is_vulnerable or row.is_vulnerable
    target.large_print = target.large_print or row.large_print
    if row.language != "en":
        target.language = row.language
    if row.do_not_write and not target.do_not_write:
        target.do_not_write = True
        target.preferred_channel = row.preferred_channel
    for name in MERGED_SCALARS:
        mine, theirs = getattr(target, name), getattr(row, name)
        if not theirs:
            continue
        if not mine:
            setattr(target, name, theirs)
        elif mine != theirs and not (isinstance(mine, str) and mine.casefold() == theirs.casefold()):
            conflicts.append(f"{name.replace('_', ' ')}: kept “{mine}”, ignored “{theirs}”")
    if row.to_check:
        target.to_check = "\n".join(note for note in (target.to_check, row.to_check) if note)
    return conflicts


class Deduplicator:
    """Groups rows that are the same person, in one streaming pass.

    A row matching two groups (same name+birth date as one, same name+email as another)
    joins them: everyone sharing a key with anyone in a group is that person.
    """

    def __init__(self) -> None:
        self.groups: dict[int, Group] = {}
        self.by_key: dict[str, int] = {}
        self.merged_rows = 0

    def add(self, row: CleanRow) -> None:
        keys = match_keys(row.full_name, row.date_of_birth, row.postcode, row.email)
        hits: list[tuple[int, str]] = []
        for key in keys:
            gid = self.by_key.get(key)
            if gid is not None and all(gid != h for h, _ in hits):
                hits.append((gid, key))
        if not hits:
            gid = row.row
            self.groups[gid] = Group(row, keys)
            for key in keys:
                self.by_key[key] = gid
            return
        gid, key = hits[0]
        group = self.groups[gid]
        conflicts = merge_into(group.record, row)
        group.merged.append((row.row, f"{KEY_REASONS[key[0]]} as row {group.record.row}", conflicts))
        self.merged_rows += 1
        self._add_keys(gid, group, keys)
        for other_id, other_key in hits[1:]:
            other = self.groups.pop(other_id)
            conflicts = merge_into(group.record, other.record)
            group.merged.append((other.record.row, f"{KEY_REASONS[other_key[0]]} as row {row.row}, "
                                 f"which matches row {group.record.row}", conflicts))
            group.merged.extend(other.merged)
            self.merged_rows += 1
            self._add_keys(gid, group, other.keys)

    def _add_keys(self, gid: int, group: Group, keys: list[str]) -> None:
        for key in keys:
            if self.by_key.get(key) != gid:
                self.by_key[key] = gid
                if key not in group.keys:
                    group.keys.append(key)


# ---------------------------------------------------------------------------------------
# Exporting: CSV cells a spreadsheet will not run

