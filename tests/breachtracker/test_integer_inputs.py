"""Issue 17, small fixes: every whole number taken from a form or an address is range-checked.
A number too large for its column, a negative one, letters and an exponent each get a 400
with a message or a form error, never a 500 (integer overflow is a PostgreSQL error; SQLite
raises OverflowError) and never a change."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.urls import reverse

from incidents.models import DataSubject, Incident, IncidentCategory, Restriction
from notifications.models import Batch, Notification
from tests.base import sign_in
from tests.world import EveryKindOfRecordTestCase

BAD = ["9999999999999999999999999", "-1", "abc", "1e5"]


class IntegerInputTests(EveryKindOfRecordTestCase):
    def setUp(self) -> None:
        sign_in(self.client, self.dpo)
        self.ref = self.incident.reference

    def assertRefused(self, response: Any, label: str) -> None:  # noqa: N802 (unittest's style)
        """A 4xx, or the page again with a form error, or back with an error message."""
        status = response.status_code
        if 400 <= status < 500:
            return
        if status == 200 and response.context is not None:
            form = response.context.get("form")
            if form is not None and form.errors:
                return
        if status == 302 and any(m.level_tag == "error" for m in get_messages(response.wsgi_request)):
            return
        self.fail(f"{label}: {status}, neither a 4xx nor a form error")

    def test_selected_on_the_bulk_tick(self) -> None:
        url = reverse("notification_bulk", args=[self.ref])
        version = Notification.objects.get(pk=self.notification.pk).version
        for bad in BAD:
            for data in ({"selected": bad, f"v_{bad}": "1", "action": "sent"},
                         {"selected": str(self.notification.pk), f"v_{self.notification.pk}": bad, "action": "sent"}):
                response = self.client.post(url, data)
                self.assertRefused(response, f"bulk {data}")
                self.assertEqual(response.status_code, 400)
        self.assertEqual(Notification.objects.get(pk=self.notification.pk).version, version)

    def test_subject_on_generate(self) -> None:
        batches = Batch.objects.count()
        for bad in BAD:
            response = self.client.post(reverse("batch_start", args=[self.ref]), {"subject": bad})
            self.assertEqual(response.status_code, 400, bad)
            self.assertContains(response, "That person number is not valid", status_code=400)
        self.assertEqual(Batch.objects.count(), batches)

    def test_pack_and_batch_on_print_packs(self) -> None:
        url = reverse("print_packs", args=[self.ref])
        for bad in BAD:
            self.assertRefused(self.client.post(url, {"action": "posted", "pack": bad}), f"pack={bad}")
            self.assertRefused(self.client.post(url, {"batch": bad}), f"batch={bad}")

    def test_page_on_every_paginated_list(self) -> None:
        lists = [reverse("incident_list"), reverse("incident_history", args=[self.ref])]
        for url in lists:
            for bad in BAD:
                response = self.client.get(url, {"page": bad})
                self.assertEqual(response.status_code, 400, f"{url}?page={bad}")
                self.assertContains(response, "That page number is not valid", status_code=400)
            self.assertEqual(self.client.get(url, {"page": "2"}).status_code, 200, f"{url}: past the end is the last")

    def test_cursor_on_every_list_paged_by_key(self) -> None:
        # The lists that can hold one row per person are paged by key (breachtracker/keyset.py):
        # a changed, foreign or malformed cursor is refused; the last page is "cursor=last".
        lists = [reverse("subject_list", args=[self.ref]), reverse("notification_list", args=[self.ref]),
                 reverse("subject_import_detail", args=[self.ref, self.subject_import.pk])]
        for url in lists:
            for bad in [*BAD, "WyJhIiwgMSwgMV0:forged", '["a", 1, 1]', "x" * 300]:
                response = self.client.get(url, {"cursor": bad})
                self.assertContains(response, "That page link is not valid", status_code=400)
            self.assertEqual(self.client.get(url, {"cursor": "last"}).status_code, 200, url)

    def test_ids_in_addresses(self) -> None:
        huge = BAD[0]
        for url in (f"/incidents/{self.ref}/subjects/{huge}/", f"/incidents/{self.ref}/notifications/{huge}/",
                    f"/incidents/{self.ref}/subjects/import/{huge}/", f"/incidents/{self.ref}/evidence/{huge}/",
                    f"/incidents/{self.part3.reference}/restrictions/{huge}/review/",
                    f"/incidents/{self.ref}/notifications/batches/{huge}/progress/",
                    f"/incidents/{self.ref}/report/submissions/{huge}/"):
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_the_handler_of_an_incident(self) -> None:
        url = reverse("incident_edit", args=[self.ref])
        page = self.client.get(url)
        form = page.context["form"]
        data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
        data["aware_at"] = form["aware_at"].value().strftime("%Y-%m-%dT%H:%M")
        data["discovered_at"] = form["discovered_at"].value().strftime("%Y-%m-%dT%H:%M")
        for bad in BAD:
            response = self.client.post(url, {**data, "handler": bad})
            self.assertRefused(response, f"handler={bad}")
            self.assertIn("handler", response.context["form"].errors)
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).handler_id, self.incident.handler_id)

    def test_categories_of_a_person(self) -> None:
        people = DataSubject.objects.count()
        for bad in BAD:
            response = self.client.post(reverse("subject_create", args=[self.ref]), {
                "full_name": "Ann Example", "role_codes": "victim", "preferred_channel": "letter",
                "language": "en", "category_ids": bad})
            self.assertRefused(response, f"category_ids={bad}")
            self.assertIn("category_ids", response.context["form"].errors)
        self.assertEqual(DataSubject.objects.count(), people)

    def test_record_counts_of_exposed_categories(self) -> None:
        for bad in BAD:
            response = self.client.post(reverse("incident_categories", args=[self.ref]),
                                        {"exposed_health": "on", "records_health": bad})
            self.assertRefused(response, f"records={bad}")
        self.assertFalse(IncidentCategory.objects.filter(incident=self.incident, category__code="health").exists())

    def test_the_person_a_restriction_covers(self) -> None:
        restrictions = Restriction.objects.count()
        for bad in BAD:
            response = self.client.post(reverse("restriction_create", args=[self.part3.reference]), {
                "subject": bad, "extent": "whole", "grounds": "b", "rationale": "Live investigation.",
                "start_date": "2026-01-01", "review_date": "2099-01-01"})
            self.assertRefused(response, f"subject={bad}")
        self.assertEqual(Restriction.objects.count(), restrictions)

    def test_the_year_filter_of_the_register(self) -> None:
        for bad in BAD:
            self.assertRefused(self.client.get(reverse("incident_list"), {"year": bad}), f"year={bad}")

    def test_versions_on_ticking_one_person(self) -> None:
        url = reverse("notification_mark", args=[self.ref, self.notification.pk])
        before = Notification.objects.get(pk=self.notification.pk)
        for bad in BAD:
            self.assertRefused(self.client.post(url, {"action": "sent", "version": bad}), f"version={bad}")
        after = Notification.objects.get(pk=self.notification.pk)
        self.assertEqual((after.status, after.version), (before.status, before.version))
