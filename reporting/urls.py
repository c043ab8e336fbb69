"""URLs of the pages that read or write across incidents and notifications. Included after
`incidents.urls`, so that "incidents/new/" is never taken for an incident's reference."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("incidents/<str:reference>/", views.incident_detail, name="incident_detail"),
    path("incidents/<str:reference>/history/", views.incident_history, name="incident_history"),
    path("incidents/<str:reference>/history.csv", views.incident_audit_csv, name="incident_audit_csv"),
    path("incidents/<str:reference>/decisions/<str:kind>/new/", views.decision_create, name="decision_create"),
    path("incidents/<str:reference>/submissions/new/", views.submission_create, name="submission_create"),
    path("incidents/<str:reference>/report/", views.report_preview, name="report_preview"),
    path("incidents/<str:reference>/report/details/", views.report_details_edit, name="report_details_edit"),
    path("incidents/<str:reference>/report/copy/", views.report_copy, name="report_copy"),
    path("incidents/<str:reference>/report.json", views.report_json_download, name="report_json"),
    path("incidents/<str:reference>/report.pdf", views.report_pdf_download, name="report_pdf"),
    path("incidents/<str:reference>/report/submissions/<int:pk>/", views.snapshot_detail,
         name="report_snapshot"),
    path("incidents/<str:reference>/report/submissions/<int:pk>/report.<str:fmt>", views.snapshot_download,
         name="report_snapshot_download"),
    path("incidents/<str:reference>/controllers/notice.pdf", views.controller_notice_pdf, name="controller_notice"),
    path("incidents/<str:reference>/closure/", views.closure, name="closure"),
    path("incidents/<str:reference>/closure/review.pdf", views.closure_pdf, name="closure_pdf"),
    path("register/export.<str:fmt>", views.register_download, name="register_export"),
    path("register/pecr-log/", views.pecr_log, name="pecr_log"),
    path("register/pecr-log/<str:month>.<str:fmt>", views.pecr_log_download, name="pecr_log_download"),
]
