"""Seeded letters read at age 9 (Flesch–Kincaid grade at most 6) whatever the branch taken,
and list data in plain words, not the ICO form's."""

from __future__ import annotations

import importlib
import itertools

from django.utils.html import strip_tags

from incidents.models import DataCategory
from incidents.vocab import DATA_CATEGORY_SEEDS
from notifications.letters import PLAIN_CATEGORY, compile_letter, letter_context, render_body
from notifications.models import Audience, LetterTemplate, NotificationPlan
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import PLAN_WORDING, make_organisation
from notifications.readability import grade, letter_text, syllables

SEED = importlib.import_module("notifications.migrations.0009_plain_letter_templates")
MAX_GRADE = 6


class ReadabilityHelperTests(BaseTestCase):
    def test_it_counts_syllables_like_a_person(self) -> None:
        self.assertEqual([syllables(w) for w in ("the", "letter", "information", "stolen", "safe")], [1, 2, 4, 2, 1])

    def test_a_form_sentence_scores_well_above_the_limit(self) -> None:
        text = ("Notwithstanding the aforementioned considerations, categories of personal data potentially "
                "compromised comprise criminal convictions, offences and identification documentation.")
        self.assertGreater(grade(text), 12)


class PlainLetterTests(BaseTestCase):
    def setUp(self) -> None:
        self.organisation = make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.subject = make_subject(self.incident, actor=self.dpo, full_name="Sam Smith")
        self.plan = NotificationPlan(incident=self.incident, **PLAN_WORDING)

    def contexts(self):  # type: ignore[no-untyped-def]
        every = list(DataCategory.objects.all())
        base = letter_context(subject=self.subject, incident=self.incident, plan=self.plan,
                              organisation=self.organisation, categories=every, incident_categories=every)
        for cause, kind in itertools.product(("error", "attack", "theft_or_loss", "other"),
                                             ("self", "parent", "representative")):
            your = {"self": "your", "parent": "your child's", "representative": "Sam Smith's"}[kind]
            yield f"{cause}/{kind}", {**base, "incident": {**base["incident"], "cause": cause},
                                      "addressee": {**base["addressee"], "kind": kind, "your": your}}

    def test_every_seeded_letter_reads_at_age_nine_in_every_branch(self) -> None:
        for audience in Audience.values:
            compiled = compile_letter(SEED.body(audience))
            for label, context in self.contexts():
                text = letter_text(render_body(compiled, context))
                with self.subTest(audience=audience, branch=label):
                    self.assertLessEqual(round(grade(text), 1), MAX_GRADE)

    def test_the_seeded_template_text_alone_reads_at_age_nine(self) -> None:
        for audience in Audience.values:
            with self.subTest(audience=audience):
                self.assertLessEqual(round(grade(letter_text(SEED.body(audience))), 1), MAX_GRADE)

    def test_the_current_templates_are_the_plain_ones(self) -> None:
        current = LetterTemplate.objects.current()
        self.assertEqual({a: current[a].body for a in Audience.values}, {a: SEED.body(a) for a in Audience.values})

    def test_every_ico_category_has_plain_words_of_its_own(self) -> None:
        for seed in DATA_CATEGORY_SEEDS:
            with self.subTest(category=seed.code):
                self.assertIn(seed.code, PLAIN_CATEGORY)
                self.assertNotEqual(PLAIN_CATEGORY[seed.code].casefold(), seed.name.casefold())
                self.assertNotIn("eg ", PLAIN_CATEGORY[seed.code])

    def test_a_letter_lists_no_form_jargon(self) -> None:
        _label, context = next(self.contexts())
        text = strip_tags(render_body(compile_letter(SEED.body("victim")), context))
        for jargon in ("Criminal convictions, offences", "Basic personal identifiers", "eg ", "data subject"):
            self.assertNotIn(jargon, text)
        self.assertIn("details about crimes or offences", text)
