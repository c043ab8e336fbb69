"""Every list page costs the same number of queries with 3 people as with 60 (issue 18): the
counts come from counters kept by the writes (people: incidents.people.tally; notifications:
notifications.progress), long lists are paged by key (breachtracker/keyset.py), and a deep page
costs what the first does.

Each test measures a page on a world of 3 people (imported, a batch started, one told), grows
the same incident to 60 people the same way, and measures again: both must equal the pinned
count (the comment beside each says which queries)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Notification
from tests.base import BaseTestCase, make_incident
from tests.incidents.imports import import_rows, person
from tests.notifications.helpers import make_ready

# Every page: session, user, the session's two-factor device, the user's groups (roles).
SIGNED_IN = 4


class ListQueriesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo, title="Counted")
        cls.ref = cls.incident.reference
        cls.add_people(cls.incident, 0, 3)

    @classmethod
    def add_people(cls, incident: Any, start: int, end: int) -> None:
        """Imported (with a report line each: a merge), put in a batch, the first of them told."""
        rows = [person(f"Person {n:03d}", postcode=f"LS{n % 9 + 1} 1AA", role=("Victim", "Witness")[n % 2])
                for n in range(start, end)]
        import_rows(incident, cls.dpo, rows + rows[:1])  # the repeated row is merged: one report line
        make_ready(incident, cls.dpo)
        services.batch_start(incident=incident, actor=cls.dpo)
        told = Notification.objects.filter(incident=incident).order_by("pk")[start]
        services.notification_mark(notification=told, actor=cls.handler, status="delivered",
                                   expected_version=told.version, when=timezone.now())

    def count(self, url: str) -> int:
        self.assertEqual(self.client.get(url).status_code, 200, url)  # warm: the session's writes
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return len(captured)

    def assertFlat(self, pinned: int, url: Any) -> None:
        """`url` (or a function of the size giving it) costs `pinned` queries at 3 and 60 people."""
        self.login(getattr(self, "as_user", self.auditor))
        small = self.count(url(3) if callable(url) else url)
        self.add_people(self.incident, 3, 60)
        large = self.count(url(60) if callable(url) else url)
        self.assertEqual((small, large), (pinned, pinned))

    def next_link(self, url: str) -> str:
        """The page after the first, by its "Next" link (a deep page at 60; the last at 3)."""
        links = re.findall(r'href="\?([^"]*cursor=[^"]*)"', self.client.get(url).content.decode())
        nexts = [link for link in links if "cursor=last" not in link]
        return f"{url}?{nexts[0].replace('&amp;', '&')}" if nexts else f"{url}?cursor=last"

    def test_the_dashboard(self) -> None:
        # + open incidents with their people tally, regulator state, handler and plan; the
        # notification progress counters (with the people told by day, which also give the first
        # day of letters); the casework charts (contacts by day, open requests by deadline,
        # actions by state: issue 20).
        self.assertFlat(SIGNED_IN + 5, reverse("dashboard"))

    def test_the_register(self) -> None:
        # + the page of incidents (people from the tally), the count of incidents.
        self.assertFlat(SIGNED_IN + 2, reverse("incident_list"))

    def test_the_incident_page(self) -> None:
        # + incident; categories; exposed categories; people tally; latest report decision;
        # progress counters; first and latest person told; overrides; the processor whose notice
        # set when we became aware (issue 19).
        self.assertFlat(SIGNED_IN + 9, reverse("incident_detail", args=[self.ref]))

    def test_the_people_first_page(self) -> None:
        # + incident; categories; people tally (the count); the page, by key.
        self.assertFlat(SIGNED_IN + 4, reverse("subject_list", args=[self.ref]))

    def test_the_people_last_page(self) -> None:
        self.assertFlat(SIGNED_IN + 4, reverse("subject_list", args=[self.ref]) + "?cursor=last")

    def test_the_people_next_page(self) -> None:
        url = reverse("subject_list", args=[self.ref])
        self.login(self.auditor)
        small = self.count(self.next_link(url))
        self.add_people(self.incident, 3, 60)
        deep = self.next_link(url)
        self.assertIn("cursor=", deep)
        self.assertEqual((small, self.count(deep)), (SIGNED_IN + 4, SIGNED_IN + 4))

    def test_the_notifications_first_page(self) -> None:
        # + incident; plan; progress counters; latest batch; the page, by key; its people.
        self.assertFlat(SIGNED_IN + 6, reverse("notification_list", args=[self.ref]))

    def test_the_notifications_last_page(self) -> None:
        self.assertFlat(SIGNED_IN + 6, reverse("notification_list", args=[self.ref]) + "?cursor=last")  # as the first

    def test_the_notifications_next_page_and_a_filter(self) -> None:
        url = reverse("notification_list", args=[self.ref])
        self.login(self.auditor)
        small = [self.count(self.next_link(url)), self.count(f"{url}?show=outstanding&cursor=last")]
        self.add_people(self.incident, 3, 60)
        deep = self.next_link(url)
        self.assertIn("cursor=", deep)
        large = [self.count(deep), self.count(f"{url}?show=outstanding&cursor=last")]
        self.assertEqual((small, large), ([SIGNED_IN + 6] * 2, [SIGNED_IN + 6] * 2))

    def test_the_regulator_report(self) -> None:
        # + incident and the report's constant set (reporting/ico_report.py; its people from the
        # tally and its notification counts from the progress counters; the notification plan, the
        # organisations named on the incident and the actions, issues 19, 20).
        self.assertFlat(SIGNED_IN + 15, reverse("report_preview", args=[self.ref]))

    def test_the_history_tab(self) -> None:
        # + incident and one query per kind of record in the trail (reporting/audit.py; requests,
        # calls and messages, actions, the closure review and the regulator's case (case,
        # requests, correspondence, links), issue 20; controllers named, issue 19).
        self.assertFlat(SIGNED_IN + 28, reverse("incident_history", args=[self.ref]))

    def test_the_helpline_log(self) -> None:
        # + incident; the totals (one aggregate); the page of contacts, by key, with their people.
        self.assertFlat(SIGNED_IN + 3, reverse("contact_list", args=[self.ref]))

    def test_the_import_list(self) -> None:
        self.as_user = self.handler  # uploading is for DPOs and handlers
        # + incident; the earlier imports.
        self.assertFlat(SIGNED_IN + 3, reverse("subject_import_upload", args=[self.ref]))

    def test_an_imports_report(self) -> None:
        def latest(_size: int) -> str:
            subject_import = self.incident.imports.order_by("-pk").first()
            return reverse("subject_import_detail", args=[self.ref, subject_import.pk])
        # + incident; the import; its lines counted; the page of lines, by key.
        self.assertFlat(SIGNED_IN + 4, latest)

    def test_the_print_packs(self) -> None:
        self.as_user = self.handler  # building packs is for DPOs and handlers
        # + incident; packs; batches.
        self.assertFlat(SIGNED_IN + 3, reverse("print_packs", args=[self.ref]))

    def test_the_security_log(self) -> None:
        # + the page of sign-in events.
        self.assertFlat(SIGNED_IN + 1, reverse("security_log"))


class OtherIncidentsTests(BaseTestCase):
    """The register and the dashboard with more incidents cost no more either."""

    def test_more_incidents_do_not_add_queries(self) -> None:
        make_incident(actor=self.dpo)
        self.login(self.auditor)
        urls = [reverse("dashboard"), reverse("incident_list")]
        before = []
        for url in urls:
            self.client.get(url)
            with CaptureQueriesContext(connection) as captured:
                self.client.get(url)
            before.append(len(captured))
        for n in range(20):
            make_incident(actor=self.dpo, title=f"Another {n}")
        after = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                self.client.get(url)
            after.append(len(captured))
        self.assertEqual(before, after)


class CaseworkListQueriesTests(BaseTestCase):
    """The requests and actions lists (issue 20) and the PECR log (issue 19) cost the same with
    2 records as with 20."""

    def count(self, url: str) -> int:
        self.assertEqual(self.client.get(url).status_code, 200, url)
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get(url).status_code, 200, url)
        return len(captured)

    def grow(self, incident: Any, start: int, end: int) -> None:
        from datetime import timedelta

        from incidents.casework import services as casework
        from tests.base import make_subject

        for n in range(start, end):
            subject = make_subject(incident, actor=self.dpo, full_name=f"Asker {n}")
            casework.request_create(incident=incident, actor=self.dpo, fields={
                "subject": subject, "kind": ("access", "claim")[n % 2], "received_on": timezone.localdate(),
                "due_on": timezone.localdate() + timedelta(days=10), "summary": "x", "owner": self.handler})
            casework.action_create(incident=incident, actor=self.dpo, fields={
                "kind": "remedial", "description": f"Step {n}", "owner": self.handler,
                "due_on": timezone.localdate() + timedelta(days=n)})

    def test_requests_actions_and_the_pecr_log(self) -> None:
        incident = make_incident(actor=self.dpo, regime="pecr")
        self.login(self.dpo)
        urls = [reverse("request_list", args=[incident.reference]), reverse("action_list", args=[incident.reference]),
                f"{reverse('pecr_log')}?month={timezone.localdate():%Y-%m}"]
        self.grow(incident, 0, 2)
        small = [self.count(url) for url in urls]
        self.grow(incident, 2, 20)
        large = [self.count(url) for url in urls]
        # requests: incident, the rows with their owners, the totals (one aggregate, overdue,
        # by kind) and the clock's own; actions: incident, the rows with their owners, the
        # clock's; the PECR log: the month's incidents and what each row reads, prefetched
        # (register_queryset).
        self.assertEqual(small, large)
        self.assertEqual(large, [SIGNED_IN + 5, SIGNED_IN + 3, SIGNED_IN + 6])
