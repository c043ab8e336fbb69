"""HTML to PDF with WeasyPrint, fetching only our own static files.

Every PDF the app makes (letters, ICO reports, disclosure findings) goes through
`render_pdf`. Templates may contain text typed by users (a DPO's letter template, a person's
name), so the renderer must never reach the file system, the network or the host's loopback
services: one `StaticOnlyFetcher` serves files under `static/` and refuses everything else
(other schemes, hosts, paths outside the folder, `..` tricks, symlinks out, huge files).

WeasyPrint 70 wants `url_fetcher` to be a `URLFetcher` instance (a plain function that raises
crashes the render), and building one per render costs ~20% per letter, so one instance is
shared by every render in the process.

Letters are rendered many to a document (`render_pdf_parts`): the stylesheet is parsed once per
process (`stylesheet`) and one `FontConfiguration` (`font_config`) serves every render, so the
fonts are loaded once rather than per document.
"""

from __future__ import annotations

import gc
import io
import mimetypes
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pikepdf
from django.conf import settings
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from weasyprint import CSS, HTML
from weasyprint.document import Page
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A static asset larger than this (fonts included) is refused rather than read into memory.
MAX_ASSET_BYTES = 5 * 1024 * 1024


class RefusedURL(ValueError):
    """A document asked for something outside our static folder. WeasyPrint skips the asset."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `file://` URLs inside one folder; refuses every other URL."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=False)
        self.root = Path(os.path.realpath(root))

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        size = path.stat().st_size
        if size > MAX_ASSET_BYTES:
            raise RefusedURL(f"refused {url[:100]!r}: {size} bytes is too large")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def resolve(self, url: str) -> Path:
        """The file a URL names, if it is a regular file under the root; RefusedURL otherwise."""
        # Only the start of the URL goes into messages: a data: URL can be megabytes long.
        shown = url[:100]
        try:
            parts = urlsplit(url)
        except ValueError:
            raise RefusedURL(f"refused {shown!r}: malformed URL") from None
        if parts.scheme.lower() != "file":
            raise RefusedURL(f"refused {shown!r}: only our own static files are served")
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused {shown!r}: file URLs on another host")
        if parts.query:
            raise RefusedURL(f"refused {shown!r}: query strings are not served")
        raw = unquote(parts.path)
        if "\x00" in raw:
            raise RefusedURL(f"refused {shown!r}: NUL in path")
        # realpath resolves `..` and symlinks, so the containment check sees the real file.
        path = Path(os.path.realpath(raw))
        if path != self.root and self.root not in path.parents:
            raise RefusedURL(f"refused {shown!r}: outside the static folder")
        if not path.is_file():
            raise RefusedURL(f"refused {shown!r}: no such file")
        return path


def static_root() -> Path:
    return Path(settings.BASE_DIR) / "static"


def static_base_url() -> str:
    """The base URL for print templates: `{% static %}`-free relative links resolve here."""
    return static_root().as_uri() + "/"


_fetcher: StaticOnlyFetcher | None = None


def fetcher() -> StaticOnlyFetcher:
    """The one fetcher of this process (created on first use)."""
    global _fetcher
    if _fetcher is None or _fetcher.root != Path(os.path.realpath(static_root())):
        _fetcher = StaticOnlyFetcher(static_root())
    return _fetcher


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes. Links resolve against our static folder."""
    document = HTML(string=html, base_url=base_url or static_base_url(), url_fetcher=fetcher())
    return document.write_pdf()


_font_config: FontConfiguration | None = None
_stylesheets: dict[tuple[Path, int], CSS] = {}


def font_config() -> FontConfiguration:
    """The one font configuration of this process: fonts found and loaded once, not per render."""
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


def stylesheet(relative: str) -> CSS:
    """A stylesheet under `static/`, parsed once per process (again if the file changes)."""
    path = fetcher().resolve((static_root() / relative).as_uri())
    key = (path, path.stat().st_mtime_ns)
    if key not in _stylesheets:
        _stylesheets.clear()  # an edited file replaces its old parse; there are few sheets
        _stylesheets[key] = CSS(filename=str(path), url_fetcher=fetcher(), font_config=font_config())
    return _stylesheets[key]


def render_pages(html: str, *, stylesheets: tuple[str, ...] = (), base_url: str | None = None) -> list[Page]:
    """Lay a document out and return its pages (to draw over others: `render_pdf_parts`)."""
    with collector_paused():
        return HTML(string=html, base_url=base_url or static_base_url(), url_fetcher=fetcher()).render(
            stylesheets=[stylesheet(name) for name in stylesheets], font_config=font_config()).pages


