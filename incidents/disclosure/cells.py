"""Excel cell references: A1 ↔ (column, row), ranges, and runs of row or column numbers."""

from __future__ import annotations

import re

CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def parse_ref(ref: str) -> tuple[int, int] | None:
    m = CELL_REF.match(ref.strip().upper())
    return (col_index(m.group(1)), int(m.group(2))) if m else None


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """A1:D20 → (min col, min row, max col, max row); whole columns/rows are widened."""
    ref = ref.replace("$", "").strip().upper()
    first, _, last = ref.partition(":")
    last = last or first
    if re.fullmatch(r"[A-Z]{1,3}", first) and re.fullmatch(r"[A-Z]{1,3}", last):
        return col_index(first), 1, col_index(last), 1_048_576
    if first.isdigit() and last.isdigit():
        return 1, int(first), 16_384, int(last)
    a, b = parse_ref(first), parse_ref(last)
    if not a or not b:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def spans(numbers: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def describe(runs: list[tuple[int, int]], letters: bool = False) -> str:
    parts = []
    for a, b in runs[:12]:
        x, y = (col_letters(a), col_letters(b)) if letters else (str(a), str(b))
        parts.append(x if a == b else f"{x}:{y}" if letters else f"{x}–{y}")
    return ", ".join(parts) + (" …" if len(runs) > 12 else "")
