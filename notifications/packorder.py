"""A print pack's order (postcode, then name, then id) sorted in bounded memory.

Postcodes and names are encrypted at rest, so the database cannot sort by them: they are
decrypted and sorted here. Up to `RUN` letters are sorted in memory. A larger pack is sorted
a run at a time, each sorted run written to a private temporary folder (it holds postcodes
and names, as the decrypted copies of the letters do while a part is built, and is deleted
when the sort ends) and the runs merged. What is kept is the ids, 8 bytes a letter.
"""

from __future__ import annotations

import heapq
import itertools
import os
import pickle
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

from breachtracker import files

RUN = 50_000  # keys sorted in memory at once (about 10 MB)
BLOCK = 1_000  # keys a run file is written and read in

Key = tuple[str, str, int]


def print_key(postcode: str, name: str, pk: int) -> Key:
    """Postcode without spaces, in capitals; then the name, ignoring case; then the id."""
    return (postcode.replace(" ", "").upper(), name.casefold(), pk)


def sorted_ids(rows: Iterable[tuple[str, str, int]], run: int = RUN) -> array[int]:
    """The ids of rows (postcode, name, id) in print order."""
    keys = (print_key(*row) for row in rows)
    chunk = list(itertools.islice(keys, run))
    if len(chunk) < run:
        chunk.sort()
        return array("q", (key[2] for key in chunk))
    with files.private_folder(prefix="breachtracker-pack-order-") as folder:
        runs: list[Path] = []
        while chunk:
            chunk.sort()
            runs.append(_write(folder / f"run-{len(runs)}", chunk))
            del chunk
            chunk = list(itertools.islice(keys, run))
        order = array("q")
        order.extend(key[2] for key in heapq.merge(*(_read(path) for path in runs)))
        return order


def _write(path: Path, keys: list[Key]) -> Path:
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        for start in range(0, len(keys), BLOCK):
            pickle.dump(keys[start:start + BLOCK], out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read(path: Path) -> Iterator[Key]:
    # Our own file, written a moment ago in a folder only this user can open.
    with open(path, "rb") as handle:
        while True:
            try:
                block = pickle.load(handle)  # noqa: S301
            except EOFError:
                return
            yield from block