def render_pdf_parts(html: str, *, anchors: list[str], stylesheets: tuple[str, ...] = (),
                     base_url: str | None = None,
                     overlay: Callable[[int], list[Page]] | None = None) -> list[bytes]:
    """Render one document holding several parts (letters), laid out once, then write one
    complete PDF per part holding only that part's pages.

    The document is written once (its fonts subset once for every part, which is most of a
    PDF's writing) and cut into parts by qpdf (pikepdf): about 40% less than writing each
    part's pages as a document of its own. Each part keeps the document's title and
    language; the named destinations that marked the parts are not carried into them. A
    part's font subsets hold the glyphs of every part of the document (shapes of letters,
    not text: a part's text is only its own pages').

    Each part must start on a new page with an element whose id is in `anchors`, in order:
    the part runs from the first page that element is on to the page before the next part's.
    `stylesheets` (paths under `static/`) are applied to the whole document, parsed once per
    process. Raises ValueError when a part's start is not found.

    `overlay(n)`, when given, returns n laid-out pages (WeasyPrint's, the document's page
    size) to draw over the n pages of every part that has n pages, page for page: what is
    the same on many parts' pages, such as "Page 1 of 2" and a reference in the margins, is
    laid out once instead of on every page. Those pages are written with the document, so
    they share its fonts, and go in no part of their own (`split_pdf`).
    """
    with collector_paused():
        document = HTML(string=html, base_url=base_url or static_base_url(), url_fetcher=fetcher()).render(
            stylesheets=[stylesheet(name) for name in stylesheets], font_config=font_config())
        starts: list[int] = []
        for index, page in enumerate(document.pages):
            if len(starts) < len(anchors) and anchors[len(starts)] in page.anchors:
                starts.append(index)
        if len(starts) != len(anchors):
            raise ValueError(f"found {len(starts)} of {len(anchors)} part anchors")
        ranges = list(zip(starts, [*starts[1:], len(document.pages)], strict=True))
        if overlay is None:
            return split_pdf(document.write_pdf(), ranges)
        pages, first_of = list(document.pages), {}
        for length in sorted({end - first for first, end in ranges}):
            drawn = overlay(length)
            if len(drawn) != length:
                raise ValueError(f"the overlay of a {length}-page part has {len(drawn)} pages")
            first_of[length] = len(pages)
            pages.extend(drawn)
        overlays = [list(range(first_of[end - first], first_of[end - first] + end - first)) for first, end in ranges]
        return split_pdf(document.copy(pages).write_pdf(), ranges, overlays)


def split_pdf(data: bytes, ranges: list[tuple[int, int]], overlays: list[list[int]] | None = None) -> list[bytes]:
    """One PDF per (first, end) page range of `data`, each complete and valid on its own,
    with the document's title, producer and language.

    `overlays`, when given, names for each range the page of `data` drawn over each of its
    pages (as a form XObject, after the page's own content): `overlays[i][j]` goes over page
    `ranges[i][0] + j`. The overlay pages themselves are usually in no range."""
    parts = []
    with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as source:
        if overlays is not None:
            _draw_overlays(source, ranges, overlays)
        lang = source.Root.get("/Lang")
        info = {key: str(value) for key, value in source.docinfo.items()}
        for first, end in ranges:
            with pikepdf.new() as part:
                part.pages.extend(source.pages[first:end])
                if lang is not None:
                    part.Root.Lang = pikepdf.String(str(lang))
                for key, value in info.items():
                    part.docinfo[key] = pikepdf.String(value)
                out = io.BytesIO()
                part.save(out, min_version=str(source.pdf_version), deterministic_id=True,
                          object_stream_mode=pikepdf.ObjectStreamMode.generate)
                parts.append(out.getvalue())
    return parts


OVERLAY = pikepdf.Name("/BtOverlay")


def _dictionary(value: Any) -> pikepdf.Dictionary:
    """A new dictionary holding `value`'s entries (none if it is missing)."""
    return pikepdf.Dictionary(dict(value.items()) if isinstance(value, pikepdf.Dictionary) else {})


