"""Retention: people's personal data leaves incidents closed past the retention period;
counts, the register entry and the history of the purge stay."""
from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.core.files.storage import default_storage
from django.test import override_settings

from incidents.assessment import services as assessment_services
from incidents.people import services as people_services
from reporting import tasks
from incidents.models import DataSubject, Incident
from reporting.retention import PURGED_NAME
from incidents.vocab import roles_to_mask
from notifications.models import ContactAttempt, Notification
from notifications.services import contact_record
from tests.base import BaseTestCase, category, close_incident, make_incident, make_subject
from tests.notifications.helpers import generate_all, isolated_media, make_organisation, start_batch

CLOSED_ON = datetime(2024, 1, 10, 12, tzinfo=UTC)


@isolated_media
@override_settings(RETENTION_MONTHS=24)
class RetentionTests(BaseTestCase):
    def setUp(self) -> None:
        with time_machine.travel(CLOSED_ON, tick=False):
            make_organisation()
            self.incident = make_incident(actor=self.dpo)
            self.victim = make_subject(self.incident, actor=self.handler, full_name="Zebedee Quartermain",
                                       email="zebedee@example.org", notes="Lives with the suspect",
                                       categories_mask=category("health").mask)
            make_subject(self.incident, full_name="Wit Ness", roles=roles_to_mask(["witness"]))
            people_services.subject_update(subject=self.victim, actor=self.handler, fields={"phone": "07700 900999"})
            generate_all(start_batch(self.incident, self.dpo))
            self.letter = Notification.objects.get(subject=self.victim).pdf.name
            close_incident(self.incident, self.dpo)

    def _purge_on(self, when: datetime) -> dict[str, int]:
        with time_machine.travel(when, tick=False), self.captureOnCommitCallbacks(execute=True):
            return tasks.retention_purge()

    def test_people_of_an_incident_closed_over_the_period_lose_their_personal_data(self) -> None:
        self.assertEqual(self._purge_on(datetime(2026, 1, 11, tzinfo=UTC)), {"incidents": 1, "people": 2})
        victim = DataSubject.objects.get(pk=self.victim.pk)
        self.assertEqual((victim.full_name, victim.email, victim.phone, victim.notes), (PURGED_NAME, "", "", ""))
        self.assertEqual({(h.email, h.phone, h.notes) for h in victim.history.all()}, {("", "", "")})
        self.assertFalse(any("Zebedee" in h.full_name for h in DataSubject.history.all()))

    def test_contact_notes_leave_the_rows_and_their_history(self) -> None:
        notification = Notification.objects.get(subject=self.victim)
        with time_machine.travel(CLOSED_ON, tick=False):
            contact_record(notification=notification, actor=self.handler, expected_version=notification.version,
                           channel="phone", contacted_at=CLOSED_ON, outcome="no_answer",
                           note="Lives with the suspect at 4 Elm Rd")
        self.assertTrue(ContactAttempt.history.filter(note__contains="4 Elm Rd").exists())
        self._purge_on(datetime(2026, 1, 11, tzinfo=UTC))
        self.assertEqual(set(ContactAttempt.objects.values_list("note", flat=True)), {""})
        # The history table itself, read directly: no copy of the note survives the purge.
        self.assertFalse(ContactAttempt.history.filter(note__contains="Elm Rd").exists())
        self.assertEqual(set(ContactAttempt.history.values_list("note", flat=True)), {""})

    def test_the_counts_stay_and_are_stored_on_the_incident(self) -> None:
        self._purge_on(datetime(2026, 1, 11, tzinfo=UTC))
        self.incident.refresh_from_db()
        self.assertEqual((self.incident.purged_counts["total"], self.incident.purged_counts["role_witness"],
                          self.incident.purged_counts["cat_health"]), (2, 1, 1))
        self.assertEqual(self.incident.subjects.count(), 2)
        self.assertEqual(self.incident.subjects.with_role("victim").count(), 1)

    def test_letters_are_deleted(self) -> None:
        self.assertTrue(default_storage.exists(self.letter))
        self._purge_on(datetime(2026, 1, 11, tzinfo=UTC))
        self.assertFalse(default_storage.exists(self.letter))
        self.assertEqual(Notification.objects.exclude(pdf="").count(), 0)

    def test_files_kept_as_evidence_are_deleted_and_the_deletion_recorded(self) -> None:
        from incidents.disclosure.evidence import evidence_attach
        from incidents.models import Evidence

        with time_machine.travel(CLOSED_ON, tick=False):
            evidence = evidence_attach(incident=self.incident, actor=self.dpo, data=b"Zebedee Quartermain,victim\n",
                                       file_name="leak.csv", verdict="fail")
        self.assertTrue(default_storage.exists(evidence.stored_name))
        self._purge_on(datetime(2026, 1, 11, tzinfo=UTC))
        self.assertFalse(default_storage.exists(evidence.stored_name))
        self.assertFalse(Evidence.objects.filter(incident=self.incident).exists())
        self.assertEqual(Evidence.history.filter(id=evidence.pk, history_type="-").count(), 1)

    def test_the_purge_is_recorded_by_the_system_with_its_reason(self) -> None:
        self._purge_on(datetime(2026, 1, 11, tzinfo=UTC))
        last = Incident.objects.get(pk=self.incident.pk).history.latest()
        self.assertIsNone(last.history_user)
        self.assertIn("Retention", last.history_change_reason)
        self.assertEqual(last.status, "closed")

    def test_an_incident_closed_less_than_the_period_ago_is_left_alone(self) -> None:
        self.assertEqual(self._purge_on(datetime(2025, 12, 1, tzinfo=UTC)), {"incidents": 0, "people": 0})
        self.assertEqual(DataSubject.objects.get(pk=self.victim.pk).email, "zebedee@example.org")

    def test_an_incident_reopened_and_closed_again_counts_from_the_last_closing(self) -> None:
        with time_machine.travel(datetime(2025, 6, 1, tzinfo=UTC), tick=False):
            assessment_services.incident_reopen(incident=self.incident, actor=self.dpo, reason="New facts.")
            close_incident(self.incident, self.dpo)
        self.assertEqual(self._purge_on(datetime(2026, 2, 1, tzinfo=UTC))["incidents"], 0)

    def test_an_open_incident_is_never_purged(self) -> None:
        assessment_services.incident_reopen(incident=self.incident, actor=self.dpo, reason="New facts.")
        self.assertEqual(self._purge_on(datetime(2030, 1, 1, tzinfo=UTC))["incidents"], 0)

    def test_a_second_run_does_nothing(self) -> None:
        self._purge_on(datetime(2026, 1, 11, tzinfo=UTC))
        self.assertEqual(self._purge_on(datetime(2026, 1, 12, tzinfo=UTC)), {"incidents": 0, "people": 0})

    @override_settings(RETENTION_MONTHS=6)
    def test_the_period_is_a_setting(self) -> None:
        self.assertEqual(self._purge_on(datetime(2024, 7, 11, tzinfo=UTC))["incidents"], 1)

    def test_the_task_is_scheduled_daily(self) -> None:
        from django.conf import settings

        self.assertEqual(settings.CELERY_BEAT_SCHEDULE["incidents.retention_purge"]["schedule"], 86400.0)
