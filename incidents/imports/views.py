"""Screens for importing affected people: upload, match columns, report and progress, confirm."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db.models import Count
from django.forms import BoundField
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from breachtracker import keyset

from ..http import declared_length, incident_or_404
from ..models import DataCategory, Incident, SubjectImport, SubjectImportIssue
from ..roles import EDIT_CASE, READ, can, require
from ..vocab import mask_to_roles
from . import services
from .files import SheetPreview, preview_sheets
from .forms import (
    SubjectImportConfirmForm,
    SubjectImportDatesForm,
    SubjectImportMappingForm,
    SubjectImportTableForm,
    SubjectImportUploadForm,
)
from .models import AnswerSource
from .upload import upload_copy
from .reader import FIELDS, NAME_PARTS, ImportFileError, header_scorer, neutralise, template_headers

ISSUES_PER_PAGE = 100


def _import(incident: Incident, pk: int) -> SubjectImport:
    subject_import = get_object_or_404(SubjectImport.objects.select_related("created_by", "confirmed_by"), incident=incident, pk=pk)
    subject_import.incident = incident
    return subject_import


def _max_bytes() -> int:
    return settings.BREACHTRACKER_MAX_UPLOAD_MB * 1024 * 1024


def _too_big_message() -> str:
    return (f"The file is larger than {settings.BREACHTRACKER_MAX_UPLOAD_MB} MB, the most this site accepts. "
            "Split it into smaller files, or save it as CSV (usually much smaller than .xlsx).")


class _SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit (for a body without an honest length)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.seen = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.seen += len(raw_data)
        if self.seen > self.limit:
            setattr(self.request, "upload_too_big", True)  # noqa: B010 - read back by the view
            raise StopUpload(connection_reset=False)  # skip the rest, keep nothing
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt  # checked by _upload below, AFTER the size check: the CSRF check would read the body
@require(EDIT_CASE)
def subject_import_upload(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    if request.method == "POST":
        # Refused from the declared length alone, before a byte of the body is read.
        if declared_length(request) > _max_bytes() + 64 * 1024:
            return _upload_page(request, incident, _upload_form(), error=_too_big_message(), status=413)
        cast(list[Any], request.upload_handlers).insert(0, _SizeLimitHandler(request, _max_bytes()))
    return _upload(request, incident)


@csrf_protect
def _upload(request: HttpRequest, incident: Incident) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, incident, _upload_form())
    form = _upload_form(request.POST, request.FILES)
    if getattr(request, "upload_too_big", False):
        return _upload_page(request, incident, _upload_form(), error=_too_big_message(), status=413)
    if not form.is_valid():
        return _upload_page(request, incident, form)
    try:
        subject_import = services.subject_import_create(
            incident=incident, actor=request.user, upload=form.cleaned_data["file"], sheet=form.cleaned_data["sheet"],
            file_roles=form.roles_mask(), file_categories=form.categories_mask(),
        )
    except ImportFileError as exc:
        return _upload_page(request, incident, form, error=str(exc))
    if subject_import.status == SubjectImport.Status.MAPPING:
        return redirect("subject_import_mapping", incident.reference, subject_import.pk)
    return redirect(subject_import)


def _upload_form(*args: Any) -> SubjectImportUploadForm:
    return SubjectImportUploadForm(*args, categories=list(DataCategory.objects.all()))


def _upload_page(request: HttpRequest, incident: Incident, form: SubjectImportUploadForm, *,
                 error: str = "", status: int = 200) -> HttpResponse:
    imports = incident.imports.select_related("created_by")[:20]
    return render(
        request, "incidents/import_upload.html",
        {"incident": incident, "form": form, "error": error, "imports": imports, "fields": FIELDS,
         "max_mb": settings.BREACHTRACKER_MAX_UPLOAD_MB, "tab": "subjects", "now": timezone.now()},
        status=status,
    )


def _previews(subject_import: SubjectImport, categories: list[DataCategory]) -> tuple[list[SheetPreview], str]:
    """The first rows of each sheet of the uploaded file (read again: never stored), or why not."""
    with upload_copy(subject_import) as path:
        if path is None:
            return [], "The uploaded file is no longer here; upload it again."
        try:
            return preview_sheets(path, kind=subject_import.file_kind, encoding=subject_import.encoding,
                                  sheet=subject_import.sheet, score=header_scorer(categories),
                                  seconds=services.UPLOAD_SECONDS), ""
        except ImportFileError as exc:
            return [], str(exc)


@require(EDIT_CASE)
def subject_import_mapping(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    subject_import = _import(incident, pk)
    if subject_import.is_running or subject_import.is_finished:
        return redirect(subject_import)
    categories = list(DataCategory.objects.all())
    previews, preview_error = _previews(subject_import, categories)
    table_form = SubjectImportTableForm(
        request.POST if request.method == "POST" and request.POST.get("action") == "table" else None,
        previews=previews, sheet=subject_import.sheet, header_row=subject_import.header_row)
    if request.method == "POST" and request.POST.get("action") == "table":
        if table_form.is_valid():
            try:
                services.subject_import_choose_table(
                    subject_import=subject_import, actor=request.user,
                    sheet=table_form.cleaned_data.get("sheet") or subject_import.sheet,
                    header_row=table_form.cleaned_data["header_row"])
                messages.info(request, "The file was read again: check the column matching below.")
            except ImportFileError as exc:
                messages.error(request, str(exc))
            return redirect("subject_import_mapping", incident.reference, subject_import.pk)
    form = SubjectImportMappingForm(
        request.POST if request.method == "POST" and request.POST.get("action") != "table" else None,
        headers=subject_import.headers,
        mapping=subject_import.mapping, categories=categories,
        initial={"file_roles": [r.code for r in mask_to_roles(subject_import.file_roles)],
                 "file_categories": [c.code for c in categories if subject_import.file_categories & c.mask]},
    )
    if request.method == "POST" and request.POST.get("action") != "table" and form.is_valid():
        services.subject_import_set_mapping(subject_import=subject_import, actor=request.user, mapping=form.mapping(),
                                            file_roles=form.roles_mask(), file_categories=form.categories_mask())
        return redirect(subject_import)
    shown = [(p, p.shown(), p.name == subject_import.sheet or not p.name) for p in previews]
    return render(request, "incidents/import_mapping.html",
                  {"incident": incident, "import": subject_import, "form": form, "table_form": table_form,
                   "previews": shown, "preview_error": preview_error,
                   "columns": _columns(form, subject_import, previews), "tab": "subjects", "now": timezone.now()})


def _columns(form: SubjectImportMappingForm, subject_import: SubjectImport,
             previews: list[SheetPreview]) -> list[tuple[BoundField, list[str] | None]]:
    """Each column's drop-down with the first values under its header in the sheet read (from the
    preview's rows, already in memory), or None when that sheet could not be previewed."""
    current = next((p for p in previews if p.name == subject_import.sheet or not p.name), None)
    fields = form.column_fields()
    if current is None or current.problem:
        return [(field, None) for field in fields]
    samples = current.column_samples(subject_import.header_row, len(fields))
    return list(zip(fields, samples, strict=True))


