from __future__ import annotations

from django.urls import path

from .assessment import views as assessment_views
from .casework import views as casework_views
from .closure import views as closure_views
from .controllers import views as controller_views
from .disclosure import batch_views as disclosure_batch_views
from .disclosure import views as disclosure_views
from .imports import views as import_views
from .people import views as people_views
from .register import views as register_views
from .regulator import views as regulator_views

urlpatterns = [
    path("incidents/", register_views.incident_list, name="incident_list"),
    path("incidents/new/", register_views.incident_create, name="incident_create"),
    path("incidents/<str:reference>/edit/", register_views.incident_edit, name="incident_edit"),
    path("incidents/<str:reference>/clock/", register_views.incident_correct_clock, name="incident_correct_clock"),
    path("incidents/<str:reference>/close/", register_views.incident_close, name="incident_close"),
    path("incidents/<str:reference>/reopen/", register_views.incident_reopen, name="incident_reopen"),
    path("incidents/<str:reference>/categories/", register_views.incident_categories, name="incident_categories"),
    path("incidents/<str:reference>/subjects/", people_views.subject_list, name="subject_list"),
    path("incidents/<str:reference>/subjects/new/", people_views.subject_create, name="subject_create"),
    path("incidents/<str:reference>/subjects/<int:pk>/", people_views.subject_detail, name="subject_detail"),
    path("incidents/<str:reference>/subjects/<int:pk>/edit/", people_views.subject_edit, name="subject_edit"),
    path("incidents/<str:reference>/subjects/<int:pk>/history/", people_views.subject_history, name="subject_history"),
    path("incidents/<str:reference>/assessment/", assessment_views.assessment, name="assessment"),
    path("incidents/<str:reference>/assessment/new/", assessment_views.assessment_create, name="assessment_create"),
    path("incidents/<str:reference>/restrictions/new/", assessment_views.restriction_create, name="restriction_create"),
    path("incidents/<str:reference>/restrictions/<int:pk>/review/", assessment_views.restriction_review,
         name="restriction_review"),
    path("incidents/<str:reference>/disclosure/", disclosure_views.incident_disclosure_check,
         name="incident_disclosure_check"),
    path("incidents/<str:reference>/disclosure/copy/<str:token>/", disclosure_views.incident_disclosure_copy,
         name="incident_disclosure_copy"),
    path("disclosure/check/", disclosure_views.disclosure_check, name="disclosure_check"),
    path("disclosure/copy/<str:token>/", disclosure_views.disclosure_copy, name="disclosure_copy"),
    path("disclosure/copy/<str:token>/download/", disclosure_views.disclosure_copy_download,
         name="disclosure_copy_download"),
    path("incidents/<str:reference>/disclosure/batch/", disclosure_batch_views.incident_disclosure_check_batch,
         name="incident_disclosure_check_batch"),
    path("disclosure/check-batch/", disclosure_batch_views.disclosure_check_batch, name="disclosure_check_batch"),
    path("incidents/<str:reference>/evidence/<int:pk>/", disclosure_views.evidence_download, name="evidence_download"),
    path("incidents/<str:reference>/subjects/import/", import_views.subject_import_upload, name="subject_import_upload"),
    path("incidents/<str:reference>/subjects/import/template.csv", import_views.subject_import_template,
         name="subject_import_template"),
    path("incidents/<str:reference>/subjects/import/<int:pk>/", import_views.subject_import_detail,
         name="subject_import_detail"),
    path("incidents/<str:reference>/subjects/import/<int:pk>/mapping/", import_views.subject_import_mapping,
         name="subject_import_mapping"),
    path("incidents/<str:reference>/subjects/import/<int:pk>/progress/", import_views.subject_import_progress,
         name="subject_import_progress"),
    path("incidents/<str:reference>/subjects/import/<int:pk>/report.csv", import_views.subject_import_report,
         name="subject_import_report"),
    path("incidents/<str:reference>/actions/", casework_views.action_list, name="action_list"),
    path("incidents/<str:reference>/contacts/", casework_views.contact_list, name="contact_list"),
    path("incidents/<str:reference>/contacts/new/", casework_views.contact_create, name="contact_create"),
    path("incidents/<str:reference>/contacts/<int:pk>/", casework_views.contact_detail, name="contact_detail"),
    path("incidents/<str:reference>/requests/", casework_views.request_list, name="request_list"),
    path("incidents/<str:reference>/requests/new/", casework_views.request_create, name="request_create"),
    path("incidents/<str:reference>/requests/<int:pk>/", casework_views.request_detail, name="request_detail"),
    path("incidents/<str:reference>/closure/edit/", closure_views.closure_edit, name="closure_review_edit"),
    path("incidents/<str:reference>/closure/close/", closure_views.closure_close, name="closure_close"),
    path("incidents/<str:reference>/controllers/", controller_views.party_list, name="party_list"),
    path("incidents/<str:reference>/controllers/new/<str:kind>/", controller_views.party_create, name="party_create"),
    path("incidents/<str:reference>/controllers/<int:pk>/edit/", controller_views.party_edit, name="party_edit"),
    path("incidents/<str:reference>/controllers/<int:pk>/remove/", controller_views.party_remove,
         name="party_remove"),
    path("incidents/<str:reference>/regulator/", regulator_views.regulator, name="regulator"),
    path("incidents/<str:reference>/regulator/case/", regulator_views.regulator_case_edit, name="regulator_case_edit"),
    path("incidents/<str:reference>/regulator/correspondence/new/", regulator_views.regulator_correspondence_add,
         name="regulator_correspondence_add"),
    path("incidents/<str:reference>/regulator/correspondence/<int:pk>/file/",
         regulator_views.regulator_correspondence_file, name="regulator_correspondence_file"),
    path("incidents/<str:reference>/regulator/requests/new/", regulator_views.regulator_request_add,
         name="regulator_request_add"),
    path("incidents/<str:reference>/regulator/requests/<int:pk>/answer/", regulator_views.regulator_request_answer,
         name="regulator_request_answer"),
    path("incidents/<str:reference>/regulator/links/new/", regulator_views.regulator_link_add,
         name="regulator_link_add"),
    path("incidents/<str:reference>/regulator/links/<int:pk>/remove/", regulator_views.regulator_link_remove,
         name="regulator_link_remove"),
    path("organisation/", register_views.organisation_detail, name="organisation_detail"),
    path("organisation/edit/", register_views.organisation_edit, name="organisation_edit"),
]
