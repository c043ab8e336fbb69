"""Check a file for hidden and personal data before release: `check_disclosure FILE [--json]`,
and make a release-safe copy of it: `check_disclosure FILE --clean OUT`. FILE may also be a
folder or a .zip (a whole FOI response): every file in it is checked, with one verdict each and
one overall.

Exit codes, each meaning one thing: 0 clean (pass; with --clean, the copy was written and
passes; for a folder or .zip, every file was checked and passed), 1 hidden or personal data
found (fail; with --clean, the copy still fails and was not written; for a folder or .zip, at
least one file failed, whatever the others), 2 the file was refused (corrupt, encrypted, too
large, a zip bomb, too slow, unsupported; for a folder or .zip, no file failed but at least one
could not be checked, or the zip as a whole was refused), 3 usage error, 4 internal error (the
traceback goes to stderr, the log; it is never a verdict).
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.disclosure import Limits, Refused, check_file
from incidents.disclosure.batch import NOT_CHECKED, BatchLimits, BatchReport, check_batch, display_name, is_batch
from incidents.disclosure.clean import CleanOptions, clean_file, parse_column

EXIT_CLEAN, EXIT_FOUND, EXIT_REFUSED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3, 4


class Command(BaseCommand):
    help = ("Check an Excel, Word or CSV file for hidden and personal data, and make a release-safe "
            "copy with --clean. FILE may be a folder or a .zip: each file in it is checked (at most 500; "
            "a zip inside it one level deep). Exit codes: 0 clean (a folder or .zip: every file checked and "
            "clean), 1 hidden or personal data found (in any file), 2 file refused (a folder or .zip: none "
            "failed but some could not be checked), 3 usage error, 4 internal error.")
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> NoReturn:
            # argparse would exit 2, which here means "file refused".
            if getattr(self, "_called_from_command_line", False):
                parser.print_usage(sys.stderr)
                sys.stderr.write(f"{parser.prog}: error: {message}\n")
                sys.exit(EXIT_USAGE)
            raise CommandError(f"Error: {message}", returncode=EXIT_USAGE)

        parser.error = error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file to check (.xlsx, .xlsm, .docx, .csv), or a folder or .zip of them.")
        parser.add_argument("--json", action="store_true", help="Print the findings as JSON.")
        parser.add_argument("--max-mb", type=int, default=200, help="Refuse files larger than this (default 200).")
        parser.add_argument("--pdf", metavar="OUT", help="Also write the findings as a PDF report to OUT.")
        parser.add_argument("--accept-metadata", action="store_true",
                            help="Accept author metadata that names a person (reported, but no longer a failure).")
        parser.add_argument("--clean", metavar="OUT", help="Write a release-safe copy to OUT (.xlsx, .docx or .csv): "
                            "only what a reader sees. It is checked again and written only if it passes.")
        parser.add_argument("--drop-sheet", action="append", default=[], metavar="NAME",
                            help="With --clean: leave this sheet out (repeat for more).")
        parser.add_argument("--drop-column", action="append", default=[], metavar="COLUMN",
                            help="With --clean: leave this column out, written like Sheet1!C (a workbook) or C "
                            "or 3 (a CSV); repeat for more.")
        parser.add_argument("--reject-changes", action="store_true",
                            help="With --clean: reject a Word document's tracked changes (default: accept them).")

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except (CommandError, SystemExit, KeyboardInterrupt):
            raise
        except Exception:
            # A crash is not a verdict: say so, exit 4, and leave the traceback in the log.
            sys.stderr.write(traceback.format_exc())
            raise CommandError("Internal error: the file could not be checked (this is not a verdict on the "
                               "file). The details are above.", returncode=EXIT_INTERNAL) from None

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        limits = Limits(max_file_bytes=options["max_mb"] * 1024 * 1024, max_seconds=600,
                        max_uncompressed_bytes=max(options["max_mb"] * 6, 300) * 1024 * 1024)
        if path.is_dir() or (path.is_file() and is_batch(path)):
            self._batch(path, options, limits)
            return
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=EXIT_USAGE)
        try:
            report = check_file(path, limits=limits, accept_metadata=options["accept_metadata"])
        except Refused as refusal:
            if options["json"]:
                self.stdout.write(json.dumps({"filename": path.name, "verdict": "refused",
                                              "refused": refusal.code, "message": refusal.message}, indent=2))
            raise CommandError(f"Refused: {refusal.message}", returncode=EXIT_REFUSED) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            self._print(report)
        if options.get("pdf"):
            self._write_pdf(report, Path(options["pdf"]))
        if options.get("clean"):
            self._clean(path, Path(options["clean"]), options, limits)
            return
        if not report.passed:
            raise CommandError("FAIL: the file carries hidden or personal data.", returncode=EXIT_FOUND)

    def _batch(self, path: Path, options: dict[str, Any], limits: Limits) -> None:
        if options.get("clean"):
            raise CommandError("--clean copies one file; it cannot be used with a folder or .zip.",
                               returncode=EXIT_USAGE)
        batch_limits = BatchLimits(file=limits, max_seconds=3600)
        try:
            batch = check_batch(path, limits=batch_limits, accept_metadata=options["accept_metadata"])
        except Refused as refusal:
            if options["json"]:
                self.stdout.write(json.dumps({"name": display_name(path.name), "overall": NOT_CHECKED,
                                              "refused": refusal.code, "message": refusal.message, "files": []},
                                             indent=2, ensure_ascii=False))
            raise CommandError(f"Refused: {refusal.message}", returncode=EXIT_REFUSED) from None
        if options["json"]:
            self.stdout.write(json.dumps(batch.to_dict(), indent=2, ensure_ascii=False))
        else:
            self._print_batch(batch)
        if options.get("pdf"):
            self._write_batch_pdf(batch, Path(options["pdf"]))
        if batch.overall == "fail":
            raise CommandError("FAIL: at least one file carries hidden or personal data.", returncode=EXIT_FOUND)
        if batch.overall == NOT_CHECKED:
            raise CommandError("NOT CHECKED: no file failed, but not every file could be checked (see the list).",
                               returncode=EXIT_REFUSED)

    def _print_batch(self, batch: BatchReport) -> None:
        width = min(max((len(f.name) for f in batch.files), default=4), 60)
        self.stdout.write(f"{'FILE':{width}}  {'VERDICT':11}  FINDINGS")
        for f in batch.files:
            name = f.name if len(f.name) <= width else "…" + f.name[-(width - 1):]
            found = f"{f.serious}" if f.report is not None else f.reason
            self.stdout.write(f"{name:{width}}  {f.verdict.upper():11}  {found}")
        self.stdout.write(f"Overall: {batch.overall.upper()} ({batch.summary()}).")

    def _write_batch_pdf(self, batch: BatchReport, out: Path) -> None:
        # Loaded only for --pdf, as in _write_pdf.
        from incidents.disclosure.batch_pdf import batch_pdf

        if not out.parent.is_dir():
            raise CommandError(f"Cannot write the PDF: no folder {out.parent}", returncode=EXIT_USAGE)
        try:
            out.write_bytes(batch_pdf(batch, incident=None, checked_by="the command line"))
        except OSError as error:
            raise CommandError(f"Cannot write the PDF to {out}: {error.strerror}", returncode=EXIT_USAGE) from None
        self.stderr.write(f"PDF report written to {out}")

    def _clean(self, path: Path, out: Path, options: dict[str, Any], limits: Limits) -> None:
        if not out.parent.is_dir():
            raise CommandError(f"Cannot write the copy: no folder {out.parent}", returncode=EXIT_USAGE)
        if out.resolve() == path.resolve():
            raise CommandError("The copy must not overwrite the original: give another name.", returncode=EXIT_USAGE)
        try:
            columns = frozenset(parse_column(text) for text in options["drop_column"])
        except ValueError as error:
            raise CommandError(str(error), returncode=EXIT_USAGE) from None
        choice = CleanOptions(drop_sheets=frozenset(options["drop_sheet"]), drop_columns=columns,
                              tracked="reject" if options["reject_changes"] else "accept")
        try:
            result = clean_file(path, out, options=choice, limits=limits)
        except Refused as refusal:
            raise CommandError(f"Refused: {refusal.message}", returncode=EXIT_REFUSED) from None
        except ValueError as error:  # a wrong name for the copy, or nothing left to copy
            raise CommandError(str(error), returncode=EXIT_USAGE) from None
        if result.written:
            self.stdout.write(f"Release-safe copy written to {out}: checked again, it PASSES.")
            return
        self.stdout.write("The copy was NOT written: checked again, it still fails.")
        self._print(result.report)
        raise CommandError("FAIL: the copy still carries personal data. Drop those columns or sheets "
                           "(--drop-column, --drop-sheet) and try again.", returncode=EXIT_FOUND)

    def _write_pdf(self, report: Any, out: Path) -> None:
        # Loaded only for --pdf: WeasyPrint takes a second to import, and a check without a
        # PDF should answer at once (not to dodge an import cycle: there is none).
        from incidents.disclosure.pdf import findings_pdf

        if not out.parent.is_dir():
            raise CommandError(f"Cannot write the PDF: no folder {out.parent}", returncode=EXIT_USAGE)
        try:
            out.write_bytes(findings_pdf(report, incident=None, checked_by="the command line"))
        except OSError as error:
            raise CommandError(f"Cannot write the PDF to {out}: {error.strerror}", returncode=EXIT_USAGE) from None
        self.stderr.write(f"PDF report written to {out}")

    def _print(self, report: Any) -> None:
        self.stdout.write(f"{report.filename}: {report.verdict.upper()} ({len(report.findings)} findings)")
        for sheet in report.sheets:
            self.stdout.write(f"  sheet “{sheet.name}”: {sheet.state_label}, {sheet.cells:,} cells, "
                              f"{sheet.hidden_rows:,} hidden rows, {sheet.hidden_columns:,} hidden columns")
        for f in report.sorted_findings():
            self.stdout.write(f"[{f.severity.label.upper():6}] {f.title}")
            self.stdout.write(f"         where: {f.location}")
            if f.detail:
                self.stdout.write(f"         {f.detail}")
            if f.evidence:
                self.stdout.write(f"         evidence: {'; '.join(f.evidence)}")
            if f.categories:
                self.stdout.write("         ICO: " + "; ".join(f"{c.name} ({c.confidence_label})" for c in f.categories))
