"""Time and peak memory of the disclosure check on a large synthetic workbook.

    .venv/bin/python scripts/bench_disclosure.py [ROWS]

Builds a workbook with a visible summary, a hidden sheet of ROWS people and a pivot cache of
the same ROWS records, then checks it. A benchmark, not a test: it takes a while.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from incidents.disclosure import check_file  # noqa: E402
from incidents.disclosure.rows import exposed_people  # noqa: E402
from tests.disclosure import files  # noqa: E402


def main(rows: int) -> None:
    table = [("Crime ref", "Victim name", "DOB", "Postcode", "Offence")]
    first = ["Mary", "David", "Sarah", "John", "Aisha", "Peter"]
    last = ["Brown", "Wilson", "Taylor", "Smith", "Khan", "Jones"]
    for n in range(rows):
        table.append((f"CR/{100000 + n}/21", f"{first[n % 6]} {last[n // 6 % 6]}", f"19{50 + n % 50}-0{1 + n % 9}-1{n % 10}",
                      f"LS{n % 30} {n % 10}{'ABDEFGHJ'[n % 8]}{'LNPQRSTU'[n // 8 % 8]}",
                      ("Assault by partner at home address", "Harassment by neighbour", "Theft of bicycle from yard")[n % 3]))
    started = time.monotonic()
    data = files.pivot_xlsx(table=table)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Summary")
    ws.append(["Offence", "Count"])
    hidden = wb.create_sheet("Raw")
    for row in table:
        hidden.append(list(row))
    hidden.sheet_state = "hidden"
    with tempfile.TemporaryDirectory() as folder:
        pivot = Path(folder) / "pivot.xlsx"
        pivot.write_bytes(data)
        sheet = Path(folder) / "sheet.xlsx"
        wb.save(sheet)
        print(f"built in {time.monotonic() - started:.1f}s: pivot file {pivot.stat().st_size / 1e6:.1f} MB, "
              f"hidden-sheet file {sheet.stat().st_size / 1e6:.1f} MB")
        for path in (pivot, sheet):
            started = time.monotonic()
            report = check_file(path)
            people = exposed_people(report)
            elapsed = time.monotonic() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{path.name}: {rows:,} rows checked in {elapsed:.1f}s, {len(report.findings)} findings, "
                  f"{len(people):,} people, verdict {report.verdict}; peak RSS so far {peak:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
