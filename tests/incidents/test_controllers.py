"""Processors and partner controllers (issue 19): whether we act as controller or processor,
the controllers a processor tells, the processor who told us (awareness), partner controllers,
the notice to the controller, and where each shows (pages, report, letters, history)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import jsonschema
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.controllers import services as party_services
from incidents.controllers.models import IncidentParty
from incidents.models import DataCategory, Incident, IncidentEvent
from notifications.letters import letter_context, render_letter_html
from reporting import services as report_services
from reporting.ico_report import build_report, report_json
from tests.base import BaseTestCase, make_incident, make_subject
from tests.incidents.controllers import (
    CONSEQUENCES,
    MEASURES,
    local_input,
    make_processor_incident,
    name_controller,
)
from tests.notifications.helpers import isolated_media, make_organisation
from tests.reporting.reports import add_distinctive_people, pdf_text, pii_strings, schema


def _incident_form(**overrides: str) -> dict[str, str]:
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "title": "Shared records unit: wrong attachment", "description": "A file went to the wrong force.",
        "cause": "wrong_recipient", "regime": "uk_gdpr", "breach_confidentiality": "on",
        "discovered_at": local_input(now - timedelta(hours=5)), "aware_at": local_input(now - timedelta(hours=4)),
    }
    data.update(overrides)
    return data


class ControllerOrProcessorTests(BaseTestCase):
    def test_a_new_incident_must_say_whether_we_are_controller_or_processor(self) -> None:
        self.login(self.handler)
        response = self.client.post(reverse("incident_create"), _incident_form())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Say whether you act as controller or processor for this data.")
        self.assertFalse(Incident.objects.exists())

    def test_a_new_incident_records_the_answer(self) -> None:
        self.login(self.handler)
        self.client.post(reverse("incident_create"), _incident_form(data_role="processor"))
        self.assertEqual(Incident.objects.get().data_role, "processor")

    def test_a_missing_answer_is_listed_in_the_report_and_on_the_controllers_tab(self) -> None:
        incident = make_incident(actor=self.dpo)
        Incident.objects.filter(pk=incident.pk).update(data_role="")
        incident.refresh_from_db()
        gaps = {gap["field"] for gap in build_report(incident)["gaps"]}
        self.assertIn("we_act_as", gaps)
        self.login(self.auditor)
        self.assertContains(self.client.get(reverse("party_list", args=[incident.reference])),
                            "Not answered yet")

    def test_nothing_can_be_named_until_it_is_answered(self) -> None:
        incident = make_incident(actor=self.dpo)
        Incident.objects.filter(pk=incident.pk).update(data_role="")
        incident.refresh_from_db()
        with self.assertRaisesMessage(ValidationError, "controller or processor"):
            party_services.party_create(incident=incident, actor=self.dpo, kind="partner",
                                        fields={"name": "X", "reports_to_ico": "us", "tells_people": "us"})


@isolated_media
class AsProcessorTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_processor_incident(self.dpo, complete=False)

    def _post_controller(self, **fields: str):  # type: ignore[no-untyped-def]
        data = {"name": "Westshire County Council", "contact": "ig@westshire.example", "told_how": "email",
                "told_by": "Dana Okafor"}
        data.update(fields)
        return self.client.post(reverse("party_create", args=[self.incident.reference, "controller"]), data)

    def test_no_regulator_deadline_of_ours_on_the_dashboard_and_register_the_controller_to_tell(self) -> None:
        old = make_processor_incident(self.dpo, aware_at=timezone.now() - timedelta(hours=100),
                                      discovered_at=timezone.now() - timedelta(hours=101))
        self.login(self.auditor)
        dashboard = self.client.get(reverse("dashboard"))
        self.assertContains(dashboard, "<strong>0 past the regulator deadline</strong>", html=False)
        self.assertContains(dashboard, "2 as processor with a controller not told yet")
        self.assertContains(dashboard, "Controller not told yet: 4 days 4 hours since we became aware")
        self.assertNotContains(self.client.get(reverse("incident_list")), "Overdue")
        party_services.party_update(party=old.parties.get(kind="controller"), actor=self.dpo, fields={
            "told_at": old.aware_at + timedelta(hours=5), "told_how": "email", "told_by": "Dana Okafor"})
        self.assertContains(self.client.get(reverse("dashboard")), "1 as processor with a controller not told yet")

    def test_the_dpo_names_the_controller_and_when_we_told_them(self) -> None:
        self.login(self.dpo)
        told = self.incident.aware_at + timedelta(hours=2)
        response = self._post_controller(told_at=local_input(told))
        self.assertRedirects(response, reverse("party_list", args=[self.incident.reference]))
        party = IncidentParty.objects.get()
        self.assertEqual((party.kind, party.told_how, party.told_by), ("controller", "email", "Dana Okafor"))
        self.assertEqual(party.told_at, told.replace(second=0, microsecond=0))
        record = party.history.get()
        self.assertEqual(record.history_user, self.dpo)

    def test_a_time_told_before_we_became_aware_is_a_form_error(self) -> None:
        self.login(self.dpo)
        response = self._post_controller(told_at=local_input(self.incident.aware_at - timedelta(hours=1)))
        self.assertContains(response, "before you became aware", status_code=400)
        self.assertFalse(IncidentParty.objects.exists())

    def test_a_time_told_in_the_future_is_a_form_error(self) -> None:
        self.login(self.dpo)
        response = self._post_controller(told_at=local_input(timezone.now() + timedelta(days=1)))
        self.assertContains(response, "cannot be in the future", status_code=400)
        self.assertFalse(IncidentParty.objects.exists())

    def test_a_handler_and_an_auditor_read_but_may_not_record(self) -> None:
        for user in (self.handler, self.auditor):
            self.login(user)
            self.assertEqual(self.client.get(reverse("party_list", args=[self.incident.reference])).status_code, 200)
            self.assertEqual(self._post_controller().status_code, 403)
        self.assertFalse(IncidentParty.objects.exists())
        with self.assertRaises(PermissionDenied):
            name_controller(self.incident, self.handler)

    def test_anonymous_visitors_are_sent_to_sign_in(self) -> None:
        response = self.client.get(reverse("party_list", args=[self.incident.reference]))
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_the_clock_is_flagged_until_every_controller_is_told(self) -> None:
        party = name_controller(self.incident, self.dpo)
        self.login(self.handler)
        page = self.client.get(reverse("party_list", args=[self.incident.reference]))
        self.assertContains(page, "Controller not told yet")
        self.assertContains(page, "has not been told yet")
        self.assertContains(page, "no number of hours")
        self.assertNotContains(page, "Regulator deadline")
        party_services.party_update(party=party, actor=self.dpo, fields={
            "told_at": self.incident.aware_at + timedelta(hours=1), "told_how": "phone"})
        page = self.client.get(reverse("party_list", args=[self.incident.reference]))
        self.assertContains(page, "Controller told 1 hour 0 minutes after we became aware")
        self.assertNotContains(page, "has not been told yet")

    def test_no_controller_named_is_flagged(self) -> None:
        self.login(self.handler)
        self.assertContains(self.client.get(reverse("party_list", args=[self.incident.reference])),
                            "No controller named yet")

    def test_the_report_and_letters_pages_say_a_processor_does_not_report_or_tell(self) -> None:
        self.login(self.dpo)
        for name in ("report_preview", "notification_list"):
            self.assertContains(self.client.get(reverse(name, args=[self.incident.reference])),
                                "we do neither ourselves unless the controller asked us to")

    def test_a_processor_incident_cannot_name_a_processor(self) -> None:
        with self.assertRaises(ValidationError):
            party_services.party_create(incident=self.incident, actor=self.dpo, kind="processor",
                                        fields={"name": "X", "notified_us_at": self.incident.aware_at})


@isolated_media
class NoticeToTheControllerTests(BaseTestCase):
    def test_it_is_refused_with_a_message_when_no_controller_is_named(self) -> None:
        incident = make_processor_incident(self.dpo, complete=False)
        self.login(self.dpo)
        response = self.client.get(reverse("controller_notice", args=[incident.reference]))
        self.assertContains(response, "No controller is named", status_code=400)
        self.assertFalse(IncidentEvent.objects.filter(kind="controller_notice").exists())

    def test_it_is_refused_while_a_fact_it_needs_is_missing(self) -> None:
        incident = make_processor_incident(self.dpo)
        report_services.report_details_save(incident=incident, actor=self.dpo, fields={"consequences": ""})
        self.login(self.dpo)
        response = self.client.get(reverse("controller_notice", args=[incident.reference]))
        self.assertContains(response, "The likely consequences are not written", status_code=400)
        self.assertContains(response, reverse("report_details_edit", args=[incident.reference]), status_code=400)

    def test_it_is_refused_for_an_incident_where_we_are_the_controller(self) -> None:
        incident = make_incident(actor=self.dpo)
        self.login(self.dpo)
        response = self.client.get(reverse("controller_notice", args=[incident.reference]))
        self.assertContains(response, "only a processor sends this notice", status_code=400)

    def test_it_holds_what_article_33_3_asks_and_no_persons_details(self) -> None:
        incident = make_processor_incident(self.dpo)
        add_distinctive_people(incident)
        self.login(self.dpo)
        response = self.client.get(reverse("controller_notice", args=[incident.reference]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = " ".join(pdf_text(response.content).split())
        for expected in (
            "Westshire County Council",  # to the controller
            "A spreadsheet of names and addresses went to the wrong person.",  # (a) nature
            "Basic personal identifiers",  # (a) categories of data
            "Approximate number of people concerned 40",  # (a) approximate numbers
            "Approximate number of personal data records concerned 120",
            "Victim",  # (a) categories of people
            "Dana Okafor", "dpo@northshire.example",  # (b) contact point
            CONSEQUENCES,  # (c)
            MEASURES,  # (d)
            "UK GDPR Article 33(2)",
        ):
            self.assertIn(expected, text)
        for secret in pii_strings():
            self.assertNotIn(secret, text)
        event = IncidentEvent.objects.get(incident=incident, kind="controller_notice")
        self.assertEqual(event.actor, self.dpo)

    def test_a_handler_may_not_download_it(self) -> None:
        incident = make_processor_incident(self.dpo)
        self.login(self.handler)
        self.assertEqual(self.client.get(reverse("controller_notice", args=[incident.reference])).status_code, 403)

    def test_hostile_names_are_text_in_the_pdf(self) -> None:
        incident = make_processor_incident(self.dpo, complete=True)
        name_controller(incident, self.dpo, name="<b>Bold</b> =cmd|' /C calc'!A0")
        self.login(self.dpo)
        text = pdf_text(self.client.get(reverse("controller_notice", args=[incident.reference])).content)
        self.assertIn("<b>Bold</b> =cmd", text)


@isolated_media
class ToldByAProcessorTests(BaseTestCase):
    def setUp(self) -> None:
        now = timezone.now().replace(microsecond=0)
        self.incident = make_incident(actor=self.handler, discovered_at=now - timedelta(hours=10),
                                      aware_at=now - timedelta(hours=2))
        self.told_us = now - timedelta(hours=9)

    def _record(self, when=None):  # type: ignore[no-untyped-def]
        return party_services.party_create(incident=self.incident, actor=self.dpo, kind="processor", fields={
            "name": "Mailhouse Ltd", "contact": "security@mailhouse.example", "notified_us_at": when or self.told_us})

    def test_awareness_starts_when_the_processor_told_us(self) -> None:
        self._record()
        incident = Incident.objects.get(pk=self.incident.pk)
        self.assertEqual(incident.aware_at, self.told_us)
        self.assertEqual(incident.regulator_deadline, self.told_us + timedelta(hours=72))

    def test_the_change_is_in_the_incidents_history_with_who_and_why(self) -> None:
        self._record()
        latest = self.incident.history.order_by("-history_date", "-history_id").first()
        self.assertEqual(latest.history_user, self.dpo)
        self.assertIn("processor Mailhouse Ltd told us", latest.history_change_reason)
        self.login(self.auditor)
        page = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(page, "processor Mailhouse Ltd told us")
        self.assertContains(page, "Processor who told us: Mailhouse Ltd")

    def test_the_incident_page_explains_the_clock_start(self) -> None:
        self._record()
        self.login(self.handler)
        page = self.client.get(reverse("incident_detail", args=[self.incident.reference]))
        self.assertContains(page, "When the processor")
        self.assertContains(page, "Mailhouse Ltd")

    def test_a_notice_before_discovery_is_refused_and_nothing_changes(self) -> None:
        with self.assertRaises(ValidationError):
            self._record(self.incident.discovered_at - timedelta(hours=1))
        self.assertFalse(IncidentParty.objects.exists())
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).aware_at, self.incident.aware_at)

    def test_a_notice_in_the_future_is_a_form_error(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("party_create", args=[self.incident.reference, "processor"]), {
            "name": "Mailhouse Ltd", "notified_us_at": local_input(timezone.now() + timedelta(days=2))})
        self.assertContains(response, "cannot be in the future", status_code=400)
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).aware_at, self.incident.aware_at)

    def test_after_the_initial_report_the_clock_is_corrected_instead(self) -> None:
        report_services.report_submit(incident=self.incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": self.incident.aware_at + timedelta(hours=1)})
        with self.assertRaisesMessage(ValidationError, "Correct the clock"):
            self._record()
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).aware_at, self.incident.aware_at)


@isolated_media
class PartnerControllerTests(BaseTestCase):
    def setUp(self) -> None:
        self.organisation = make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.partner = party_services.party_create(incident=self.incident, actor=self.dpo, kind="partner", fields={
            "name": "Southshire Constabulary", "contact": "dpo@southshire.example", "reports_to_ico": "us",
            "tells_people": "both", "on_behalf": True})

    def test_a_partner_needs_who_reports_and_who_tells(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("party_create", args=[self.incident.reference, "partner"]),
                                    {"name": "Eastshire Police"})
        self.assertContains(response, "This field is required", status_code=400)
        self.assertEqual(IncidentParty.objects.count(), 1)

    def test_the_report_says_which_controller_is_writing_and_who_reports(self) -> None:
        report = build_report(self.incident)
        controllers = report["about_you"]["controllers"]
        self.assertEqual(controllers["writing_controller"],
                         "Northshire Police, also on behalf of Southshire Constabulary")
        self.assertEqual(controllers["partner_controllers"][0]["reports_to_ico"], "We do")
        self.assertEqual(controllers["partner_controllers"][0]["tells_people"], "Both of us")
        jsonschema.validate(json.loads(report_json(report)), schema(), format_checker=jsonschema.FormatChecker())
        self.login(self.auditor)
        page = self.client.get(reverse("report_preview", args=[self.incident.reference]))
        self.assertContains(page, "Northshire Police, also on behalf of Southshire Constabulary")

    def test_a_report_without_other_organisations_keeps_its_old_shape(self) -> None:
        other = make_incident(actor=self.dpo)
        self.assertNotIn("controllers", build_report(other)["about_you"])

    def test_the_letters_say_which_controller_is_writing(self) -> None:
        subject = make_subject(self.incident, actor=self.dpo)
        categories = list(DataCategory.objects.all())
        context = letter_context(subject=subject, incident=self.incident, plan=None,
                                 organisation=self.organisation, categories=categories)
        self.assertEqual(context["organisation"]["writing_as"],
                         "Northshire Police, also on behalf of Southshire Constabulary")
        from notifications.models import LetterTemplate

        letter = LetterTemplate(body="<p>Yours, {{ organisation.writing_as }}</p>")
        html = render_letter_html(letter=letter, context=context)
        self.assertIn("Also on behalf of Southshire Constabulary", html)
        self.assertIn("Yours, Northshire Police, also on behalf of Southshire Constabulary", html)

    def test_a_partner_we_do_not_write_for_is_not_named_in_the_letter(self) -> None:
        party_services.party_update(party=self.partner, actor=self.dpo, fields={"on_behalf": False})
        subject = make_subject(self.incident, actor=self.dpo)
        incident = Incident.objects.get(pk=self.incident.pk)
        context = letter_context(subject=subject, incident=incident, plan=None, organisation=self.organisation,
                                 categories=list(DataCategory.objects.all()))
        self.assertEqual(context["organisation"]["writing_as"], "Northshire Police")
        self.assertEqual(context["organisation"]["on_behalf_of"], [])

    def test_changes_and_removal_are_in_the_history_tab_and_audit_csv(self) -> None:
        party_services.party_update(party=self.partner, actor=self.dpo, fields={"tells_people": "them"})
        party_services.party_delete(party=self.partner, actor=self.dpo, reason="Named in error")
        self.login(self.auditor)
        page = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(page, "Partner controller: Southshire Constabulary")
        self.assertContains(page, "Named in error")
        response = self.client.get(reverse("incident_audit_csv", args=[self.incident.reference]))
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        party_rows = [r for r in rows if r[3] == "Partner controller: Southshire Constabulary"]
        self.assertTrue(any(r[4] == "Who tells the people" and r[5] == "Both of us" and r[6] == "They do"
                            for r in party_rows), party_rows)
        self.assertTrue(all(r[1] == "Dana Okafor" for r in party_rows))

    def test_a_formula_in_a_name_is_neutralised_in_the_audit_csv_and_escaped_in_pages(self) -> None:
        party_services.party_update(party=self.partner, actor=self.dpo,
                                    fields={"name": "=cmd|' /C calc'!A0<script>x</script>"})
        self.login(self.dpo)
        page = self.client.get(reverse("party_list", args=[self.incident.reference]))
        self.assertNotContains(page, "<script>x</script>")
        self.assertContains(page, "&lt;script&gt;x&lt;/script&gt;")
        response = self.client.get(reverse("incident_audit_csv", args=[self.incident.reference]))
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertNotIn(",=cmd", body)
        self.assertIn("'=cmd", body)

    def test_only_the_dpo_removes_one(self) -> None:
        self.login(self.handler)
        response = self.client.post(reverse("party_remove", args=[self.incident.reference, self.partner.pk]),
                                    {"reason": "No"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(IncidentParty.objects.filter(pk=self.partner.pk).exists())

    def test_removing_needs_a_reason(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("party_remove", args=[self.incident.reference, self.partner.pk]),
                                    {"reason": "  "})
        self.assertContains(response, "Say why it is removed.", status_code=400)
        self.assertTrue(IncidentParty.objects.filter(pk=self.partner.pk).exists())
