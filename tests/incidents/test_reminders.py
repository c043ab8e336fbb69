"""Reminder emails: 24/48/66 h after awareness, the deadline, restrictions due for review.

Each is sent once; the clock is absolute time, so across a clock change the wall-clock times
in the emails move by an hour.
"""

from __future__ import annotations

from smtplib import SMTPServerDisconnected

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.models import Incident, ReminderSent
from incidents.assessment.reminders import reminders_sweep
from incidents.tasks import send_reminders
from tests.base import BaseTestCase, close_incident, local, make_incident, make_subject

# Europe/London: BST starts 01:00 UTC on 29 March 2026 and ends 01:00 UTC on 25 October 2026.
SPRING_AWARE = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # 12:00 GMT
AUTUMN_AWARE = datetime(2026, 10, 24, 11, 0, tzinfo=UTC)  # 12:00 BST


def sweep_at(when: datetime) -> int:
    with time_machine.travel(when, tick=False):
        return reminders_sweep()


class ReminderTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        users = get_user_model().objects
        users.filter(pk=cls.dpo.pk).update(email="dpo@example.org")
        users.filter(pk=cls.handler.pk).update(email="handler@example.org")
        users.filter(pk=cls.auditor.pk).update(email="auditor@example.org")

    def incident(self, aware_at: datetime = SPRING_AWARE, **fields: Any) -> Incident:
        return make_incident(actor=self.dpo, aware_at=aware_at, discovered_at=aware_at - timedelta(hours=1),
                             handler=self.handler, **fields)

    def kinds(self) -> list[str]:
        return list(ReminderSent.objects.order_by("pk").values_list("kind", flat=True))

    def test_nothing_is_sent_before_24_hours(self) -> None:
        self.incident()
        self.assertEqual(sweep_at(SPRING_AWARE + timedelta(hours=23, minutes=59)), 0)
        self.assertEqual(mail.outbox, [])

    def test_the_24_hour_reminder_goes_to_the_handler_and_the_dpo_not_the_auditor(self) -> None:
        incident = self.incident()
        self.assertEqual(sweep_at(SPRING_AWARE + timedelta(hours=24)), 1)
        (message,) = mail.outbox
        self.assertEqual(sorted(message.to), ["dpo@example.org", "handler@example.org"])
        self.assertIn(incident.reference, message.subject)
        self.assertIn("24 hours since awareness", message.subject)
        self.assertIn(f"/incidents/{incident.reference}/assessment/", message.body)

    def test_a_second_sweep_in_the_same_hour_sends_nothing(self) -> None:
        self.incident()
        sweep_at(SPRING_AWARE + timedelta(hours=24))
        self.assertEqual(sweep_at(SPRING_AWARE + timedelta(hours=24, minutes=30)), 0)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(self.kinds(), ["h24"])

    def test_each_milestone_is_sent_once_then_the_deadline_once(self) -> None:
        self.incident()
        for hour in range(0, 80):
            sweep_at(SPRING_AWARE + timedelta(hours=hour, minutes=5))
        self.assertEqual(self.kinds(), ["h24", "h48", "h66", "deadline"])
        self.assertEqual(len(mail.outbox), 4)
        self.assertIn("Deadline passed", mail.outbox[-1].subject)

    def test_a_sweep_that_missed_earlier_hours_sends_only_the_latest_reminder(self) -> None:
        self.incident()
        sweep_at(SPRING_AWARE + timedelta(hours=50))
        self.assertEqual(self.kinds(), ["h48"])

    def test_across_the_spring_clock_change_the_24_hour_reminder_comes_at_13_00_bst(self) -> None:
        self.incident()
        self.assertEqual(sweep_at(local(2026, 3, 29, 12, 59)), 0)
        self.assertEqual(sweep_at(local(2026, 3, 29, 13, 0)), 1)

    def test_across_the_spring_clock_change_the_deadline_is_13_00_bst_71_wall_clock_hours_later(self) -> None:
        self.incident()
        sweep_at(local(2026, 3, 31, 12, 59))
        self.assertEqual(self.kinds(), ["h66"])
        sweep_at(local(2026, 3, 31, 13, 0))
        self.assertEqual(self.kinds(), ["h66", "deadline"])
        self.assertIn("Tue 31 Mar 2026, 13:00 BST", mail.outbox[-1].body)

    def test_across_the_autumn_clock_change_the_deadline_is_11_00_gmt_73_wall_clock_hours_later(self) -> None:
        self.incident(aware_at=AUTUMN_AWARE)
        sweep_at(local(2026, 10, 27, 10, 59))
        self.assertNotIn("deadline", self.kinds())
        sweep_at(local(2026, 10, 27, 11, 0))
        self.assertIn("deadline", self.kinds())
        self.assertIn("Tue 27 Oct 2026, 11:00 GMT", mail.outbox[-1].body)

    def test_a_decision_not_to_report_stops_the_reminders(self) -> None:
        incident = self.incident()
        assessment_services.decision_record(incident=incident, actor=self.dpo, kind="report",
                                 fields={"outcome": False, "justification": "Contained at once; no risk."})
        self.assertEqual(sweep_at(SPRING_AWARE + timedelta(hours=30)), 0)

    def test_a_decision_to_report_keeps_reminding_until_the_report_is_recorded(self) -> None:
        incident = self.incident()
        assessment_services.decision_record(incident=incident, actor=self.dpo, kind="report",
                                 fields={"outcome": True, "justification": "Serious."})
        self.assertEqual(sweep_at(SPRING_AWARE + timedelta(hours=30)), 1)
        assessment_services.submission_record(incident=incident, actor=self.dpo,
                                   fields={"kind": "initial", "submitted_at": SPRING_AWARE + timedelta(hours=40)})
        self.assertEqual(sweep_at(SPRING_AWARE + timedelta(hours=50)), 0)

    def test_closed_incidents_get_no_reminders(self) -> None:
        incident = self.incident()
        close_incident(incident, self.dpo)
        # A later decision to report would restart the clock's reminders, but not while closed.
        assessment_services.decision_record(incident=incident, actor=self.dpo, kind="report", fields={
            "outcome": True, "justification": "New facts."})
        self.assertEqual(Incident.objects.get(pk=incident.pk).status, Incident.Status.CLOSED)
        self.assertEqual(sweep_at(SPRING_AWARE + timedelta(hours=30)), 0)

    def test_a_restriction_due_for_review_is_reminded_once_per_review_date(self) -> None:
        incident = self.incident(regime="dpa_part3", aware_at=timezone.now() - timedelta(hours=1))
        subject = make_subject(incident, actor=self.dpo)
        assessment_services.submission_record(incident=incident, actor=self.dpo,
                                   fields={"kind": "initial", "submitted_at": timezone.now()})
        today = timezone.localdate()
        restriction = assessment_services.restriction_create(incident=incident, actor=self.dpo, fields={
            "subject": subject, "grounds": "b", "rationale": "Live investigation.", "review_date": today + timedelta(days=2)})
        now = timezone.now()
        self.assertEqual(sweep_at(now + timedelta(days=1)), 0)
        self.assertEqual(sweep_at(now + timedelta(days=2)), 1)
        self.assertEqual(sweep_at(now + timedelta(days=3)), 0)
        self.assertIn("Restriction due for review", mail.outbox[0].subject)
        self.assertNotIn(subject.full_name, mail.outbox[0].body)
        with time_machine.travel(now + timedelta(days=3), tick=False):
            assessment_services.restriction_review(restriction=restriction, actor=self.dpo,
                                        review_date=timezone.localdate() + timedelta(days=7), note="Still needed.")
        self.assertEqual(sweep_at(now + timedelta(days=10)), 1)
        self.assertEqual(ReminderSent.objects.filter(restriction=restriction).count(), 2)

    @override_settings(EMAIL_BACKEND="tests.failing_email.EmailBackend")
    def test_a_failed_send_releases_the_claim_so_a_retry_can_send_it(self) -> None:
        self.incident()
        with self.assertRaises(SMTPServerDisconnected):
            sweep_at(SPRING_AWARE + timedelta(hours=25))
        self.assertEqual(ReminderSent.objects.count(), 0)

    def test_the_task_runs_the_sweep(self) -> None:
        with time_machine.travel(timezone.now(), tick=False):
            self.incident(aware_at=timezone.now() - timedelta(hours=25))
            self.assertEqual(send_reminders(), 1)

    def test_beat_runs_the_sweep_every_hour(self) -> None:
        entry = settings.CELERY_BEAT_SCHEDULE["incident-reminders"]
        self.assertEqual(entry["task"], "incidents.send_reminders")
        self.assertEqual(entry["schedule"], 3600)


