from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
    path("", include("incidents.urls")),
    # After incidents: its fixed paths ("incidents/new/") come before the overview's pattern.
    path("", include("reporting.urls")),
]

handler403 = "breachtracker.errors.permission_denied"
handler500 = "breachtracker.errors.server_error"
