"""Recording a submission freezes the report sent; follow-ups show what changed."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from reporting import services as report_services
from reporting.models import ExportRecord, SubmissionSnapshot
from breachtracker.records import AppendOnlyError
from tests.base import BaseTestCase, make_incident, make_subject
from tests.reporting.reports import add_distinctive_people, pdf_text, pii_strings
from tests.notifications.helpers import isolated_media


@isolated_media
class SnapshotTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.initial = report_services.report_submit(incident=self.incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now() - timedelta(minutes=30), "ico_reference": "IC-1-AB"})

    def _follow_up(self) -> object:
        return report_services.report_submit(incident=self.incident, actor=self.dpo, fields={
            "kind": "follow_up", "submitted_at": timezone.now(), "ico_reference": "IC-1-AB",
            "what_changed": "We found the people."})

    def test_recording_a_submission_freezes_pdf_and_json_with_hashes(self) -> None:
        snapshot = self.initial.snapshot
        with snapshot.pdf.open("rb") as handle:
            pdf = handle.read()
        self.assertEqual(snapshot.pdf_sha256, hashlib.sha256(pdf).hexdigest())
        self.assertEqual(snapshot.json_sha256, hashlib.sha256(snapshot.report_json.encode()).hexdigest())
        self.assertEqual((snapshot.created_by, snapshot.report["report_type"]["type"]), (self.dpo, "initial"))
        self.assertIn(self.incident.reference, pdf_text(pdf))

    def test_the_frozen_report_does_not_change_with_the_case(self) -> None:
        frozen = self.initial.snapshot.report_json
        self.incident.description = "Later facts."
        self.incident.save()
        self.assertEqual(SubmissionSnapshot.objects.get().report_json, frozen)

    def test_a_snapshot_cannot_be_changed(self) -> None:
        snapshot = self.initial.snapshot
        with self.assertRaises(AppendOnlyError):
            snapshot.save()

    def test_the_download_serves_exactly_the_frozen_bytes(self) -> None:
        self.login(self.auditor)
        snapshot = self.initial.snapshot
        response = self.client.get(reverse("report_snapshot_download", args=[self.incident.reference, snapshot.pk,
                                                                             "json"]))
        self.assertEqual(hashlib.sha256(response.content).hexdigest(), snapshot.json_sha256)
        response = self.client.get(reverse("report_snapshot_download", args=[self.incident.reference, snapshot.pk,
                                                                             "pdf"]))
        self.assertEqual(hashlib.sha256(response.content).hexdigest(), snapshot.pdf_sha256)
        self.assertEqual(ExportRecord.objects.filter(incident=self.incident).count(), 2)

    def test_an_unknown_format_is_404(self) -> None:
        self.login(self.dpo)
        url = reverse("report_snapshot_download", args=[self.incident.reference, self.initial.snapshot.pk, "exe"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_snapshot_is_only_found_under_its_own_incident(self) -> None:
        other = make_incident(actor=self.dpo)
        self.login(self.dpo)
        url = reverse("report_snapshot", args=[other.reference, self.initial.snapshot.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_follow_up_shows_what_changed_since_the_previous_submission(self) -> None:
        make_subject(self.incident, actor=self.dpo)
        follow_up = self._follow_up()
        self.assertEqual(follow_up.snapshot.report["report_type"]["type"], "follow_up")
        self.login(self.dpo)
        response = self.client.get(reverse("report_snapshot", args=[self.incident.reference, follow_up.snapshot.pk]))
        self.assertContains(response, "What changed since the previous submission")
        self.assertContains(response, "<code>personal_data.data_subjects_recorded</code>", html=False)
        self.assertContains(response, "<code>report_type.type</code>", html=False)

    def test_the_report_tab_shows_changes_since_the_last_submission(self) -> None:
        self.incident.description = "We now know it was two files."
        self.incident.save()
        self.login(self.dpo)
        response = self.client.get(reverse("report_preview", args=[self.incident.reference]))
        self.assertContains(response, "What changed since the last submission")
        self.assertContains(response, "We now know it was two files.")

    def test_the_snapshot_never_contains_a_persons_details(self) -> None:
        add_distinctive_people(self.incident)
        snapshot = self._follow_up().snapshot
        with snapshot.pdf.open("rb") as handle:
            text = pdf_text(handle.read()) + snapshot.report_json
        for secret in pii_strings():
            self.assertNotIn(secret, text)

    def test_a_refused_submission_freezes_nothing(self) -> None:
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            report_services.report_submit(incident=self.incident, actor=self.dpo, fields={
                "kind": "follow_up", "submitted_at": timezone.now()})
        self.assertEqual(SubmissionSnapshot.objects.count(), 1)

    def test_the_frozen_json_is_the_report_as_sent(self) -> None:
        report = json.loads(self.initial.snapshot.report_json)
        self.assertEqual(report["what_happened"]["reported_at"][:16],
                         timezone.localtime(self.initial.submitted_at).isoformat()[:16])
        self.assertFalse(report["what_happened"]["reported_late"])


@isolated_media
class SnapshotLinkTests(BaseTestCase):
    def test_the_assessment_tab_links_each_submission_to_the_report_sent(self) -> None:
        incident = make_incident(actor=self.dpo)
        submission = report_services.report_submit(incident=incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now()})
        self.login(self.auditor)
        response = self.client.get(reverse("assessment", args=[incident.reference]))
        self.assertContains(response, reverse("report_snapshot", args=[incident.reference, submission.snapshot.pk]))

    def test_a_submission_recorded_before_snapshots_existed_still_shows(self) -> None:
        from incidents.models import RegulatorSubmission

        incident = make_incident(actor=self.dpo)
        RegulatorSubmission.objects.create(incident=incident, kind="initial", submitted_at=timezone.now(),
                                           recorded_by=self.dpo)
        self.login(self.dpo)
        self.assertEqual(self.client.get(reverse("assessment", args=[incident.reference])).status_code, 200)
        self.assertEqual(self.client.get(reverse("report_preview", args=[incident.reference])).status_code, 200)
