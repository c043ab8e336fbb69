"""The DPO approves real sample letters; a batch uses exactly the approved versions."""

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader

from incidents.models import IncidentEvent
from incidents.vocab import roles_to_mask
from notifications import approvals, services
from notifications.models import Batch, LetterApproval, LetterTemplate, Notification
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import (
    fill_plan,
    generate_all,
    isolated_media,
    make_organisation,
    make_ready,
    record_decision_to_tell,
)
from tests.notifications.test_generation import pdf_text


@isolated_media
class ApprovedBeforeSentTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        self.ref = self.incident.reference
        self.victim = make_subject(self.incident, actor=self.dpo, full_name="Vic Tim", roles=roles_to_mask(["victim"]))
        self.witness = make_subject(self.incident, actor=self.dpo, full_name="Wit Ness",
                                    roles=roles_to_mask(["witness"]))

    def ready_but_unapproved(self) -> None:
        record_decision_to_tell(self.incident, self.dpo)
        fill_plan(self.incident, self.dpo)
        make_ready(self.incident, self.dpo)  # categories and organisation, then the approval
        LetterApproval.objects.all().delete()

    def start(self) -> Batch:
        with self.captureOnCommitCallbacks(execute=False):
            return services.batch_start(incident=self.incident, actor=self.dpo)

    def refusal(self) -> str:
        with self.assertRaises(approvals.BatchRefused) as refused:
            self.start()
        return str(refused.exception)

    def test_a_batch_is_refused_until_the_letters_are_approved_and_nothing_is_created(self) -> None:
        self.ready_but_unapproved()
        self.assertIn("has not approved sample letters", self.refusal())
        self.assertEqual((Batch.objects.count(), Notification.objects.count()), (0, 0))

    def test_the_approval_page_offers_a_sample_for_each_audience_present(self) -> None:
        self.ready_but_unapproved()
        self.login(self.dpo)
        response = self.client.get(reverse("letter_approval", args=[self.ref]))
        self.assertContains(response, reverse("letter_sample", args=[self.ref, "victim"]))
        self.assertContains(response, reverse("letter_sample", args=[self.ref, "witness"]))
        self.assertNotContains(response, reverse("letter_sample", args=[self.ref, "suspect"]))

    def test_the_sample_is_the_real_pdf_for_a_real_person(self) -> None:
        self.ready_but_unapproved()
        self.login(self.dpo)
        response = self.client.get(reverse("letter_sample", args=[self.ref, "witness"]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        self.assertIn("Dear Wit Ness", text)
        self.assertIn("you told us what you saw or heard", text)

    def test_a_sample_for_an_audience_nobody_is_in_is_404(self) -> None:
        self.ready_but_unapproved()
        self.login(self.dpo)
        self.assertEqual(self.client.get(reverse("letter_sample", args=[self.ref, "suspect"])).status_code, 404)

    def test_approving_records_the_plan_and_template_versions_and_an_event(self) -> None:
        self.ready_but_unapproved()
        self.login(self.dpo)
        self.client.post(reverse("letter_approval", args=[self.ref]))
        approval = LetterApproval.objects.get()
        current = LetterTemplate.objects.current()
        self.assertEqual(approval.plan_version, self.incident.notification_plan.version)
        self.assertEqual(approval.templates["victim"], current["victim"].pk)
        self.assertEqual(approval.history.get().history_user, self.dpo)
        self.assertIn("plan version", IncidentEvent.objects.filter(kind="approval").last().detail.lower())
        self.assertEqual(self.start().approval, approval)

    def test_letters_cannot_be_approved_while_the_plan_is_incomplete(self) -> None:
        record_decision_to_tell(self.incident, self.dpo)
        with self.assertRaises(approvals.ApprovalRefused):
            approvals.approval_record(incident=self.incident, actor=self.dpo)
        self.assertFalse(LetterApproval.objects.exists())

    def test_only_the_dpo_approves(self) -> None:
        self.ready_but_unapproved()
        with self.assertRaises(PermissionError):
            approvals.approval_record(incident=self.incident, actor=self.handler)

    def test_a_plan_change_after_approval_needs_a_new_approval(self) -> None:
        make_ready(self.incident, self.dpo)
        services.plan_update(incident=self.incident, actor=self.dpo, fields={"advice": "Call us on 0800 000 000."})
        self.assertIn("the notification plan's wording", self.refusal())

    def test_a_new_date_alone_keeps_the_approval(self) -> None:
        make_ready(self.incident, self.dpo)
        services.plan_update(incident=self.incident, actor=self.dpo, fields={"target_date": None})
        self.assertIsNotNone(approvals.valid_approval(self.incident))

    def test_a_template_change_for_an_audience_present_needs_a_new_approval(self) -> None:
        make_ready(self.incident, self.dpo)
        services.template_save(audience="witness", actor=self.dpo, email_subject="About {{ incident.reference }}",
                               body="<p>Dear {{ person.full_name }}</p>")
        self.assertIn("the witness letter", self.refusal())

    def test_a_template_change_for_an_audience_absent_keeps_the_approval(self) -> None:
        make_ready(self.incident, self.dpo)
        services.template_save(audience="suspect", actor=self.dpo, email_subject="About {{ incident.reference }}",
                               body="<p>Dear {{ person.full_name }}</p>")
        self.assertIsNotNone(approvals.valid_approval(self.incident))

    def test_a_running_batch_keeps_the_approved_wording_and_template(self) -> None:
        make_ready(self.incident, self.dpo)
        approved = LetterTemplate.objects.current()["victim"]
        batch = self.start()
        services.plan_update(incident=self.incident, actor=self.dpo, fields={"advice": "NEW ADVICE AFTER APPROVAL."})
        services.template_save(audience="victim", actor=self.dpo, email_subject="x",
                               body="<p>NEW TEMPLATE {{ person.full_name }}</p>")
        generate_all(batch)
        n = Notification.objects.get(subject=self.victim)
        text = pdf_text(n)
        self.assertEqual(n.template, approved)
        self.assertNotIn("NEW", text)
        self.assertIn("Be careful if someone you do not know gets in touch", text)
