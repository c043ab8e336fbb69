"""Issue 19, "Copy into the ICO's form": the report's answers in the online form's parts and
order, each with its length, flagged when longer than the form allows; nothing filled in."""

from __future__ import annotations

import dataclasses

from django.urls import reverse

from reporting import copy_form
from reporting.ico_forms import uk_gdpr
from reporting.ico_report import build_report
from reporting.services import report_details_save
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import isolated_media, make_organisation

HOSTILE = "<script>alert('x')</script> =HYPERLINK(\"http://evil\")"


@isolated_media
class CopyFormTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo, description=f"A spreadsheet went out. {HOSTILE}")
        make_subject(self.incident, actor=self.dpo, full_name="Winifred Witness")
        report_details_save(incident=self.incident, actor=self.dpo, fields={
            "consequences": "Distress.", "prevent_recurrence": "A check on every release.",
            "other_organisations_told": "no"})

    def _answers(self, form: object = uk_gdpr.FORM) -> dict[str, copy_form.Answer]:
        parts = copy_form.form_answers(build_report(self.incident), form)  # type: ignore[arg-type]
        return {a.question.key: a for _part, rows in parts for a in rows}

    def test_every_question_of_the_form_in_its_order_with_the_reports_words(self) -> None:
        parts = copy_form.form_answers(build_report(self.incident))
        self.assertEqual([p.number for p, _rows in parts], [p.number for p in uk_gdpr.FORM.parts])
        self.assertEqual([a.question.key for _p, rows in parts for a in rows],
                         [q.key for q in uk_gdpr.FORM.questions()])
        answers = self._answers()
        self.assertEqual(answers["what_happened"].text, self.incident.description)
        self.assertEqual(answers["potential_consequences"].text, "Distress.")
        self.assertEqual(answers["other_organisations"].text, "No")
        self.assertEqual(answers["number_of_data_subjects"].text, "1")
        self.assertEqual(answers["report_type"].text, "Initial report")

    def test_nothing_is_filled_in_for_the_dpo(self) -> None:
        answers = self._answers()
        self.assertEqual(answers["sector"].state, copy_form.NOT_RECORDED)
        self.assertEqual((answers["likelihood"].state, answers["likelihood"].text), ("empty", ""))
        self.assertEqual(answers["number_of_records"].state, "empty")
        self.assertEqual(answers["ico_case_reference"].state, copy_form.NOT_APPLICABLE)  # an initial report
        self.assertEqual(answers["cyber_impact"].state, copy_form.NOT_APPLICABLE)  # not a cyber incident

    def test_every_question_has_an_answer_or_says_it_is_not_recorded(self) -> None:
        unknown = [q.key for q in uk_gdpr.FORM.questions()
                   if q.key not in copy_form.ANSWERS and q.key not in copy_form.NOT_RECORDED_KEYS]
        self.assertEqual(unknown, [])

    def test_an_answer_longer_than_the_form_allows_is_flagged(self) -> None:
        limited = dataclasses.replace(uk_gdpr.FORM, parts=tuple(
            dataclasses.replace(part, questions=tuple(
                dataclasses.replace(q, char_limit=20) if q.key == "what_happened" else q for q in part.questions))
            for part in uk_gdpr.FORM.parts))
        answers = self._answers(limited)
        self.assertTrue(answers["what_happened"].too_long)
        self.assertFalse(answers["potential_consequences"].too_long)

    def test_the_page(self) -> None:
        url = reverse("report_copy", args=[self.incident.reference])
        self.login(self.handler)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.dpo)
        page = self.client.get(url)
        self.assertContains(page, "Fill in the ICO's online form")
        self.assertContains(page, "Part 1: About your report")
        self.assertContains(page, "wording not checked against the ICO's form")
        self.assertContains(page, "We do not record this: answer it on the ICO's form.")
        self.assertContains(page, "Does not apply to this report.")  # a follow-up's case reference
        self.assertContains(page, 'data-copy="answer-what_happened"')
        self.assertContains(page, "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;")
        self.assertNotContains(page, "<script>alert(")
        self.assertNotContains(page, "Winifred")
        self.assertContains(page, '<script src="/static/js/copy-answers.js"></script>', html=False)
        self.login(self.auditor)
        self.assertEqual(self.client.get(url).status_code, 200)
