"""Issue 20: the Closure tab, the closure review PDF for the board (counts only), and the
casework charts per incident and across incidents (contacts per Europe/London day since the
first letter, open requests and claims by deadline, actions overdue)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from incidents.casework import services as casework_services
from incidents.closure import services as closure_services
from incidents.models import Incident, IncidentEvent
from notifications import progress as counters
from notifications.models import Notification
from reporting import casework_charts
from tests.base import BaseTestCase, local, make_incident, make_subject
from tests.incidents.test_closure import add_action, add_contact, decide_not_to_report
from tests.reporting.reports import pdf_text

NAME = "Rhiannon Requester"
ASKED = "Please send every record you hold about my son's school place."
QUESTION = "Is my home address in the leaked spreadsheet?"


def tell(incident: Incident, when: datetime, *, count: int = 1, status: str = Notification.Status.SENT,
         name: str = "Person") -> None:
    """People told (a letter sent at `when`), written as a batch does and counted once."""
    for n in range(count):
        subject = make_subject(incident, full_name=f"{name} {n}")
        Notification.objects.create(incident=incident, subject=subject, status=status,
                                    sent_at=when if status == Notification.Status.SENT else None)
    counters.recount(incident)


def ask(incident: Incident, actor: Any, subject: Any, **fields: Any) -> Any:
    values = {"subject": subject, "kind": "complaint", "received_on": timezone.localdate() - timedelta(days=20),
              "due_on": timezone.localdate() + timedelta(days=30), "summary": ASKED, "owner": actor}
    values.update(fields)
    return casework_services.request_create(incident=incident, actor=actor, fields=values)


class ClosurePdfTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        decide_not_to_report(self.incident, self.dpo)
        self.person = make_subject(self.incident, actor=self.dpo, full_name=NAME, reference="NX-77-1234",
                                   address_line_1="14 Quarry Lane")
        ask(self.incident, self.dpo, self.person, kind="claim", amount_claimed="1250.00")
        add_contact(self.incident, self.dpo, subject=self.person, question=QUESTION, status="follow_up",
                    follow_up="Call back on Friday.")
        action = add_action(self.incident, self.dpo, description="Retrain the FOI team on hidden sheets.")
        casework_services.action_done(action=action, actor=self.dpo, done_on=timezone.localdate(),
                                      evidence="Training register.")
        add_action(self.incident, self.dpo, description="Audit every published spreadsheet.")
        tell(self.incident, timezone.now() - timedelta(days=2), count=2)
        tell(self.incident, timezone.now(), count=1, status=Notification.Status.PENDING, name="Waiting")
        closure_services.closure_review_save(incident=self.incident, actor=self.dpo, fields={
            "summary": "A spreadsheet with a hidden tab was published.", "lessons": "Check files before release."})

    def _pdf(self) -> str:
        self.login(self.dpo)
        response = self.client.get(reverse("closure_pdf", args=[self.incident.reference]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        return pdf_text(response.content)

    def test_it_opens_and_reads_as_the_review_with_the_records_figures(self) -> None:
        text = " ".join(self._pdf().split())
        for expected in ("Closure review", self.incident.reference, "A spreadsheet with a hidden tab was published.",
                         "Check files before release.", "Retrain the FOI team on hidden sheets.",
                         f"Done {timezone.localdate():%-d %b %Y}", "Audit every published spreadsheet.",
                         "Compensation claim 1", "Claimed £1250.00", "People to be told 3", "Told 2", "Not told 1",
                         "Contacts needing follow-up 1", "Now: 1 open action, 1 open request or claim, "
                         "1 contact needing follow-up.", "Page 1 of"):
            self.assertIn(expected, text)

    def test_it_never_carries_a_persons_details_or_what_they_asked(self) -> None:
        text = self._pdf()
        flat = " ".join(text.split())
        for secret in (NAME, "Rhiannon", "NX-77-1234", "14 Quarry Lane", ASKED, "son's school", QUESTION,
                       "Call back on Friday."):
            self.assertNotIn(secret, flat)

    def test_each_pdf_made_is_on_the_history_tab_and_auditors_may_make_it_but_not_handlers(self) -> None:
        self._pdf()
        event = IncidentEvent.objects.get(incident=self.incident, kind="closure_pdf")
        self.assertEqual(event.actor, self.dpo)
        self.assertRegex(event.detail, r"^SHA-256 [0-9a-f]{64}$")
        self.login(self.auditor)
        self.assertEqual(self.client.get(reverse("closure_pdf", args=[self.incident.reference])).status_code, 200)
        self.login(self.handler)
        self.assertEqual(self.client.get(reverse("closure_pdf", args=[self.incident.reference])).status_code, 403)

    def test_the_tab_shows_the_same_figures(self) -> None:
        self.login(self.handler)
        page = " ".join(self.client.get(reverse("closure", args=[self.incident.reference])).content.decode().split())
        self.assertIn("2 of 3 told, 1 not told", page)
        self.assertIn("1 in all, 1 open, 0 overdue", page)
        self.assertIn("Still open: 1 open action, 1 open request or claim, 1 contact needing follow-up.", page)
        self.assertNotIn(NAME, page)


class ContactsByDayTests(BaseTestCase):
    """Contacts are counted on the Europe/London day they happened: British Summer Time ended at
    02:00 on Sunday 25 October 2026, so that day had 25 hours."""

    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo, aware_at=local(2026, 10, 20, 9, 0),
                                      discovered_at=local(2026, 10, 20, 8, 0))
        tell(self.incident, local(2026, 10, 24, 10, 0))
        for when in (local(2026, 10, 23, 12, 0),    # before the first letter: not charted
                     local(2026, 10, 25, 0, 30),    # 23:30 UTC on the 24th, still BST
                     local(2026, 10, 25, 1, 30),    # the first of the two 01:30s (BST)
                     local(2026, 10, 25, 23, 30),   # GMT again
                     local(2026, 10, 26, 0, 30)):   # 00:30 GMT on Monday
            add_contact(self.incident, self.handler, happened_at=when)
        self.today = date(2026, 10, 27)

    def test_contacts_are_counted_by_london_day_from_the_first_letter(self) -> None:
        data = casework_charts.casework_charts([self.incident], self.today)[0][self.incident.pk]
        self.assertEqual(data.first_letter, date(2026, 10, 24))
        self.assertEqual(dict(data.contacts), {date(2026, 10, 25): 3, date(2026, 10, 26): 1})
        chart = casework_charts.contacts_chart(data, self.today, "c")
        self.assertEqual([(bar.label, bar.value) for bar in chart.bars],
                         [("24 Oct 2026", 0), ("25 Oct 2026", 3), ("26 Oct 2026", 1), ("27 Oct 2026", 0)])
        self.assertEqual(chart.summary, "4 contacts from 24 October 2026 (the first letter went out on 24 October "
                                        "2026) to today. The busiest day was 25 Oct 2026 with 3.")
        tallest = max(chart.bars, key=lambda bar: bar.height)
        self.assertEqual((tallest.label, tallest.y + tallest.height), ("25 Oct 2026", chart.base_y))

    def test_no_letters_no_chart(self) -> None:
        other = make_incident(actor=self.dpo)
        add_contact(other, self.handler)
        data = casework_charts.casework_charts([other])[0][other.pk]
        chart = casework_charts.contacts_chart(data, timezone.localdate(), "c")
        self.assertEqual((chart.bars, chart.summary), ([], "No letters have gone out yet."))

    def test_a_long_run_shows_its_latest_ninety_days(self) -> None:
        data = casework_charts.casework_charts([self.incident], date(2027, 3, 1))[0][self.incident.pk]
        chart = casework_charts.contacts_chart(data, date(2027, 3, 1), "c")
        self.assertEqual(len(chart.bars), 90)
        self.assertEqual(chart.bars[-1].label, "1 Mar 2027")
        self.assertIn("the latest 90 days shown", chart.summary)


class DeadlineAndActionChartTests(BaseTestCase):
    def setUp(self) -> None:
        self.today = timezone.localdate()
        self.incident = make_incident(actor=self.dpo)
        person = make_subject(self.incident, actor=self.dpo)
        received = self.today - timedelta(days=20)
        for days in (-1, 0, 6, 7, 40):  # overdue; due today and in six days: this week; seven days on: later
            ask(self.incident, self.dpo, person, received_on=received, due_on=self.today + timedelta(days=days))
        answered = ask(self.incident, self.dpo, person, due_on=self.today - timedelta(days=3))
        casework_services.request_answer(record=answered, actor=self.dpo, answered_on=self.today, outcome="Replied.")
        # A rights request received 40 days ago and extended: due on its extended date, not its first month.
        extended = ask(self.incident, self.dpo, person, kind="access", received_on=self.today - timedelta(days=10))
        casework_services.request_extend(record=extended, actor=self.dpo, reason="Many documents.")
        add_action(self.incident, self.dpo, due_on=self.today - timedelta(days=1))
        add_action(self.incident, self.dpo, due_on=self.today)
        done = add_action(self.incident, self.dpo, due_on=self.today - timedelta(days=5))
        casework_services.action_done(action=done, actor=self.dpo, done_on=self.today, evidence="Done.")

    def test_open_requests_by_deadline_and_actions_by_state(self) -> None:
        found, together = casework_charts.casework_charts([self.incident, make_incident(actor=self.dpo)], self.today)
        data = found[self.incident.pk]
        self.assertEqual(data.requests, {"overdue": 1, "week": 2, "later": 3})
        self.assertEqual(data.actions, {"overdue": 1, "open": 1, "done": 1})
        self.assertEqual((together.requests, together.actions), (data.requests, data.actions))
        requests, actions = data.charts(self.today)[1:]
        self.assertEqual(requests.summary, "6 open requests or claims: 1 overdue, 2 due in the next 7 days, "
                                           "3 due later.")
        self.assertEqual(actions.summary, "1 action overdue, 1 open and not yet due, 1 done.")

    def test_the_dashboard_shows_them_across_incidents_with_the_figures_in_words(self) -> None:
        self.login(self.auditor)
        page = " ".join(self.client.get(reverse("dashboard")).content.decode().split())
        self.assertIn("Casework across open incidents", page)
        self.assertIn('role="img"', page)
        self.assertIn("6 open requests or claims: 1 overdue, 2 due in the next 7 days, 3 due later.", page)
        self.assertIn("1 action overdue, 1 open and not yet due, 1 done.", page)
        charts = page.split("Casework across open incidents")[1].split("</main>")[0]
        self.assertNotIn("style=", charts)
        self.assertNotIn("<script", charts)


class QueryCountTests(BaseTestCase):
    """The Closure tab and the dashboard make the same queries however many rows there are."""

    def _incident_with(self, n: int) -> Incident:
        incident = make_incident(actor=self.dpo)
        decide_not_to_report(incident, self.dpo)
        person = make_subject(incident, actor=self.dpo)
        tell(incident, timezone.now() - timedelta(days=n + 1), count=n)
        for day in range(n):
            add_action(incident, self.dpo, due_on=timezone.localdate() + timedelta(days=day - 2))
            ask(incident, self.dpo, person, due_on=timezone.localdate() + timedelta(days=day * 3 - 3))
            add_contact(incident, self.handler, happened_at=timezone.now() - timedelta(days=day),
                        status="follow_up" if day % 2 else "done", follow_up="Ring back." if day % 2 else "")
        closure_services.closure_review_save(incident=incident, actor=self.dpo,
                                             fields={"summary": "It happened.", "lessons": "Some."})
        return incident

    def test_the_closure_tab(self) -> None:
        few, many = self._incident_with(1), self._incident_with(12)
        self.login(self.dpo)
        self.client.get(reverse("dashboard"))  # the session's first write
        for incident in (few, many):
            # session, user, second-step device, roles; the incident; the charts (first letters
            # from the progress counters, contacts by day, requests by deadline, actions by state);
            # the review and who signed it off; actions; contacts; letters' counters; requests'
            # totals (3). The open items are read from these, not counted again.
            with self.assertNumQueries(16):
                self.assertEqual(self.client.get(reverse("closure", args=[incident.reference])).status_code, 200)

    def test_the_dashboard(self) -> None:
        self._incident_with(1)
        self.login(self.dpo)
        self.client.get(reverse("dashboard"))

        def count() -> int:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)
            return len(queries)

        few = count()
        for n in (5, 9):
            self._incident_with(n)
        with self.assertNumQueries(few):
            self.client.get(reverse("dashboard"))
