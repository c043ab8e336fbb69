"""Part 3 restrictions on telling people, and the check the notifications code calls."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.models import Restriction
from incidents.assessment.services import notification_blocks, subject_notification_block
from tests.base import BaseTestCase, make_incident, make_subject


class RestrictionTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo, regime="dpa_part3", cause="foi_published")
        self.suspect = make_subject(self.incident, actor=self.dpo, full_name="Sam Suspect")
        self.victim = make_subject(self.incident, actor=self.dpo, full_name="Vic Victim")

    def restrict(self, **fields: Any) -> Restriction:
        values: dict[str, Any] = {
            "subject": self.suspect,
            "grounds": "b",
            "rationale": "Telling him would alert a suspect in a live investigation.",
            "review_date": timezone.localdate() + timedelta(days=28),
        }
        values.update(fields)
        return assessment_services.restriction_create(incident=self.incident, actor=self.dpo, fields=values)

    def test_a_restricted_person_cannot_be_sent_a_notification(self) -> None:
        self.restrict()
        block = subject_notification_block(self.suspect)
        self.assertIsNotNone(block)
        self.assertIn("restricted under s.68(7) (b)", block or "")

    def test_a_restriction_on_one_person_does_not_block_another(self) -> None:
        self.restrict()
        self.assertIsNone(subject_notification_block(self.victim))

    def test_a_restriction_on_the_whole_incident_blocks_everyone_in_it(self) -> None:
        self.restrict(subject=None, grounds="a,b")
        self.assertIn("everyone in this incident", subject_notification_block(self.victim) or "")
        other = make_incident(actor=self.dpo, regime="dpa_part3")
        self.assertIsNone(subject_notification_block(make_subject(other, actor=self.dpo)))

    def test_a_partial_restriction_blocks_an_automatic_notification_and_says_what_to_withhold(self) -> None:
        self.restrict(extent="partial", withheld="The offence under investigation.")
        self.assertIn("withhold The offence under investigation.", subject_notification_block(self.suspect) or "")

    def test_a_lifted_restriction_no_longer_blocks(self) -> None:
        restriction = self.restrict()
        assessment_services.restriction_lift(restriction=restriction, actor=self.dpo, reason="Charged; investigation over.")
        self.assertIsNone(subject_notification_block(self.suspect))

    def test_a_restriction_that_has_not_started_does_not_block_yet(self) -> None:
        self.restrict(start_date=timezone.localdate() + timedelta(days=2))
        self.assertIsNone(subject_notification_block(self.suspect))

    def test_the_check_is_one_query(self) -> None:
        self.restrict()
        with self.assertNumQueries(1):
            subject_notification_block(self.suspect)

    def test_the_blocks_for_a_whole_incident_are_one_query_however_many_people(self) -> None:
        self.restrict()
        for n in range(5):
            self.restrict(subject=make_subject(self.incident, actor=self.dpo, full_name=f"Person {n}"))
        with self.assertNumQueries(1):
            blocks = notification_blocks(incident=self.incident)
        self.assertIn(self.suspect.pk, blocks)
        self.assertNotIn(self.victim.pk, blocks)
        self.assertNotIn(None, blocks)

    def test_the_incident_lists_its_active_restrictions(self) -> None:
        kept = self.restrict()
        lifted = self.restrict(subject=self.victim, grounds="e", rationale="Protects others.")
        assessment_services.restriction_lift(restriction=lifted, actor=self.dpo, reason="No longer needed.")
        self.assertEqual(list(self.incident.active_restrictions()), [kept])

    def test_a_restriction_past_its_review_date_shows_as_due_for_review(self) -> None:
        restriction = self.restrict(review_date=timezone.localdate() + timedelta(days=3))
        self.assertFalse(restriction.is_due_for_review)
        with time_machine.travel(timezone.now() + timedelta(days=4)):
            self.assertTrue(restriction.is_due_for_review)
            self.assertEqual(list(Restriction.objects.due_for_review()), [restriction])

    def test_a_review_keeps_it_with_a_new_date_and_the_reasons(self) -> None:
        restriction = self.restrict()
        new_date = timezone.localdate() + timedelta(days=60)
        assessment_services.restriction_review(restriction=restriction, actor=self.dpo, review_date=new_date,
                                    note="Investigation continues.")
        restriction.refresh_from_db()
        self.assertEqual(restriction.review_date, new_date)
        self.assertEqual(restriction.history.count(), 2)

    def test_it_refuses_a_restriction_without_a_ground(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.restrict(grounds="")
        self.assertIn("grounds", caught.exception.message_dict)
        self.assertEqual(Restriction.objects.count(), 0)

    def test_it_refuses_a_ground_that_is_not_a_to_e(self) -> None:
        with self.assertRaises(ValidationError):
            self.restrict(grounds="z")
        with self.assertRaises(ValidationError):
            self.restrict(grounds="<script>")

    def test_it_refuses_a_restriction_without_a_rationale(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.restrict(rationale="  ")
        self.assertIn("rationale", caught.exception.message_dict)

    def test_it_refuses_a_restriction_without_a_review_date(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.restrict(review_date=None)
        self.assertIn("review_date", caught.exception.message_dict)

    def test_it_refuses_a_review_date_in_the_past(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.restrict(review_date=timezone.localdate() - timedelta(days=1))
        self.assertIn("The review date is in the past.", caught.exception.message_dict["review_date"])
        self.assertEqual(Restriction.objects.count(), 0)

    def test_a_partial_restriction_must_say_what_is_withheld(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.restrict(extent="partial")
        self.assertIn("withheld", caught.exception.message_dict)

    def test_it_refuses_a_person_from_another_incident(self) -> None:
        stranger = make_subject(make_incident(actor=self.dpo, regime="dpa_part3"), actor=self.dpo)
        with self.assertRaises(ValidationError) as caught:
            self.restrict(subject=stranger)
        self.assertIn("subject", caught.exception.message_dict)

    def test_restrictions_exist_under_part_3_only(self) -> None:
        gdpr = make_incident(actor=self.dpo, regime="uk_gdpr")
        with self.assertRaises(ValidationError) as caught:
            assessment_services.restriction_create(incident=gdpr, actor=self.dpo, fields={
                "grounds": "b", "rationale": "x", "review_date": timezone.localdate() + timedelta(days=5)})
        self.assertIn("DPA 2018 Part 3 only", str(caught.exception))

    def test_only_a_dpo_may_restrict(self) -> None:
        with self.assertRaises(PermissionDenied):
            assessment_services.restriction_create(incident=self.incident, actor=self.handler, fields={})


class RestrictedPersonPageTests(BaseTestCase):
    def test_the_person_page_says_not_to_notify_a_restricted_person(self) -> None:
        incident = make_incident(actor=self.dpo, regime="dpa_part3")
        subject = make_subject(incident, actor=self.dpo)
        assessment_services.restriction_create(incident=incident, actor=self.dpo, fields={
            "subject": subject, "grounds": "b", "rationale": "Live investigation.",
            "review_date": timezone.localdate() + timedelta(days=10)})
        self.login(self.handler)
        response = self.client.get(subject.get_absolute_url())
        self.assertContains(response, "Do not notify:")
        self.assertContains(response, "restricted under s.68(7) (b)")
