"""python manage.py export_ico_report BR-2026-0001 --format pdf|json --output FILE [--force]

The incident's report to the ICO, as it stands now, written to FILE. Logged in the
incident's history as an export made from the command line. Exit code 1 on any error.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from incidents.export_files import OutputError, check_output, write_output
from incidents.models import Incident
from reporting import services as report_services
from reporting.ico_report import build_report, report_json
from reporting.models import ExportRecord


class Command(BaseCommand):
    help = "Write an incident's report to the ICO (PDF or JSON) to a file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("reference", help="the incident reference, e.g. BR-2026-0001")
        parser.add_argument("--format", choices=["pdf", "json"], required=True)
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument("--force", action="store_true", help="replace the file if it exists")

    def handle(self, *args: Any, **options: Any) -> None:
        incident = Incident.objects.filter(reference=options["reference"].strip()).first()
        if incident is None:
            raise CommandError(f"No incident with the reference “{options['reference'][:40]}”.")
        try:
            path = check_output(options["output"], force=options["force"])
            report = build_report(incident)
            if options["format"] == "json":
                data, kind = report_json(report), ExportRecord.Kind.REPORT_JSON
            else:
                data, kind = report_services.render_report_pdf(report), ExportRecord.Kind.REPORT_PDF
            write_output(path, data)
        except OutputError as error:
            raise CommandError(str(error)) from None
        report_services.export_record(kind=kind, actor=None, incident=incident, sha=report_services.sha256(data),
                                      via=ExportRecord.Via.COMMAND)
        gaps = len(report["gaps"])
        self.stdout.write(f"Wrote {path} ({len(data):,} bytes, SHA-256 {report_services.sha256(data)}); "
                          f"{gaps} answer{'s' if gaps != 1 else ''} still missing.")
