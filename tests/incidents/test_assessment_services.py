"""Assessments, decisions and regulator submissions through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.register import services
from incidents.models import Assessment, Decision, Incident, RegulatorSubmission
from breachtracker.records import AppendOnlyError
from tests.base import BaseTestCase, category, make_incident

# Published names and addresses of 20 people: 1 x 1 + 0.5 = 1.5, likely -> risk: report, don't tell.
RISK_FACTS: dict[str, Any] = {"published_or_unknown_recipients": True, "number_of_people": 20,
                              "physical_safety": False}
# A contact list sent to a known recipient who deleted it: unlikely -> neither.
MINOR_FACTS: dict[str, Any] = {"disclosed_known_recipients_only": True, "recipient_trusted_and_deleted": True,
                               "physical_safety": False}


def assess(incident: Incident, actor: Any, **facts: Any) -> Assessment:
    assessment, _created = assessment_services.assessment_record(incident=incident, actor=actor,
                                                      fields={"physical_safety": False, **facts})
    return assessment


class AssessmentVersionTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)

    def test_the_first_assessment_is_version_1_and_moves_the_incident_to_assessing(self) -> None:
        assessment = assess(self.incident, self.handler, **RISK_FACTS)
        self.assertEqual(assessment.version, 1)
        self.assertEqual(assessment.score, 1.5)
        self.assertTrue(assessment.recommend_report)
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, Incident.Status.ASSESSING)

    def test_changed_facts_make_a_new_version_and_keep_the_old_one(self) -> None:
        first = assess(self.incident, self.handler, **RISK_FACTS)
        second = assess(self.incident, self.dpo, **{**RISK_FACTS, "malicious": True})
        self.assertEqual(second.version, 2)
        first.refresh_from_db()
        self.assertFalse(first.malicious)
        self.assertEqual(self.incident.assessments.count(), 2)

    def test_the_same_facts_again_make_no_new_version(self) -> None:
        assess(self.incident, self.handler, **RISK_FACTS)
        _again, created = assessment_services.assessment_record(incident=self.incident, actor=self.dpo, fields=RISK_FACTS)
        self.assertFalse(created)
        self.assertEqual(self.incident.assessments.count(), 1)

    def test_an_assessment_is_never_changed_in_place(self) -> None:
        assessment = assess(self.incident, self.handler, **RISK_FACTS)
        assessment.malicious = True
        with self.assertRaises(AppendOnlyError):
            assessment.save()

    def test_it_refuses_published_together_with_known_recipients_only_and_saves_nothing(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            assess(self.incident, self.handler, disclosed_known_recipients_only=True, published_or_unknown_recipients=True)
        self.assertIn("known recipients only", str(caught.exception))
        self.assertEqual(Assessment.objects.count(), 0)
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, Incident.Status.OPEN)

    def test_the_data_context_starts_from_the_most_sensitive_exposed_category(self) -> None:
        services.incident_set_categories(
            incident=self.incident, actor=self.handler,
            exposed={category("basic_identifiers"): {}, category("criminal"): {}},
        )
        assessment = assess(self.incident, self.handler, **RISK_FACTS)
        self.assertEqual(assessment.dpc_base, 4)
        self.assertIn("Criminal convictions, offences", assessment.categories_text)

    def test_encryption_needs_to_say_how(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            assess(self.incident, self.handler, **RISK_FACTS, unintelligible=True)
        self.assertIn("unintelligible_how", caught.exception.message_dict)

    def test_each_version_keeps_a_history_row_naming_who_recorded_it(self) -> None:
        assessment = assess(self.incident, self.handler, **RISK_FACTS)
        self.assertEqual(assessment.history.get().history_user, self.handler)


class DecisionTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)

    def decide(self, kind: str = "report", actor: Any = None, **fields: Any) -> Decision:
        return assessment_services.decision_record(incident=self.incident, actor=actor or self.dpo, kind=kind, fields=fields)

    def test_following_the_recommendation_needs_no_justification(self) -> None:
        assess(self.incident, self.dpo, **RISK_FACTS)
        decision = self.decide(outcome=True)
        self.assertTrue(decision.recommended)
        self.assertFalse(decision.departs)

    def test_departing_from_the_recommendation_needs_a_justification(self) -> None:
        assess(self.incident, self.dpo, **RISK_FACTS)
        with self.assertRaises(ValidationError) as caught:
            self.decide(outcome=False)
        self.assertIn("departs from the recommendation", caught.exception.message_dict["justification"][0])
        self.assertEqual(Decision.objects.count(), 0)

    def test_a_whitespace_justification_is_no_justification(self) -> None:
        assess(self.incident, self.dpo, **RISK_FACTS)
        with self.assertRaises(ValidationError):
            self.decide(outcome=False, justification="   \n ")

    def test_deciding_with_no_assessment_needs_a_justification(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.decide(outcome=True)
        self.assertIn("no assessment", caught.exception.message_dict["justification"][0])

    def test_only_a_dpo_may_decide(self) -> None:
        assess(self.incident, self.dpo, **RISK_FACTS)
        for user in (self.handler, self.auditor, self.outsider):
            with self.assertRaises(PermissionDenied):
                self.decide(outcome=True, actor=user)
        self.assertEqual(Decision.objects.count(), 0)

    def test_a_changed_decision_is_a_new_row_and_the_old_one_stays(self) -> None:
        assess(self.incident, self.dpo, **MINOR_FACTS)
        first = self.decide(outcome=False)
        second = self.decide(outcome=True, justification="The regulator asked us to report.")
        self.assertEqual(list(self.incident.decisions.all()), [second, first])
        with self.assertRaises(AppendOnlyError):
            first.save()

    def test_a_decision_not_to_report_marks_the_incident_and_stops_the_clock(self) -> None:
        assess(self.incident, self.dpo, **MINOR_FACTS)
        self.decide(outcome=False)
        incident = Incident.objects.get(pk=self.incident.pk)
        self.assertEqual(incident.status, Incident.Status.NOT_REPORTED)
        self.assertEqual(incident.regulator_state, "not_reported")
        self.assertFalse(incident.is_awaiting_decision)

    def test_a_later_decision_to_report_restarts_the_clock_until_the_report_is_made(self) -> None:
        assess(self.incident, self.dpo, **MINOR_FACTS)
        self.decide(outcome=False)
        self.decide(outcome=True, justification="New facts: the recipient published it.")
        incident = Incident.objects.get(pk=self.incident.pk)
        self.assertEqual(incident.status, Incident.Status.ASSESSING)
        self.assertEqual(incident.regulator_state, "awaiting_submission")

    def test_exemption_c_needs_the_public_communication(self) -> None:
        assess(self.incident, self.dpo, **RISK_FACTS)
        with self.assertRaises(ValidationError) as caught:
            self.decide("tell", outcome=False, exemption="c")
        self.assertIn("public_communication", caught.exception.message_dict)

    def test_exemption_c_with_its_public_communication_is_recorded(self) -> None:
        assess(self.incident, self.dpo, **RISK_FACTS)
        decision = self.decide("tell", outcome=False, exemption="c",
                               public_communication="Notice on our website, 3 March, and in the local paper.")
        self.assertEqual(decision.get_exemption_display(), "(c) disproportionate effort: public communication instead")

    def test_an_exemption_does_not_go_with_a_decision_to_report(self) -> None:
        assess(self.incident, self.dpo, **RISK_FACTS)
        with self.assertRaises(ValidationError) as caught:
            self.decide("report", outcome=True, exemption="a")
        self.assertIn("exemption", caught.exception.message_dict)

    def test_a_regime_without_the_exemption_refuses_it(self) -> None:
        pecr = make_incident(actor=self.dpo, regime="pecr")
        assess(pecr, self.dpo, **RISK_FACTS)
        with self.assertRaises(ValidationError) as caught:
            assessment_services.decision_record(incident=pecr, actor=self.dpo, kind="tell",
                                     fields={"outcome": False, "exemption": "b", "justification": "Measures taken."})
        self.assertIn("has no exemption (b)", caught.exception.message_dict["exemption"][0])

    def test_the_regulators_advice_and_who_decided_are_kept(self) -> None:
        assess(self.incident, self.dpo, **RISK_FACTS)
        decision = self.decide(outcome=True, regulator_advice="ICO helpline: report it.")
        decision.refresh_from_db()
        self.assertEqual(decision.decided_by, self.dpo)
        self.assertEqual(decision.regulator_advice, "ICO helpline: report it.")
        self.assertEqual(decision.history.get().history_user, self.dpo)


class SubmissionTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)

    def submit(self, **fields: Any) -> RegulatorSubmission:
        values = {"kind": "initial", "submitted_at": timezone.now() - timedelta(minutes=5)}
        values.update(fields)
        return assessment_services.submission_record(incident=self.incident, actor=self.dpo, fields=values)

    def test_an_initial_report_on_time_marks_the_incident_reported_on_time(self) -> None:
        self.submit(ico_reference="IC-123456-A1B2")
        incident = Incident.objects.with_regulator_state().get(pk=self.incident.pk)
        self.assertEqual(incident.status, Incident.Status.REPORTED)
        self.assertEqual(incident.regulator_state, "reported_on_time")

    def test_a_follow_up_before_an_initial_report_is_refused(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.submit(kind="follow_up", ico_reference="IC-1", what_changed="More people found.")
        self.assertIn("initial report before a follow-up", caught.exception.message_dict["kind"][0])
        self.assertEqual(RegulatorSubmission.objects.count(), 0)

    def test_a_follow_up_after_the_initial_report_is_recorded(self) -> None:
        self.submit(submitted_at=timezone.now() - timedelta(hours=1))
        follow_up = self.submit(kind="follow_up", ico_reference="IC-1", what_changed="More people found.")
        self.assertEqual(follow_up.kind, "follow_up")

    def test_a_follow_up_needs_the_case_reference_and_what_changed(self) -> None:
        self.submit(submitted_at=timezone.now() - timedelta(hours=1))
        with self.assertRaises(ValidationError) as caught:
            self.submit(kind="follow_up")
        self.assertEqual(set(caught.exception.message_dict), {"ico_reference", "what_changed"})

    def test_a_late_initial_report_needs_reasons_for_the_delay(self) -> None:
        late = make_incident(actor=self.dpo, discovered_at=timezone.now() - timedelta(hours=100),
                             aware_at=timezone.now() - timedelta(hours=80))
        with self.assertRaises(ValidationError) as caught:
            assessment_services.submission_record(incident=late, actor=self.dpo,
                                       fields={"kind": "initial", "submitted_at": timezone.now()})
        self.assertIn("delay_reasons", caught.exception.message_dict)
        assessment_services.submission_record(incident=late, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now(), "delay_reasons": "The scale was found on day 3."})
        self.assertEqual(Incident.objects.get(pk=late.pk).regulator_state, "reported_late")

    def test_a_second_initial_report_is_refused(self) -> None:
        self.submit()
        with self.assertRaises(ValidationError):
            self.submit()

    def test_a_formula_or_markup_as_case_reference_is_refused(self) -> None:
        for hostile in ("=cmd|' /C calc'!A0", "<script>alert(1)</script>", "../../etc/passwd", "x" * 41):
            with self.assertRaises(ValidationError, msg=hostile):
                self.submit(ico_reference=hostile)
        self.assertEqual(RegulatorSubmission.objects.count(), 0)

    def test_a_report_dated_in_the_future_or_before_awareness_is_refused(self) -> None:
        with self.assertRaises(ValidationError):
            self.submit(submitted_at=timezone.now() + timedelta(days=1))
        with self.assertRaises(ValidationError):
            self.submit(submitted_at=self.incident.aware_at - timedelta(hours=1))

    def test_only_a_dpo_records_reports(self) -> None:
        with self.assertRaises(PermissionDenied):
            assessment_services.submission_record(incident=self.incident, actor=self.handler,
                                       fields={"kind": "initial", "submitted_at": timezone.now()})

    def test_an_incident_with_nothing_recorded_awaits_a_decision(self) -> None:
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).regulator_state, "awaiting_decision")


class HugeInputTests(BaseTestCase):
    def test_a_pasted_document_as_justification_is_refused(self) -> None:
        incident = make_incident(actor=self.dpo)
        with self.assertRaises(ValidationError) as caught:
            assessment_services.decision_record(incident=incident, actor=self.dpo, kind="report",
                                     fields={"outcome": True, "justification": "x" * 100_000})
        self.assertIn("justification", caught.exception.message_dict)
        self.assertEqual(Decision.objects.count(), 0)
