"""The ICO's two breach report forms as data (issue 19): well formed, every wording sourced, every
unread wording saying so, and every field named as our answer one that exists."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.test import SimpleTestCase

from incidents.vocab import DATA_CATEGORY_SEEDS, ICO_SUBJECT_CATEGORIES
from reporting.ico_forms import ANSWER_TYPES, CHOICE_TYPES, READ_ON, STATUSES, Form, Question, status_counts, summary
from reporting.ico_forms import pecr, uk_gdpr

FORMS = (uk_gdpr.FORM, pecr.FORM)
# Sources that are not web pages: what the project itself says.
PROJECT_SOURCES = {uk_gdpr.DOMAIN, uk_gdpr.ISSUE_19}
# Where the ICO's own wording can be read: its sites, and the one copy of its Word form.
ICO_HOSTS = {"ico.org.uk", "cy.ico.org.uk", "www.ico.gov.uk"}
MODEL_APPS = ("incidents", "notifications")


def questions() -> list[tuple[Form, Question]]:
    rows = [(form, q) for form in FORMS for q in form.questions()]
    return rows + [(pecr.FORM, q) for q in pecr.LOG_COLUMNS]


def counts_message() -> str:
    return "\n".join(summary(form) for form in FORMS) + f"\n  PECR log columns: {len(pecr.LOG_COLUMNS)}"


def resolve(reference: str) -> str | None:
    """None when `Model` or `Model.field` names a model (and field) of ours, else the problem."""
    model_name, _, field_name = reference.partition(".")
    for label in MODEL_APPS:
        try:
            model = apps.get_model(label, model_name)
        except LookupError:
            continue
        if not field_name:
            return None
        try:
            model._meta.get_field(field_name)
        except FieldDoesNotExist:
            return f"{model_name} has no field {field_name}"
        return None
    return f"no model {model_name}"


class IcoFormsTests(SimpleTestCase):
    def assertNoProblems(self, problems: list[str]) -> None:
        self.assertEqual(problems, [], "\n".join(problems) + "\n\n" + counts_message())

    def test_it_counts_the_questions_of_each_form(self) -> None:
        # Pinned so that adding, dropping or re-rating a question is a deliberate change.
        found = {form.key: (len(list(form.questions())), status_counts(form)) for form in FORMS}
        self.assertEqual(found, {
            "uk_gdpr": (34, {"exact": 29, "different": 3, "missing": 2}),
            "pecr": (10, {"exact": 9, "different": 1, "missing": 0}),
        }, counts_message())
        self.assertEqual(len(pecr.LOG_COLUMNS), 3, counts_message())

    def test_its_keys_are_unique_and_snake_case(self) -> None:
        keys = [q.key for _form, q in questions()]
        problems = [f"{key}: not snake_case" for key in keys if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key)]
        problems += [f"{key}: used {keys.count(key)} times" for key in sorted(set(keys)) if keys.count(key) > 1]
        self.assertNoProblems(problems)

    def test_its_parts_are_numbered_in_order_and_titled(self) -> None:
        problems = []
        for form in FORMS:
            numbers = [part.number for part in form.parts]
            if numbers != list(range(1, len(form.parts) + 1)):
                problems.append(f"{form.key}: parts numbered {numbers}")
            problems += [f"{form.key} part {p.number}: no title" for p in form.parts if not p.title.strip()]
            problems += [f"{form.key} part {p.number}: no source" for p in form.parts if not p.source]
        self.assertNoProblems(problems)

    def test_the_uk_gdpr_form_has_the_online_forms_six_parts_starting_with_about_your_report(self) -> None:
        parts = uk_gdpr.FORM.parts
        self.assertEqual((len(parts), parts[0].title, parts[0].title_confirmed), (6, "About your report", True),
                         counts_message())

    def test_every_choice_question_has_options_and_no_other_question_has_any(self) -> None:
        problems = []
        for form, q in questions():
            if q.answer_type not in ANSWER_TYPES:
                problems.append(f"{form.key}.{q.key}: unknown answer type {q.answer_type!r}")
            if q.answer_type in CHOICE_TYPES and len(q.options) < 2:
                problems.append(f"{form.key}.{q.key}: a {q.answer_type} question with {len(q.options)} options")
            if q.answer_type not in CHOICE_TYPES and q.options:
                problems.append(f"{form.key}.{q.key}: options on a {q.answer_type} question")
            if q.answer_type == "yes_no_dont_know" and q.options != ("Yes", "No", "Don't know"):
                problems.append(f"{form.key}.{q.key}: yes/no/don't know with options {q.options}")
            if len(set(q.options)) != len(q.options):
                problems.append(f"{form.key}.{q.key}: an option twice")
        self.assertNoProblems(problems)

    def test_every_question_has_a_source_and_the_day_it_was_read(self) -> None:
        problems = []
        for form, q in questions():
            url = urlparse(q.source)
            if not (url.scheme in ("http", "https") and url.netloc or q.source in PROJECT_SOURCES
                    or (settings.BASE_DIR / q.source).is_file()):
                problems.append(f"{form.key}.{q.key}: source {q.source!r} is neither a page, the project's docs "
                                "nor a file of ours")
            if q.read_on != READ_ON:
                problems.append(f"{form.key}.{q.key}: read on {q.read_on}")
            if not q.text.strip():
                problems.append(f"{form.key}.{q.key}: no text")
        self.assertNoProblems(problems)

    def test_confirmed_wording_was_read_on_the_icos_pages_or_the_copy_of_its_word_form(self) -> None:
        problems = [f"{form.key}.{q.key}: confirmed but read on {q.source}" for form, q in questions()
                    if q.confirmed and urlparse(q.source).hostname not in ICO_HOSTS and q.source != uk_gdpr.WORD_COPY]
        self.assertNoProblems(problems)

    def test_what_was_not_read_says_so(self) -> None:
        problems = []
        for form, q in questions():
            if (not q.confirmed or not q.options_confirmed) and not q.note.strip():
                problems.append(f"{form.key}.{q.key}: not read, and no note saying what it stands on")
            if q.answer_type == "unknown" and q.confirmed:
                problems.append(f"{form.key}.{q.key}: confirmed, yet its answer type is unknown")
        for form in FORMS:
            for part in form.parts:
                if (not part.title_confirmed or not part.questions) and not part.gap.strip():
                    problems.append(f"{form.key} part {part.number}: unread title or questions, and no gap note")
        self.assertNoProblems(problems)

    def test_every_question_says_how_breachtracker_answers_it(self) -> None:
        problems = []
        for form, q in questions():
            if q.status not in STATUSES:
                problems.append(f"{form.key}.{q.key}: status {q.status!r}")
            if (q.status == "missing") != (not q.ours):
                problems.append(f"{form.key}.{q.key}: status {q.status} with ours={q.ours}")
            if q.status in ("different", "missing") and not q.status_note.strip():
                problems.append(f"{form.key}.{q.key}: {q.status} without saying how")
        self.assertNoProblems(problems)

    def test_our_answers_name_models_and_fields_that_exist(self) -> None:
        problems = [f"{form.key}.{q.key}: {problem}" for form, q in questions() for ref in q.ours
                    if (problem := resolve(ref))]
        self.assertNoProblems(problems)

    def test_the_forms_categories_are_our_vocabularys(self) -> None:
        # "exact" for the two category questions stands on this: same wording, same order.
        self.assertEqual(uk_gdpr.DATA_SUBJECT_CATEGORIES[:-1], ICO_SUBJECT_CATEGORIES[:-1])
        self.assertEqual(ICO_SUBJECT_CATEGORIES[-1], "Other")
        ours = tuple(seed.name for seed in DATA_CATEGORY_SEEDS)
        self.assertEqual(uk_gdpr.PERSONAL_DATA_CATEGORIES[:-1], ours[:-1])
        self.assertEqual((uk_gdpr.PERSONAL_DATA_CATEGORIES[-1], ours[-1]),
                         ("Other (please give details below)", "Other (details)"))


def test_the_questions_file_is_up_to_date() -> None:
    """reporting/ico_forms/QUESTIONS.md (linked from the READMEs) is what the data says now:
    regenerate it with `manage.py ico_form_questions > reporting/ico_forms/QUESTIONS.md`."""
    from pathlib import Path

    from reporting.ico_forms import questions_markdown

    path = Path(__file__).resolve().parents[2] / "reporting" / "ico_forms" / "QUESTIONS.md"
    assert path.read_text() == questions_markdown((uk_gdpr.FORM, pecr.FORM)) + "\n"
