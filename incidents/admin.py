"""Admin for reference data only; cases are worked through the app, where every write is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from .models import DataCategory, Organisation


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History can be read in the admin, never used to revert or rewrite a record.

    SIMPLE_HISTORY_REVERT_DISABLED only hides the button: a POST to a history page would
    still save the old version. This refuses it.
    """

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: Any = None) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied("History is read-only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(DataCategory)
class DataCategoryAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "code", "dpc_level", "is_special", "is_criminal")
    # The code and bit are referenced by stored subject rows: changing them would corrupt data.
    readonly_fields = ("code", "bit")

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyHistoryAdmin):
    list_display = ("controller_name", "ico_registration_number", "dpo_name")
