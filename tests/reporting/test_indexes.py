"""What the lists and the workers query is indexed (issue 18): on PostgreSQL, with sequential
scans and sorts priced out (so the plan does not depend on how many rows other tests left in
the tables), each query's plan reads its rows, in order, from its index. Without the index
the plan is a sequential scan or a sort, so each test fails if its index is dropped."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from incidents.models import DataSubject, Incident
from notifications.models import Notification
from tests.base import BaseTestCase, make_incident


def plan(queryset: object) -> str:
    sql, params = queryset.query.sql_with_params()  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


class IndexTests(BaseTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            pytest.skip("query plans are PostgreSQL's; CI runs this on PostgreSQL")
        self.incident = make_incident(actor=self.dpo)

    def assertUsesIndex(self, queryset: object, name: str) -> None:
        text = plan(queryset)
        self.assertIn(name, text, text)

    def test_a_worker_finds_its_claimed_rows_by_token(self) -> None:
        self.assertUsesIndex(Notification.objects.filter(claim_token=uuid.uuid4()).order_by(), "notification_claim_token")

    def test_the_notifications_list_reads_its_order_from_an_index(self) -> None:
        rows = Notification.objects.filter(incident=self.incident).order_by("subject_id", "pk")[5000:5050]
        self.assertUsesIndex(rows, "notification_list_order")

    def test_the_people_list_reads_its_order_from_an_index(self) -> None:
        rows = DataSubject.objects.filter(incident=self.incident).order_by("pk")[5000:5050]
        self.assertUsesIndex(rows, "subject_list_order")

    def test_the_register_reads_its_order_from_an_index(self) -> None:
        self.assertUsesIndex(Incident.objects.order_by("-aware_at")[:25], "incident_register_order")
        self.assertUsesIndex(Incident.objects.filter(status="open").order_by("-aware_at")[:25],
                             "incident_status_order")
