"""build_report: the ICO form's sections from the case's records, never a person's details."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
from django.utils import timezone

from reporting import services as report_services
from incidents.assessment import services as assessment_services
from incidents.register import services
from reporting.ico_report import build_report, diff_reports, report_json
from incidents.models import DataSubject
from reporting.services import report_details_save
from incidents.vocab import roles_to_mask
from notifications import progress
from notifications.models import Notification
from tests.base import BaseTestCase, category, make_incident, make_subject, sign_in
from tests.reporting.reports import add_distinctive_people, pii_strings, schema
from tests.notifications.helpers import isolated_media, make_organisation

SECTIONS = ["report_type", "reason_for_reporting", "what_happened", "personal_data", "data_subjects",
            "consequences", "cyber", "staff", "actions", "telling_data_subjects", "other_organisations",
            "about_you"]


@isolated_media
class BuildReportTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo, approx_records=500)

    def test_its_sections_follow_the_ico_forms_order(self) -> None:
        keys = list(build_report(self.incident))
        self.assertEqual([k for k in keys if k in SECTIONS], SECTIONS)

    def test_it_validates_against_the_documented_schema(self) -> None:
        make_subject(self.incident, actor=self.dpo)
        report = json.loads(report_json(build_report(self.incident)))
        jsonschema.validate(report, schema(), format_checker=jsonschema.FormatChecker())

    def test_an_empty_case_also_validates(self) -> None:
        jsonschema.validate(json.loads(report_json(build_report(self.incident))), schema())

    def test_it_counts_people_per_ico_category_once_each(self) -> None:
        make_subject(self.incident, actor=self.dpo, full_name="A", roles=roles_to_mask(["victim", "witness"]))
        make_subject(self.incident, actor=self.dpo, full_name="B", roles=roles_to_mask(["officer_staff"]),
                     is_child=True)
        make_subject(self.incident, actor=self.dpo, full_name="C", roles=0, is_vulnerable=True)
        counts = {r["name"]: r["count"] for r in build_report(self.incident)["data_subjects"]["categories"]}
        self.assertEqual(counts["Other"], 1)  # victim and witness: one person
        self.assertEqual(counts["Employees"], 1)
        self.assertEqual(counts["Children"], 1)
        self.assertEqual(counts["Vulnerable adults"], 1)
        self.assertEqual(counts["Not yet known"], 1)

    def test_the_number_of_data_subjects_is_the_larger_of_recorded_and_estimate(self) -> None:
        make_subject(self.incident, actor=self.dpo)
        self.assertEqual(build_report(self.incident)["personal_data"]["number_of_data_subjects"], 1)
        self.incident.approx_subjects = 900
        self.incident.save()
        self.assertEqual(build_report(self.incident)["personal_data"]["number_of_data_subjects"], 900)

    def test_it_ticks_the_exposed_categories_in_the_icos_wording(self) -> None:
        services.incident_set_categories(incident=self.incident, actor=self.dpo,
                                         exposed={category("health"): {"approx_records": 12, "detail": ""}})
        rows = build_report(self.incident)["personal_data"]["categories"]
        self.assertEqual(len(rows), 17)
        ticked = [r for r in rows if r["ticked"]]
        self.assertEqual([(r["name"], r["approx_records"]) for r in ticked], [("Health data", 12)])

    def test_it_counts_told_in_progress_withheld_by_reason_and_not_yet(self) -> None:
        people = [make_subject(self.incident, actor=self.dpo, full_name=f"P{n}") for n in range(6)]
        statuses = [("sent", ""), ("delivered", ""), ("pending", ""), ("withheld", "restricted"),
                    ("withheld", "do_not_write")]
        for person, (status, code) in zip(people, statuses, strict=False):
            Notification.objects.create(incident=self.incident, subject=person, status=status, withheld_code=code)
        progress.recount(self.incident)  # written outside the services: counted once
        counts = build_report(self.incident)["telling_data_subjects"]["counts"]
        self.assertEqual((counts["total"], counts["told"], counts["in_progress"], counts["not_yet"]), (6, 2, 1, 1))
        self.assertEqual({w["reason"]: w["count"] for w in counts["withheld"]}, {"restricted": 1, "do_not_write": 1})

    def test_each_gap_links_to_the_page_that_fills_it(self) -> None:
        gaps = {(g["section"], g["field"]): g["url"] for g in build_report(self.incident)["gaps"]}
        ref = self.incident.reference
        self.assertEqual(gaps[("consequences", "potential_consequences")], f"/incidents/{ref}/report/details/")
        self.assertEqual(gaps[("reason_for_reporting", "answer")], f"/incidents/{ref}/decisions/report/new/")
        self.assertEqual(gaps[("telling_data_subjects", "answer")], f"/incidents/{ref}/decisions/tell/new/")
        self.assertEqual(gaps[("about_you", "controller_name")], "/organisation/edit/")

    def test_filled_answers_close_their_gaps(self) -> None:
        make_organisation()
        report_details_save(incident=self.incident, actor=self.handler, fields={
            "consequences": "Distress.", "likelihood": "likely", "staff_trained": "yes", "actions_taken": "Recalled.",
            "measures_before": "Checks.", "prevent_recurrence": "Training.", "other_organisations": "None",
            "reporter_name": "Dana Okafor"})
        fields = {g["field"] for g in build_report(self.incident)["gaps"]}
        self.assertFalse(fields & {"potential_consequences", "likelihood", "controller_name", "taken_or_proposed"})

    def test_a_report_past_the_deadline_asks_for_the_reasons_for_delay(self) -> None:
        late = make_incident(actor=self.dpo, discovered_at=timezone.now() - timedelta(days=5),
                             aware_at=timezone.now() - timedelta(days=4))
        report = build_report(late)
        self.assertTrue(report["what_happened"]["reported_late"])
        self.assertIn("delay_reasons", {g["field"] for g in report["gaps"]})
        report_details_save(incident=late, actor=self.dpo, fields={"delay_reasons": "Forensics took a week."})
        self.assertEqual(build_report(late)["what_happened"]["delay_reasons"], "Forensics took a week.")

    def test_after_the_initial_submission_it_is_a_follow_up_with_the_case_reference(self) -> None:
        report_services.report_submit(incident=self.incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now(), "ico_reference": "IC-123456-A1B2"})
        report_type = build_report(self.incident)["report_type"]
        self.assertEqual((report_type["type"], report_type["ico_case_reference"]), ("follow_up", "IC-123456-A1B2"))

    def test_a_follow_up_takes_the_case_reference_from_the_regulators_case_when_no_report_gave_it(self) -> None:
        from django.urls import reverse

        from incidents.regulator import services as regulator_services

        report_services.report_submit(incident=self.incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now()})  # the ICO's reference came later
        report_type = build_report(self.incident)["report_type"]
        self.assertEqual((report_type["type"], report_type["ico_case_reference"]), ("follow_up", None))
        self.assertIn("ico_case_reference", {g["field"] for g in build_report(self.incident)["gaps"]})
        regulator_services.case_save(incident=self.incident, actor=self.dpo, fields={
            "opened_on": timezone.localdate(), "own_reference": "IC-777777-C3D4"})
        report = build_report(self.incident)
        self.assertEqual(report["report_type"]["ico_case_reference"], "IC-777777-C3D4")
        self.assertNotIn("ico_case_reference", {g["field"] for g in report["gaps"]})
        # Recording the follow-up offers the same reference, to check rather than retype.
        self.login(self.dpo)
        page = self.client.get(reverse("submission_create", args=[self.incident.reference]))
        self.assertContains(page, 'value="IC-777777-C3D4"')

    def test_the_reason_for_reporting_comes_from_the_decision_and_recommendation(self) -> None:
        assessment_services.decision_record(incident=self.incident, actor=self.dpo, kind="report",
                                 fields={"outcome": True, "justification": "To be safe."})
        reason = build_report(self.incident)["reason_for_reporting"]
        self.assertEqual(reason["code"], "unsure")  # no assessment: nothing was recommended

    def test_it_never_contains_a_persons_details(self) -> None:
        add_distinctive_people(self.incident)
        text = report_json(build_report(self.incident)).decode()
        for secret in pii_strings():
            self.assertNotIn(secret, text)
        self.assertNotIn("SECRETREF", text)

    def test_the_diff_lists_changed_fields_only(self) -> None:
        before = build_report(self.incident)
        self.incident.description = "Now we know more."
        self.incident.save()
        make_subject(self.incident, actor=self.dpo)
        changes = {c["field"]: (c["before"], c["after"]) for c in diff_reports(before, build_report(self.incident))}
        self.assertEqual(changes["what_happened.description"][1], "Now we know more.")
        self.assertEqual(changes["personal_data.data_subjects_recorded"], (0, 1))
        self.assertNotIn("generated_at", changes)
        self.assertNotIn("what_happened.cause", changes)


@isolated_media
class ReportQueryCountTests(BaseTestCase):
    def _page_queries(self, incident: object, people: int) -> int:
        DataSubject.objects.bulk_create([
            DataSubject(incident=incident, full_name=f"Person {n}", roles=1 << (n % 10), is_child=n % 7 == 0)
            for n in range(people)], batch_size=1000)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        sign_in(self.client, self.dpo)
        url = f"/incidents/{incident.reference}/report/"
        self.client.get(url)  # warm-up: the session's first request writes it
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)

    def test_the_report_page_uses_the_same_queries_for_10_and_5000_people(self) -> None:
        small = self._page_queries(make_incident(actor=self.dpo), 10)
        large = self._page_queries(make_incident(actor=self.dpo), 5000)
        self.assertEqual(small, large)
        # session, user, the session's two-factor device, roles; incident (regulator state in subqueries); report details,
        # organisation, submissions, decisions, latest assessment, notification plan, actions; categories,
        # exposed categories; the people tally (kept by every write: no count over the people, issue
        # 18); one over notifications; snapshots; stored PDF; the organisations named on the incident
        # (issue 19).
        self.assertEqual(large, 19)


@isolated_media
class RoleDetailTests(BaseTestCase):
    def test_it_details_the_roles_behind_other(self) -> None:
        incident = make_incident(actor=self.dpo)
        make_subject(incident, actor=self.dpo, full_name="A", roles=roles_to_mask(["victim", "witness"]))
        make_subject(incident, actor=self.dpo, full_name="B", roles=roles_to_mask(["suspect"]))
        roles = {r["code"]: (r["count"], r["ico_category"]) for r in build_report(incident)["data_subjects"]["roles"]}
        self.assertEqual(roles["victim"], (1, "Other"))
        self.assertEqual(roles["witness"], (1, "Other"))
        self.assertEqual(roles["suspect"], (1, "Other"))
        self.assertEqual(roles["officer_staff"], (0, "Employees"))
