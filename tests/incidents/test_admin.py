from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from incidents.models import DataCategory
from tests.base import BaseTestCase, sign_in


class AdminTests(BaseTestCase):
    def test_no_history_table_can_be_edited_in_the_admin(self) -> None:
        registered = [model.__name__ for model in admin.site._registry]
        self.assertEqual([name for name in registered if name.startswith("Historical")], [])

    def test_reverting_to_an_old_version_is_disabled(self) -> None:
        superuser = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
        sign_in(self.client, superuser)
        category = DataCategory.objects.get(code="health")
        category.save()  # a history row to try reverting to
        record = category.history.first()
        url = reverse("admin:incidents_datacategory_simple_history", args=[category.pk, record.history_id])
        response = self.client.post(url, {"name": "Renamed", "dpc_level": 1})
        self.assertEqual(response.status_code, 403)
        category.refresh_from_db()
        self.assertEqual(category.name, "Health data")

    def test_a_category_cannot_be_deleted(self) -> None:
        superuser = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
        sign_in(self.client, superuser)
        category = DataCategory.objects.get(code="health")
        response = self.client.post(reverse("admin:incidents_datacategory_delete", args=[category.pk]), {"post": "yes"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(DataCategory.objects.filter(pk=category.pk).exists())
