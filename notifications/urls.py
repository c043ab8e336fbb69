from __future__ import annotations

from django.urls import path

from . import views

P = "incidents/<str:reference>/notifications/"

urlpatterns = [
    path(P, views.notification_list, name="notification_list"),
    path(f"{P}plan/", views.notification_plan, name="notification_plan"),
    path(f"{P}generate/", views.batch_start, name="batch_start"),
    path(f"{P}approval/", views.letter_approval, name="letter_approval"),
    path(f"{P}approval/<str:audience>.pdf", views.letter_sample, name="letter_sample"),
    path(f"{P}batches/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path(f"{P}bulk/", views.notification_bulk, name="notification_bulk"),
    path(f"{P}outstanding.csv", views.outstanding_csv, name="outstanding_csv"),
    path(f"{P}packs/", views.print_packs, name="print_packs"),
    path(f"{P}packs/<int:pk>/<str:part>/", views.print_pack_download, name="print_pack_download"),
    path(f"{P}<int:pk>/", views.notification_detail, name="notification_detail"),
    path(f"{P}<int:pk>/mark/", views.notification_mark, name="notification_mark"),
    path(f"{P}<int:pk>/letter.pdf", views.notification_pdf, name="notification_pdf"),
    path("incidents/<str:reference>/phone-script/", views.phone_script, name="phone_script"),
    path("incidents/<str:reference>/subjects/<int:pk>/contacts/", views.person_contacts, name="person_contacts"),
    path("letters/", views.letter_templates, name="letter_templates"),
    path("letters/<str:audience>/edit/", views.letter_template_edit, name="letter_template_edit"),
]
