"""Words the pages, reports and history build from numbers."""

from __future__ import annotations


def plural(n: int, one: str, many: str) -> str:
    """"1 letter", "1,204 letters"."""
    return f"{n:,} {one if n == 1 else many}"
