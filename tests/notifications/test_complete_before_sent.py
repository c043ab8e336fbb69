"""No batch until the plan holds every answer in public words; no stand-in text in letters."""

from __future__ import annotations

import importlib
from datetime import date

from django.urls import reverse

from incidents.register import services as incident_services
from incidents.assessment import services as assessment_services
from incidents.models import IncidentEvent, Organisation
from notifications import approvals, readiness, services
from notifications.letters import TemplateRefused, compile_letter, letter_context, render_body
from notifications.models import Batch, LetterTemplate, Notification, NotificationPlan
from tests.base import BaseTestCase, category, make_incident, make_subject
from tests.notifications.helpers import (
    PLAN_WORDING,
    fill_plan,
    generate_all,
    isolated_media,
    make_organisation,
    make_ready,
    record_decision_to_tell,
)
from tests.notifications.test_generation import pdf_text

SEED = importlib.import_module("notifications.migrations.0009_plain_letter_templates")


@isolated_media
class CompleteBeforeSentTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo, description="Pivot cache in FOI-2291.xlsx, taken down yesterday.")
        self.ref = self.incident.reference
        self.subject = make_subject(self.incident, actor=self.dpo)

    def refused(self) -> str:
        with self.assertRaises(approvals.BatchRefused) as refused:
            services.batch_start(incident=self.incident, actor=self.dpo)
        return str(refused.exception)

    def test_a_batch_is_refused_until_the_plan_is_written_and_the_message_lists_what_is_missing(self) -> None:
        record_decision_to_tell(self.incident, self.dpo)
        fill_plan(self.incident, self.dpo, measures="", support="")
        message = self.refused()
        self.assertIn("what we have done; who can support them", message)
        self.assertNotIn("likely consequences", message)
        self.assertEqual((Batch.objects.count(), Notification.objects.count()), (0, 0))

    def test_the_view_refuses_an_incomplete_plan_with_the_list(self) -> None:
        record_decision_to_tell(self.incident, self.dpo)
        self.login(self.dpo)
        response = self.client.post(reverse("batch_start", args=[self.ref]), follow=True)
        self.assertContains(response, "what happened, in words for the public")
        self.assertEqual(Notification.objects.count(), 0)

    def test_a_batch_is_refused_without_the_dpo_contact_details(self) -> None:
        make_ready(self.incident, self.dpo)
        Organisation.objects.update(dpo_name="", dpo_email="", dpo_phone="")
        message = self.refused()
        self.assertIn("the DPO's name", message)
        self.assertIn("a way to contact the DPO", message)

    def test_a_batch_is_refused_without_the_exposed_categories(self) -> None:
        make_ready(self.incident, self.dpo)
        incident_services.incident_set_categories(incident=self.incident, actor=self.dpo, exposed={})
        self.assertIn("kinds of data exposed are not recorded", self.refused())

    def test_the_letter_says_the_public_description_and_never_the_internal_one(self) -> None:
        make_ready(self.incident, self.dpo)
        with self.captureOnCommitCallbacks(execute=True):
            batch = services.batch_start(incident=self.incident, actor=self.dpo)
        generate_all(batch)
        text = pdf_text(Notification.objects.get())
        self.assertIn("A list with your name and address was sent to the wrong person", text)
        self.assertNotIn("Pivot cache", text)

    def test_no_seeded_template_uses_a_stand_in(self) -> None:
        for letter in LetterTemplate.objects.current().values():
            self.assertNotIn("|default", letter.body, letter)
            compile_letter(letter.body, new_version=True)

    def test_a_new_template_version_may_not_use_a_stand_in(self) -> None:
        with self.assertRaises(TemplateRefused):
            services.template_save(audience="victim", actor=self.dpo, email_subject="Hello",
                                   body='{{ plan.consequences|default:"You will not be harmed." }}')

    def render(self, cause: str) -> str:
        self.incident.cause = cause
        body = compile_letter(SEED.body("general"))
        return render_body(body, letter_context(subject=self.subject, incident=self.incident, plan=None,
                                                organisation=Organisation.current(), categories=[]))

    def test_the_opening_line_fits_a_mistake(self) -> None:
        self.assertIn("We made a mistake", self.render("wrong_recipient"))

    def test_the_opening_line_fits_an_attack(self) -> None:
        html = self.render("cyber_ransomware")
        self.assertIn("Someone got into our computer systems", html)
        self.assertNotIn("mistake", html)

    def test_the_opening_line_fits_a_theft_or_loss(self) -> None:
        self.assertIn("lost or stolen", self.render("loss_theft"))

    def test_the_plan_date_round_trips_as_an_iso_value(self) -> None:
        fill_plan(self.incident, self.dpo, target_date=date(2026, 12, 9))
        self.login(self.dpo)
        response = self.client.get(reverse("notification_plan", args=[self.ref]))
        self.assertContains(response, 'value="2026-12-09"')

    def test_a_plan_change_is_an_event_on_the_incident_and_a_new_version(self) -> None:
        plan = fill_plan(self.incident, self.dpo)
        before = plan.version
        plan = services.plan_update(incident=self.incident, actor=self.dpo, fields={"advice": "Call us."})
        self.assertEqual(plan.version, before + 1)
        event = IncidentEvent.objects.filter(kind="plan_changed").last()
        self.assertIn("what the person can do", event.detail)


class RiskContradictionTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        make_subject(self.incident, actor=self.dpo)
        incident_services.incident_set_categories(incident=self.incident, actor=self.dpo, exposed={
            category("health"): {"approx_records": None, "detail": ""}})
        assessment_services.assessment_record(incident=self.incident, actor=self.dpo, fields={
            "published_or_unknown_recipients": True, "vulnerable_people": True, "identification": "maximum",
            "physical_safety": False})
        self.assertEqual(readiness.latest_risk(self.incident), "high_risk")
        self.url = reverse("notification_plan", args=[self.incident.reference])

    def post(self, **fields: str):  # type: ignore[no-untyped-def]
        self.login(self.dpo)
        return self.client.post(self.url, {**PLAN_WORDING, **fields})

    def test_wording_that_says_harm_is_unlikely_against_a_high_risk_needs_a_reason(self) -> None:
        response = self.post(consequences="We do not think most people will be harmed.")
        self.assertContains(response, "the latest assessment says the risk to people is high")
        self.assertFalse(NotificationPlan.objects.filter(incident=self.incident).exists())

    def test_unlikely_is_caught_too(self) -> None:
        self.assertContains(self.post(consequences="Harm is unlikely."), "Change the wording, or record why")

    def test_with_a_reason_the_plan_is_saved_and_the_batch_may_start(self) -> None:
        self.post(consequences="Harm is unlikely.", risk_reason="The recipient is a police force and deleted it.")
        plan = NotificationPlan.objects.get(incident=self.incident)
        self.assertEqual(plan.risk_reason, "The recipient is a police force and deleted it.")
        record_decision_to_tell(self.incident, self.dpo)
        self.assertEqual(readiness.content_problems(self.incident), [])

    def test_a_plan_saved_before_the_assessment_changed_is_refused_at_batch_time(self) -> None:
        NotificationPlan.objects.create(incident=self.incident, **{**PLAN_WORDING, "consequences": "Harm is unlikely."})
        record_decision_to_tell(self.incident, self.dpo)
        self.assertIn(readiness.RISK_WARNING, [p.text for p in approvals.batch_problems(self.incident)])

    def test_wording_about_real_harm_needs_no_reason(self) -> None:
        self.post(consequences="Someone may use your address to find you.")
        self.assertTrue(NotificationPlan.objects.filter(incident=self.incident).exists())


class PlanReadabilityTests(BaseTestCase):
    def test_the_plan_page_warns_about_wording_that_is_hard_to_read(self) -> None:
        incident = make_incident(actor=self.dpo)
        fill_plan(incident, self.dpo, measures=(
            "Notwithstanding the aforementioned considerations, the organisation has implemented comprehensive "
            "remediation, including decommissioning the misconfigured infrastructure."))
        self.login(self.dpo)
        response = self.client.get(reverse("notification_plan", args=[incident.reference]))
        self.assertContains(response, "What we have done: grade")
        self.assertNotContains(response, "Likely consequences: grade")


@isolated_media
class WhoseLettersTests(BaseTestCase):
    """Issue 19: letters say who writes; a processor writes only when a controller asked it to."""

    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        make_subject(self.incident, actor=self.dpo)

    def refused(self) -> str:
        with self.assertRaises(approvals.BatchRefused) as refused:
            services.batch_start(incident=self.incident, actor=self.dpo)
        return str(refused.exception)

    def test_no_letters_until_the_incident_says_whether_we_are_controller_or_processor(self) -> None:
        from incidents.models import Incident

        Incident.objects.filter(pk=self.incident.pk).update(data_role="")
        self.incident.refresh_from_db()
        make_ready(self.incident, self.dpo, approve=False)
        self.assertIn("whether you act as controller or processor", self.refused())
        self.assertEqual(Batch.objects.count(), 0)

    def test_a_processor_writes_only_when_a_controller_asked_it_to(self) -> None:
        from incidents.controllers import services as party_services
        from incidents.models import Incident, IncidentParty

        Incident.objects.filter(pk=self.incident.pk).update(data_role="processor")
        self.incident.refresh_from_db()
        make_ready(self.incident, self.dpo, approve=False)
        self.assertIn("You act as processor", self.refused())
        party_services.party_create(incident=self.incident, actor=self.dpo, kind=IncidentParty.Kind.CONTROLLER,
                                    fields={"name": "Westshire County Council", "contact": "dpo@westshire.example",
                                            "asked_us_to_tell": True})
        self.assertEqual(readiness.role_problems(self.incident), [])
