"""The hostile corpus (tests/hostile.py) through every form and every upload.

Each form is found by loading its page and reading the rendered <form>s, so a new field on an
existing form is covered without touching this file. Every field gets every hostile string
(and one 10 MB string per form): the answer is a clear refusal or a saved-and-escaped value,
never a 5xx; a refused submission changes nothing (no new history row anywhere); no page ever
echoes the markup unescaped.
"""
from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from incidents.models import SubjectImport
from incidents.tasks import subject_import_run
from tests.base import sign_in
from tests import hostile
from tests.world import EveryKindOfRecordTestCase

FUZZED_TYPES = {"text", "email", "tel", "url", "number", "date", "datetime-local", "search", "hidden", "password"}


class Forms(HTMLParser):
    """The forms of a page: action, method, fields with their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                               "data": {}, "fuzz": [], "files": []})
            return
        if not self.forms or not a.get("name"):
            return
        form, name = self.forms[-1], a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form["files"].append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form["data"].setdefault(name, []).append(a.get("value", "on"))
                elif kind == "radio" and name not in form["data"]:
                    form["data"][name] = [a.get("value", "")]
                if name not in form["fuzz"]:
                    form["fuzz"].append(name)
            elif kind not in ("submit", "button", "reset"):
                form["data"][name] = [a.get("value", "")]
                if kind in FUZZED_TYPES and name != "csrfmiddlewaretoken":
                    form["fuzz"].append(name)
        elif tag == "select":
            self._select = name
            form["fuzz"].append(name)
        elif tag == "option" and self._select:
            values = form["data"].setdefault(self._select, [])
            if "selected" in a or (not values and a.get("value")):
                form["data"][self._select] = [a.get("value", "")]
        elif tag == "textarea":
            self._textarea = name
            form["data"][name] = [""]
            form["fuzz"].append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["data"][self._textarea] = [self.forms[-1]["data"][self._textarea][0] + data]


def history_rows() -> int:
    """Every history row of every model, in one query: any write leaves one."""
    tables = [m._meta.db_table for m in apps.get_models() if m.__name__.startswith("Historical")]
    union = " UNION ALL ".join(f"SELECT COUNT(*) AS n FROM {connection.ops.quote_name(t)}" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUM(n) FROM ({union}) AS counts")  # noqa: S608 - our own table names
        return int(cursor.fetchone()[0])


class HostileInputTests(EveryKindOfRecordTestCase):
    def setUp(self) -> None:
        self.client = Client()
        sign_in(self.client, self.dpo)
        self.client.get(reverse("dashboard"))  # the session's first request writes it

    def _pages(self) -> list[str]:
        ref, p3 = self.incident.reference, self.part3.reference
        return [
            reverse("incident_create"), reverse("incident_edit", args=[ref]), reverse("incident_categories", args=[ref]),
            reverse("subject_list", args=[ref]), reverse("subject_create", args=[ref]),
            reverse("subject_edit", args=[ref, self.subject.pk]), reverse("organisation_edit"),
            reverse("assessment_create", args=[ref]), reverse("decision_create", args=[ref, "report"]),
            reverse("decision_create", args=[ref, "tell"]), reverse("restriction_create", args=[p3]),
            reverse("restriction_review", args=[p3, self.restriction.pk]), reverse("submission_create", args=[ref]),
            reverse("notification_plan", args=[ref]), reverse("notification_list", args=[ref]),
            reverse("notification_detail", args=[ref, self.notification.pk]),
            reverse("letter_template_edit", args=["victim"]),
            reverse("subject_import_mapping", args=[ref, self.subject_import.pk]),
            reverse("party_create", args=[ref, "partner"]), reverse("party_create", args=[ref, "processor"]),
            reverse("contact_create", args=[ref]), reverse("contact_detail", args=[ref, self.contact.pk]),
            reverse("request_create", args=[ref]), reverse("action_list", args=[ref]),
            reverse("closure_review_edit", args=[ref]), reverse("closure_close", args=[ref]),
        ]

    def _check(self, response: Any, what: str) -> None:
        self.assertLess(response.status_code, 500, what)
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode("utf-8", "replace")
        if "csv" in response.get("Content-Type", ""):
            # A spreadsheet, not a page: formulas must be neutralised instead.
            for cell in ("=cmd", "+SUM", "@SUM", "-2+3"):
                self.assertNotIn(f",{cell}", body, f"formula left live in {what}")
                self.assertFalse(any(line.startswith(cell) for line in body.splitlines()), what)
            return
        for marker in hostile.RAW_MARKERS:
            self.assertNotIn(marker, body, f"unescaped markup after {what}")
        location = response.get("Location", "")
        if response.status_code == 302 and location and not urlsplit(location).netloc:
            page = self.client.get(location)
            self.assertLess(page.status_code, 500, f"{what} → {location}")
            text = page.content.decode("utf-8", "replace")
            for marker in hostile.RAW_MARKERS:
                self.assertNotIn(marker, text, f"unescaped markup on {location} after {what}")

    def _send(self, form: dict[str, Any], url: str, field: str, value: str, what: str) -> None:
        data = {**form["data"], field: [value]}
        hostile.tried()
        if form["method"] != "post":
            self._check(self.client.get(url, data), what)
            return
        before = history_rows()
        response = self.client.post(url, data)
        self._check(response, what)
        if response.status_code != 302:
            self.assertEqual(history_rows(), before, f"a refused {what} saved something")

    def test_every_form_field_survives_every_hostile_string(self) -> None:
        forms_seen = 0
        for page in self._pages():
            response = self.client.get(page)
            self.assertEqual(response.status_code, 200, page)
            parser = Forms()
            parser.feed(response.content.decode())
            for form in parser.forms:
                url = form["action"] or page
                if url.startswith(reverse("logout")) or form["files"] or not form["fuzz"]:
                    continue
                forms_seen += 1
                for i, field in enumerate(form["fuzz"]):
                    for label, value in hostile.STRINGS.items():
                        self._send(form, url, field, value, f"{page} {field}={label}")
                    if i == 0:
                        self._send(form, url, field, hostile.HUGE, f"{page} {field}=10 MB")
        self.assertGreaterEqual(forms_seen, 18)

    def test_every_upload_survives_every_hostile_file(self) -> None:
        ref = self.incident.reference
        uploads = [(reverse("subject_import_upload", args=[ref]), {}),
                   (reverse("disclosure_check"), {}),
                   (reverse("incident_disclosure_check", args=[ref]), {})]
        for url, extra in uploads:
            for label, (name, content) in hostile.files().items():
                hostile.tried()
                before = history_rows()
                with self.captureOnCommitCallbacks():  # queued work is run below, here, not sent to a broker
                    response = self.client.post(url, {**extra, "file": SimpleUploadedFile(name, content)})
                for queued in SubjectImport.objects.filter(status=SubjectImport.Status.QUEUED):
                    subject_import_run(queued.pk, False)
                self._check(response, f"{url} {label}")
                if response.status_code != 302:
                    self.assertEqual(history_rows(), before, f"a refused upload {label} to {url} saved something")
        checked = SubjectImport.objects.exclude(pk=self.subject_import.pk)
        self.assertGreater(checked.count(), 3)
        self.assertFalse(checked.filter(status=SubjectImport.Status.QUEUED).exists())
        for subject_import in checked:
            if subject_import.status == SubjectImport.Status.VALIDATED:
                # Import what passed the check: stored, then shown escaped.
                with self.captureOnCommitCallbacks():
                    self.client.post(subject_import.get_absolute_url(), {"action": "import", "only_valid": "on"})
                subject_import.refresh_from_db()
                if subject_import.status == SubjectImport.Status.IMPORTING:
                    subject_import_run(subject_import.pk, True)
            self.assertNotIn("/", subject_import.file_name)
            self.assertNotIn("..", subject_import.file_name)
            for name in ("subject_import_detail", "subject_import_report"):
                self._check(self.client.get(reverse(name, args=[ref, subject_import.pk])), name)
        self._check(self.client.get(reverse("subject_list", args=[ref])), "subject list after imports")
        self.assertGreater(self.incident.subjects.count(), 1, "the hostile names were imported (and escaped)")
