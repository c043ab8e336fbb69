"""Issue 20: requests and claims from the people told — deadlines in calendar months, the
extension, the response, claims' amounts, a person of another incident refused, history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.casework import services
from incidents.casework.deadlines import add_months
from incidents.casework.models import PersonRequest
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import isolated_media


class CalendarMonthTests(BaseTestCase):
    def test_the_same_day_next_month_or_that_months_last_day(self) -> None:
        cases = [
            (date(2026, 9, 3), 1, date(2026, 10, 3)),
            (date(2027, 1, 31), 1, date(2027, 2, 28)),
            (date(2028, 1, 31), 1, date(2028, 2, 29)),   # a leap year
            (date(2026, 3, 31), 1, date(2026, 4, 30)),
            (date(2026, 12, 15), 1, date(2027, 1, 15)),  # over the year's end
            (date(2026, 11, 30), 3, date(2027, 2, 28)),  # extended: three months from receipt
            (date(2027, 11, 30), 3, date(2028, 2, 29)),
            (date(2028, 2, 29), 12, date(2029, 2, 28)),
        ]
        for start, months, expected in cases:
            with self.subTest(start=start, months=months):
                self.assertEqual(add_months(start, months), expected)


class RequestTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)
        self.person = make_subject(self.incident, actor=self.handler, full_name="Rhiannon Requester")
        self.today = timezone.localdate()

    def _create(self, **fields: object) -> PersonRequest:
        values: dict[str, object] = {"subject": self.person, "kind": "access", "received_on": self.today,
                                     "summary": "All the data you hold about me.", "owner": self.handler}
        values.update(fields)
        return services.request_create(incident=self.incident, actor=self.handler, fields=values)

    def test_a_rights_request_is_due_one_calendar_month_from_receipt(self) -> None:
        record = self._create(received_on=self.today - timedelta(days=3), due_on=date(2099, 1, 1))
        self.assertEqual(record.due_on, add_months(self.today - timedelta(days=3), 1))  # worked out, not typed
        self.assertEqual(record.history.latest().history_user, self.handler)
        self.assertEqual(record.history.latest().history_change_reason, "Subject access request received")

    def test_a_complaint_needs_the_date_agreed(self) -> None:
        with self.assertRaisesMessage(ValidationError, "Set the date you will respond by."):
            self._create(kind="complaint")
        record = self._create(kind="complaint", due_on=self.today + timedelta(days=20))
        self.assertEqual(record.deadline, self.today + timedelta(days=20))

    def test_a_person_of_another_incident_is_refused(self) -> None:
        other = make_subject(make_incident(actor=self.handler), actor=self.handler, full_name="Someone Else")
        with self.assertRaisesMessage(ValidationError, "not one of this incident's affected people"):
            self._create(subject=other)
        self.assertFalse(PersonRequest.objects.exists())

    def test_the_extension_once_within_the_first_month_with_a_reason(self) -> None:
        record = self._create(received_on=self.today - timedelta(days=5))
        with self.assertRaisesMessage(ValidationError, "Say why more time is needed"):
            services.request_extend(record=record, actor=self.dpo, reason=" ")
        extended = services.request_extend(record=record, actor=self.dpo, reason="Thousands of documents to review.")
        self.assertEqual(extended.extended_to, add_months(record.received_on, 3))
        self.assertEqual(extended.status, PersonRequest.Status.EXTENDED)
        with self.assertRaisesMessage(ValidationError, "already been extended"):
            services.request_extend(record=extended, actor=self.dpo, reason="Again.")
        late = self._create(received_on=self.today - timedelta(days=40))
        with self.assertRaisesMessage(ValidationError, "within the first month"):
            services.request_extend(record=late, actor=self.dpo, reason="Complex.")
        complaint = self._create(kind="complaint", due_on=self.today + timedelta(days=5))
        with self.assertRaisesMessage(ValidationError, "Only a rights request"):
            services.request_extend(record=complaint, actor=self.dpo, reason="Complex.")

    def test_a_claim_answered_and_settled_with_its_amounts(self) -> None:
        claim = self._create(kind="claim", due_on=self.today + timedelta(days=28), amount_claimed=Decimal("2500"))
        settled = services.request_answer(record=claim, actor=self.dpo, answered_on=self.today,
                                          outcome="Offer accepted.", amounts={"amount_offered": Decimal("750"),
                                                                              "amount_settled": Decimal("750")})
        self.assertEqual(settled.status, PersonRequest.Status.SETTLED)
        totals = services.totals(self.incident)
        self.assertEqual((totals["claimed"], totals["offered"], totals["settled"]),
                         (Decimal("2500"), Decimal("750"), Decimal("750")))
        self.assertEqual(totals["by_kind"]["Compensation claim"], 1)
        with self.assertRaisesMessage(ValidationError, "already answered or closed"):
            services.request_close(record=settled, actor=self.dpo, reason="x")

    def test_amounts_are_for_claims_only_and_never_negative(self) -> None:
        with self.assertRaisesMessage(ValidationError, "Amounts are for compensation claims only."):
            self._create(amount_claimed=Decimal("10"))
        with self.assertRaisesMessage(ValidationError, "An amount cannot be negative."):
            self._create(kind="claim", due_on=self.today, amount_claimed=Decimal("-1"))

    def test_overdue_requests_are_counted(self) -> None:
        self._create(received_on=self.today - timedelta(days=45))
        self._create(received_on=self.today)
        totals = services.totals(self.incident)
        self.assertEqual((totals["total"], totals["open"], totals["overdue"]), (2, 2, 1))

    def test_a_request_received_in_the_future_is_refused(self) -> None:
        with self.assertRaisesMessage(ValidationError, "cannot be received in the future"):
            self._create(received_on=self.today + timedelta(days=1))


class RequestViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)
        self.person = make_subject(self.incident, actor=self.handler, full_name="Rhiannon Requester")
        self.url = reverse("request_create", args=[self.incident.reference])

    def _post(self, **overrides: str) -> object:
        data = {"person_record": str(self.person.pk), "kind": "claim", "received_on": timezone.localdate().isoformat(),
                "due_on": (timezone.localdate() + timedelta(days=14)).isoformat(),
                "summary": "<b>£5k</b> for the distress", "owner": str(self.handler.pk), "amount_claimed": "5000"}
        data.update(overrides)
        return self.client.post(self.url, data)

    def test_a_handler_records_a_claim_and_it_shows_escaped(self) -> None:
        self.login(self.handler)
        response = self._post()
        record = PersonRequest.objects.get()
        self.assertRedirects(response, reverse("request_detail", args=[self.incident.reference, record.pk]))
        page = self.client.get(reverse("request_detail", args=[self.incident.reference, record.pk]))
        self.assertContains(page, "&lt;b&gt;£5k&lt;/b&gt; for the distress")
        self.assertContains(page, "claimed £5000.00")
        listing = self.client.get(reverse("request_list", args=[self.incident.reference]))
        self.assertContains(listing, "claimed £5000.00, offered £0.00, settled £0.00")

    def test_bad_input_is_a_form_error_and_saves_nothing(self) -> None:
        self.login(self.handler)
        for overrides, message in (({"amount_claimed": "-5"}, "An amount cannot be negative."),
                                   ({"amount_claimed": "lots"}, "Enter a number."),
                                   ({"person_record": "999999"}, "not one of this incident&#x27;s affected people"),
                                   ({"person_record": "", "person": "=1+1"}, "Nobody on this incident"),
                                   ({"person_record": "", "person": ""}, "Give their name, their reference"),
                                   ({"person_record": "", "person": "rhiannon"}, "Nobody on this incident"),
                                   ({"kind": "complaint", "due_on": ""}, "Set the date you will respond by."),
                                   ({"received_on": "2026-02-30"}, "Enter a valid date.")):
            with self.subTest(overrides=overrides):
                response = self._post(**overrides)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
        other = make_subject(make_incident(actor=self.handler), actor=self.handler, full_name="Elsewhere")
        self.assertContains(self._post(person_record=str(other.pk)), "not one of this incident&#x27;s affected people")
        self.assertFalse(PersonRequest.objects.exists())

    def test_roles(self) -> None:
        self.login(self.auditor)
        self.assertEqual(self.client.get(reverse("request_list", args=[self.incident.reference])).status_code, 200)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        record = services.request_create(incident=self.incident, actor=self.handler, fields={
            "subject": self.person, "kind": "access", "received_on": timezone.localdate(), "summary": "x",
            "owner": self.handler})
        detail = reverse("request_detail", args=[self.incident.reference, record.pk])
        self.assertEqual(self.client.post(detail, {"action": "close", "reason": "x"}).status_code, 403)
        self.assertEqual(PersonRequest.objects.get().status, PersonRequest.Status.OPEN)

    def test_the_response_and_the_history_on_the_page(self) -> None:
        self.login(self.dpo)
        record = services.request_create(incident=self.incident, actor=self.handler, fields={
            "subject": self.person, "kind": "access", "received_on": timezone.localdate(), "summary": "x",
            "owner": self.handler})
        detail = reverse("request_detail", args=[self.incident.reference, record.pk])
        response = self.client.post(detail, {"action": "answer", "answered_on": timezone.localdate().isoformat(),
                                             "outcome": "Sent a copy of the data."})
        self.assertRedirects(response, detail)
        page = self.client.get(detail)
        self.assertContains(page, "Answered")
        self.assertContains(page, "Subject access request received")
        bad = self.client.post(detail, {"action": "close", "reason": "x"})
        self.assertContains(bad, "already answered or closed", status_code=400)


class RequestHistoryTests(BaseTestCase):
    def test_the_history_tab_and_the_audit_csv_show_who_and_when_but_not_what_was_asked(self) -> None:
        incident = make_incident(actor=self.handler)
        person = make_subject(incident, actor=self.handler, full_name="Rhiannon Requester")
        record = services.request_create(incident=incident, actor=self.handler, fields={
            "subject": person, "kind": "erasure", "received_on": timezone.localdate(),
            "summary": "Delete my address, 12 Secret Street", "owner": self.handler})
        services.request_close(record=record, actor=self.dpo, reason="Withdrawn by phone")
        self.login(self.dpo)
        page = self.client.get(reverse("incident_history", args=[incident.reference]))
        self.assertContains(page, "Request or claim")
        self.assertContains(page, f"Affected person #{person.pk}")
        self.assertNotContains(page, "12 Secret Street")
        audit = self.client.get(reverse("incident_audit_csv", args=[incident.reference]))
        body = b"".join(audit.streaming_content).decode() if audit.streaming else audit.content.decode()
        self.assertIn("Request or claim", body)
        self.assertIn("Dana Okafor", body)
        self.assertNotIn("Secret Street", body)
        self.assertNotIn("Rhiannon", body)


@isolated_media  # the key rotation also re-encrypts every stored file: only this test's
class RequestDataProtectionTests(BaseTestCase):
    """What a person asked is personal data: encrypted at rest, rotated with the keys, purged
    at the end of retention (the dates, kinds and amounts stay, for the totals)."""

    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)
        person = make_subject(self.incident, actor=self.handler, full_name="Rhiannon Requester")
        self.record = services.request_create(incident=self.incident, actor=self.handler, fields={
            "subject": person, "kind": "claim", "received_on": timezone.localdate(),
            "due_on": timezone.localdate(), "summary": "My address 12 Secret Street was leaked",
            "owner": self.handler, "amount_claimed": Decimal("900")})

    def test_it_is_encrypted_and_rotated_with_the_keys(self) -> None:
        from io import StringIO

        from cryptography.fernet import Fernet
        from django.core.management import call_command
        from django.db import connection
        from django.test import override_settings

        from breachtracker import crypto

        with connection.cursor() as cursor:
            cursor.execute("SELECT summary FROM incidents_personrequest")
            self.assertNotIn("Secret Street", cursor.fetchone()[0])
        new = Fernet.generate_key().decode()
        with override_settings(FIELD_KEYS=[new, *crypto.settings.FIELD_KEYS]):
            call_command("rotate_field_keys", stdout=StringIO())
        with override_settings(FIELD_KEYS=[new]):
            fresh = PersonRequest.objects.get(pk=self.record.pk)
            self.assertEqual(fresh.summary, "My address 12 Secret Street was leaked")
            self.assertEqual(fresh.history.earliest().summary, "My address 12 Secret Street was leaked")

    def test_the_retention_purge_removes_what_was_asked(self) -> None:
        from django.db import transaction

        from incidents.retention import incident_purge_people

        with transaction.atomic():
            incident_purge_people(incident=self.incident, actor=None, reason="Retention period over")
        fresh = PersonRequest.objects.get(pk=self.record.pk)
        self.assertNotIn("Secret Street", fresh.summary)
        self.assertFalse(any("Secret Street" in h.summary for h in fresh.history.all()))
        self.assertEqual(services.totals(self.incident)["claimed"], Decimal("900"))


class ActionTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.handler)
        self.url = reverse("action_list", args=[self.incident.reference])

    def test_an_action_added_done_and_shown_in_the_report_register_and_history(self) -> None:
        from incidents.casework.models import IncidentAction
        from reporting.ico_report import build_report
        from reporting.register_export import HEADER, register_rows

        self.login(self.handler)
        due = timezone.localdate() + timedelta(days=30)
        response = self.client.post(self.url, {"action": "add", "kind": "preventive",
                                               "description": "Release spreadsheets as CSV only.",
                                               "owner": str(self.handler.pk), "due_on": due.isoformat()})
        self.assertRedirects(response, self.url)
        action = IncidentAction.objects.get()
        bad = self.client.post(self.url, {"action": "done", "pk": str(action.pk),
                                          "done_on": timezone.localdate().isoformat(), "evidence": " "})
        self.assertContains(bad, "say what shows it was done.", status_code=400)
        self.client.post(self.url, {"action": "done", "pk": str(action.pk),
                                    "done_on": timezone.localdate().isoformat(), "evidence": "Procedure v3."})
        action.refresh_from_db()
        self.assertEqual((action.status, action.done_on), ("done", timezone.localdate()))
        record = build_report(self.incident)["actions"]["records"][0]
        self.assertEqual((record["description"], record["status"], record["done_on"]),
                         ("Release spreadsheets as CSV only.", "Done", timezone.localdate().isoformat()))
        row = next(r for r in register_rows() if r[0].startswith(self.incident.reference))
        self.assertIn("Preventive: Release spreadsheets as CSV only.", row[HEADER.index(
            "Actions (kind, what, due, status, done on)")])
        self.login(self.dpo)
        history = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(history, "Preventive action added")
        self.assertContains(history, "Done")

    def test_bad_input_and_roles(self) -> None:
        from incidents.casework.models import IncidentAction

        self.login(self.handler)
        response = self.client.post(self.url, {"action": "add", "kind": "preventive", "description": "",
                                               "owner": str(self.handler.pk), "due_on": "2026-13-01"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "This field is required.", status_code=400)
        self.assertContains(response, "Enter a valid date.", status_code=400)
        self.assertContains(self.client.post(self.url, {"action": "done", "pk": "x", "done_on": "2026-01-01",
                                                        "evidence": "e"}), "not valid", status_code=400)
        self.login(self.auditor)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.assertEqual(self.client.post(self.url, {"action": "add", "kind": "preventive", "description": "x",
                                                     "owner": str(self.handler.pk),
                                                     "due_on": "2027-01-01"}).status_code, 403)
        self.assertFalse(IncidentAction.objects.exists())

    def test_overdue_actions_are_found_across_incidents(self) -> None:
        action = services.action_create(incident=self.incident, actor=self.handler, fields={
            "kind": "remedial", "description": "Recall the file.", "owner": self.handler,
            "due_on": timezone.localdate() - timedelta(days=1)})
        self.assertEqual(list(services.actions_overdue()), [action])
        services.action_drop(action=action, actor=self.dpo, reason="Not needed: the recipient deleted it.")
        self.assertEqual(list(services.actions_overdue()), [])
