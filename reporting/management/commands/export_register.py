"""python manage.py export_register --format csv|xlsx --output FILE [--force]

The whole breach register (every incident, reportable or not) for an audit. No affected
person's personal data. Logged as an export made from the command line. Exit code 1 on error.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from incidents.export_files import OutputError, check_output, write_output
from reporting import register_export
from reporting import services as report_services
from reporting.models import ExportRecord


class Command(BaseCommand):
    help = "Write the breach register (CSV or XLSX) to a file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--format", choices=["csv", "xlsx"], required=True)
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument("--force", action="store_true", help="replace the file if it exists")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = check_output(options["output"], force=options["force"])
            incidents = list(register_export.register_queryset())
            rows = register_export.register_rows(incidents)
            if options["format"] == "csv":
                data, kind = register_export.build_csv(rows), ExportRecord.Kind.REGISTER_CSV
            else:
                data, kind = register_export.build_xlsx(rows), ExportRecord.Kind.REGISTER_XLSX
            write_output(path, data)
        except OutputError as error:
            raise CommandError(str(error)) from None
        report_services.export_record(kind=kind, actor=None, incident=None, incident_count=len(incidents),
                                      sha=report_services.sha256(data), via=ExportRecord.Via.COMMAND)
        self.stdout.write(f"Wrote {path}: {len(incidents)} incident{'s' if len(incidents) != 1 else ''}, "
                          f"{len(data):,} bytes, SHA-256 {report_services.sha256(data)}.")
