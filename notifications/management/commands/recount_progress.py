"""`manage.py recount_progress [--check]`: compare every incident's notification progress
counters with a full recount and put right any that differ (with --check, only report them,
naming the incident and the bucket, exit status 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from notifications import progress


class Command(BaseCommand):
    help = "Check (and repair) the notification progress counted for each incident against a full recount."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="report differences, change nothing (exit 1 if any)")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = progress.check(repair=not options["check"])
        for line in problems:
            self.stdout.write(line)
        if options["check"]:
            if problems:
                raise CommandError(f"{len(problems)} incident(s) have notification counts that differ from a recount")
            self.stdout.write("Every incident's notification counts match a recount.")
        else:
            self.stdout.write(f"Recounted every incident; {len(problems)} had counts that differed and were put right.")
