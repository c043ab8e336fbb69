"""The "Assessment & decisions" tab and its forms, through the browser's eyes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.models import Assessment, Decision, Incident, RegulatorSubmission, Restriction
from tests.base import BaseTestCase, make_incident, make_subject


def _date(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


class DecisionActionsAreForTheDpoOnlyTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo, regime="dpa_part3")
        cls.subject = make_subject(cls.incident, actor=cls.dpo)
        cls.restriction = assessment_services.restriction_create(incident=cls.incident, actor=cls.dpo, fields={
            "grounds": "b", "rationale": "Live investigation.", "review_date": timezone.localdate() + timedelta(days=9)})

    def posts(self) -> list[tuple[str, dict[str, Any]]]:
        ref = self.incident.reference
        return [
            (reverse("decision_create", args=[ref, "report"]), {"outcome": "no", "justification": "x"}),
            (reverse("decision_create", args=[ref, "tell"]), {"outcome": "no", "justification": "x"}),
            (reverse("restriction_create", args=[ref]),
             {"grounds": ["a"], "rationale": "x", "extent": "whole", "start_date": _date(0), "review_date": _date(5)}),
            (reverse("restriction_review", args=[ref, self.restriction.pk]), {"action": "lift", "note": "x"}),
            (reverse("submission_create", args=[ref]),
             {"kind": "initial", "submitted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
        ]

    def test_handlers_auditors_and_outsiders_get_403_on_every_decision_action(self) -> None:
        for user in (self.handler, self.auditor, self.outsider):
            self.login(user)
            for url, data in self.posts():
                self.assertEqual(self.client.post(url, data).status_code, 403, f"{user} {url}")
        self.assertEqual(Decision.objects.count(), 0)
        self.assertEqual(RegulatorSubmission.objects.count(), 0)
        self.assertEqual(Restriction.objects.count(), 1)
        self.assertIsNone(Restriction.objects.get().lifted_at)

    def test_anonymous_posts_go_to_login_and_change_nothing(self) -> None:
        for url, data in self.posts():
            response = self.client.post(url, data)
            self.assertEqual(response.status_code, 302)
        self.assertEqual(Decision.objects.count(), 0)


class AssessmentPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo, regime="dpa_part3", approx_subjects=1230)
        self.url = reverse("assessment", args=[self.incident.reference])

    def post_assessment(self, user: Any, **data: Any) -> Any:
        self.login(user)
        values = {"integrity": "none", "availability": "none", "identification": "maximum", "dpc_adjustment": "0",
                  "physical_safety": "no"}
        values.update(data)
        return self.client.post(reverse("assessment_create", args=[self.incident.reference]), values)

    def test_a_handler_records_facts_and_the_page_shows_the_working(self) -> None:
        response = self.post_assessment(self.handler, published_or_unknown_recipients="on", number_of_people="1230",
                                        dpc_adjustment="3", dpc_adjustment_reason="Victims of sexual offences")
        self.assertRedirects(response, self.url)
        page = self.client.get(self.url)
        self.assertContains(page, "Severity 4.5 (Very high)")
        self.assertContains(page, "Context adjustment +3: Victims of sexual offences")
        self.assertContains(page, "High risk")

    def test_contradictory_facts_are_shown_on_the_form_and_nothing_is_saved(self) -> None:
        response = self.post_assessment(self.handler, published_or_unknown_recipients="on",
                                        disclosed_known_recipients_only="on")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "“Disclosed to known recipients only” and “Published, or reached unknown "
                                      "recipients” cannot both be true")
        self.assertEqual(Assessment.objects.count(), 0)

    def test_a_dpo_records_a_decision_not_to_report_and_the_incident_shows_it(self) -> None:
        self.post_assessment(self.dpo, disclosed_known_recipients_only="on", recipient_trusted_and_deleted="on")
        response = self.client.post(reverse("decision_create", args=[self.incident.reference, "report"]),
                                    {"outcome": "no"})
        self.assertRedirects(response, self.url)
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).status, Incident.Status.NOT_REPORTED)
        self.assertContains(self.client.get(reverse("dashboard")), "Decided not to report")

    def test_deciding_to_tell_people_sets_the_target_date_for_the_letters(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from notifications.models import NotificationPlan

        self.post_assessment(self.dpo, published_or_unknown_recipients="on", number_of_people="1230")
        target = timezone.localdate() + timedelta(days=14)
        response = self.client.post(reverse("decision_create", args=[self.incident.reference, "tell"]),
                                    {"outcome": "yes", "target_date": target.isoformat(),
                                     "justification": "Victims should hear it from us first."})
        self.assertRedirects(response, self.url)
        plan = NotificationPlan.objects.get(incident=self.incident)
        self.assertEqual(plan.target_date, target)
        self.assertEqual(plan.history.latest().history_user, self.dpo)

    def test_deciding_to_tell_people_needs_a_target_date_not_in_the_past(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        self.post_assessment(self.dpo, published_or_unknown_recipients="on", number_of_people="1230")
        url = reverse("decision_create", args=[self.incident.reference, "tell"])
        self.assertContains(self.client.post(url, {"outcome": "yes"}), "Set a target date for telling everyone")
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        self.assertContains(self.client.post(url, {"outcome": "yes", "target_date": yesterday}),
                            "cannot be in the past")
        self.assertEqual(Decision.objects.filter(kind="tell").count(), 0)

    def test_a_decision_departing_from_the_recommendation_without_justification_is_refused(self) -> None:
        self.post_assessment(self.dpo, published_or_unknown_recipients="on", number_of_people="1230")
        response = self.client.post(reverse("decision_create", args=[self.incident.reference, "report"]),
                                    {"outcome": "no", "justification": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "departs from the recommendation")
        self.assertEqual(Decision.objects.count(), 0)

    def test_an_unknown_decision_kind_is_404(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("decision_create", args=[self.incident.reference, "delete"]))
        self.assertEqual(response.status_code, 404)

    def test_a_restriction_form_without_a_review_date_is_refused_with_a_message(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("restriction_create", args=[self.incident.reference]), {
            "grounds": ["b"], "rationale": "Live investigation", "extent": "whole", "start_date": _date(0)})
        self.assertContains(response, "Set a review date")
        self.assertEqual(Restriction.objects.count(), 0)

    def test_a_restriction_form_with_a_past_review_date_is_refused(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("restriction_create", args=[self.incident.reference]), {
            "grounds": ["b"], "rationale": "Live investigation", "extent": "whole", "start_date": _date(-10),
            "review_date": _date(-1)})
        self.assertContains(response, "The review date is in the past.")
        self.assertEqual(Restriction.objects.count(), 0)

    def test_a_uk_gdpr_incident_offers_no_restriction(self) -> None:
        gdpr = make_incident(actor=self.dpo)
        self.login(self.dpo)
        response = self.client.get(reverse("restriction_create", args=[gdpr.reference]))
        self.assertRedirects(response, reverse("assessment", args=[gdpr.reference]))

    def test_a_late_initial_report_form_asks_for_reasons_for_the_delay(self) -> None:
        late = make_incident(actor=self.dpo, discovered_at=timezone.now() - timedelta(days=5),
                             aware_at=timezone.now() - timedelta(days=4))
        self.login(self.dpo)
        response = self.client.post(reverse("submission_create", args=[late.reference]), {
            "kind": "initial", "submitted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
        self.assertContains(response, "give the reasons for the delay")
        self.assertEqual(RegulatorSubmission.objects.count(), 0)

    def test_hostile_text_is_shown_as_text(self) -> None:
        self.post_assessment(self.dpo, published_or_unknown_recipients="on")
        self.client.post(reverse("decision_create", args=[self.incident.reference, "report"]),
                         {"outcome": "yes", "regulator_advice": "<script>alert(1)</script>=cmd|' /C calc'!A0"})
        page = self.client.get(self.url)
        self.assertNotContains(page, "<script>alert(1)")
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_the_page_costs_the_same_queries_however_many_records(self) -> None:
        self.post_assessment(self.dpo, published_or_unknown_recipients="on")
        self.client.get(self.url)  # warm the session and role caches

        def count() -> int:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(self.url).status_code, 200)
            return len(ctx)

        before = count()
        for n in range(4):
            subject = make_subject(self.incident, actor=self.dpo, full_name=f"Person {n}")
            assessment_services.restriction_create(incident=self.incident, actor=self.dpo, fields={
                "subject": subject, "grounds": "b", "rationale": "r", "review_date": timezone.localdate()})
            assessment_services.decision_record(incident=self.incident, actor=self.dpo, kind="tell",
                                     fields={"outcome": n % 2 == 0, "justification": "j"})
        # Session, user, groups, incident (with its state), assessments, decisions, restrictions,
        # submissions: the same number whatever is recorded.
        self.assertEqual(count(), before)

    def test_the_dashboard_costs_the_same_queries_however_many_incidents(self) -> None:
        self.login(self.auditor)
        self.client.get(reverse("dashboard"))
        # Session, user, the session's two-factor device, groups, incidents (with counts, regulator
        # state and notification plan), the notification progress counters of all of them (with
        # the people told by day, the first day of letters too), and the casework charts
        # (contacts by day, open requests by deadline, actions: issue 20).
        with self.assertNumQueries(9):
            self.client.get(reverse("dashboard"))
        for _ in range(3):
            other = make_incident(actor=self.dpo)
            assessment_services.submission_record(incident=other, actor=self.dpo,
                                       fields={"kind": "initial", "submitted_at": timezone.now()})
        with self.assertNumQueries(9):
            response = self.client.get(reverse("dashboard"))
        self.assertContains(response, "Reported on time", count=3)


class StatusFollowsTheRecordsTests(BaseTestCase):
    def test_the_incident_form_cannot_mark_an_incident_reported_by_hand(self) -> None:
        incident = make_incident(actor=self.handler)
        self.login(self.handler)
        response = self.client.get(reverse("incident_edit", args=[incident.reference]))
        self.assertNotContains(response, 'value="reported"')
        self.assertNotContains(response, 'value="not_reported"')


class HistoryTabTests(BaseTestCase):
    def test_the_history_tab_shows_who_decided_what(self) -> None:
        incident = make_incident(actor=self.dpo)
        assessment_services.assessment_record(incident=incident, actor=self.handler,
                                   fields={"published_or_unknown_recipients": True, "physical_safety": False})
        assessment_services.decision_record(incident=incident, actor=self.dpo, kind="report",
                                 fields={"outcome": False, "justification": "Only our own staff saw it."})
        self.login(self.auditor)
        page = self.client.get(reverse("incident_history", args=[incident.reference]))
        self.assertContains(page, "Decision")
        self.assertContains(page, "Only our own staff saw it.")
        self.assertContains(page, "Dana Okafor")
        self.assertContains(page, "Version 1")
        # A decision *not* to report shows its "No", though a new row's "No" is usually left out.
        self.assertRegex(page.content.decode(), r"Outcome</th><td[^>]*>—</td><td[^>]*>No</td>")
