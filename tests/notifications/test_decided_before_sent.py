"""No batch of letters starts without a recorded decision to tell people (issue 13)."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from incidents.assessment import services as assessment_services
from incidents.models import IncidentEvent
from notifications import approvals, readiness, services
from notifications.models import Batch, DecisionOverride, Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import isolated_media, make_organisation, make_ready


@isolated_media
class DecidedBeforeSentTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.ref = self.incident.reference
        make_subject(self.incident, actor=self.dpo)

    def decide(self, outcome: bool, **fields: object) -> None:
        assessment_services.decision_record(incident=self.incident, actor=self.dpo, kind="tell", fields={
            "outcome": outcome, "justification": "Recorded for the test.", **fields})

    def test_the_service_refuses_a_batch_without_a_decision_and_creates_nothing(self) -> None:
        with self.assertRaises(approvals.BatchRefused) as refused:
            services.batch_start(incident=self.incident, actor=self.dpo)
        self.assertIn("No decision to tell people", str(refused.exception))
        self.assertEqual((Batch.objects.count(), Notification.objects.count()), (0, 0))

    def test_the_service_refuses_when_the_latest_decision_is_not_to_tell(self) -> None:
        self.decide(True)
        self.decide(False)
        with self.assertRaises(approvals.BatchRefused) as refused:
            services.batch_start(incident=self.incident, actor=self.dpo)
        self.assertIn("latest recorded decision is not to tell", str(refused.exception))

    def test_a_decision_to_tell_lets_the_batch_start(self) -> None:
        make_ready(self.incident, self.dpo)
        with self.captureOnCommitCallbacks(execute=False):
            batch = services.batch_start(incident=self.incident, actor=self.dpo)
        self.assertEqual(batch.total, 1)

    def test_the_public_communication_route_counts_as_a_decision_requiring_communication(self) -> None:
        self.decide(False, exemption="c", public_communication="A notice on our website from 1 December.")
        self.assertIsNone(readiness.decision_problem(self.incident))

    def test_the_view_refuses_a_batch_without_a_decision_and_says_why(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("batch_start", args=[self.ref]), follow=True)
        self.assertContains(response, "No decision to tell people has been recorded")
        self.assertEqual(Notification.objects.count(), 0)

    def test_the_generate_page_says_why_and_links_to_the_decision(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("batch_start", args=[self.ref]))
        self.assertContains(response, "Letters cannot be generated yet")
        self.assertContains(response, reverse("decision_create", args=[self.ref, "tell"]))
        self.assertNotContains(response, '<button class="btn btn-primary" type="submit">Generate</button>', html=True)

    def test_the_generate_button_shows_once_decided_and_complete(self) -> None:
        make_ready(self.incident, self.dpo)
        self.login(self.dpo)
        response = self.client.get(reverse("batch_start", args=[self.ref]))
        self.assertNotContains(response, "Letters cannot be generated yet")

    def test_an_override_needs_a_written_reason(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("batch_start", args=[self.ref]), {"override_reason": "urgent"}, follow=True)
        self.assertContains(response, "Write the reason for the emergency override")
        self.assertEqual(DecisionOverride.objects.count(), 0)
        self.assertEqual(IncidentEvent.objects.count(), 0)

    def test_only_the_dpo_may_override(self) -> None:
        with self.assertRaises(PermissionError):
            services.override_record(incident=self.incident, actor=self.handler,
                                     reason="The people are at risk tonight and must be warned.")

    def test_an_override_lets_the_batch_start_and_is_in_the_history_and_on_the_incident(self) -> None:
        self.login(self.dpo)
        reason = "The victims addresses were published: they must be warned tonight, before the DPO meeting."
        self.client.post(reverse("batch_start", args=[self.ref]), {"override_reason": reason})
        self.assertIsNone(readiness.decision_problem(self.incident))
        self.assertEqual(DecisionOverride.objects.get().history.get().history_user, self.dpo)
        self.assertContains(self.client.get(reverse("incident_detail", args=[self.ref])), reason)
        self.assertContains(self.client.get(reverse("incident_history", args=[self.ref])), reason)
        response = self.client.get(reverse("incident_audit_csv", args=[self.ref]))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        self.assertTrue(any(reason in row for row in rows))

    def test_a_decision_not_to_tell_after_an_override_stops_the_letters_again(self) -> None:
        services.override_record(incident=self.incident, actor=self.dpo,
                                 reason="The people are at risk tonight and must be warned.")
        self.decide(False)
        self.assertIsNotNone(readiness.decision_problem(self.incident))

    def test_a_started_batch_is_on_the_incident_history_with_its_count(self) -> None:
        make_ready(self.incident, self.dpo)
        with self.captureOnCommitCallbacks(execute=False):
            batch = services.batch_start(incident=self.incident, actor=self.dpo)
        event = IncidentEvent.objects.get(kind="batch_started")
        self.assertEqual((event.actor, event.detail), (self.dpo, f"Batch {batch.pk}: 1 person."))
