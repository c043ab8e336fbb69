"""`manage.py recount_people [--check]`: compare every incident's people tally with a full
recount and put right any that differ (with --check, only report them, exit status 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from incidents.people import tally


class Command(BaseCommand):
    help = "Check (and repair) the people counts kept for each incident against a full recount."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="report differences, change nothing (exit 1 if any)")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = tally.check(repair=not options["check"])
        for line in problems:
            self.stdout.write(line)
        if options["check"]:
            if problems:
                raise CommandError(f"{len(problems)} incident(s) have people counts that differ from a recount")
            self.stdout.write("Every incident's people counts match a recount.")
        else:
            self.stdout.write(f"Recounted every incident; {len(problems)} had counts that differed and were put right.")