def _draw_overlays(source: pikepdf.Pdf, ranges: list[tuple[int, int]], overlays: list[list[int]]) -> None:
    """Draw each overlay page over its pages, in place (see `split_pdf`).

    The overlay becomes a form XObject with the resources its page had. WeasyPrint gives all
    of a document's pages one resources dictionary; each page drawn over gets a dictionary of
    its own (the shared one's entries, and the form) so that a part carries only its own
    forms. WeasyPrint's page content leaves a transformation in place, so it is wrapped in
    q … Q before the form is drawn."""
    if len(overlays) != len(ranges):
        raise ValueError(f"{len(overlays)} overlays for {len(ranges)} parts")
    forms: dict[int, tuple[pikepdf.Object, list[Any]]] = {}
    # Every page's own resources name its form /BtOverlay, so all pages share these two.
    save, restore_and_draw = source.make_stream(b"q\n"), source.make_stream(b"Q\n/BtOverlay Do\n")
    for (first, end), over in zip(ranges, overlays, strict=True):
        if len(over) != end - first:
            raise ValueError(f"{len(over)} overlay pages for a part of {end - first}")
        for index, drawn in zip(range(first, end), over, strict=True):
            if drawn not in forms:
                overlay = source.pages[drawn]
                form = overlay.as_form_xobject()
                if overlay.obj.Resources.is_indirect:  # refer to it, as the page did, not a copy
                    form.Resources = overlay.obj.Resources
                forms[drawn] = (form, list(overlay.mediabox))
            form, size = forms[drawn]
            if list(source.pages[index].mediabox) != size:
                raise ValueError(f"overlay page {drawn + 1} is not the size of page {index + 1}")
            page = source.pages[index].obj
            resources = _dictionary(page.get("/Resources"))
            xobjects = _dictionary(resources.get("/XObject"))
            xobjects[OVERLAY] = form
            resources.XObject = xobjects
            page.Resources = resources
            contents = page.get("/Contents")
            own = list(contents) if isinstance(contents, pikepdf.Array) else [] if contents is None else [contents]
            page.Contents = pikepdf.Array([save, *own, restore_and_draw])


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a document is laid out and written.

    WeasyPrint allocates boxes and styles by the hundred thousand, and the collector, run every
    few hundred allocations, scans the growing heap again and again: 10-13% of a chunk's CPU
    time, measured. Paused, that garbage (one document's worth) waits for the next collection
    after the document is written, which costs a fraction of that."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


class StreamingPdfMerger:
    """Concatenate PDFs into one file page by page, holding only object offsets in memory.

    pypdf's PdfWriter keeps every page's objects (fonts, content streams) until it writes, so
    a 10,000-letter pack would sit in memory whole. Here each input is cloned into a small
    throwaway writer, its objects renumbered and written straight to the output, and only
    the byte offsets and the page object numbers are kept for the xref table and page tree.

        with open(path, "wb") as out:
            merger = StreamingPdfMerger(out)
            for letter in letters:
                merger.append(letter)   # returns the letter's page count
            merger.close()
    """

    CATALOG, PAGES = 1, 2

    def __init__(self, out: Any) -> None:
        self.out = out
        self.offsets: list[int] = [0, 0]  # objects 1 (catalog) and 2 (page tree) come last
        self.kids: list[int] = []
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def append(self, source: Any) -> int:
        reader = PdfReader(source)
        scratch = PdfWriter()
        for page in reader.pages:
            scratch.add_page(page)
        # The scratch writer's own catalog, info and page tree are replaced by ours. (pypdf
        # internals: the version is pinned in requirements.txt and tests cover the output.)
        own = {scratch._root_object.indirect_reference.idnum}  # type: ignore[union-attr]  # noqa: SLF001
        if scratch._info_obj is not None:  # noqa: SLF001
            own.add(scratch._info_obj.idnum)  # type: ignore[attr-defined]  # noqa: SLF001
        pages_id = scratch._pages.idnum  # noqa: SLF001
        mapping = {pages_id: self.PAGES}
        numbered: list[tuple[int, Any]] = []
        for idnum, obj in enumerate(scratch._objects, start=1):  # noqa: SLF001
            if obj is None or idnum in own or idnum == pages_id:
                continue
            mapping[idnum] = len(self.offsets) + 1 + len(numbered)
            numbered.append((idnum, obj))
        for idnum, obj in numbered:
            _renumber(obj, mapping)
            self.offsets.append(self.out.tell())
            self.out.write(f"{mapping[idnum]} 0 obj\n".encode())
            obj.write_to_stream(self.out)
            self.out.write(b"\nendobj\n")
        for page in scratch.pages:
            self.kids.append(mapping[page.indirect_reference.idnum])  # type: ignore[union-attr]
        return len(reader.pages)

    def close(self) -> None:
        self.offsets[self.CATALOG - 1] = self.out.tell()
        self.out.write(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
        self.offsets[self.PAGES - 1] = self.out.tell()
        self.out.write(b"2 0 obj\n<< /Type /Pages /Count %d /Kids [" % len(self.kids))
        for start in range(0, len(self.kids), 1000):
            self.out.write(" ".join(f"{k} 0 R" for k in self.kids[start:start + 1000]).encode() + b" ")
        self.out.write(b"] >>\nendobj\n")
        xref = self.out.tell()
        self.out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.offsets) + 1))
        for offset in self.offsets:
            self.out.write(b"%010d 00000 n \n" % offset)
        self.out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(self.offsets) + 1, xref))


def _renumber(obj: Any, mapping: dict[int, int]) -> Any:
    """Point every indirect reference inside `obj` at its new object number (in place)."""
    if isinstance(obj, IndirectObject):
        return IndirectObject(mapping[obj.idnum], 0, None)  # type: ignore[arg-type]
    if isinstance(obj, DictionaryObject):
        for key, value in list(dict.items(obj)):
            dict.__setitem__(obj, key, _renumber(value, mapping))
    elif isinstance(obj, ArrayObject):
        for index, value in enumerate(list.__iter__(obj)):
            list.__setitem__(obj, index, _renumber(value, mapping))
    return obj
