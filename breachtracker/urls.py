from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health

urlpatterns = [
    # Health checks for load balancers and monitoring: no sign-in, "OK"/"failed" only. Keep
    # them under /health/ (sign-in and two-factor middleware exempt that prefix).
    *[path(f"health/{suffix}", health.health, kwargs, name=f"health{'_' + kwargs['check'] if kwargs else ''}")
      for suffix, kwargs in health.url_names()],
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
    path("", include("incidents.urls")),
    # After incidents: its fixed paths ("incidents/new/") come before the overview's pattern.
    path("", include("reporting.urls")),
]

handler400 = "breachtracker.errors.bad_request"
handler403 = "breachtracker.errors.permission_denied"
handler500 = "breachtracker.errors.server_error"