class ProcessorReminderTests(BaseTestCase):
    """As processor there is no regulator clock of ours: the milestones remind us to tell the
    controller, until every controller named is told; never "deadline passed", never overdue."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        get_user_model().objects.filter(pk=cls.dpo.pk).update(email="dpo@example.org")
        get_user_model().objects.filter(pk=cls.handler.pk).update(email="handler@example.org")

    def kinds(self) -> list[str]:
        return list(ReminderSent.objects.order_by("pk").values_list("kind", flat=True))

    def test_the_reminders_say_tell_the_controller_and_stop_once_told(self) -> None:
        from incidents.controllers import services as party_services
        from tests.incidents.controllers import make_processor_incident

        incident = make_processor_incident(self.dpo, aware_at=SPRING_AWARE, discovered_at=SPRING_AWARE - timedelta(hours=1),
                                           handler=self.handler)
        self.assertEqual(sweep_at(SPRING_AWARE + timedelta(hours=24, minutes=5)), 1)
        (message,) = mail.outbox
        self.assertIn("tell the controller", message.subject)
        self.assertIn("Not told yet: Westshire County Council.", message.body)
        self.assertIn(f"/incidents/{incident.reference}/controllers/", message.body)
        self.assertNotIn("regulator deadline", message.body)
        with time_machine.travel(SPRING_AWARE + timedelta(hours=80), tick=False):
            self.assertFalse(Incident.objects.get(pk=incident.pk).is_overdue())
        controller = incident.parties.get(kind="controller")
        with time_machine.travel(SPRING_AWARE + timedelta(hours=30), tick=False):
            party_services.party_update(party=controller, actor=self.dpo, fields={
                "told_at": SPRING_AWARE + timedelta(hours=29), "told_how": "email", "told_by": "Dana Okafor"})
        for hour in range(30, 80):
            sweep_at(SPRING_AWARE + timedelta(hours=hour, minutes=5))
        self.assertEqual(self.kinds(), ["h24"])