def _dates_form(subject_import: SubjectImport, data: Any = None) -> SubjectImportDatesForm | None:
    ask_order = bool(subject_import.dates_ambiguous)
    ask_system = bool(subject_import.date_serials) and subject_import.date_system_source != AnswerSource.FILE
    if not (ask_order or ask_system):
        return None
    return SubjectImportDatesForm(data, ask_order=ask_order, ask_system=ask_system,
                                  initial={"date_order": subject_import.date_order,
                                           "date_system": subject_import.date_system})


def _left_out_reasons(subject_import: SubjectImport) -> list[tuple[str, int]]:
    """Why rows were left out, most common first, each with the number of rows it applies to."""
    reasons = (subject_import.issues.filter(kind=SubjectImportIssue.Kind.ERROR).values("message")
               .annotate(rows=Count("row", distinct=True)).order_by("-rows", "message"))
    return [(r["message"], r["rows"]) for r in reasons[:20]]


@require(READ)
def subject_import_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(reference)
    subject_import = _import(incident, pk)
    confirm_form = SubjectImportConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can(request.user, EDIT_CASE):
            raise PermissionDenied("Your role does not allow this (edit_case).")
        try:
            dates_form = _dates_form(subject_import, request.POST)
            if request.POST.get("action") == "dates" and dates_form is not None:
                if not dates_form.is_valid():
                    messages.error(request, "Choose an answer for each question about the file's dates.")
                    return redirect(subject_import)
                services.subject_import_answer_dates(
                    subject_import=subject_import, actor=request.user,
                    date_order=dates_form.cleaned_data.get("date_order") or "",
                    date_system=dates_form.cleaned_data.get("date_system") or "")
                messages.info(request, "Thank you. The rows are being checked again with your answer.")
            elif request.POST.get("action") == "cancel":
                services.subject_import_cancel(subject_import=subject_import, actor=request.user)
                messages.info(request, "Import cancelled. Nothing was imported and the file was deleted.")
            elif confirm_form.is_valid():
                services.subject_import_confirm(subject_import=subject_import, actor=request.user,
                                                only_valid=confirm_form.cleaned_data["only_valid"])
                messages.info(request, "Importing. This page shows the progress.")
        except ImportFileError as exc:
            messages.error(request, str(exc))
        return redirect(subject_import)
    issues = subject_import.issues.all()
    # A line per row of the file at most: paged by key (breachtracker/keyset.py), not OFFSET.
    page = keyset.paginate(request, issues, key="pk", within=("subject_import_id", subject_import.pk), count=issues.count(),
                           per_page=ISSUES_PER_PAGE, salt=f"import_report:{subject_import.pk}")
    reasons = _left_out_reasons(subject_import) if subject_import.rows_invalid else []
    return render(request, "incidents/import_detail.html",
                  {"incident": incident, "import": subject_import, "page": page, "confirm_form": confirm_form,
                   "dates_form": _dates_form(subject_import), "left_out_reasons": reasons,
                   "merged_in_file": subject_import.rows_merged - subject_import.rows_merged_existing,
                   "tab": "subjects", "now": timezone.now()})


