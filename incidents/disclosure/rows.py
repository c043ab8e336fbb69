"""Turn the rows a file exposed into the import template's shape, one dict per person.

The keys are those of the affected-people import template: reference, full_name,
date_of_birth (ISO yyyy-mm-dd or ""), role (a code of incidents.vocab.ROLES or ""),
address_line_1, address_line_2, town, postcode, email, phone, categories (a list of codes of
incidents.vocab.DATA_CATEGORY_SEEDS: what of this person's data the file exposed).
"""

from __future__ import annotations

import re
from datetime import date

from .detect import KINDS, POSTCODE, UK_DATE, ColumnMatch, detect_table
from .report import Report, Table

TEMPLATE_KEYS = ("reference", "full_name", "date_of_birth", "role", "address_line_1", "address_line_2",
                 "town", "postcode", "email", "phone", "categories")
CONFIDENT = 0.45
_FIRST = re.compile(r"^(?:first ?names?|forenames?|given ?names?)$", re.I)
_LAST = re.compile(r"^(?:surnames?|last ?names?|family ?names?)$", re.I)
_ROLE_HEADER = re.compile(r"^(?:role|involvement|person type|nominal type|capacity|status)$", re.I)
_PERSON_REF = re.compile(r"^(?:person|subject|nominal|staff|employee|collar|warrant) ?(?:id|ref|reference|no|number)$", re.I)
_TOWN = re.compile(r"^(?:town|city|town or city|post ?town)$", re.I)
ROLE_WORDS = {
    "victim": "victim", "injured party": "victim", "ip": "victim", "aggrieved": "victim",
    "witness": "witness", "suspect": "suspect", "offender": "suspect", "accused": "suspect",
    "complainant": "complainant", "reporting person": "complainant", "informant": "complainant",
    "officer": "officer_staff", "staff": "officer_staff", "police staff": "officer_staff",
    "employee": "officer_staff", "customer": "customer", "patient": "patient", "student": "student",
}


def _iso_date(value: str) -> str:
    value = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    if m := UK_DATE.match(value):
        day, month, year = (int(g) for g in m.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return ""
    return ""


def _split_address(value: str) -> dict[str, str]:
    parts = [p.strip() for p in value.replace("\n", ",").split(",") if p.strip()]
    out = {"address_line_1": "", "address_line_2": "", "town": "", "postcode": ""}
    if parts and POSTCODE.match(parts[-1].upper()):
        out["postcode"] = parts.pop().upper()
    if len(parts) >= 2:
        out["town"] = parts.pop()
    if parts:
        out["address_line_1"] = parts[0]
        out["address_line_2"] = ", ".join(parts[1:])
    return out


def table_people(table: Table, matches: list[ColumnMatch] | None = None) -> list[dict[str, object]]:
    """The people in one table (a sheet, a pivot cache, a CSV), or [] when it has no names."""
    matches = [m for m in (matches if matches is not None else detect_table(table.headers, table.rows))
               if m.confidence >= CONFIDENT]
    headers = [h.strip() for h in table.headers]
    by_kind: dict[str, list[int]] = {}
    for m in matches:
        by_kind.setdefault(m.kind.code, []).append(m.index)
    first = next((i for i, h in enumerate(headers) if _FIRST.match(h)), None)
    last = next((i for i, h in enumerate(headers) if _LAST.match(h)), None)
    name_cols = [i for i in by_kind.get("name", []) if i not in (first, last)]
    if not name_cols and first is None and last is None:
        return []
    role_col = next((i for i, h in enumerate(headers) if _ROLE_HEADER.match(h)), None)
    ref_col = next((i for i, h in enumerate(headers) if _PERSON_REF.match(h)), None)
    if ref_col is None and by_kind.get("crime_ref"):
        ref_col = by_kind["crime_ref"][0]
    town_col = next((i for i, h in enumerate(headers) if _TOWN.match(h)), None)
    address_cols = [i for i in by_kind.get("address", []) if i != town_col]
    people = []
    for row in table.rows:
        def cell(i: int | None, row: list[str] = row) -> str:
            return row[i].strip() if i is not None and i < len(row) else ""

        full_name = cell(name_cols[0]) if name_cols else " ".join(p for p in (cell(first), cell(last)) if p)
        if not full_name:
            continue
        if "," in full_name and full_name.split(",")[0].isupper():
            surname, _, given = full_name.partition(",")
            full_name = f"{given.strip()} {surname.strip().title()}"
        person: dict[str, object] = {key: "" for key in TEMPLATE_KEYS}
        person["full_name"] = full_name
        person["reference"] = cell(ref_col)[:60]
        person["date_of_birth"] = _iso_date(cell(by_kind["dob"][0])) if by_kind.get("dob") else ""
        person["role"] = ROLE_WORDS.get(cell(role_col).lower(), "") if role_col is not None else ""
        if address_cols:
            if len(address_cols) == 1:
                person.update({k: v for k, v in _split_address(cell(address_cols[0])).items() if v})
            else:
                person["address_line_1"] = cell(address_cols[0])
                person["address_line_2"] = ", ".join(cell(i) for i in address_cols[1:] if cell(i))
        if town_col is not None:
            person["town"] = cell(town_col)
        for key, kind in (("postcode", "postcode"), ("email", "email"), ("phone", "phone")):
            if by_kind.get(kind):
                value = cell(by_kind[kind][0])
                person[key] = value.upper() if kind == "postcode" else value
        exposed = {KINDS["name"].category}
        for m in matches:
            if cell(m.index):
                exposed.add(m.kind.category)
        person["categories"] = sorted(exposed)
        people.append(person)
    return people


def exposed_people(report: Report) -> list[dict[str, object]]:
    """Every person the file exposes, from all its tables, exact duplicates removed.

    A hidden sheet and a pivot cache often hold the same records: a person found in both is
    listed once, with the categories of both. Near-duplicates are left to the import
    pipeline's own de-duplication.
    """
    seen: dict[tuple[object, ...], dict[str, object]] = {}
    for table in report.tables:
        for person in table_people(table):
            key = (str(person["full_name"]).lower(), person["date_of_birth"], person["postcode"], person["reference"])
            if key in seen:
                merged = set(seen[key]["categories"]) | set(person["categories"])  # type: ignore[call-overload]
                seen[key]["categories"] = sorted(merged)
            else:
                seen[key] = person
    return list(seen.values())
