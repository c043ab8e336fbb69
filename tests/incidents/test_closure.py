"""Issue 20: closing an incident — the closure review, and no closing with open actions,
requests or claims, or contacts needing follow-up unless the DPO says why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.casework import services as casework_services
from incidents.closure import services
from incidents.models import ClosureReview, Contact, Incident, IncidentAction
from tests.base import BaseTestCase, close_incident, make_incident, make_subject
from tests.hostile import IMG, SCRIPT


def decide_not_to_report(incident: Incident, actor: Any) -> None:
    assessment_services.decision_record(incident=incident, actor=actor, kind="report", fields={
        "outcome": False, "justification": "Unlikely to result in a risk to people."})


def add_action(incident: Incident, actor: Any, **fields: Any) -> IncidentAction:
    values = {"kind": "preventive", "description": "Turn off autocomplete in the email client.", "owner": actor,
              "due_on": timezone.localdate() + timedelta(days=10)}
    values.update(fields)
    return casework_services.action_create(incident=incident, actor=actor, fields=values)


def add_contact(incident: Incident, actor: Any, **fields: Any) -> Contact:
    """A helpline contact, logged through the helpline log's service (its author named); a
    `status` given is checked against what the service works out from the follow-up text."""
    status = fields.pop("status", None)
    values: dict[str, Any] = {"channel": "phone", "happened_at": timezone.now(),
                              "question": "Is my address in the file?"}
    values.update(fields)
    contact = casework_services.contact_create(incident=incident, actor=actor, fields=values)
    assert status in (None, contact.status), f"a contact with follow-up {contact.follow_up!r} is {contact.status}"
    return contact


class OpenItemsTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        decide_not_to_report(self.incident, self.dpo)
        self.person = make_subject(self.incident, actor=self.handler, full_name="Rhiannon Requester")

    def _everything_open(self) -> None:
        add_action(self.incident, self.dpo)
        casework_services.request_create(incident=self.incident, actor=self.handler, fields={
            "subject": self.person, "kind": "access", "received_on": timezone.localdate(),
            "summary": "All you hold about me.", "owner": self.handler})
        add_contact(self.incident, self.handler, subject=self.person, status="follow_up",
                    follow_up="Call back with the letter's date.")

    def test_closing_with_open_items_is_refused_with_what_is_open(self) -> None:
        self._everything_open()
        with self.assertRaises(ValidationError) as caught:
            assessment_services.incident_close(incident=self.incident, actor=self.dpo, reason="All done.")
        self.assertEqual(caught.exception.messages, [
            "You cannot close this incident yet. Not finished: 1 open action, 1 open request or claim, "
            "1 contact needing follow-up. Finish them first, or give the reason for closing with them open."])
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, Incident.Status.NOT_REPORTED)
        self.assertFalse(ClosureReview.objects.exists())

    def test_one_open_item_is_said_in_the_singular(self) -> None:
        add_action(self.incident, self.dpo)
        with self.assertRaisesMessage(ValidationError, "Not finished: 1 open action."):
            assessment_services.incident_close(incident=self.incident, actor=self.dpo, reason="All done.")

    def test_a_blank_reason_for_the_open_items_is_no_reason(self) -> None:
        add_action(self.incident, self.dpo)
        with self.assertRaisesMessage(ValidationError, "1 open action"):
            assessment_services.incident_close(incident=self.incident, actor=self.dpo, reason="Done.",
                                               open_items_reason="  \n ")

    def test_closing_with_open_items_and_the_dpos_reason_records_both(self) -> None:
        self._everything_open()
        assessment_services.incident_close(incident=self.incident, actor=self.dpo, reason="Board agreed.",
                                           open_items_reason="The training runs next quarter under the audit plan.")
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, Incident.Status.CLOSED)
        review = ClosureReview.objects.get(incident=self.incident)
        self.assertEqual(review.signed_off_by, self.dpo)
        self.assertIsNotNone(review.signed_off_at)
        self.assertEqual(review.open_items_at_close,
                         "1 open action, 1 open request or claim, 1 contact needing follow-up")
        self.assertEqual(review.open_items_reason, "The training runs next quarter under the audit plan.")
        latest = review.history.latest()
        self.assertEqual(latest.history_user, self.dpo)
        self.assertEqual(latest.history_change_reason,
                         "Signed off, closed with open items: The training runs next quarter under the audit plan.")

    def test_nothing_open_closes_and_signs_the_review_off(self) -> None:
        action = add_action(self.incident, self.dpo)
        casework_services.action_done(action=action, actor=self.dpo, done_on=timezone.localdate(),
                                      evidence="Setting changed for every mailbox.")
        dropped = add_action(self.incident, self.dpo)
        casework_services.action_drop(action=dropped, actor=self.dpo, reason="Replaced by the new client.")
        record = casework_services.request_create(incident=self.incident, actor=self.handler, fields={
            "subject": self.person, "kind": "access", "received_on": timezone.localdate(),
            "summary": "All you hold about me.", "owner": self.handler})
        casework_services.request_answer(record=record, actor=self.handler, answered_on=timezone.localdate(),
                                         outcome="Sent the copy.")
        add_contact(self.incident, self.handler, status="done")
        close_incident(self.incident, self.dpo)
        review = ClosureReview.objects.get(incident=self.incident)
        self.assertEqual((review.signed_off_by, review.open_items_at_close, review.open_items_reason),
                         (self.dpo, "", ""))
        self.assertEqual(review.history.latest().history_change_reason, "Signed off")

    def test_a_reason_given_when_nothing_is_open_is_not_kept(self) -> None:
        assessment_services.incident_close(incident=self.incident, actor=self.dpo, reason="Done.",
                                           open_items_reason="Just in case.")
        self.assertEqual(ClosureReview.objects.get(incident=self.incident).open_items_reason, "")

    def test_another_incidents_open_items_do_not_count(self) -> None:
        add_action(make_incident(actor=self.dpo), self.dpo)
        close_incident(self.incident, self.dpo)
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).status, Incident.Status.CLOSED)

    def test_reopening_withdraws_the_sign_off_and_the_history_keeps_it(self) -> None:
        add_action(self.incident, self.dpo)
        assessment_services.incident_close(incident=self.incident, actor=self.dpo, reason="Done.",
                                           open_items_reason="Tracked by the audit plan.")
        assessment_services.incident_reopen(incident=self.incident, actor=self.dpo, reason="New facts.")
        review = ClosureReview.objects.get(incident=self.incident)
        self.assertIsNone(review.signed_off_at)
        self.assertEqual(review.open_items_reason, "")
        reasons = list(review.history.order_by("history_date").values_list("open_items_reason", flat=True))
        self.assertEqual(reasons, ["Tracked by the audit plan.", ""])
        self.assertEqual(review.history.latest().history_change_reason,
                         "Sign-off withdrawn: incident reopened (New facts.)")


class ReviewServiceTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)

    def test_the_dpo_writes_what_happened_and_the_lessons(self) -> None:
        review = services.closure_review_save(incident=self.incident, actor=self.dpo, fields={
            "summary": " An email went to the wrong list. ", "lessons": "Check recipients before sending."})
        self.assertEqual(review.summary, "An email went to the wrong list.")
        self.assertEqual(review.history.latest().history_user, self.dpo)
        self.assertEqual(review.history.latest().history_change_reason, "Closure review written")
        services.closure_review_save(incident=self.incident, actor=self.dpo, fields={
            "summary": "An email went to the wrong list.", "lessons": "Use the group address only."})
        self.assertEqual(ClosureReview.objects.get().history.latest().history_change_reason, "Closure review changed")

    def test_both_parts_are_needed(self) -> None:
        with self.assertRaisesMessage(ValidationError, "Say what lessons were learned."):
            services.closure_review_save(incident=self.incident, actor=self.dpo,
                                         fields={"summary": "It happened.", "lessons": " "})
        self.assertFalse(ClosureReview.objects.exists())

    def test_only_the_dpo_writes_it(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.closure_review_save(incident=self.incident, actor=self.handler,
                                         fields={"summary": "It happened.", "lessons": "Some."})

    def test_a_closed_incidents_review_is_not_changed(self) -> None:
        close_incident(self.incident, self.dpo)
        with self.assertRaisesMessage(ValidationError, "Reopen the incident to change it."):
            services.closure_review_save(incident=self.incident, actor=self.dpo,
                                         fields={"summary": "It happened.", "lessons": "Some."})


class ClosureViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.incident = make_incident(actor=self.dpo)
        decide_not_to_report(self.incident, self.dpo)
        self.ref = self.incident.reference

    def test_roles_without_the_right_get_403_and_change_nothing(self) -> None:
        for user in (self.handler, self.auditor, self.outsider):
            self.login(user)
            for name in ("closure_review_edit", "closure_close"):
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.client.get(reverse(name, args=[self.ref])).status_code, 403)
            response = self.client.post(reverse("closure_review_edit", args=[self.ref]),
                                        {"summary": "It happened.", "lessons": "Some."})
            self.assertEqual(response.status_code, 403)
            response = self.client.post(reverse("closure_close", args=[self.ref]), {"reason": "Done."})
            self.assertEqual(response.status_code, 403)
        self.assertFalse(ClosureReview.objects.exists())
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).status, Incident.Status.NOT_REPORTED)
        self.login(self.outsider)
        self.assertEqual(self.client.get(reverse("closure", args=[self.ref])).status_code, 403)

    def test_an_empty_review_is_refused_with_what_is_missing(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("closure_review_edit", args=[self.ref]), {"summary": "", "lessons": " "})
        self.assertContains(response, "Say what happened.")
        self.assertContains(response, "Say what lessons were learned.")
        self.assertFalse(ClosureReview.objects.exists())

    def test_a_review_too_long_is_refused(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("closure_review_edit", args=[self.ref]),
                                    {"summary": "x" * 10_001, "lessons": "Some."})
        self.assertContains(response, "at most 10000 characters")
        self.assertFalse(ClosureReview.objects.exists())

    def test_the_review_is_saved_and_shown_escaped(self) -> None:
        self.login(self.dpo)
        response = self.client.post(reverse("closure_review_edit", args=[self.ref]),
                                    {"summary": SCRIPT, "lessons": IMG})
        self.assertRedirects(response, reverse("closure", args=[self.ref]))
        page = self.client.get(reverse("closure", args=[self.ref])).content.decode()
        self.assertNotIn(SCRIPT, page)
        self.assertNotIn(IMG, page)
        self.assertIn("&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;", page)

    def test_every_role_reads_the_tab_and_only_the_dpo_sees_the_buttons(self) -> None:
        for user, buttons in ((self.dpo, True), (self.handler, False), (self.auditor, False)):
            self.login(user)
            response = self.client.get(reverse("closure", args=[self.ref]))
            self.assertEqual(response.status_code, 200)
            self.assertEqual("Close the incident" in response.content.decode(), buttons, user.username)

    def test_the_close_page_lists_what_is_open_and_needs_a_reason_to_close_with_it(self) -> None:
        add_action(self.incident, self.dpo)
        self.login(self.dpo)
        url = reverse("closure_close", args=[self.ref])
        self.assertContains(self.client.get(url), "<li>1 open action</li>", html=True)
        response = self.client.post(url, {"reason": "Board agreed."})
        self.assertContains(response, "Not finished: 1 open action")
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).status, Incident.Status.NOT_REPORTED)
        response = self.client.post(url, {"reason": "", "open_items_reason": "Audit plan."})
        self.assertContains(response, "Say why the incident can be closed.")
        response = self.client.post(url, {"reason": "Board agreed.", "open_items_reason": "Audit plan tracks it."})
        self.assertRedirects(response, reverse("closure", args=[self.ref]))
        page = self.client.get(reverse("closure", args=[self.ref])).content.decode()
        self.assertIn("Signed off by Dana Okafor", page)
        self.assertIn("Audit plan tracks it.", page)

    def test_the_old_close_page_obeys_the_same_rule(self) -> None:
        add_action(self.incident, self.dpo)
        self.login(self.dpo)
        response = self.client.post(reverse("incident_close", args=[self.ref]), {"reason": "Done."})
        self.assertContains(response, "Not finished: 1 open action", status_code=400)
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).status, Incident.Status.NOT_REPORTED)


class ClosureHistoryTests(BaseTestCase):
    def test_the_history_tab_and_the_audit_csv_show_the_review_and_its_sign_off(self) -> None:
        incident = make_incident(actor=self.dpo)
        decide_not_to_report(incident, self.dpo)
        add_action(incident, self.dpo)
        services.closure_review_save(incident=incident, actor=self.dpo, fields={
            "summary": "An email went to the wrong list.", "lessons": "Check recipients."})
        assessment_services.incident_close(incident=incident, actor=self.dpo, reason="Done.",
                                           open_items_reason="Tracked by the audit plan.")
        self.login(self.dpo)
        page = self.client.get(reverse("incident_history", args=[incident.reference])).content.decode()
        self.assertIn("Closure review", page)
        self.assertIn("Tracked by the audit plan.", page)
        csv = b"".join(self.client.get(reverse("incident_audit_csv", args=[incident.reference]))
                       .streaming_content).decode()
        rows = [line for line in csv.splitlines() if "Closure review" in line]
        self.assertTrue(any("Lessons learned" in row and "Check recipients." in row for row in rows), rows)
        self.assertTrue(any("Why it was closed with items open" in row and "Tracked by the audit plan." in row
                            for row in rows), rows)
        self.assertTrue(any("Signed off by" in row and "Dana Okafor" in row for row in rows), rows)
