"""`manage.py ico_form_questions`: print every question of the ICO's forms with where
breachtracker answers it (Markdown); redirect it to reporting/ico_forms/QUESTIONS.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reporting.ico_forms import pecr, questions_markdown, uk_gdpr


class Command(BaseCommand):
    help = "Print the ICO forms' questions and where each answer comes from, as Markdown."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(questions_markdown((uk_gdpr.FORM, pecr.FORM)), ending="\n")
