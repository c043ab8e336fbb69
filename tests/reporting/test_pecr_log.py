"""Issue 19: the PECR monthly breach log (reg. 5A(8)) from the register, or a nil return for a
month with none; months in Europe/London time, across the clock changes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from django.urls import reverse
from openpyxl import load_workbook

from notifications import services as notification_services
from reporting import pecr_log
from reporting.models import ExportRecord
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import make_organisation


def _pecr(actor: object, aware_utc: datetime, **fields: object) -> object:
    return make_incident(actor=actor, regime="pecr", aware_at=aware_utc,
                         discovered_at=aware_utc - timedelta(hours=1), **fields)


class MonthTests(BaseTestCase):
    def test_a_breach_belongs_to_the_month_we_became_aware_in_uk_time(self) -> None:
        # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time.
        july = _pecr(self.dpo, datetime(2026, 6, 30, 23, 30, tzinfo=UTC), title="Just after midnight BST")
        june = _pecr(self.dpo, datetime(2026, 6, 30, 22, 30, tzinfo=UTC), title="Just before midnight BST")
        # In winter (GMT) UTC midnight is the boundary.
        december = _pecr(self.dpo, datetime(2025, 12, 1, 0, 0, tzinfo=UTC), title="First instant of December")
        make_incident(actor=self.dpo, regime="uk_gdpr", aware_at=datetime(2026, 7, 2, tzinfo=UTC),
                      discovered_at=datetime(2026, 7, 1, tzinfo=UTC), title="Not a PECR breach")
        today = date(2026, 12, 3)
        self.assertEqual(pecr_log.incidents_in(pecr_log.parse_month("2026-07", today)), [july])
        self.assertEqual(pecr_log.incidents_in(pecr_log.parse_month("2026-06", today)), [june])
        self.assertEqual(pecr_log.incidents_in(pecr_log.parse_month("2025-12", today)), [december])
        self.assertEqual(pecr_log.incidents_in(pecr_log.parse_month("2025-11", today)), [])

    def test_bad_months_are_refused_with_a_message(self) -> None:
        today = date(2026, 12, 3)
        for value, says in (("2026-13", "not valid"), ("26-11", "not valid"), ("2026-1", "not valid"),
                            ("２０２６-11", "not valid"), ("2027-01", "has not begun"), ("1999-12", "not valid")):
            with self.subTest(value=value), self.assertRaisesMessage(pecr_log.InputRefused, says):
                pecr_log.parse_month(value, today)
        self.assertEqual(pecr_log.parse_month("", date(2026, 1, 15)), pecr_log.Month(2025, 12))  # last month


class LogTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        now = datetime.now(UTC)
        self.month = pecr_log.Month(now.year, now.month)
        self.incident = _pecr(self.dpo, now - timedelta(minutes=30), title="=HYPERLINK(\"http://x\")",
                              description="<script>alert(1)</script> routing table sent to a supplier")
        make_subject(self.incident, actor=self.dpo, full_name="Priya Subscriber")
        notification_services.plan_update(incident=self.incident, actor=self.dpo, fields={
            "consequences": "Your number could be called by strangers.", "measures": "We asked them to delete it."})

    def test_the_log_has_the_facts_effects_and_remedial_action_and_no_persons_details(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("pecr_log_download", args=[self.month.slug, "csv"]))
        self.assertEqual(response.status_code, 200)
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], pecr_log.HEADER)
        row = dict(zip(rows[0], rows[1], strict=True))
        self.assertTrue(row["Incident (reference: title)"].startswith(self.incident.reference))
        self.assertEqual(row["Effects: likely consequences"], "Your number could be called by strangers.")
        self.assertEqual(row["Remedial action taken or proposed"], "We asked them to delete it.")
        self.assertEqual(row["People affected (recorded; estimate)"], "1; no estimate")
        self.assertNotIn("Priya", response.content.decode())
        self.assertEqual(ExportRecord.objects.get().kind, ExportRecord.Kind.PECR_LOG_CSV)

    def test_hostile_text_stays_text(self) -> None:
        self.login(self.dpo)
        csv_body = self.client.get(reverse("pecr_log_download", args=[self.month.slug, "csv"])).content.decode()
        self.assertNotIn(',"=HYPERLINK', csv_body)  # the title follows the reference: never a formula
        workbook = load_workbook(io.BytesIO(self.client.get(
            reverse("pecr_log_download", args=[self.month.slug, "xlsx"])).content))
        self.assertEqual(workbook.sheetnames, [self.month.slug])
        cell = workbook.active["D2"]
        self.assertEqual((cell.value, cell.data_type), (self.incident.description, "s"))
        page = self.client.get(reverse("pecr_log"), {"month": self.month.slug})
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")
        self.assertNotContains(page, "<script>alert(1)")

    def test_a_month_with_breaches_has_no_nil_return(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("pecr_log_download", args=[self.month.slug, "txt"]))
        self.assertContains(response, "send the log, not a nil return", status_code=400)

    def test_a_month_without_breaches_is_a_nil_return_not_an_empty_file(self) -> None:
        self.login(self.dpo)
        empty = pecr_log.Month(2024, 2)
        page = self.client.get(reverse("pecr_log"), {"month": empty.slug})
        self.assertContains(page, "No PECR breaches in February 2024: a nil return")
        response = self.client.get(reverse("pecr_log_download", args=[empty.slug, "csv"]))
        self.assertContains(response, "send a nil return, not an empty log", status_code=400)
        nil = self.client.get(reverse("pecr_log_download", args=[empty.slug, "txt"]))
        self.assertEqual(nil.status_code, 200)
        text = nil.content.decode()
        self.assertIn("nil return for February 2024", text)
        self.assertIn("had no personal data breaches under the Privacy and Electronic Communications", text)
        self.assertEqual(ExportRecord.objects.get().kind, ExportRecord.Kind.PECR_NIL_RETURN)

    def test_a_bad_month_in_the_address_is_a_400_with_a_message(self) -> None:
        self.login(self.dpo)
        self.assertContains(self.client.get(reverse("pecr_log"), {"month": "2026-99"}),
                            "That month is not valid", status_code=400)
        self.assertContains(self.client.get(reverse("pecr_log_download", args=["2026-99", "csv"])),
                            "That month is not valid", status_code=400)
        self.assertEqual(self.client.get(reverse("pecr_log_download", args=[self.month.slug, "exe"])).status_code, 404)

    def test_roles(self) -> None:
        url = reverse("pecr_log_download", args=[self.month.slug, "csv"])
        self.assertEqual(self.client.get(reverse("pecr_log")).status_code, 302)  # signed out: to the sign-in page
        self.login(self.handler)
        self.assertEqual(self.client.get(reverse("pecr_log")).status_code, 200)
        self.assertNotContains(self.client.get(reverse("pecr_log")), "Download the log")
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.auditor)
        self.assertEqual(self.client.get(url).status_code, 200)
