"""Letter templates: a fixed set of placeholders, refused with line and reason otherwise."""

from __future__ import annotations

from django.urls import reverse

from incidents.vocab import roles_to_mask
from notifications import services
from notifications.letters import TemplateRefused, compile_letter, letter_context, render_body
from notifications.models import LetterTemplate
from tests.base import BaseTestCase, category, make_incident, make_subject
from tests.notifications.helpers import make_organisation


class CompileTests(BaseTestCase):
    def assertRefused(self, source: str, line: int | None, words: str) -> None:  # noqa: N802
        with self.assertRaises(TemplateRefused) as caught:
            compile_letter(source)
        self.assertEqual(caught.exception.line, line)
        self.assertIn(words, caught.exception.reason)

    def test_it_accepts_the_seeded_templates(self) -> None:
        for letter in LetterTemplate.objects.all():
            compile_letter(letter.body)

    def test_it_refuses_a_syntax_error_with_its_line(self) -> None:
        self.assertRefused("<p>Hello</p>\n{% if person.full_name %}\n<p>no end</p>", 2, "invalid template syntax")

    def test_it_refuses_an_unknown_placeholder_with_its_line(self) -> None:
        self.assertRefused("<p>Dear {{ person.full_name }}</p>\n\n{{ person.national_insurance }}", 3,
                           "unknown placeholder “person.national_insurance”")

    def test_it_refuses_reaching_into_settings(self) -> None:
        self.assertRefused("{{ settings.SECRET_KEY }}", 1, "unknown placeholder")

    def test_it_refuses_dunder_lookups(self) -> None:
        self.assertRefused("{{ person.full_name.__class__ }}", 1, "")

    def test_it_refuses_include_of_a_file(self) -> None:
        self.assertRefused('<p>x</p>\n{% include "/etc/passwd" %}', 2, "not allowed")

    def test_it_refuses_loading_tag_libraries(self) -> None:
        self.assertRefused("{% load static %}", 1, "invalid template syntax")

    def test_it_refuses_the_debug_tag(self) -> None:
        self.assertRefused("{% debug %}", 1, "not allowed")

    def test_it_refuses_an_unlisted_filter(self) -> None:
        self.assertRefused("{{ person.full_name|safe }}", 1, "filter “safe” is not allowed")

    def test_it_refuses_looping_over_a_string(self) -> None:
        self.assertRefused("{% for c in person.full_name %}{{ c }}{% endfor %}", 1, "not a list")

    def test_a_loop_variable_is_only_known_inside_its_loop(self) -> None:
        self.assertRefused("{% for c in person.categories %}{{ c }}{% endfor %}{{ c }}", 1, "unknown placeholder “c”")

    def test_it_refuses_a_huge_template(self) -> None:
        self.assertRefused("x" * 100_001, None, "longer than")


class RenderTests(BaseTestCase):
    def setUp(self) -> None:
        self.organisation = make_organisation()
        self.incident = make_incident(actor=self.dpo)

    def context(self, subject):  # type: ignore[no-untyped-def]
        return letter_context(subject=subject, incident=self.incident, plan=None, organisation=self.organisation,
                              categories=[category("health"), category("criminal"), category("location")])

    def test_a_name_with_markup_prints_as_text(self) -> None:
        subject = make_subject(self.incident, full_name='<script>alert(1)</script><img src="file:///etc/passwd">')
        html = render_body(compile_letter("<p>{{ person.full_name }}</p>"), self.context(subject))
        self.assertNotIn("<script>", html)
        self.assertIn("&lt;script&gt;", html)

    def test_it_lists_only_the_persons_own_categories(self) -> None:
        subject = make_subject(self.incident, categories_mask=category("health").mask)
        html = render_body(compile_letter("{% for c in person.categories %}[{{ c }}]{% endfor %}"), self.context(subject))
        self.assertEqual(html, "[details about your health]")

    def test_the_context_holds_no_other_person(self) -> None:
        make_subject(self.incident, full_name="Someone Else")
        subject = make_subject(self.incident, full_name="The Person", roles=roles_to_mask(["witness"]))
        self.assertNotIn("Someone Else", repr(self.context(subject)))


class TemplateSaveTests(BaseTestCase):
    def test_saving_makes_a_new_version(self) -> None:
        letter = services.template_save(audience="victim", actor=self.dpo, email_subject="About {{ incident.reference }}",
                                        body="<p>Dear {{ person.full_name }}</p>")
        self.assertEqual(letter.version, 3)  # versions 1 and 2 are seeded by migrations
        self.assertEqual(LetterTemplate.objects.current()["victim"], letter)
        self.assertEqual(LetterTemplate.objects.filter(audience="victim").count(), 3)

    def test_the_edit_page_shows_the_line_and_reason_of_a_bad_template(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("letter_template_edit", args=["victim"]),
                                    {"email_subject": "Hi", "body": "<p>ok</p>\n{{ person.bank_details }}"})
        self.assertContains(response, "Line 2: unknown placeholder “person.bank_details”")
        self.assertEqual(LetterTemplate.objects.filter(audience="victim").count(), 2)

    def test_a_handler_cannot_edit_templates(self) -> None:
        self.login(self.handler)
        response = self.client.post(reverse("letter_template_edit", args=["victim"]), {"email_subject": "x", "body": "y"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(LetterTemplate.objects.filter(audience="victim").count(), 2)

    def test_an_unknown_audience_is_404(self) -> None:
        self.login(self.dpo)
        self.assertEqual(self.client.get(reverse("letter_template_edit", args=["nobody"])).status_code, 404)
