"""Print packs hold bounded memory whatever their size (issue 18): the print order is sorted
a run at a time when the pack is large, and the join keeps no table that grows with the pack.

Memory is measured with tracemalloc (what Python allocates), not with a clock."""

from __future__ import annotations

import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pikepdf
from pypdf import PdfReader

from breachtracker import files
from notifications import packorder
from notifications.models import Notification
from notifications.packpdf import PackJoiner, PartWriter
from tests.base import BaseTestCase, make_incident
from tests.notifications.helpers import isolated_media, make_organisation
from tests.notifications.test_print_pack_scale import NAMES, _letters

ROWS = [("N1 2XY", "Zoë Vázquez", 7), ("n12xy", "zoe vazquez", 3), ("N1 2XY", "ZOË VÁZQUEZ", 5),
        ("S1 1AA", "Straße", 9), ("S11AA", "STRASSE", 2), ("AB1 0CD", "<b>=cmd|' /C calc'!A0</b>", 4),
        ("", "Nobody", 1), ("ab1 0cd", "Álvaro", 8), ("N1 2XY", "Amelia Quinn", 6), ("AB10CD", "álvaro", 10)]


def _expected(rows: list[tuple[str, str, int]]) -> list[int]:
    """The print order as the issue states it: postcode ignoring spaces and case, then name
    ignoring case, then the letter's id."""
    return [pk for _postcode, _name, pk in
            sorted(rows, key=lambda r: (r[0].replace(" ", "").upper(), r[1].casefold(), r[2]))]


def _many(n: int) -> Iterator[tuple[str, str, int]]:
    for i in range(n):
        yield f"N{(i * 7919) % 97} {(i * 31) % 9}XY", f"Person {(i * 104729) % n:06d} of Jubilee Way", i + 1


def _peak(work: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class PrintOrderTests(BaseTestCase):
    def test_a_pack_sorted_in_runs_is_in_the_same_order_as_one_sorted_at_once(self) -> None:
        for run in (1, 2, 3, 5, len(ROWS), len(ROWS) + 1, 1000):
            with self.subTest(run=run):
                self.assertEqual(list(packorder.sorted_ids(iter(ROWS), run=run)), _expected(ROWS))

    def test_no_letters_is_an_empty_order(self) -> None:
        self.assertEqual(list(packorder.sorted_ids(iter([]), run=2)), [])

    def test_the_runs_written_to_disk_are_deleted_when_the_sort_ends(self) -> None:
        before = set(Path(tempfile.gettempdir()).glob("breachtracker-pack-order-*"))
        packorder.sorted_ids(_many(50), run=7)
        self.assertEqual(set(Path(tempfile.gettempdir()).glob("breachtracker-pack-order-*")), before)

    def test_a_large_pack_holds_one_run_of_keys_not_every_letter_s(self) -> None:
        n = 30_000
        at_once, whole = _peak(lambda: packorder.sorted_ids(_many(n), run=n + 1))
        in_runs, bounded = _peak(lambda: packorder.sorted_ids(_many(n), run=5_000))
        self.assertEqual(list(in_runs), list(at_once))
        self.assertEqual(list(at_once), _expected(list(_many(n))))
        # 30,000 keys at once against one run of 5,000 and, while merging, 1,000 of each of
        # the 6 runs (about a fifth); both keep the ids (8 bytes a letter).
        self.assertLess(bounded, whole * 0.4, f"in runs {bounded:,} bytes, at once {whole:,} bytes")


@isolated_media
class JoinMemoryTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.batch = _letters(make_incident(self.dpo), self.dpo, NAMES)

    def test_joining_more_parts_holds_no_more_memory(self) -> None:
        letters = [files.read(n.pdf.name) for n in Notification.objects.filter(batch=self.batch).order_by("pk")]
        with files.private_folder() as folder:
            part = folder / "part.pdf"
            writer = PartWriter(part)
            part_pages = sum(writer.append(data) for data in letters)
            writer.close()

            def join(parts: int) -> int:
                with open(folder / f"pack-{parts}.pdf", "wb") as out:
                    joiner = PackJoiner(out)
                    pages = sum(joiner.append(part) for _ in range(parts))
                    joiner.close()
                return pages

            (few_pages, few), (many_pages, many) = _peak(lambda: join(20)), _peak(lambda: join(200))
            self.assertEqual((few_pages, many_pages), (20 * part_pages, 200 * part_pages))
            # 180 more parts: before, 8 bytes for each of their objects and pages were kept.
            self.assertLess(many - few, 16 * 1024, f"20 parts: {few:,} bytes, 200 parts: {many:,} bytes")
            with pikepdf.open(folder / "pack-200.pdf") as pack:
                self.assertEqual(len(pack.pages), 200 * part_pages)
            reader = PdfReader(folder / "pack-200.pdf", strict=True)
            self.assertEqual(len(reader.pages), 200 * part_pages)
            first = "".join(page.extract_text() for page in reader.pages[:part_pages])
            last = "".join(page.extract_text() for page in reader.pages[-part_pages:])
            self.assertEqual(first, last)
            self.assertIn(NAMES[0], last)
