"""Benchmarks, run on a throwaway database (never the data of the installation).

    python manage.py benchmark import --rows 100000
    python manage.py benchmark all

Each benchmark is a function in BENCHMARKS taking the command and its options and returning
its summary line, printed last. To add one, write the function (in `reporting/benchmarks/`,
or the app it measures) and register it; `all` runs every registered benchmark. What they
share (the throwaway database, child processes, peak memory) is `reporting/benchmarks/common.py`.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from notifications.benchmarks import letters, pack_only, pack_summary
from reporting.benchmarks.common import THROWAWAY, durable_default_database
from reporting.benchmarks.imports import child_baseline, child_ours, child_setup, run_import
from reporting.benchmarks.journey import (
    child_journey_letters,
    child_journey_pack,
    child_journey_posted,
    child_journey_report,
    child_journey_setup,
    run_journey,
)
from reporting.benchmarks.pages import child_pages
from reporting.benchmarks.pages import run_pages as pages


def run_letters(command: BaseCommand, options: dict[str, Any]) -> str:
    """Letters through the real path vs bare WeasyPrint (notifications/benchmarks.py)."""
    with durable_default_database() as where:
        command.stdout.write(f"letters: database: {where}")
        if options["pack_only"]:
            found = pack_only(options["pack"] or 5000, options["workers"], baseline=options["pack_baseline"])
            return "pack: " + pack_summary(found).replace("pack_", "")
        results = letters(options["letters"], options["workers"], chunk_experiment=options["chunk_experiment"],
                          pack=options["pack"])
    peak = max(results.get("ours_peak_mb", 0), results.get("pack_peak_mb", 0))
    packs = f" {pack_summary(results)}" if options["pack"] else ""
    return (f"letters: ratio={results['ours'] / results['baseline']:.2f} ours={results['ours']:.1f} "
            f"baseline={results['baseline']:.1f} peak_mb={peak:.0f}{packs}")


def run_pages(command: BaseCommand, options: dict[str, Any]) -> str:
    """Incident page, subjects list and regulator report at 100 and 100,000 people."""
    return pages(command, options)


BENCHMARKS: dict[str, Callable[[BaseCommand, dict[str, Any]], str]] = {
    "import": run_import,
    "letters": run_letters,
    "pages": run_pages,
    "journey": run_journey,
}
CHILDREN: dict[str, Callable[[Path, dict[str, Any]], dict[str, Any]]] = {"baseline": child_baseline,
                                                                          "ours": child_ours,
                                                                          "setup": child_setup,
                                                                          "journey_setup": child_journey_setup,
                                                                          "journey_import": child_ours,  # the import as a user runs it
                                                                          "journey_letters": child_journey_letters,
                                                                          "journey_pack": child_journey_pack,
                                                                          "journey_posted": child_journey_posted,
                                                                          "journey_report": child_journey_report}


class Command(BaseCommand):
    help = "Run a benchmark on a throwaway database: " + ", ".join(BENCHMARKS) + ", or all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", choices=[*BENCHMARKS, "all"])
        parser.add_argument("--rows", type=int, default=100_000, help="rows in the synthetic file (import)")
        parser.add_argument("--no-scaling", dest="scaling", action="store_false",
                            help="only the given size, not also a tenth and a half of it")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="file to import (import)")
        parser.add_argument("--existing", type=int, default=0,
                            help="people already in the incident, to measure de-duplication against them (import)")
        parser.add_argument("--letters", type=int, default=1000, help="letters to generate (letters)")
        parser.add_argument("--workers", type=int, default=1, help="worker processes (letters, journey)")
        parser.add_argument("--people", type=int, default=100_000, help="people imported and written to (journey)")
        parser.add_argument("--chunk-experiment", action="store_true",
                            help="also time rendering N letters per WeasyPrint document (letters)")
        parser.add_argument("--pack", type=int, default=5000,
                            help="the print pack figures with N letters, 0 for none (letters)")
        parser.add_argument("--pack-only", action="store_true",
                            help="only the print pack figures, with --pack letters (letters)")
        parser.add_argument("--no-pack-baseline", dest="pack_baseline", action="store_false",
                            help="with --pack-only: without the pypdf baseline, for packs too large to wait for")
        parser.add_argument("--pages-small", type=int, default=100, help="people in the small incident (pages)")
        parser.add_argument("--pages-large", type=int, default=100_000, help="people in the large incident (pages)")
        parser.add_argument("--repeat", type=int, default=15, help="timed requests per page and size (pages)")
        parser.add_argument("--child", choices=[*CHILDREN, "pages"], help=argparse.SUPPRESS)
        parser.add_argument("--file", help=argparse.SUPPRESS)
        parser.add_argument("--incident", type=int, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("child"):
            if os.environ.get(THROWAWAY) != "1":
                raise CommandError("--child runs only inside the benchmark's own throwaway database")
            # Inside a measured child process: DATABASE_URL is the throwaway database.
            if options["child"] == "pages":
                self.stdout.write(json.dumps(child_pages(int(options["file"]), options["repeat"])))
                return
            self.stdout.write(json.dumps(CHILDREN[options["child"]](Path(options["file"]), options)))
            return
        if options["rows"] < 1:
            raise CommandError("--rows must be at least 1")
        if options["existing"] < 0:
            raise CommandError("--existing must be 0 or more")
        if options["people"] < 1 or options["workers"] < 1:
            raise CommandError("--people and --workers must be at least 1")
        names = list(BENCHMARKS) if options["name"] == "all" else [options["name"]]
        lines = [BENCHMARKS[name](self, options) for name in names]
        for line in lines:
            self.stdout.write(line)

