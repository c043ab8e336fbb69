"""`python -m incidents.imports.sheet_child`: one worksheet's rows read in a process of its
own, so that reading the XML (most of an XLSX import's check) runs on one core while the
import validates and groups the rows on another (`xlsx.Book.rows(parallel=True)`).

The parent writes one JSON line (the file, the sheet's part, the limits); this process opens
the workbook with the same reader and the same limits, and writes length-prefixed pickles:
("rows", [(number, cells), ...]) batches, then ("end", its peak memory in KiB) — or ("sheet_error", message),
("refused", code, message) or ("crash", name) (the traceback goes to standard error, for the
worker's log). Only the parent reads them, from a pipe it opened itself. No Django: the
reader is pure Python over the file.
"""

from __future__ import annotations

import json
import pickle
import sys
import traceback
from pathlib import Path
from typing import IO, Any

from ..disclosure.package import Limits
from ..disclosure.report import Refused
from .xlsx import Book, SheetError, _SheetReader, peak_kb

BATCH = 1000


def send(out: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(4, "big"))
    out.write(data)


def read_sheet(args: dict[str, Any], out: IO[bytes]) -> None:
    book = Book(Path(args["path"]), max_rows=args["max_rows"], seconds=args["seconds"], limits=Limits(**args["limits"]))
    try:
        chosen = next((s for s in book.sheets if s.name == args["sheet"] and s.part == args["part"]), None)
        if chosen is None:
            raise SheetError(f"The sheet “{args['sheet']}” is missing from the workbook.")
        batch: list[tuple[int, list[str]]] = []
        try:
            for row in _SheetReader(book, chosen).rows():
                batch.append(row)
                if len(batch) >= BATCH:
                    send(out, ("rows", batch))
                    batch = []
        finally:
            if batch:  # the rows before a stop (the row limit) are given, as in one process
                send(out, ("rows", batch))
        send(out, ("end", peak_kb()))
    finally:
        book.close()


def main() -> int:
    out = sys.stdout.buffer
    try:
        read_sheet(json.loads(sys.stdin.readline()), out)
    except SheetError as error:
        send(out, ("sheet_error", str(error)))
    except Refused as refused:
        send(out, ("refused", refused.code, refused.message))
    except BrokenPipeError:
        return 0  # the parent stopped reading (cancelled, or it had what it needed)
    except Exception as exc:
        traceback.print_exc()
        send(out, ("crash", type(exc).__name__))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
