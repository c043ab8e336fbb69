"""The PDF side of print packs: parts merged by qpdf (pikepdf), parts joined by streaming.

A part (up to `NOTIFICATIONS_PACK_PART_SIZE` letters) is built by `PartWriter`: each letter is
opened by qpdf from its decrypted bytes and its pages appended to the part, one letter at a
time (no Python parsing or cloning of the letter's objects, as pypdf did), in pieces of 250
letters joined at the end. Font programs that are byte-for-byte the same in several letters
of a piece are stored once.

Parts are joined by `PackJoiner`, which never parses a part into memory: qpdf writes each part
with plain objects and a classic cross-reference table, and the joiner copies every object's
bytes to the pack in order, adding an offset to its number and to the numbers it refers to.
Each object's cross-reference entry and each page's reference go to temporary files as they
are copied, so joining holds one part's offsets whatever the size of the pack.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
from pathlib import Path
from typing import IO, Any

import pikepdf

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


class PartWriter:
    """Letters appended one at a time into one PDF, written to `path` by `close()`.

    qpdf holds what it merges in memory (about 70 KB a letter, mostly small objects), so
    every `piece` letters are saved to a file of their own beside `path`, and `close()` joins
    the pieces with PackJoiner: memory stays flat whatever the part size."""

    def __init__(self, path: Path, piece: int = 250) -> None:
        self.path = path
        self.piece = piece
        self.pieces: list[Path] = []
        self._start()

    def _start(self) -> None:
        self.pdf = pikepdf.new()
        self.fonts: dict[bytes, pikepdf.Object] = {}
        self.letters = 0

    def append(self, data: bytes) -> int:
        """Append a letter's pages; returns its page count. Raises pikepdf.PdfError (a
        ValueError in message) on a file that is not a whole PDF."""
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as source:
            count = len(source.pages)
            if count == 0:
                raise ValueError("the letter has no pages")
            start = len(self.pdf.pages)
            self.pdf.pages.extend(source.pages)
        for index in range(start, start + count):
            self._share_fonts(self.pdf.pages[index].obj)
        self.letters += 1
        if self.letters >= self.piece:
            self._save_piece()
        return count

    def _save_piece(self) -> None:
        piece = self.path.with_name(f"{self.path.stem}-piece-{len(self.pieces)}.pdf")
        # Plain objects and a classic xref table, streams as they are: what PackJoiner reads.
        self.pdf.save(piece, min_version="1.7", object_stream_mode=pikepdf.ObjectStreamMode.disable,
                      stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False,
                      fix_metadata_version=False, deterministic_id=True)
        self.pdf.close()
        self.pieces.append(piece)
        self._start()

    def close(self) -> None:
        if self.letters or not self.pieces:
            self._save_piece()
        self.pdf.close()
        if len(self.pieces) == 1:
            self.pieces[0].replace(self.path)
            return
        with open(self.path, "wb") as out:
            joiner = PackJoiner(out)
            for piece in self.pieces:
                joiner.append(piece)
                piece.unlink()
            joiner.close()

    def _share_fonts(self, page: Any) -> None:
        """Point each font descriptor at an identical font program already in the part."""
        resources = page.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        if fonts is None:
            return
        for key in list(fonts.keys()):
            font = fonts[key]
            descendants = font.get("/DescendantFonts")
            for each in ([descendants[0]] if descendants is not None and len(descendants) else [font]):
                descriptor = each.get("/FontDescriptor")
                if descriptor is None:
                    continue
                for name in _FONT_FILES:
                    program = descriptor.get(name)
                    if program is None:
                        continue
                    digest = hashlib.sha256(program.read_raw_bytes()).digest()
                    digest += repr(sorted((str(k), str(v)) for k, v in program.stream_dict.items()
                                          if k != "/Length")).encode()
                    shared = self.fonts.setdefault(digest, program)
                    if shared.objgen != program.objgen:
                        descriptor[name] = shared


# A reference "12 0 R", or a string that must be copied untouched (it may hold such text).
_TOKENS = re.compile(rb"\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>|(?<![\d.+-])(\d+) (\d+) R(?![A-Za-z0-9])", re.S)
_OBJ = re.compile(rb"(\d+) (\d+) obj\s*")
# The keyword that ends an object's dictionary, outside any string.
_KEYWORDS = re.compile(rb"\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>|(?<![A-Za-z0-9#/])(endobj|stream)(?![A-Za-z0-9])", re.S)


def _keyword(body: bytes) -> tuple[int, bytes] | None:
    for match in _KEYWORDS.finditer(body):
        if match.group(1) is not None:
            return match.start(), match.group(1)
    return None


class DamagedPart(ValueError):
    """A part file is not what PartWriter writes."""


def _xref(handle: IO[bytes], size: int) -> list[int]:
    """Offsets of a part's objects 1..N, from its classic cross-reference table (one section,
    as qpdf writes it, or the ascending sections PackJoiner writes)."""
    handle.seek(max(0, size - 1024))
    tail = handle.read()
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", tail)
    if found is None:
        raise DamagedPart("a pack part has no cross-reference table")
    handle.seek(int(found.group(1)))
    if handle.readline().strip() != b"xref":
        raise DamagedPart("a pack part has no classic cross-reference table")
    offsets: list[int] = []
    while (header := handle.readline().split()) and header[0] != b"trailer":
        if len(header) != 2 or not all(h.isdigit() for h in header) or int(header[0]) != len(offsets):
            raise DamagedPart("a pack part's cross-reference table is not in order")
        for _ in range(int(header[1])):
            entry = handle.read(20)
            offsets.append(int(entry[:10]) if entry[17:18] == b"n" else -1)
    if not offsets:
        raise DamagedPart("a pack part's cross-reference table is empty")
    return offsets[1:]


class PackJoiner:
    """Parts copied object by object into one PDF, in order.

        joiner = PackJoiner(out)
        for part in parts:
            joiner.append(part_path)    # returns the part's page count
        joiner.close()

    Memory does not grow with the pack: each object's cross-reference entry and each page's
    reference are written to temporary files as the objects are copied (they hold numbers
    only, no personal data) and copied into the pack by `close()`; what is held is one part's
    table of offsets."""

    CATALOG, PAGES = 1, 2
    ENTRY = 20  # bytes of one cross-reference entry

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.objects = 2  # objects 1 (catalog) and 2 (page tree) are written by close()
        self.pages = 0
        self._entries: IO[bytes] = tempfile.TemporaryFile()  # objects 3.. in order
        self._kids: IO[bytes] = tempfile.TemporaryFile()  # "n 0 R " for every page, in order
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def append(self, path: Path) -> int:
        with pikepdf.open(path) as part:
            root = part.Root.objgen[0]
            pages_root = part.Root.Pages.objgen[0]
            info = part.trailer.get("/Info")
            skip = {root, *([info.objgen[0]] if info is not None and info.is_indirect else [])}
            page_numbers = [int(page.objgen[0]) for page in part.pages]
        base = self.objects  # the part's object n becomes base + n; its own page tree → 2

        def renumber(match: re.Match[bytes]) -> bytes:
            if match.group(1) is None:
                return match.group(0)
            number = int(match.group(1))
            if number == pages_root:
                return b"2 0 R"
            if number in skip:
                return b"null"
            return b"%d 0 R" % (base + number)

        size = path.stat().st_size
        with open(path, "rb") as handle:
            offsets = _xref(handle, size)
            entries = bytearray()
            for number, offset in enumerate(offsets, start=1):
                entries += b"%010d 00000 n \n" % self.out.tell()
                if offset < 0 or number in skip or number == pages_root:
                    self.out.write(b"%d 0 obj\nnull\nendobj\n" % (base + number))
                    continue
                self._copy(handle, offset, number, base + number, renumber)
        self._entries.write(entries)
        self._kids.write(b"".join(b"%d 0 R " % (base + n) for n in page_numbers))
        self.objects += len(offsets)
        self.pages += len(page_numbers)
        return len(page_numbers)

    def _copy(self, handle: IO[bytes], offset: int, number: int, new: int, renumber: Any) -> None:
        handle.seek(offset)
        head = handle.read(4096)
        found = _OBJ.match(head)
        if found is None or int(found.group(1)) != number:
            raise DamagedPart(f"a pack part's object {number} is not where its table says")
        body = head[found.end():]
        while (keyword := _keyword(body)) is None:
            more = handle.read(1 << 16)
            if not more:
                raise DamagedPart(f"a pack part's object {number} has no end")
            body += more
        at, word = keyword
        if word == b"endobj":
            self.out.write(b"%d 0 obj\n" % new + _TOKENS.sub(renumber, body[:at]).rstrip() + b"\nendobj\n")
            return
        stream_at = at
        # A stream: its dictionary, then exactly /Length bytes of data, copied untouched.
        dictionary = body[:stream_at]
        length = re.search(rb"/Length (\d+)(?! \d+ R)", dictionary)
        if length is None:
            raise DamagedPart(f"a pack part's stream {number} has no direct length")
        start = offset + found.end() + stream_at + len(b"stream")
        handle.seek(start)
        newline = handle.read(2)
        start += 2 if newline == b"\r\n" else 1
        handle.seek(start)
        self.out.write(b"%d 0 obj\n" % new + _TOKENS.sub(renumber, dictionary).rstrip() + b"\nstream\n")
        left = int(length.group(1))
        while left:
            block = handle.read(min(left, 1 << 20))
            if not block:
                raise DamagedPart(f"a pack part's stream {number} is cut short")
            self.out.write(block)
            left -= len(block)
        self.out.write(b"\nendstream\nendobj\n")

    def close(self) -> None:
        catalog = self.out.tell()
        self.out.write(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
        pages = self.out.tell()
        self.out.write(b"2 0 obj\n<< /Type /Pages /Count %d /Kids [ " % self.pages)
        self._copy_out(self._kids)
        self.out.write(b"] >>\nendobj\n")
        xref = self.out.tell()
        # Objects 1 and 2 were written last: their entries make the first section.
        self.out.write(b"xref\n0 3\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n" % (catalog, pages))
        if self.objects > 2:
            self.out.write(b"3 %d\n" % (self.objects - 2))
            self._copy_out(self._entries)
        self.out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (self.objects + 1, xref))
        self._entries.close()
        self._kids.close()

    def _copy_out(self, source: IO[bytes]) -> None:
        source.seek(0)
        for block in iter(lambda: source.read(1 << 16), b""):
            self.out.write(block)
