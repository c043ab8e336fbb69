"""Issue 19: the ICO form's questions that had no answer or a shortened one — the ICO staff
member already spoken to, "Don't know" for the systems question, the staff member's
instructions, when the steps to prevent recurrence will be complete, other organisations as
Yes / No / Don't know with details, the telling answers the letters cannot give, and
"Subscribers" among the people."""

from __future__ import annotations

import json
from datetime import date

import jsonschema
from django.urls import reverse

from incidents.vocab import roles_to_mask
from notifications import progress
from notifications.models import Notification
from reporting.ico_report import build_report, report_json
from reporting.models import ReportDetails
from reporting.services import report_details_save
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import isolated_media
from tests.reporting.reports import schema


def _gaps(report: dict) -> set[str]:
    return {f"{g['section']}.{g['field']}" for g in report["gaps"]}


@isolated_media
class FormQuestionsTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def _save(self, **fields: object) -> dict:
        report_details_save(incident=self.incident, actor=self.dpo, fields=fields)
        report = build_report(self.incident)
        jsonschema.validate(json.loads(report_json(report)), schema(), format_checker=jsonschema.FormatChecker())
        return report

    def test_the_ico_staff_member_already_spoken_to(self) -> None:
        self.assertIsNone(build_report(self.incident)["report_type"]["ico_staff_contact"])
        report = self._save(ico_staff_contact="Sam at the ICO helpline")
        self.assertEqual(report["report_type"]["ico_staff_contact"], "Sam at the ICO helpline")

    def test_a_cyber_incident_asks_whether_systems_were_affected_with_dont_know(self) -> None:
        cyber = make_incident(actor=self.dpo, cause="cyber_ransomware")
        self.assertIn("cyber.systems_affected", _gaps(build_report(cyber)))
        report_details_save(incident=cyber, actor=self.dpo, fields={"systems_affected": "dont_know"})
        report = build_report(cyber)
        self.assertEqual(report["cyber"]["systems_affected"], "Don't know")
        self.assertNotIn("cyber.systems_affected", _gaps(report))

    def test_the_staff_members_instructions(self) -> None:
        report = self._save(staff_instructions="The FOI procedure says to paste values only.")
        self.assertEqual(report["staff"]["instructions_or_guidance"], "The FOI procedure says to paste values only.")

    def test_steps_to_prevent_recurrence_need_an_expected_completion_date(self) -> None:
        report = self._save(prevent_recurrence="Disclosure check on every release.")
        self.assertIn("actions.expected_completion", _gaps(report))
        report = self._save(prevent_recurrence_by=date(2027, 1, 31))
        self.assertEqual(report["actions"]["expected_completion"], "2027-01-31")
        self.assertNotIn("actions.expected_completion", _gaps(report))

    def test_other_organisations_is_yes_no_or_dont_know_with_details(self) -> None:
        self.assertIn("other_organisations.answer", _gaps(build_report(self.incident)))
        report = self._save(other_organisations_told="no")
        self.assertEqual(report["other_organisations"]["answer"], "No")
        self.assertFalse({"other_organisations.answer", "other_organisations.organisations_told"} & _gaps(report))
        report = self._save(other_organisations_told="yes")
        self.assertIn("other_organisations.organisations_told", _gaps(report))
        report = self._save(other_organisations="Action Fraud, 4 December.")
        self.assertEqual((report["other_organisations"]["answer"], report["other_organisations"]["organisations_told"]),
                         ("Yes", "Action Fraud, 4 December."))

    def test_the_form_asks_which_organisations_when_the_answer_is_yes(self) -> None:
        self.login(self.dpo)
        url = reverse("report_details_edit", args=[self.incident.reference])
        response = self.client.post(url, {"other_organisations_told": "yes", "other_organisations": "  "})
        self.assertContains(response, "Say which organisations, and when.")
        response = self.client.post(url, {"told_answer": "already_aware"})
        self.assertContains(response, "Say why (for example, how they already know).")
        self.assertFalse(ReportDetails.objects.filter(incident=self.incident).exists())  # nothing saved

    def test_already_aware_and_something_else_can_be_the_answer_until_letters_go(self) -> None:
        report = self._save(told_answer="already_aware",
                            told_answer_details="The file was published; every officer was told by the union.")
        telling = report["telling_data_subjects"]
        self.assertEqual((telling["code"], telling["answer"]), ("already_aware", "No, they're already aware"))
        self.assertEqual(telling["answer_details"], "The file was published; every officer was told by the union.")
        self.assertEqual(self._save(told_answer="other", told_answer_details="Told at a meeting.")
                         ["telling_data_subjects"]["answer"], "Something else")
        # Once letters are out, the records say what happened, not the earlier answer.
        person = make_subject(self.incident, actor=self.dpo)
        Notification.objects.create(incident=self.incident, subject=person, status="sent")
        progress.recount(self.incident)  # written past the services: the counters are recounted
        telling = build_report(self.incident)["telling_data_subjects"]
        self.assertEqual(telling["code"], "told")
        self.assertIsNone(telling["answer_details"])

    def test_subscribers_can_be_ticked(self) -> None:
        make_subject(self.incident, actor=self.dpo, roles=roles_to_mask(["subscriber"]))
        report = build_report(self.incident)
        self.assertIn("Subscribers", report["data_subjects"]["ticked"])
        self.assertEqual({r["name"]: r["count"] for r in report["data_subjects"]["categories"]}["Subscribers"], 1)

    def test_the_preview_shows_every_new_answer(self) -> None:
        self._save(ico_staff_contact="Sam", staff_instructions="Paste values only.", prevent_recurrence="Checks.",
                   prevent_recurrence_by=date(2027, 1, 31), other_organisations_told="dont_know")
        self.login(self.dpo)
        page = self.client.get(reverse("report_preview", args=[self.incident.reference]))
        for text in ("ICO staff member you have already spoken to about this breach", "Sam",
                     "Specific instructions or guidance given to the staff member", "Paste values only.",
                     "Expected completion date", "2027-01-31",
                     "Have you told, or are you planning to tell, any other organisations?", "Don&#x27;t know"):
            self.assertContains(page, text)
