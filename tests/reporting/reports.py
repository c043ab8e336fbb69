"""Builders for the regulator report and register export tests: people with distinctive details."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from incidents.people import tally
from incidents.models import DataSubject, Incident
from incidents.vocab import roles_to_mask

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "reporting" / "ico_report.schema.json"

# Details no report or export may ever carry.
PII = {
    "names": ["Zebedee Quillfeather", "Ottoline Vexworthy"],
    "emails": ["zebedee.quillfeather@secret-mail.example", "ottoline.vx@hidden.example"],
    "postcodes": ["ZE2 9QQ", "KW17 2XZ"],
    "dobs": [date(1937, 2, 19), date(2011, 11, 3)],
    "streets": ["77 Marzipan Crescent", "3 Quorndon Wynd"],
}


def pii_strings() -> list[str]:
    found = [*PII["names"], *PII["emails"], *PII["postcodes"], *PII["streets"]]
    for dob in PII["dobs"]:
        found += [dob.isoformat(), dob.strftime("%d/%m/%Y"), dob.strftime("%d %b %Y"), dob.strftime("%-d %B %Y")]
    found += [n.split()[1] for n in PII["names"]]  # surnames alone
    return found


def add_distinctive_people(incident: Incident) -> list[DataSubject]:
    people = []
    for index, name in enumerate(PII["names"]):
        people.append(DataSubject.objects.create(
            incident=incident, full_name=name, email=PII["emails"][index], postcode=PII["postcodes"][index],
            date_of_birth=PII["dobs"][index], address_line_1=PII["streets"][index], town="Quibbleton",
            roles=roles_to_mask(["victim"] if index == 0 else ["officer_staff"]), is_child=index == 1,
            reference=f"SECRETREF{index}"))
    tally.recount(incident)  # written past the services: counted as the import counts its people
    return people


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def xlsx_all_text(data: bytes) -> str:
    """Every XML part of an XLSX package as text: sheets, shared strings, docProps, everything."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            parts.append(package.read(name).decode("utf-8", "replace"))
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    meta = reader.metadata or {}
    return text + "\n" + "\n".join(str(v) for v in meta.values())
