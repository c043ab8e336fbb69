"""Admin for reference data only; cases are worked through the app, where every write is audited."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DataCategory, Organisation


@admin.register(DataCategory)
class DataCategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "dpc_level", "is_special", "is_criminal")
    # The code and bit are referenced by stored subject rows: changing them would corrupt data.
    readonly_fields = ("code", "bit")

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("controller_name", "ico_registration_number", "dpo_name")