@require_GET
@require(READ)
def subject_import_progress(request: HttpRequest, reference: str, pk: int) -> JsonResponse:
    incident = incident_or_404(reference)
    subject_import = _import(incident, pk)
    return JsonResponse({
        "status": subject_import.status,
        "status_label": subject_import.get_status_display(),
        "running": subject_import.is_running,
        "percent": subject_import.percent,
        "rows_read": subject_import.rows_read,
        "rows_valid": subject_import.rows_valid,
        "rows_invalid": subject_import.rows_invalid,
        "rows_merged": subject_import.rows_merged,
    }, headers={"Cache-Control": "no-store"})


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@require(READ)
def subject_import_report(request: HttpRequest, reference: str, pk: int) -> StreamingHttpResponse:
    incident = incident_or_404(reference)
    subject_import = _import(incident, pk)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so Excel reads the report as UTF-8
        yield writer.writerow(["row", "column", "value", "kind", "message"])
        issues = subject_import.issues.order_by("pk").values_list("row", "column", "value", "kind", "message")
        kinds = dict(SubjectImportIssue.Kind.choices)
        for row, column, value, kind, message in issues.iterator(chunk_size=2000):
            yield writer.writerow([neutralise(x) for x in (row or "", column, value, kinds.get(kind, kind), message)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}-import-{subject_import.pk}-report.csv"'
    return response


@require_GET
@require(EDIT_CASE)
def subject_import_template(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(reference)
    categories = list(DataCategory.objects.all())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}-people-template.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(template_headers(categories))
    example: dict[str, Any] = {
        "reference": "CR/0001/26", "full_name": "Alex Example", "date_of_birth": "1980-04-01",
        "roles": "Victim; Witness", "is_child": "no", "is_vulnerable": "no", "address_line_1": "1 Example Street",
        "address_line_2": "", "town": "London", "postcode": "SW1A 1AA", "email": "alex@example.org",
        "phone": "", "preferred_channel": "letter", "do_not_write": "no", "large_print": "no", "language": "English",
        "categories": "Location data",
    }
    writer.writerow([example[f.key] for f in FIELDS if f.key not in NAME_PARTS]
                    + ["yes" if c.code == "basic_identifiers" else "" for c in categories])
    return response
