"""The pictures: the case timeline on the incident page and notification progress on the dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reporting import charts
from incidents.models import Incident
from incidents.models import RegulatorSubmission
from notifications import progress as counters
from notifications.models import Notification, NotificationPlan
from tests.base import close_incident, make_incident, make_subject, make_user, sign_in
from incidents import roles


def tell(incident: Incident, count: int, *, days_ago: int = 0, start: int = 0) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    for n in range(start, start + count):
        subject = make_subject(incident, full_name=f"Person {n}")
        Notification.objects.create(incident=incident, subject=subject, status=Notification.Status.SENT, sent_at=when)
    counters.recount(incident)  # written outside the services: counted once


class DashboardProgressChartTests(TestCase):
    def setUp(self) -> None:
        self.dpo = make_user("dpo", roles.DPO)
        sign_in(self.client, self.dpo)
        self.client.get("/")  # the session's first write

    def test_it_counts_people_told_by_day_against_the_target_date(self) -> None:
        incident = make_incident(actor=self.dpo, aware_at=timezone.now() - timedelta(days=3),
                                 discovered_at=timezone.now() - timedelta(days=4))
        tell(incident, 2, days_ago=2)
        tell(incident, 3, days_ago=1, start=2)
        Notification.objects.create(incident=incident, subject=make_subject(incident, full_name="Not yet"))
        counters.recount(incident)
        NotificationPlan.objects.create(incident=incident, target_date=timezone.localdate() + timedelta(days=4))
        incident = Incident.objects.select_related("notification_plan").get(pk=incident.pk)
        progress = charts.notification_progress([incident])[incident.pk]
        assert [count for _day, count in progress.points] == [2, 5]
        assert (progress.told, progress.total) == (5, 6)
        assert progress.target_x is not None and progress.today_x < progress.target_x
        page = self.client.get("/").content.decode()
        assert f"{incident.reference}: people told over time, 5 of 6" in page
        assert "5 of 6 told." in page

    def test_the_dashboard_makes_the_same_queries_however_many_people_were_told(self) -> None:
        first = make_incident(actor=self.dpo)
        tell(first, 2)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert self.client.get("/").status_code == 200
            return len(queries)

        few = count()
        tell(first, 25, start=2, days_ago=1)
        second = make_incident(actor=self.dpo, title="Another")
        tell(second, 10, start=100)
        assert count() == few

    def test_an_incident_without_letters_says_so_in_words(self) -> None:
        make_incident(actor=self.dpo)
        assert "No letters generated yet" in self.client.get("/").content.decode()

    def test_the_charts_use_no_style_attributes(self) -> None:
        incident = make_incident(actor=self.dpo)
        tell(incident, 1)
        for url in ("/", incident.get_absolute_url()):
            assert "style=" not in self.client.get(url).content.decode()


class CaseTimelineTests(TestCase):
    def setUp(self) -> None:
        self.dpo = make_user("dpo", roles.DPO)
        sign_in(self.client, self.dpo)
        self.client.get("/")

    def test_it_lists_the_steps_so_far_and_what_is_still_to_come(self) -> None:
        now = timezone.now()
        incident = make_incident(actor=self.dpo, occurred_from=now - timedelta(days=2),
                                 discovered_at=now - timedelta(days=1), aware_at=now - timedelta(hours=20))
        page = self.client.get(incident.get_absolute_url()).content.decode()
        for text in ("Occurred", "Discovered", "Became aware: the clock starts", "72-hour deadline",
                     "still to come", "Not yet: decision on reporting; reported to the regulator"):
            assert text in page, text
        assert 'role="img"' in page and "<title id=\"timeline-svg-title\">" in page

    def test_a_report_after_the_deadline_is_called_late_in_words(self) -> None:
        now = timezone.now()
        incident = make_incident(actor=self.dpo, discovered_at=now - timedelta(days=6), aware_at=now - timedelta(days=5))
        services_fields = {"kind": RegulatorSubmission.Kind.INITIAL, "submitted_at": now - timedelta(days=1),
                           "ico_reference": "IC-1", "what_changed": "", "delay_reasons": "We found out late."}
        RegulatorSubmission.objects.create(incident=incident, recorded_by=self.dpo, **services_fields)
        timeline = charts.case_timeline(incident)
        reported = next(m for m in timeline["marks"] if m.key == "reported")
        assert reported.note == "late: after the deadline"
        deadline = next(m for m in timeline["marks"] if m.key == "deadline")
        assert deadline.note == "passed"

    def test_people_told_appear_with_a_count(self) -> None:
        incident = make_incident(actor=self.dpo)
        tell(incident, 3)
        Notification.objects.create(incident=incident, subject=make_subject(incident, full_name="Waiting"))
        counters.recount(incident)
        page = self.client.get(incident.get_absolute_url()).content.decode()
        assert "First person told" in page and "3 of 4 told so far" in page

    def test_an_unknown_occurrence_is_not_recorded_rather_than_still_to_come(self) -> None:
        incident = make_incident(actor=self.dpo)
        page = self.client.get(incident.get_absolute_url()).content.decode()
        assert "When it occurred: not recorded" in page
        assert "Not yet: decision on reporting" in page

    def test_a_closed_incident_shows_when_it_closed(self) -> None:
        incident = make_incident(actor=self.dpo)
        close_incident(incident, self.dpo)
        marks = {m.key: m for m in charts.case_timeline(Incident.objects.get(pk=incident.pk))["marks"]}
        assert marks["closed"].known
