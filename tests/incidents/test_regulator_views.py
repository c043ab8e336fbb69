"""Issue 20, the regulator's case on the incident's "Regulator's case" tab: read by every role,
written by the DPO only; bad and hostile input refused with a plain message and nothing saved;
files kept encrypted and downloaded as attachments; History, audit CSV, retention, digest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from incidents.models import IncidentLink, RegulatorCase, RegulatorCorrespondence, RegulatorRequest
from incidents.regulator import services
from tests.base import BaseTestCase, make_incident
from tests.notifications.helpers import isolated_media

HOSTILE = "=cmd|' /C calc'!A0"


def _body(response: Any) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


class TabTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.url = reverse("regulator", args=[self.incident.reference])
        self.today = timezone.localdate()

    def _fill(self, n: int) -> None:
        for i in range(n):
            record = services.regulator_request_add(incident=self.incident, actor=self.dpo, fields={
                "received_on": self.today, "due_on": self.today + timedelta(days=10), "asked": f"Question {i}",
                "owner": self.handler if i % 2 else self.dpo})
            services.correspondence_add(incident=self.incident, actor=self.dpo, fields={
                "direction": "in", "sent_on": self.today, "summary": f"Letter {i}", "request": record})
            services.link_add(incident=self.incident, actor=self.dpo, other=make_incident(actor=self.dpo),
                              reason=f"Reason {i}")

    def test_every_role_reads_the_tab_and_an_outsider_is_refused(self) -> None:
        for user in (self.dpo, self.handler, self.auditor):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertContains(self.client.get(self.url), "The regulator's case")
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_only_the_dpo_sees_the_buttons_to_change_it(self) -> None:
        self.login(self.handler)
        self.assertNotContains(self.client.get(self.url), "Record an information request")
        self.login(self.dpo)
        self.assertContains(self.client.get(self.url), "Record an information request")

    def test_a_role_without_rights_cannot_write(self) -> None:
        ref = self.incident.reference
        self._fill(1)
        request = RegulatorRequest.objects.get()
        link = IncidentLink.objects.get()
        posts = {
            reverse("regulator_case_edit", args=[ref]): {"opened_on": self.today.isoformat()},
            reverse("regulator_request_add", args=[ref]): {"received_on": self.today.isoformat(), "asked": "x",
                                                           "due_on": self.today.isoformat(), "owner": self.dpo.pk},
            reverse("regulator_request_answer", args=[ref, request.pk]): {"answered_on": self.today.isoformat(),
                                                                          "reply": "x"},
            reverse("regulator_correspondence_add", args=[ref]): {"direction": "out", "sent_on": self.today.isoformat(),
                                                                  "summary": "x"},
            reverse("regulator_link_add", args=[ref]): {"other": make_incident(actor=self.dpo).reference,
                                                        "reason": "x"},
            reverse("regulator_link_remove", args=[ref, link.pk]): {"reason": "x"},
        }
        for user in (self.handler, self.auditor):
            self.login(user)
            for url, data in posts.items():
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.post(url, data).status_code, 403)
                    self.assertEqual(self.client.get(url).status_code, 403)
        self.assertFalse(RegulatorCase.objects.exists())
        self.assertEqual((RegulatorRequest.objects.get().status, RegulatorCorrespondence.objects.count(),
                          IncidentLink.objects.count()), ("open", 1, 1))

    def test_the_tab_costs_the_same_queries_for_one_item_or_many(self) -> None:
        services.case_save(incident=self.incident, actor=self.dpo, fields={"opened_on": self.today})
        self._fill(1)
        self.login(self.auditor)
        self.client.get(self.url)  # the first page after signing in also saves the session
        # Session, user, the two-factor device, the user's roles, the incident, the links with
        # both incidents, the case, the case reference, the information requests with owners,
        # the correspondence with who recorded it and its request: 10, however many rows.
        with self.assertNumQueries(10):
            self.assertEqual(self.client.get(self.url).status_code, 200)
        self._fill(6)
        with self.assertNumQueries(10):
            response = self.client.get(self.url)
        self.assertContains(response, "Question 5")
        self.assertContains(response, "Reason 5")

    def test_the_tab_shows_the_case_reference_from_the_reports(self) -> None:
        from incidents.assessment import services as assessment_services

        assessment_services.submission_record(incident=self.incident, actor=self.dpo, fields={
            "kind": "initial", "submitted_at": timezone.now(), "ico_reference": "IC-123456-A1B2"})
        self.login(self.auditor)
        self.assertContains(self.client.get(self.url), "IC-123456-A1B2")


class CaseFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.url = reverse("regulator_case_edit", args=[self.incident.reference])
        self.today = timezone.localdate()
        self.login(self.dpo)

    def _post(self, **overrides: str) -> Any:
        data = {"opened_on": (self.today - timedelta(days=10)).isoformat(), "case_officer": "Sam Reed",
                "outcome": "penalty", "outcome_on": self.today.isoformat(), "penalty_amount": "750000",
                "outcome_summary": "Fined."}
        data.update(overrides)
        return self.client.post(self.url, data)

    def test_the_dpo_records_a_penalty(self) -> None:
        self.assertRedirects(self._post(), reverse("regulator", args=[self.incident.reference]))
        page = self.client.get(reverse("regulator", args=[self.incident.reference]))
        self.assertContains(page, "Penalty (fine) on")
        self.assertContains(page, "£750000.00")

    def test_bad_amounts_say_what_is_wrong_and_save_nothing(self) -> None:
        for overrides, message in (({"penalty_amount": ""}, "Give the penalty amount in pounds."),
                                   ({"penalty_amount": "-5"}, "A penalty amount must be more than £0."),
                                   ({"penalty_amount": "lots"}, "Enter a number."),
                                   ({"penalty_amount": HOSTILE}, "Enter a number."),
                                   ({"outcome": "reprimand"}, "An amount is only for a penalty: leave it empty."),
                                   ({"outcome_on": "2026-02-30"}, "Enter a valid date.")):
            with self.subTest(overrides=overrides):
                response = self._post(**overrides)
                self.assertContains(response, message)
        self.assertFalse(RegulatorCase.objects.exists())

    def test_hostile_text_is_shown_escaped(self) -> None:
        self._post(outcome_summary="<script>alert(1)</script>", case_officer=HOSTILE)
        page = self.client.get(reverse("regulator", args=[self.incident.reference]))
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")
        self.assertNotContains(page, "<script>alert(1)")
        self.assertContains(page, "=cmd|&#x27; /C calc&#x27;!A0")


class RequestFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.today = timezone.localdate()
        self.login(self.dpo)

    def test_a_reply_date_before_receipt_is_a_form_error(self) -> None:
        response = self.client.post(reverse("regulator_request_add", args=[self.incident.reference]), {
            "received_on": self.today.isoformat(), "due_on": (self.today - timedelta(days=1)).isoformat(),
            "asked": "Your procedure.", "owner": str(self.dpo.pk)})
        self.assertContains(response, "The date to reply by cannot be before the request was received.")
        self.assertFalse(RegulatorRequest.objects.exists())

    def test_the_dpo_records_and_answers_a_request(self) -> None:
        response = self.client.post(reverse("regulator_request_add", args=[self.incident.reference]), {
            "received_on": self.today.isoformat(), "due_on": (self.today + timedelta(days=14)).isoformat(),
            "asked": "Your FOI release procedure.", "owner": str(self.dpo.pk)})
        self.assertRedirects(response, reverse("regulator", args=[self.incident.reference]))
        record = RegulatorRequest.objects.get()
        answer = reverse("regulator_request_answer", args=[self.incident.reference, record.pk])
        self.assertContains(self.client.post(answer, {"answered_on": self.today.isoformat(), "reply": ""}),
                            "This field is required.")
        self.client.post(answer, {"answered_on": self.today.isoformat(), "reply": "Procedure v3 sent."})
        record.refresh_from_db()
        self.assertEqual((record.status, record.reply), ("answered", "Procedure v3 sent."))
        self.assertContains(self.client.post(answer, {"answered_on": self.today.isoformat(), "reply": "Again"}),
                            "already answered")

    def test_a_request_of_another_incident_is_not_found(self) -> None:
        other = services.regulator_request_add(incident=make_incident(actor=self.dpo), actor=self.dpo, fields={
            "received_on": self.today, "due_on": self.today, "asked": "x", "owner": self.dpo})
        url = reverse("regulator_request_answer", args=[self.incident.reference, other.pk])
        self.assertEqual(self.client.get(url).status_code, 404)


class LinkFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.url = reverse("regulator_link_add", args=[self.incident.reference])
        self.login(self.dpo)

    def test_linking_to_itself_or_to_nothing_is_refused(self) -> None:
        for other, message in ((self.incident.reference, "An incident cannot be linked to itself."),
                               ("BR-0000-9999", "No incident in the register has that reference."),
                               (HOSTILE, "No incident in the register has that reference.")):
            with self.subTest(other=other):
                self.assertContains(self.client.post(self.url, {"other": other, "reason": "x"}), message)
        self.assertFalse(IncidentLink.objects.exists())

    def test_a_link_shows_on_both_incidents_and_can_be_removed(self) -> None:
        second = make_incident(actor=self.dpo, title="Second breach")
        self.assertRedirects(self.client.post(self.url, {"other": second.reference, "reason": "Same FOI team."}),
                             reverse("regulator", args=[self.incident.reference]))
        self.assertContains(self.client.post(self.url, {"other": second.reference, "reason": "Again"}),
                            "These incidents are already linked.")
        other_side = self.client.get(reverse("regulator", args=[second.reference]))
        self.assertContains(other_side, self.incident.reference)
        self.assertContains(other_side, "Same FOI team.")
        link = IncidentLink.objects.get()
        self.client.post(reverse("regulator_link_remove", args=[second.reference, link.pk]), {"reason": "Mistake"})
        self.assertFalse(IncidentLink.objects.exists())


@isolated_media
class CorrespondenceTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.url = reverse("regulator_correspondence_add", args=[self.incident.reference])
        self.today = timezone.localdate()

    def _post(self, upload: Any = None, **overrides: Any) -> Any:
        data: dict[str, Any] = {"direction": "out", "sent_on": self.today.isoformat(),
                                "summary": "Our reply to the ICO's questions."}
        if upload is not None:
            data["upload"] = upload
        data.update(overrides)
        return self.client.post(self.url, data)

    def test_a_letter_is_kept_encrypted_and_downloaded_as_an_attachment(self) -> None:
        self.login(self.dpo)
        content = b"%PDF-1.4 The reply letter, naming Wendy Witness"
        self.assertRedirects(self._post(SimpleUploadedFile("reply.pdf", content, "application/pdf")),
                             reverse("regulator", args=[self.incident.reference]))
        record = RegulatorCorrespondence.objects.get()
        self.assertTrue(record.file.name.startswith("regulator/"))
        self.assertEqual((record.file_name, record.file_size), ("reply.pdf", len(content)))
        with default_storage.open_raw(record.file.name) as raw:  # type: ignore[attr-defined]
            self.assertNotIn(b"Wendy Witness", raw.read())
        self.assertEqual(record.history.latest().history_user, self.dpo)
        self.login(self.auditor)  # read access is enough to download
        response = self.client.get(reverse("regulator_correspondence_file", args=[self.incident.reference, record.pk]))
        self.assertEqual(response["Content-Disposition"],
                         f'attachment; filename="{self.incident.reference}-regulator-{record.pk}.pdf"')
        self.assertEqual(b"".join(response.streaming_content), content)

    def test_a_letter_about_an_information_request_names_it(self) -> None:
        record = services.regulator_request_add(incident=self.incident, actor=self.dpo, fields={
            "received_on": self.today, "due_on": self.today, "asked": "x", "owner": self.dpo})
        other = services.regulator_request_add(incident=make_incident(actor=self.dpo), actor=self.dpo, fields={
            "received_on": self.today, "due_on": self.today, "asked": "x", "owner": self.dpo})
        self.login(self.dpo)
        self.assertContains(self._post(request=str(other.pk)), "Select a valid choice.")
        self.assertRedirects(self._post(request=str(record.pk)), reverse("regulator", args=[self.incident.reference]))
        self.assertEqual(RegulatorCorrespondence.objects.get().request, record)

    def test_a_download_needs_a_signed_in_reader(self) -> None:
        record = services.correspondence_add(incident=self.incident, actor=self.dpo, fields={
            "direction": "in", "sent_on": self.today, "summary": "x"},
            upload=SimpleUploadedFile("a.pdf", b"secret", "application/pdf"))
        url = reverse("regulator_correspondence_file", args=[self.incident.reference, record.pk])
        self.assertEqual(self.client.get(url).status_code, 302)
        self.login(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 403)
        other = make_incident(actor=self.dpo)
        self.login(self.auditor)
        self.assertEqual(self.client.get(
            reverse("regulator_correspondence_file", args=[other.reference, record.pk])).status_code, 404)

    def test_a_hostile_file_name_is_never_a_path(self) -> None:
        self.login(self.dpo)
        self._post(SimpleUploadedFile("../../etc/passwd", b"root:x:0:0", "text/plain"), summary=HOSTILE)
        record = RegulatorCorrespondence.objects.get()
        self.assertEqual(record.file_name, "passwd")
        self.assertRegex(record.file.name, r"^regulator/[0-9a-f]{32}(_\w+)?\.bin$")
        page = self.client.get(reverse("regulator", args=[self.incident.reference]))
        self.assertContains(page, "=cmd|&#x27; /C calc&#x27;!A0")
        response = self.client.get(reverse("regulator_correspondence_file", args=[self.incident.reference, record.pk]))
        self.assertIn(f"{self.incident.reference}-regulator-{record.pk}.bin", response["Content-Disposition"])

    @override_settings(BREACHTRACKER_MAX_UPLOAD_MB=1)
    def test_an_oversize_file_is_refused_and_nothing_is_saved(self) -> None:
        self.login(self.dpo)
        kept_before = default_storage.listdir("regulator")[1] if default_storage.exists("regulator") else []
        just_over = SimpleUploadedFile("big.pdf", b"x" * (1024 * 1024 + 1), "application/pdf")
        self.assertContains(self._post(just_over), "The file is larger than 1 MB, the largest this page accepts. "
                                                   "Nothing was saved.")
        far_over = SimpleUploadedFile("huge.pdf", b"x" * (2 * 1024 * 1024), "application/pdf")
        self.assertContains(self._post(far_over), "The file is larger than 1 MB", status_code=413)
        self.assertFalse(RegulatorCorrespondence.objects.exists())
        self.assertEqual(default_storage.listdir("regulator")[1] if default_storage.exists("regulator") else [],
                         kept_before)

    def test_bad_input_says_what_is_wrong(self) -> None:
        self.login(self.dpo)
        for overrides, message in (({"sent_on": (self.today + timedelta(days=1)).isoformat()},
                                    "The date cannot be in the future."),
                                   ({"direction": "sideways"}, "Select a valid choice."),
                                   ({"summary": ""}, "This field is required.")):
            with self.subTest(overrides=overrides):
                self.assertContains(self._post(**overrides), message)
        self.assertFalse(RegulatorCorrespondence.objects.exists())


@isolated_media
class RecordsTests(BaseTestCase):
    """History tab, audit CSV, retention and the digest."""

    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        self.today = timezone.localdate()
        services.case_save(incident=self.incident, actor=self.dpo, fields={
            "opened_on": self.today, "case_officer": "Sam Reed"})
        self.request = services.regulator_request_add(incident=self.incident, actor=self.dpo, fields={
            "received_on": self.today, "due_on": self.today + timedelta(days=2),
            "asked": "Why was Wendy Witness's statement released?", "owner": self.dpo})
        self.letter = services.correspondence_add(incident=self.incident, actor=self.dpo, fields={
            "direction": "out", "sent_on": self.today, "summary": "About Wendy Witness", "request": self.request},
            upload=SimpleUploadedFile("reply.pdf", b"%PDF Wendy Witness", "application/pdf"))
        self.second = make_incident(actor=self.dpo)
        services.link_add(incident=self.incident, actor=self.dpo, other=self.second, reason=HOSTILE)

    def test_the_history_tab_and_the_audit_csv_show_every_record_but_not_what_names_people(self) -> None:
        self.login(self.auditor)
        page = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        for text in ("Regulator&#x27;s case", "Case opened", "Regulator&#x27;s information request",
                     "Correspondence with the regulator", "Linked incident", self.second.reference):
            self.assertContains(page, text)
        self.assertNotContains(page, "Wendy Witness")
        self.assertNotContains(page, "Sam Reed")
        csv = _body(self.client.get(reverse("incident_audit_csv", args=[self.incident.reference])))
        for text in ("Regulator's case,Case opened on", "Regulator's information request,Reply by",
                     "Correspondence with the regulator,File name,—,reply.pdf",
                     f"Linked incident,The other incident,—,{self.second.reference}"):
            self.assertIn(text, csv)
        self.assertIn("'=cmd|", csv)  # the formula is neutralised
        self.assertNotIn("Wendy Witness", csv)
        other_side = self.client.get(reverse("incident_history", args=[self.second.reference]))
        self.assertContains(other_side, "Linked incident")

    def test_the_retention_purge_clears_the_text_and_the_file(self) -> None:
        from reporting.retention import incident_purge_personal_data

        name = self.letter.file.name
        with self.captureOnCommitCallbacks(execute=True):
            incident_purge_personal_data(incident=self.incident, actor=None, reason="Retention period over")
        self.assertFalse(default_storage.exists(name))
        letter = RegulatorCorrespondence.objects.get()
        self.assertEqual((letter.summary, letter.file.name, letter.direction),
                         (services.RETAINED, "", "out"))
        self.assertFalse(any("Wendy" in h.summary for h in letter.history.all()))
        request = RegulatorRequest.objects.get()
        self.assertEqual((request.asked, request.due_on), (services.RETAINED, self.today + timedelta(days=2)))
        self.assertFalse(any("Wendy" in h.asked for h in request.history.all()))
        self.assertEqual(RegulatorCase.objects.get().case_officer, "")

    def test_the_owner_hears_of_a_request_due_in_the_digest(self) -> None:
        from notifications import delivery

        self.dpo.email = "dpo@example.org"
        self.dpo.save()
        self.assertEqual(delivery.digests_send(today=self.today), 1)
        body = mail.outbox[0].body
        self.assertIn("The regulator's information requests due:", body)
        self.assertIn(f"{self.incident.reference}: information request received", body)
        self.assertNotIn("Wendy", body)
        with transaction.atomic():
            services.regulator_request_answer(record=self.request, actor=self.dpo, answered_on=self.today,
                                              reply="Sent.")
        self.assertFalse(services.requests_due(self.today).exists())


@isolated_media
class KeyRotationTests(BaseTestCase):
    def test_the_encrypted_text_is_rotated_with_the_keys(self) -> None:
        from io import StringIO

        from cryptography.fernet import Fernet
        from django.core.management import call_command
        from django.db import connection

        from breachtracker import crypto

        incident = make_incident(actor=self.dpo)
        today = timezone.localdate()
        case = services.case_save(incident=incident, actor=self.dpo, fields={"opened_on": today,
                                                                            "case_officer": "Sam Reed"})
        request = services.regulator_request_add(incident=incident, actor=self.dpo, fields={
            "received_on": today, "due_on": today, "asked": "About Wendy Witness", "owner": self.dpo})
        services.regulator_request_answer(record=request, actor=self.dpo, answered_on=today, reply="Wendy's file")
        letter = services.correspondence_add(incident=incident, actor=self.dpo, fields={
            "direction": "in", "sent_on": today, "summary": "Wendy Witness again"})
        with connection.cursor() as cursor:
            cursor.execute("SELECT asked FROM incidents_regulatorrequest")
            self.assertNotIn("Wendy", cursor.fetchone()[0])
        new = Fernet.generate_key().decode()
        with override_settings(FIELD_KEYS=[new, *crypto.settings.FIELD_KEYS]):
            call_command("rotate_field_keys", stdout=StringIO())
        with override_settings(FIELD_KEYS=[new]):
            self.assertEqual(RegulatorCase.objects.get(pk=case.pk).case_officer, "Sam Reed")
            fresh = RegulatorRequest.objects.get(pk=request.pk)
            self.assertEqual((fresh.asked, fresh.reply), ("About Wendy Witness", "Wendy's file"))
            self.assertEqual(fresh.history.earliest().asked, "About Wendy Witness")
            self.assertEqual(RegulatorCorrespondence.objects.get(pk=letter.pk).summary, "Wendy Witness again")
            self.assertEqual(RegulatorCorrespondence.history.get().summary,  # type: ignore[attr-defined]
                             "Wendy Witness again")
