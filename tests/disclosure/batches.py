"""Builders for the batch check's inputs: zips of files, with the tricks hostile zips play."""

from __future__ import annotations

import io
import stat
import zipfile

from tests.disclosure import files

CLEAN_CSV = b"Month,Burglaries\nJanuary,12\nFebruary,9\n"
PEOPLE_CSV = b"Name,Email\nJohn Smith,john.smith@police.example.org\nAisha Khan,aisha.khan@police.example.org\n"


def make_zip(members: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip of these members, in this order (a ZipInfo keeps its flags and attributes)."""
    out = io.BytesIO()
    items = list(members.items()) if isinstance(members, dict) else members
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in items:
            z.writestr(name, body)
    return out.getvalue()


def foi_response() -> bytes:
    """A typical response: a clean workbook, a leaky one, a covering letter as PDF."""
    return make_zip({
        "response/counts.xlsx": files.clean_xlsx(),
        "response/staff.xlsx": files.hidden_sheet_xlsx(),
        "response/letter.pdf": b"%PDF-1.4\n%%EOF\n",
    })


def symlink_member(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the mode is in the high bits
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def encrypted_zip(name: str, others: dict[str, bytes]) -> bytes:
    """A zip whose member `name` (the first) is flagged as encrypted, as a password-protected
    zip's members are (zipfile cannot write one; the flag is what a checker reads first)."""
    data = bytearray(make_zip({name: b"\x00" * 24, **others}))
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    return bytes(data)


def stored_member_damaged(name: str, body: bytes) -> bytes:
    """A zip whose one stored member has a byte changed after its CRC was written."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name, body)
    data = bytearray(out.getvalue())
    at = data.index(body[:8])
    data[at] ^= 0xFF
    return bytes(data)


def crashing_xlsx() -> bytes:
    """A workbook whose row number is not a number (`<row r="one">`): the sheet scan's int()
    raises ValueError, a real input that crashes the checker, used to show the batch lists it
    as an internal error and goes on. If the scan learns to refuse it, find another crashing
    input or drop the test with the gap."""
    return files.patch(files.clean_xlsx(), edit={"xl/worksheets/sheet1.xml": ('<row r="1"', '<row r="one"')})


def damaged_deflate_xlsx() -> bytes:
    """A workbook whose workbook part has a damaged deflate stream (zlib.error when read)."""
    data = bytearray(files.clean_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for at in range(start, start + min(info.compress_size, 40)):
        data[at] ^= 0xFF
    return bytes(data)
