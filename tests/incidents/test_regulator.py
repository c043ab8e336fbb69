"""Issue 20, the regulator's case: the case and its outcome, the regulator's information
requests, linked incidents; each write names who made it in the history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.models import IncidentLink, RegulatorCase, RegulatorRequest
from incidents.regulator import services
from tests.base import BaseTestCase, make_incident


class CaseTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.today = timezone.localdate()

    def _save(self, **fields: Any) -> RegulatorCase:
        values: dict[str, Any] = {"opened_on": self.today - timedelta(days=30),
                                  "case_officer": "Sam Reed, 0303 123 1113"}
        values.update(fields)
        return services.case_save(incident=self.incident, actor=self.dpo, fields=values)

    def test_only_the_dpo_writes_it_even_calling_the_services(self) -> None:
        from django.core.exceptions import PermissionDenied

        for actor in (self.handler, self.auditor, self.outsider):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                services.case_save(incident=self.incident, actor=actor, fields={"opened_on": self.today})
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                services.regulator_request_add(incident=self.incident, actor=actor, fields={
                    "received_on": self.today, "due_on": self.today, "asked": "x", "owner": self.dpo})
        self.assertFalse(RegulatorCase.objects.exists())

    def test_opening_the_case_names_who_did_it(self) -> None:
        case = self._save()
        latest = case.history.latest()
        self.assertEqual((latest.history_user, latest.history_change_reason), (self.dpo, "Case opened"))

    def test_a_penalty_is_recorded_with_its_amount(self) -> None:
        self._save()
        case = self._save(outcome="penalty", outcome_on=self.today, penalty_amount=Decimal("750000.00"),
                          outcome_summary="Fined for publishing officers' details.")
        self.assertEqual((case.outcome, case.penalty_amount), ("penalty", Decimal("750000.00")))
        self.assertEqual(case.history.latest().history_change_reason, "Outcome recorded: Penalty (fine)")
        self.assertEqual(RegulatorCase.objects.count(), 1)  # saved again, not a second case

    def test_a_penalty_without_an_amount_is_refused(self) -> None:
        with self.assertRaisesMessage(ValidationError, "Give the penalty amount in pounds."):
            self._save(outcome="penalty", outcome_on=self.today)
        self.assertFalse(RegulatorCase.objects.exists())

    def test_a_penalty_of_nothing_or_less_is_refused(self) -> None:
        for amount in ("0", "-100"):
            with self.subTest(amount=amount), self.assertRaisesMessage(
                    ValidationError, "A penalty amount must be more than £0."):
                self._save(outcome="penalty", outcome_on=self.today, penalty_amount=Decimal(amount))

    def test_an_amount_is_only_for_a_penalty(self) -> None:
        with self.assertRaisesMessage(ValidationError, "An amount is only for a penalty: leave it empty."):
            self._save(outcome="reprimand", outcome_on=self.today, penalty_amount=Decimal("10"))

    def test_an_outcome_needs_its_date_not_before_the_case_opened(self) -> None:
        with self.assertRaisesMessage(ValidationError, "Give the date of the outcome."):
            self._save(outcome="reprimand")
        with self.assertRaisesMessage(ValidationError, "cannot be before the case was opened"):
            self._save(outcome="reprimand", outcome_on=self.today - timedelta(days=31))
        with self.assertRaisesMessage(ValidationError, "Choose the outcome"):
            self._save(outcome_on=self.today)

    def test_a_case_opened_in_the_future_is_refused(self) -> None:
        with self.assertRaisesMessage(ValidationError, "The case cannot be opened in the future."):
            self._save(opened_on=self.today + timedelta(days=1))

    def test_the_case_reference_is_the_one_recorded_with_the_reports(self) -> None:
        from incidents.assessment import services as assessment_services

        self.assertEqual(services.case_reference(self.incident), "")
        assessment_services.submission_record(incident=self.incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now(), "ico_reference": "IC-123456-A1B2"})
        self.assertEqual(services.case_reference(self.incident), "IC-123456-A1B2")

    def test_a_case_without_a_report_that_gave_the_reference_keeps_its_own_never_a_second(self) -> None:
        from incidents.assessment import services as assessment_services

        self._save(own_reference="IC-999999-Z9Z9")  # opened after a complaint: no report of ours
        self.assertEqual(services.case_reference(self.incident), "IC-999999-Z9Z9")
        assessment_services.submission_record(incident=self.incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now(), "ico_reference": "IC-123456-A1B2"})
        self.assertEqual(services.case_reference(self.incident), "IC-123456-A1B2")  # the report's wins
        with self.assertRaisesMessage(ValidationError, "already records the ICO case reference IC-123456-A1B2"):
            self._save(own_reference="IC-000000-X")
        case = self._save(own_reference="IC-123456-A1B2")  # the same: kept once, on the report
        self.assertEqual(case.own_reference, "")
        self.login(self.dpo)
        page = self.client.get(reverse("regulator_case_edit", args=[self.incident.reference]))
        self.assertNotContains(page, 'name="own_reference"')
        self.assertContains(page, "The ICO case reference, IC-123456-A1B2, comes from your report")


class RegulatorRequestTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.today = timezone.localdate()

    def _add(self, **fields: Any) -> RegulatorRequest:
        values: dict[str, Any] = {"received_on": self.today - timedelta(days=2),
                                  "due_on": self.today + timedelta(days=12),
                                  "asked": "Send your FOI release procedure.", "owner": self.dpo}
        values.update(fields)
        return services.regulator_request_add(incident=self.incident, actor=self.dpo, fields=values)

    def test_a_request_is_recorded_open_with_the_date_the_regulator_set(self) -> None:
        record = self._add()
        self.assertEqual((record.status, record.due_on), ("open", self.today + timedelta(days=12)))
        latest = record.history.latest()
        self.assertEqual((latest.history_user, latest.history_change_reason),
                         (self.dpo, "Information request received from the regulator"))

    def test_a_reply_date_before_receipt_is_refused(self) -> None:
        with self.assertRaisesMessage(ValidationError, "cannot be before the request was received"):
            self._add(due_on=self.today - timedelta(days=3))
        self.assertFalse(RegulatorRequest.objects.exists())

    def test_a_request_received_in_the_future_is_refused(self) -> None:
        with self.assertRaisesMessage(ValidationError, "cannot be received in the future"):
            self._add(received_on=self.today + timedelta(days=1), due_on=self.today + timedelta(days=20))

    def test_answering_records_when_and_what_once(self) -> None:
        record = self._add()
        answered = services.regulator_request_answer(record=record, actor=self.dpo, answered_on=self.today,
                                                     reply="Sent procedure v3.")
        self.assertEqual((answered.status, answered.answered_on, answered.reply), ("answered", self.today,
                                                                                   "Sent procedure v3."))
        self.assertEqual(answered.history.latest().history_user, self.dpo)
        with self.assertRaisesMessage(ValidationError, "already answered"):
            services.regulator_request_answer(record=record, actor=self.dpo, answered_on=self.today, reply="Again")

    def test_an_answer_needs_a_reply_and_a_date_between_receipt_and_today(self) -> None:
        record = self._add()
        with self.assertRaisesMessage(ValidationError, "Say what you replied."):
            services.regulator_request_answer(record=record, actor=self.dpo, answered_on=self.today, reply=" ")
        with self.assertRaisesMessage(ValidationError, "between receipt and today"):
            services.regulator_request_answer(record=record, actor=self.dpo,
                                              answered_on=self.today - timedelta(days=5), reply="x")
        record.refresh_from_db()
        self.assertEqual(record.status, "open")

    def test_the_digest_finds_open_requests_overdue_or_due_within_three_days(self) -> None:
        overdue = self._add(received_on=self.today - timedelta(days=20), due_on=self.today - timedelta(days=1))
        soon = self._add(due_on=self.today + timedelta(days=3))
        self._add(due_on=self.today + timedelta(days=4))
        answered = self._add(due_on=self.today)
        services.regulator_request_answer(record=answered, actor=self.dpo, answered_on=self.today, reply="Done")
        self.assertEqual(set(services.requests_due(self.today)), {overdue, soon})


class LinkTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.second = make_incident(actor=self.dpo, title="A second FOI reply with a hidden tab")

    def test_a_link_reads_the_same_from_either_side(self) -> None:
        link = services.link_add(incident=self.second, actor=self.dpo, other=self.incident,
                                 reason="The ICO investigates both together.")
        self.assertEqual(list(services.links_of(self.incident)), [link])
        self.assertEqual(list(services.links_of(self.second)), [link])
        self.assertEqual(link.other(self.incident.pk), self.second.pk)
        self.assertEqual(link.history.latest().history_user, self.dpo)

    def test_an_incident_cannot_be_linked_to_itself(self) -> None:
        with self.assertRaisesMessage(ValidationError, "An incident cannot be linked to itself."):
            services.link_add(incident=self.incident, actor=self.dpo, other=self.incident, reason="x")
        self.assertFalse(IncidentLink.objects.exists())

    def test_a_pair_is_linked_once_whichever_side_asks(self) -> None:
        services.link_add(incident=self.incident, actor=self.dpo, other=self.second, reason="Same cause.")
        with self.assertRaisesMessage(ValidationError, "These incidents are already linked."):
            services.link_add(incident=self.second, actor=self.dpo, other=self.incident, reason="Again.")
        self.assertEqual(IncidentLink.objects.count(), 1)

    def test_a_link_needs_a_reason(self) -> None:
        with self.assertRaisesMessage(ValidationError, "Say why the incidents are linked."):
            services.link_add(incident=self.incident, actor=self.dpo, other=self.second, reason="  ")

    def test_a_removed_link_stays_in_the_history_with_the_reason(self) -> None:
        link = services.link_add(incident=self.incident, actor=self.dpo, other=self.second, reason="Same cause.")
        services.link_remove(link=link, actor=self.dpo, reason="Linked by mistake")
        self.assertFalse(IncidentLink.objects.exists())
        gone = IncidentLink.history.latest()  # type: ignore[attr-defined]
        self.assertEqual((gone.history_type, gone.history_change_reason), ("-", "Link removed: Linked by mistake"))
