"""A shared corpus of hostile input: strings for every form field, files for every upload.

Every test that feeds these to the app calls `tried()` so the run can report how many were
tried (printed in pytest's terminal summary as `hostile inputs tried: N`).
"""
from __future__ import annotations

import csv
import io
import zipfile

SCRIPT = "<script>alert('xss')</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Markers that must never come back unescaped in any page.
RAW_MARKERS = ("<script>alert('xss')", "<img src=x onerror")

STRINGS: dict[str, str] = {
    "html script": SCRIPT,
    "attribute breakout": IMG,
    "formula =cmd": "=cmd|' /C calc'!A0",
    "formula +": "+SUM(1+1)",
    "formula -": "-2+3+cmd|' /C calc'!A0",
    "formula @": "@SUM(A1:A2)",
    "path traversal": "../../../../etc/passwd",
    "windows path": "..\\..\\windows\\win.ini",
    "control characters": "a\x01\x02\x07\x1b[31mred\x7f",
    "rtl override": "invoice\u202egpj.exe",
    "nul byte": "before\x00after",
    "template tags": "{{ settings.SECRET_KEY }}{% debug %}",
    "sql": "'; DROP TABLE incidents_incident; --",
    "long 20k": "x" * 20_000,
}
HUGE = "A" * (10 * 1024 * 1024)  # 10 MB, sent once per form

_count = 0


def tried(n: int = 1) -> None:
    global _count
    _count += n


def count() -> int:
    return _count


def csv_file(headers: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode()


def hostile_people_csv(nul: bool = False) -> bytes:
    """A spreadsheet of people whose every cell is hostile (with `nul`, the NUL one too: a
    file with NUL bytes is refused whole as binary, so without it the cells are read)."""
    headers = ["Reference", "Full name", "Date of birth", "Role", "Postcode", "Email", "Data categories"]
    rows = [[value, value, "1980-01-01", "Victim", "SW1A 1AA", "", ""] for label, value in STRINGS.items()
            if nul or "\x00" not in value]
    rows.append([SCRIPT, SCRIPT, SCRIPT, SCRIPT, SCRIPT, SCRIPT, SCRIPT])
    return csv_file(headers, rows)


def xlsx_zip_bomb(size_mb: int = 50) -> bytes:
    """An .xlsx-looking package whose sheet inflates about 1,000 times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b"<c>0</c>" * (128 * 1024)
            for _ in range(size_mb):
                part.write(chunk)
    return out.getvalue()


def files() -> dict[str, tuple[str, bytes]]:
    """Upload name → (file name as the browser sends it, content)."""
    return {
        "hostile cells csv": ("people.csv", hostile_people_csv()),
        "hostile cells csv with a nul": ("people.csv", hostile_people_csv(nul=True)),
        "xlsx zip bomb": ("people.xlsx", xlsx_zip_bomb()),
        "path traversal name": ("../../../../etc/passwd.csv", hostile_people_csv()),
        "script in the name": (f"{SCRIPT}.csv", hostile_people_csv()),
        "rtl override name": ("people\u202evsc.exe", hostile_people_csv()),
        "control chars in the name": ("peo\x01\x1bple.csv", hostile_people_csv()),
        "executable as csv": ("people.csv", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000),
        "nul bytes": ("people.csv", b"Full name,Role\r\nAl\x00ex,Victim\r\n"),
        "empty": ("people.csv", b""),
        "10 MB one cell": ("people.csv", b"Full name,Role\r\n" + b"A" * (10 * 1024 * 1024) + b",Victim\r\n"),
        "not really xlsx": ("people.xlsx", b"<html><script>alert(1)</script></html>"),
    }
