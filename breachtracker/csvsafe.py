"""CSV that a spreadsheet opens as plain text: no cell is ever run as a formula.

A cell starting with = + - @, a tab, a carriage return or a line feed is prefixed with an apostrophe, the
OWASP advice for CSV injection; so are the same characters after leading spaces.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.lstrip(" ").startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """Stream rows as a UTF-8 CSV download (with a BOM, so Excel reads the accents)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([neutralise(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    # The name is ours, never the user's: only letters, digits, dots and dashes.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
